"""Sandboxed Python the scripted data_analyst runs on the sample (bench and eval plays)."""

from graph.testing.tasks import LOAD_CSV

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
