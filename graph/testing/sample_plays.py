"""How the scripted stand-in plays the sample evaluation dataset, in every architecture.

Each example's turns are tasks: the steps (specialist, objective, tool calls) that answer
them. The numbers in the answers come from the real tools on the sample data; only the
plan and the wording are scripted. `sample_stand_in` is the model `orchestra eval --sample`
uses when no model is configured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from graph.testing.playbook import Playbook
from graph.testing.policy_model import PolicyModel
from graph.testing.sample_code import CHART_CODE, GROWTH_CODE, RATE_CODE, STATS_CODE
from graph.testing.tasks import Step, Task, doc, python, report, sql
from state.dataset import Example
from tools.sample_queries import (
    CATEGORY_UNITS_2024,
    CHANNELS,
    CUSTOMERS,
    DEFINITIONS,
    NORTH_ORDERS_2025,
    NORTH_RATES,
    ORDERS_2024,
    ORDERS_2025,
    OUTDOOR_UNITS,
    PAID_2024,
    POLICY,
    PRICING,
    REASONS,
    REGION_ORDERS,
    REVENUE_2025,
    SEGMENTS,
    SHIPPING,
    SPEAKER,
    SPEAKER_LAST,
    TOP_CATEGORY_2025,
)

GREETING_ANSWER = (
    "Hello! I answer questions about the business: orders, customers, products, returns and "
    "revenue from its database, what its policies and memos say, statistics and charts, and "
    "written reports."
)
Turns = tuple[tuple[Step, ...], ...]

RATES = sql("rates", "North's return rate (%) before and from 2025-04-01.", NORTH_RATES)
WINDOW = doc("policy", "What the returns policy says about North in 2025.", "North returns "
             "window", *POLICY)  # fmt: skip
UNITS = sql("units", "Outdoor units sold per year.", OUTDOOR_UNITS, look="products")
PRICE = doc("pricing", "What the pricing policy says about Outdoor in 2025.", "Outdoor price "
            "increase", *PRICING)  # fmt: skip
LAST = sql("last", "The last date the Pulse Mini Speaker was sold.", SPEAKER_LAST)
REGIONS = sql("regions", "Orders per region, largest first.", REGION_ORDERS)

PLAYS: dict[str, Callable[[Example], Turns]] = {
    "orders-2024": lambda e: ((sql("count", "Count the orders placed in 2024.", ORDERS_2024,
                                   look="orders"),),),
    "orders-2025": lambda e: ((sql("count25", "Count the orders placed in 2025.", ORDERS_2025),),),
    "customers": lambda e: ((sql("customers", "Count the customers.", CUSTOMERS),),),
    "segments": lambda e: ((sql("segments", "Customers per segment.", SEGMENTS),),),
    "top-return-reason": lambda e: ((sql("reasons", "Returns per reason, most common first.",
                                         REASONS, look="returns"),),),
    "top-channel": lambda e: ((sql("channels", "Orders per channel.", CHANNELS),),),
    "top-region": lambda e: ((REGIONS,),),
    "revenue-2025": lambda e: ((sql("revenue", "Total revenue in 2025.", REVENUE_2025),),),
    "speaker-last-sold": lambda e: ((LAST,),),
    "north-window": lambda e: ((WINDOW,),),
    "outdoor-price-rise": lambda e: ((PRICE,),),
    "express-shipping": lambda e: ((doc("shipping", "What express shipping costs.",
                                        "express shipping", *SHIPPING),),),
    "return-rate-definition": lambda e: ((doc("definition", "How the data dictionary defines "
                                              "the return rate.", "return rate", *DEFINITIONS),),),
    "weekly-stats": lambda e: ((python("stats", "Mean and stdev of 120, 135, 150, 110, 160, "
                                       "175, 140.", STATS_CODE),),),
    "north-why": lambda e: ((RATES, WINDOW),),
    "outdoor-why": lambda e: ((UNITS, PRICE),),
    "speaker-why": lambda e: ((LAST, doc("notes", "Known issues of the Pulse Mini Speaker.",
                                         "Pulse Mini Speaker recall", *SPEAKER)),),
    "policies-2025": lambda e: ((WINDOW, PRICE),),
    "outdoor-growth": lambda e: ((UNITS, python("growth", "Percentage change of Outdoor "
                                                "units, 2024 to 2025.", GROWTH_CODE,
                                                ("units",))),),
    "north-drop": lambda e: ((RATES, python("drop", "Points North's return rate fell.",
                                            RATE_CODE, ("rates",))),),
    "region-chart": lambda e: ((REGIONS, python("chart", "Bar chart of orders per region.",
                                                CHART_CODE, ("regions",))),),
    "north-report": lambda e: ((RATES, WINDOW, report("report", "Report on North's returns.",
                                                      "North returns 2025",
                                                      ("rates", "policy"))),),
    "follow-up-north": lambda e: (
        (sql("count25", "Count the orders placed in 2025.", ORDERS_2025),),
        (sql("north25", "Count North customers' orders in 2025.", NORTH_ORDERS_2025),),
    ),
    "follow-up-category": lambda e: (
        (sql("top25", "Units per category in 2025, most first.", TOP_CATEGORY_2025),),
        (sql("cat24", f"Units of {e.metadata['category']} in 2024.",
             CATEGORY_UNITS_2024.format(category=e.metadata["category"])),),
    ),
    "greeting": lambda e: ((),),
    "list-price-vs-paid": lambda e: ((sql("paid", f"Unit price paid for the "
                                          f"{e.metadata['product']} in 2024.",
                                          PAID_2024.format(product=e.metadata["product"])),),),
}  # fmt: skip
ANSWERS = {"greeting": GREETING_ANSWER}


def sample_tasks(examples: Sequence[Example]) -> list[Task]:
    """Return one task per turn of each sample example the stand-in knows how to play."""
    tasks = []
    for example in examples:
        play = PLAYS.get(example.id)
        if play is None:
            continue
        for question, steps in zip(example.asked, play(example), strict=True):
            answer = ANSWERS.get(example.id, "")
            tasks.append(Task(example.id, "single", question, steps, answer=answer))
    return tasks


def sample_stand_in(examples: Sequence[Example]) -> PolicyModel:
    """Return the scripted model that plays the sample dataset in every architecture."""
    model = PolicyModel(script={})
    model.use(Playbook(sample_tasks(examples)))
    return model
