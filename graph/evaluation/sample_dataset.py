"""The sample evaluation dataset, its ground truth read from the generated sample business.

Every figure is computed from the sample database when the dataset is written, so the
expectations hold for whatever the generator produced. `orchestra eval --sample` writes it
to `<home>/sample/eval.jsonl` and runs it.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from contextlib import closing
from pathlib import Path
from typing import Any

from tools.sample import SampleData
from tools.sample_queries import (
    CATEGORY_UNITS_2024,
    CHANNELS,
    CUSTOMERS,
    FIRST_OUTDOOR,
    NORTH_ORDERS_2025,
    NORTH_RATES,
    ORDERS_2024,
    ORDERS_2025,
    OUTDOOR_UNITS,
    PAID_2024,
    REASONS,
    REGION_ORDERS,
    REVENUE_2025,
    SEGMENTS,
    SPEAKER_LAST,
    TOP_CATEGORY_2025,
)

SQL, DOCS, PY = "sql_analyst", "doc_researcher", "data_analyst"
WEEKLY_SALES = (120, 135, 150, 110, 160, 175, 140)
GREETING = "Hello! What kinds of questions can you answer for me?"


def _example(
    eid: str, kind: str, asked: str | list[str], *specialists: str, **expect: Any
) -> dict[str, Any]:
    """Return one example as its JSON object: the question (or turns) and expectations."""
    approve = expect.pop("approve", None)
    meta = {"kind": kind, **expect.pop("metadata", {})}
    expect["specialists"] = list(specialists)
    numbers = expect.pop("numbers", [])
    if numbers:
        expect["numbers"] = [
            {"value": v, "tolerance": t} if t else {"value": v}
            for v, t in (n if isinstance(n, tuple) else (n, 0) for n in numbers)
        ]
    example: dict[str, Any] = {"id": eid}
    example.update({"turns": asked} if isinstance(asked, list) else {"question": asked})
    example["expect"] = expect
    if approve:
        example["approve"] = approve
    return {**example, "metadata": meta}


def sample_examples(sample: SampleData) -> list[dict[str, Any]]:
    """Return the sample dataset's examples, each expectation read from the database."""
    with closing(sqlite3.connect(f"file:{sample.db_path}?mode=ro", uri=True)) as con:

        def rows(query: str) -> list[tuple[Any, ...]]:
            return con.execute(query).fetchall()

        rates = dict(rows(NORTH_RATES))
        units = dict(rows(OUTDOOR_UNITS))
        segments = rows(SEGMENTS)
        reason, region, channel = rows(REASONS)[0], rows(REGION_ORDERS)[0], rows(CHANNELS)[0]
        last_sold = rows(SPEAKER_LAST)[0][0]
        category = rows(TOP_CATEGORY_2025)[0][0]
        category_2024 = rows(CATEGORY_UNITS_2024.format(category=category))[0][1]
        product, listed = rows(FIRST_OUTDOOR)[0]
        paid = rows(PAID_2024.format(product=product))[0][1]
        counts = {q: rows(q)[0][0] for q in (ORDERS_2024, ORDERS_2025, CUSTOMERS)}
        revenue, north_2025 = rows(REVENUE_2025)[0][0], rows(NORTH_ORDERS_2025)[0][0]
    growth = round((units["2025"] - units["2024"]) * 100 / units["2024"], 1)
    mean, stdev = statistics.mean(WEEKLY_SALES), statistics.stdev(WEEKLY_SALES)
    one = "one-specialist"
    return [
        _example("orders-2024", one, "How many orders were placed in 2024?", SQL,
                 numbers=[counts[ORDERS_2024]]),
        _example("orders-2025", one, "How many orders were placed in 2025?", SQL,
                 numbers=[counts[ORDERS_2025]]),
        _example("customers", one, "How many customers does the business have?", SQL,
                 numbers=[counts[CUSTOMERS]]),
        _example("segments", one, "How many customers are in each segment?", SQL,
                 numbers=[n for _, n in segments], mentions=[s for s, _ in segments]),
        _example("top-return-reason", one,
                 "What is the most common return reason, and how many returns gave it?", SQL,
                 numbers=[reason[1]], mentions=[reason[0]]),
        _example("top-channel", one, "Which sales channel has the most orders?", SQL,
                 numbers=[channel[1]], mentions=[channel[0]]),
        _example("top-region", one, "Which region has the most orders, and how many?", SQL,
                 numbers=[region[1]], mentions=[region[0]]),
        _example("revenue-2025", one, "What was the total revenue in 2025?", SQL,
                 numbers=[(revenue, 1.0)]),
        _example("speaker-last-sold", one, "When was the Pulse Mini Speaker last sold?", SQL,
                 mentions=[last_sold]),
        _example("north-window", one, "What is North's returns window for orders since "
                 "April 2025?", DOCS, mentions=["14 days"]),
        _example("outdoor-price-rise", one, "By how much did Outdoor list prices rise in 2025?",
                 DOCS, numbers=[15], mentions=["15%"]),
        _example("express-shipping", one, "What does express shipping cost?", DOCS,
                 numbers=[12], mentions=["next working day"]),
        _example("return-rate-definition", one,
                 "How does the data dictionary define the return rate?", DOCS,
                 mentions=["returned order lines / order lines"]),
        _example("weekly-stats", one, "What are the mean and standard deviation of weekly "
                 f"sales {', '.join(map(str, WEEKLY_SALES))}?", PY,
                 numbers=[(round(mean, 1), 0.05), (round(stdev, 1), 0.05)]),
        _example("north-why", "multi-specialist", "Why did North's return rate fall in 2025?",
                 SQL, DOCS, trajectory="superset", mentions=["14 days"],
                 numbers=[(rates["before"], 0.1), (rates["after"], 0.1)],
                 answer="North's returns window was cut from 60 to 14 days for orders from "
                 f"2025-04-01; its return rate fell from {rates['before']}% to "
                 f"{rates['after']}%."),
        _example("outdoor-why", "multi-specialist", "Why did Outdoor units sold fall in 2025?",
                 SQL, DOCS, trajectory="superset", mentions=["15%"],
                 numbers=[units["2024"], units["2025"]]),
        _example("speaker-why", "multi-specialist", "When was the Pulse Mini Speaker last "
                 "sold, and why did its sales stop?", SQL, DOCS, trajectory="unordered",
                 mentions=[last_sold, "recalled"]),
        _example("policies-2025", "multi-step", "What changed in the returns and pricing "
                 "policies in 2025?", DOCS, trajectory="unordered",
                 mentions=["14 days", "15%"]),
        _example("outdoor-growth", "dependent", "By what percentage did Outdoor units change "
                 "from 2024 to 2025?", SQL, trajectory="superset", numbers=[(growth, 0.1)]),
        _example("north-drop", "dependent", "By how many percentage points did North's "
                 "return rate fall after 2025-04-01?", SQL, trajectory="superset",
                 numbers=[(round(rates["before"] - rates["after"], 1), 0.1)]),
        _example("region-chart", "dependent", "Chart the orders per region and tell me which "
                 "region is largest.", SQL, PY, mentions=[region[0]]),
        _example("north-report", "approval", "Write a report on North's returns in 2025.",
                 SQL, DOCS, "report_writer", trajectory="unordered", approve="all",
                 mentions=["14 days"], numbers=[(rates["after"], 0.1)]),
        _example("follow-up-north", "follow-up", ["How many orders came in during 2025 "
                 "altogether?", "And how many of those came from customers in the North "
                 "region?"], SQL, numbers=[north_2025]),
        _example("follow-up-category", "follow-up", ["Which product category sold the most "
                 "units in 2025?", "How many units did that category sell in 2024?"], SQL,
                 numbers=[category_2024], metadata={"category": category}),
        _example("greeting", "no-specialist", GREETING),
        _example("list-price-vs-paid", "documents-contradict",
                 f"The Outdoor product notes list the {product} at ${listed:.2f}. What price "
                 "did customers actually pay per unit for it on orders placed in 2024?", SQL,
                 trajectory="superset", numbers=[(paid, 0.01)], metadata={"product": product}),
    ]  # fmt: skip


def write_sample_dataset(sample: SampleData) -> Path:
    """Write the sample dataset beside the sample database and return its path."""
    path = sample.db_path.parent / "eval.jsonl"
    lines = [json.dumps(example) for example in sample_examples(sample)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
