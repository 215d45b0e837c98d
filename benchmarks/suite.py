"""The task suite over the sample team: single-specialist, parallel, dependent, failure-injected."""

from __future__ import annotations

from benchmarks.tasks import ANSWER, LOAD_CSV, Fault, Task, doc, python, report, sql

_JOIN = (
    "FROM order_lines l JOIN orders o ON o.order_id = l.order_id "
    "JOIN customers c ON c.customer_id = o.customer_id "
    "JOIN regions r ON r.region_id = c.region_id "
)
ORDERS_2024 = "SELECT COUNT(*) AS orders_2024 FROM orders WHERE order_date < '2025-01-01'"
SEGMENTS = "SELECT segment, COUNT(*) AS customers FROM customers GROUP BY segment ORDER BY 2 DESC"
REASONS = "SELECT reason, COUNT(*) AS returns FROM returns GROUP BY reason ORDER BY 2 DESC"
CHANNELS = "SELECT channel, COUNT(*) AS orders FROM orders GROUP BY channel ORDER BY 2 DESC"
REGION_ORDERS = (
    "SELECT r.name AS region, COUNT(DISTINCT o.order_id) AS orders "
    + _JOIN
    + "GROUP BY 1 ORDER BY 2 DESC"
)
NORTH_RATES = (
    "SELECT CASE WHEN o.order_date >= '2025-04-01' THEN 'after' ELSE 'before' END AS period, "
    "ROUND(COUNT(rt.return_id) * 100.0 / COUNT(*), 1) AS return_rate_pct "
    + _JOIN
    + "LEFT JOIN returns rt ON rt.line_id = l.line_id WHERE r.name = 'North' GROUP BY 1 ORDER BY 1"
)
OUTDOOR_UNITS = (
    "SELECT SUBSTR(CAST(o.order_date AS TEXT), 1, 4) AS year, SUM(l.quantity) AS units "
    "FROM order_lines l JOIN orders o ON o.order_id = l.order_id "
    "JOIN products p ON p.product_id = l.product_id "
    "JOIN product_categories pc ON pc.category_id = p.category_id "
    "WHERE pc.name = 'Outdoor' GROUP BY 1 ORDER BY 1"
)
SPEAKER_LAST = (
    "SELECT MAX(o.order_date) AS last_sold FROM order_lines l "
    "JOIN orders o ON o.order_id = l.order_id JOIN products p ON p.product_id = l.product_id "
    "WHERE p.name = 'Pulse Mini Speaker'"
)
GROWTH_CODE = (
    LOAD_CSV
    + """rows = load("year", "units")
units = {r["year"]: int(r["units"]) for r in rows}
change = (units["2025"] - units["2024"]) * 100 / units["2024"]
print(f"Outdoor units {units['2024']} in 2024, {units['2025']} in 2025: change {change:.1f}%")
"""
)
RATE_CODE = (
    LOAD_CSV
    + """rows = load("period", "return_rate_pct")
rate = {r["period"]: float(r["return_rate_pct"]) for r in rows}
print(f"North return rate fell by {rate['before'] - rate['after']:.1f} points")
"""
)
CHART_CODE = (
    LOAD_CSV
    + """import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = load("region", "orders")
plt.bar([r["region"] for r in rows], [int(r["orders"]) for r in rows])
plt.savefig("orders_by_region.png", dpi=60)
print("largest region:", rows[0]["region"], rows[0]["orders"])
"""
)
STATS_CODE = """import statistics
sales = [120, 135, 150, 110, 160, 175, 140]
print(f"mean {statistics.mean(sales):.1f}, stdev {statistics.stdev(sales):.1f}")
"""
POLICY = ("returns-policy.md", "Revision 2025-04-01: North returns window cut to 14 days")
PRICING = ("pricing-policy.md", "Revision 2025-01-01: Outdoor price increase")
SPEAKER = ("product-notes-electronics.md", "Known issues")


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
        Task(
            "orders_2024",
            "single",
            "How many orders were placed in 2024?",
            (sql("count", "Count the orders placed in 2024.", ORDERS_2024, look="orders"),),
            expect_sql=ORDERS_2024,
        ),
        Task(
            "segments",
            "single",
            "How many customers are in each segment?",
            (sql("segments", "Customers per segment.", SEGMENTS),),
            expect_sql=SEGMENTS,
        ),
        Task(
            "return_reasons",
            "single",
            "What is the most common return reason?",
            (reasons,),
            expect_sql=REASONS,
        ),
        Task(
            "channels",
            "single",
            "Which sales channel has the most orders?",
            (sql("channels", "Orders per channel.", CHANNELS, look="orders"),),
            expect_sql=CHANNELS,
        ),
        Task(
            "north_window",
            "single",
            "What is North's returns window since April 2025?",
            (window,),
            expect=("14 days",),
        ),
        Task(
            "outdoor_price",
            "single",
            "By how much did Outdoor list prices rise in 2025?",
            (pricing,),
            expect=("15%",),
        ),
        Task(
            "speaker_issue",
            "single",
            "Why was the Pulse Mini Speaker discontinued?",
            (notes,),
            expect=("2025-07-01",),
        ),
        Task(
            "sales_stats",
            "single",
            "Mean and standard deviation of weekly sales 120, 135, 150, 110, 160, 175, 140?",
            (python("stats", "Mean and stdev of 120, 135, 150, 110, 160, 175, 140.", STATS_CODE),),
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
        Task(
            "outdoor_growth",
            "dependent",
            "By what percentage did Outdoor units change in 2025?",
            (
                units,
                python(
                    "growth",
                    "Percentage change of Outdoor units, 2024 to 2025.",
                    GROWTH_CODE,
                    ("units",),
                ),
            ),
            expect=("change -",),
        ),
        Task(
            "north_drop",
            "dependent",
            "By how many points did North's return rate fall?",
            (rates, python("drop", "Points North's return rate fell.", RATE_CODE, ("rates",))),
            expect=("fell by",),
        ),
        Task(
            "region_chart",
            "dependent",
            "Chart orders per region.",
            (regions, python("chart", "Bar chart of orders per region.", CHART_CODE, ("regions",))),
            expect=("largest region",),
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
