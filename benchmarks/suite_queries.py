"""The suite's ground truth: its SQL queries, sandbox code and document sections."""

from graph.testing.tasks import LOAD_CSV

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
