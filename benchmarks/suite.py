"""The task suite over the sample team: single-specialist, parallel, dependent, failure-injected."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from graph.testing.sample_code import CHART_CODE, GROWTH_CODE, RATE_CODE, STATS_CODE
from graph.testing.tasks import ANSWER, Fault, Step, Task, doc, python, report, sql
from tools.sample_queries import (
    CHANNELS,
    NORTH_RATES,
    ORDERS_2024,
    OUTDOOR_UNITS,
    POLICY,
    PRICING,
    REASONS,
    REGION_ORDERS,
    SEGMENTS,
    SPEAKER,
    SPEAKER_LAST,
)


def single(name: str, question: str, step: Step, **check: Any) -> Task:
    """Return a task one step answers, with how its answer is checked."""
    return Task(name, "single", question, (step,), **check)


def analysed(name: str, question: str, data: Step, analysis: Step, expect: str) -> Task:
    """Return a dependent task: a data step, then an analysis of what it produced."""
    after = replace(analysis, depends_on=(data.id,))
    return Task(name, "dependent", question, (data, after), expect=(expect,))


def sample_suite() -> list[Task]:
    """Return the 22 tasks of the default suite, each with a checkable answer."""
    rates = sql("rates", "North's return rate (%) before and from 2025-04-01.", NORTH_RATES)
    window = doc(
        "policy",
        "What the returns policy says about North in 2025.",
        "North returns window",
        *POLICY,
    )
    units = sql("units", "Outdoor units sold per year.", OUTDOOR_UNITS, look="products")
    pricing = doc(
        "pricing",
        "What the pricing policy says about Outdoor in 2025.",
        "Outdoor price increase",
        *PRICING,
    )
    last = sql("last", "The last date the Pulse Mini Speaker was sold.", SPEAKER_LAST)
    notes = doc(
        "notes", "Known issues of the Pulse Mini Speaker.", "Pulse Mini Speaker recall", *SPEAKER
    )
    regions = sql("regions", "Orders per region, largest first.", REGION_ORDERS)
    reasons = sql("reasons", "Returns per reason, most common first.", REASONS, look="returns")
    return [
        single(
            "orders_2024",
            "How many orders were placed in 2024?",
            sql("count", "Count the orders placed in 2024.", ORDERS_2024, look="orders"),
            expect_sql=ORDERS_2024,
        ),
        single(
            "segments",
            "How many customers are in each segment?",
            sql("segments", "Customers per segment.", SEGMENTS),
            expect_sql=SEGMENTS,
        ),
        single(
            "return_reasons",
            "What is the most common return reason?",
            reasons,
            expect_sql=REASONS,
        ),
        single(
            "channels",
            "Which sales channel has the most orders?",
            sql("channels", "Orders per channel.", CHANNELS, look="orders"),
            expect_sql=CHANNELS,
        ),
        single(
            "north_window",
            "What is North's returns window since April 2025?",
            window,
            expect=("14 days",),
        ),
        single(
            "outdoor_price",
            "By how much did Outdoor list prices rise in 2025?",
            pricing,
            expect=("15%",),
        ),
        single(
            "speaker_issue",
            "Why was the Pulse Mini Speaker discontinued?",
            notes,
            expect=("2025-07-01",),
        ),
        single(
            "sales_stats",
            "Mean and standard deviation of weekly sales 120, 135, 150, 110, 160, 175, 140?",
            python("stats", "Mean and stdev of 120, 135, 150, 110, 160, 175, 140.", STATS_CODE),
            expect=("mean 141.4", "stdev 22.5"),
        ),
        Task(
            "north_why",
            "parallel",
            "Why did North's return rate fall in 2025?",
            (rates, window),
            expect=("14 days",),
            expect_sql=NORTH_RATES,
        ),
        Task(
            "outdoor_why",
            "parallel",
            "Why did Outdoor units fall in 2025?",
            (units, pricing),
            expect=("15%",),
            expect_sql=OUTDOOR_UNITS,
        ),
        Task(
            "speaker_when",
            "parallel",
            "When was the Pulse Mini Speaker last sold, and why?",
            (last, notes),
            expect=("2025-07-01",),
            expect_sql=SPEAKER_LAST,
        ),
        Task(
            "regions_and_returns",
            "parallel",
            "Orders per region and returns per reason?",
            (regions, reasons),
            expect_sql=REGION_ORDERS,
        ),
        Task(
            "policies",
            "parallel",
            "What changed in the returns and pricing policies in 2025?",
            (window, pricing),
            expect=("14 days", "15%"),
        ),
        Task(
            "four_way",
            "parallel",
            "Explain 2025: North returns, Outdoor units, the speaker.",
            (rates, units, window, pricing),
            expect=("14 days", "15%"),
            expect_sql=OUTDOOR_UNITS,
        ),
        analysed(
            "outdoor_growth",
            "By what percentage did Outdoor units change in 2025?",
            units,
            python("growth", "Percentage change of Outdoor units, 2024 to 2025.", GROWTH_CODE),
            "change -",
        ),
        analysed(
            "north_drop",
            "By how many points did North's return rate fall?",
            rates,
            python("drop", "Points North's return rate fell.", RATE_CODE),
            "fell by",
        ),
        analysed(
            "region_chart",
            "Chart orders per region.",
            regions,
            python("chart", "Bar chart of orders per region.", CHART_CODE),
            "largest region",
        ),
        Task(
            "north_report",
            "dependent",
            "Write a report on North's returns in 2025.",
            (
                rates,
                window,
                report(
                    "report",
                    "Report on North's returns.",
                    "North returns 2025",
                    ("rates", "policy"),
                ),
            ),
            expect=("Report written",),
        ),
        Task(
            "failed_first_call",
            "failure",
            "Why did North's return rate fall in 2025?",
            (rates, window),
            expect=("14 days",),
            fault=Fault("policy", 0, 3, "doc_researcher's model is down for its first 3 requests"),
        ),
        Task(
            "failed_mid_step",
            "failure",
            "How did Outdoor units change, and why?",
            (units, pricing),
            expect=("15%",),
            fault=Fault("units", 1, 3, "sql_analyst's model is down for 3 requests mid-step"),
        ),
        Task(
            "transient_blip",
            "failure",
            "How many orders were placed in 2024?",
            (sql("count", "Count the orders placed in 2024.", ORDERS_2024, look="orders"),),
            expect_sql=ORDERS_2024,
            fault=Fault("count", 1, 1, "one 500 from the model mid-step"),
        ),
        Task(
            "answer_outage",
            "failure",
            "When was the Pulse Mini Speaker last sold, and why?",
            (last, notes),
            expect=("2025-07-01",),
            fault=Fault(ANSWER, 0, 3, "the model is down for 3 requests at the final answer"),
        ),
    ]
