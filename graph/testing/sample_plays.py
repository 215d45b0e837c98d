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
from tools import sample_queries as q

GREETING_ANSWER = (
    "Hello! I answer questions about the business: orders, customers, products, returns and "
    "revenue from its database, what its policies and memos say, statistics and charts, and "
    "written reports."
)
Turns = tuple[tuple[Step, ...], ...]
Play = Callable[[Example], Turns]


def turn(*steps: Step) -> Play:
    """Return the play of a one-turn example: these steps."""
    return lambda example: (steps,)


COUNT_24 = sql("count", "Count the orders placed in 2024.", q.ORDERS_2024, look="orders")
COUNT_25 = sql("count25", "Count the orders placed in 2025.", q.ORDERS_2025)
RATES = sql("rates", "North's return rate (%) before and from 2025-04-01.", q.NORTH_RATES)
WINDOW = doc(
    "policy", "What the returns policy says about North in 2025.", "North returns window",
    *q.POLICY,
)  # fmt: skip
UNITS = sql("units", "Outdoor units sold per year.", q.OUTDOOR_UNITS, look="products")
PRICE = doc(
    "pricing", "What the pricing policy says about Outdoor in 2025.", "Outdoor price increase",
    *q.PRICING,
)  # fmt: skip
LAST = sql("last", "The last date the Pulse Mini Speaker was sold.", q.SPEAKER_LAST)
REGIONS = sql("regions", "Orders per region, largest first.", q.REGION_ORDERS)
NOTES = doc(
    "notes", "Known issues of the Pulse Mini Speaker.", "Pulse Mini Speaker recall", *q.SPEAKER
)


def _category_follow_up(example: Example) -> Turns:
    category = example.metadata["category"]
    top = sql("top25", "Units per category in 2025, most first.", q.TOP_CATEGORY_2025)
    query = q.CATEGORY_UNITS_2024.format(category=category)
    return (top,), (sql("cat24", f"Units of {category} in 2024.", query),)


def _price_paid(example: Example) -> Turns:
    product = example.metadata["product"]
    query = q.PAID_2024.format(product=product)
    return ((sql("paid", f"Unit price paid for the {product} in 2024.", query),),)


PLAYS: dict[str, Play] = {
    "orders-2024": turn(COUNT_24),
    "orders-2025": turn(COUNT_25),
    "customers": turn(sql("customers", "Count the customers.", q.CUSTOMERS)),
    "segments": turn(sql("segments", "Customers per segment.", q.SEGMENTS)),
    "top-return-reason": turn(
        sql("reasons", "Returns per reason, most common first.", q.REASONS, look="returns")
    ),
    "top-channel": turn(sql("channels", "Orders per channel.", q.CHANNELS)),
    "top-region": turn(REGIONS),
    "revenue-2025": turn(sql("revenue", "Total revenue in 2025.", q.REVENUE_2025)),
    "speaker-last-sold": turn(LAST),
    "north-window": turn(WINDOW),
    "outdoor-price-rise": turn(PRICE),
    "express-shipping": turn(
        doc("shipping", "What express shipping costs.", "express shipping", *q.SHIPPING)
    ),
    "return-rate-definition": turn(
        doc("definition", "The data dictionary's return rate.", "return rate", *q.DEFINITIONS)
    ),
    "weekly-stats": turn(
        python("stats", "Mean and stdev of 120, 135, 150, 110, 160, 175, 140.", STATS_CODE)
    ),
    "north-why": turn(RATES, WINDOW),
    "outdoor-why": turn(UNITS, PRICE),
    "speaker-why": turn(LAST, NOTES),
    "policies-2025": turn(WINDOW, PRICE),
    "outdoor-growth": turn(
        UNITS, python("growth", "Percent change of Outdoor units.", GROWTH_CODE, ("units",))
    ),
    "north-drop": turn(
        RATES, python("drop", "Points North's return rate fell.", RATE_CODE, ("rates",))
    ),
    "region-chart": turn(
        REGIONS, python("chart", "Bar chart of orders per region.", CHART_CODE, ("regions",))
    ),
    "north-report": turn(
        RATES,
        WINDOW,
        report("report", "Report on North's returns.", "North returns 2025", ("rates", "policy")),
    ),
    "follow-up-north": lambda example: (
        (COUNT_25,),
        (sql("north25", "Count North customers' orders in 2025.", q.NORTH_ORDERS_2025),),
    ),
    "follow-up-category": _category_follow_up,
    "greeting": turn(),
    "list-price-vs-paid": _price_paid,
}
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
