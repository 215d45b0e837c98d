"""The demo's script: what the scripted stand-in says for each role, turn by turn.

Only the words and the plan are scripted. Every number comes from the real tools: the
scripted replies quote the tool results they were given, so the answer is the sample data's.
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import BaseMessage

from graph.testing import Reply, call, last_tool_text, plan, step

DEMO_QUESTION = (
    "Why did returns fall in the North region in 2025? Show North's monthly return rate "
    "against the other regions in a chart, and write a report."
)
NORTH_SECTION = "Revision 2025-04-01: North returns window cut to 14 days"

MONTHLY_RATES_SQL = (
    "SELECT SUBSTR(CAST(o.order_date AS TEXT), 1, 7) AS month, "
    "CASE WHEN r.name = 'North' THEN 'North' ELSE 'Other' END AS region, "
    "ROUND(COUNT(rt.return_id) * 1.0 / COUNT(*), 4) AS return_rate, COUNT(*) AS lines "
    "FROM order_lines l JOIN orders o ON o.order_id = l.order_id "
    "JOIN customers c ON c.customer_id = o.customer_id "
    "JOIN regions r ON r.region_id = c.region_id "
    "LEFT JOIN returns rt ON rt.line_id = l.line_id GROUP BY 1, 2 ORDER BY 1, 2"
)
BEFORE_AFTER_SQL = (
    "SELECT CASE WHEN r.name = 'North' THEN 'North' ELSE 'Other' END AS region, "
    "CASE WHEN o.order_date >= '2025-04-01' THEN 'from 2025-04-01' ELSE 'before' END AS period, "
    "ROUND(COUNT(rt.return_id) * 100.0 / COUNT(*), 1) AS return_rate_pct "
    "FROM order_lines l JOIN orders o ON o.order_id = l.order_id "
    "JOIN customers c ON c.customer_id = o.customer_id "
    "JOIN regions r ON r.region_id = c.region_id "
    "LEFT JOIN returns rt ON rt.line_id = l.line_id GROUP BY 1, 2 ORDER BY 1, 2 DESC"
)
CHART_CODE = """\
import csv, statistics
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

rows = list(csv.DictReader(open("inputs/query_1.csv")))
months = sorted({r["month"] for r in rows})
rate = {(r["month"], r["region"]): float(r["return_rate"]) for r in rows}
for region in ("North", "Other"):
    before = [rate[m, region] for m in months if m < "2025-04" and (m, region) in rate]
    after = [rate[m, region] for m in months if m >= "2025-04" and (m, region) in rate]
    print(f"{region}: mean monthly return rate {statistics.mean(before):.1%} before 2025-04, "
          f"{statistics.mean(after):.1%} from 2025-04")
fig, ax = plt.subplots(figsize=(9, 4))
for region in ("North", "Other"):
    ax.plot(months, [rate.get((m, region)) for m in months], marker="o", label=region)
ax.axvline("2025-04", color="grey", linestyle="--", label="North window cut to 14 days")
ax.set_ylabel("return rate")
ax.set_title("Monthly return rate by order month")
ax.tick_params(axis="x", rotation=90)
ax.legend()
fig.tight_layout()
fig.savefig("north_return_rate.png", dpi=100)
"""


def _sql_summary(messages: list[BaseMessage]) -> dict[str, Any]:
    rates = last_tool_text(messages).split("\n(saved as")[0]
    return {
        "content": "Return rate (returned order lines / order lines, by order date), "
        "North against the other regions, before and from 2025-04-01:\n"
        f"{rates}\nQuery: {BEFORE_AFTER_SQL}\nThe monthly series is in query_1.csv."
    }


def _doc_summary(messages: list[BaseMessage]) -> dict[str, Any]:
    text = last_tool_text(messages)
    sentence = next(
        (line for line in text.splitlines() if line.startswith("In region North")), text[:300]
    )
    return {"content": f"{sentence} [returns-policy.md § {NORTH_SECTION}]"}


def _chart_summary(messages: list[BaseMessage]) -> dict[str, Any]:
    text = last_tool_text(messages)
    return {"content": "Computed from the SQL step's monthly series:\n" + text}


def _report_call(messages: list[BaseMessage]) -> dict[str, Any]:
    # The brief's first line is this step's objective and its last the budget: keep the rest.
    findings = "\n".join(messages[1].text.splitlines()[1:-1]).strip()
    body = f"## Question\n\n{DEMO_QUESTION}\n\n## Findings from the specialists\n\n{findings}"
    return call("write_report", title="Why North's returns fell in 2025", body_markdown=body)


def _rate(reports: str, region: str, period: str) -> str:
    found = re.search(rf"^{region}\s*\|\s*{period}\s*\|\s*([\d.]+)", reports, re.MULTILINE)
    return f"{found.group(1)}%" if found else "?"


def _artifact(reports: str, step_id: str, suffix: str) -> str:
    section = reports.split(f"## Step {step_id} ", 1)[-1].split("\n## Step ", 1)[0]
    found = re.search(rf"^Artifacts: .*?([^\s,]+{suffix})", section, re.MULTILINE)
    return found.group(1) if found else "(not produced)"


def _final_answer(messages: list[BaseMessage]) -> dict[str, Any]:
    # A synthesis that points at the steps and their files; the reports stay in the ledger.
    reports = messages[-1].text.split("Reports:\n", 1)[-1]
    cut = "from 2025-04-01"
    north = f"{_rate(reports, 'North', 'before')} before, {_rate(reports, 'North', cut)} after"
    other = f"{_rate(reports, 'Other', 'before')} and {_rate(reports, 'Other', cut)}"
    return {
        "content": "North's returns fell because its returns window was cut from 60 to 14 "
        "days for orders from 2025-04-01, while the other regions kept 60 days "
        f"(step policy: returns-policy.md § {NORTH_SECTION}).\n\n"
        f"- Return rate in North: {north} the cut; the other regions: {other} "
        "(step rates).\n"
        f"- Chart of the monthly rates (step chart): {_artifact(reports, 'chart', '.png')}\n"
        f"- Report (step report): {_artifact(reports, 'report', '.md')}"
    }


DEMO_SCRIPT: dict[str, list[Reply]] = {
    "orchestrator": [
        plan(
            step(
                "rates",
                "sql_analyst",
                "Compute the monthly return rate (returned order lines / order lines) for North "
                "and for the other regions, 2024-2025, and the rate before and from 2025-04-01.",
            ),
            step(
                "policy",
                "doc_researcher",
                "Find what the returns policy says about the North region in 2025, citing "
                "document and section.",
            ),
            step(
                "chart",
                "data_analyst",
                "Chart North's monthly return rate against the other regions and compute the "
                "mean rate before and from 2025-04.",
                "rates",
            ),
            step(
                "report",
                "report_writer",
                "Write a report on why North's returns fell, with the numbers, the policy "
                "citation and the chart.",
                "rates",
                "policy",
                "chart",
            ),
        ),
        _final_answer,
    ],
    "sql_analyst": [
        call("run_sql", query=MONTHLY_RATES_SQL),
        call("run_sql", query=BEFORE_AFTER_SQL),
        _sql_summary,
    ],
    "doc_researcher": [
        call("search_docs", query="North returns window"),
        call("read_doc", doc="returns-policy.md", section=NORTH_SECTION),
        _doc_summary,
    ],
    "data_analyst": [call("run_python", code=CHART_CODE), _chart_summary],
    "report_writer": [_report_call, lambda m: {"content": last_tool_text(m)}],
}
