"""The sample business's documents: policies, quarterly memos and product notes, as markdown."""

from __future__ import annotations

from collections import Counter, defaultdict

from tools.sample_data import (
    CATEGORIES,
    DISCONTINUED_ON,
    DISCONTINUED_PRODUCT,
    NORTH_POLICY_ON,
    OUTDOOR_INCREASE,
    OUTDOOR_INCREASE_ON,
    REGIONS,
    WINDOW_AFTER,
    WINDOW_BEFORE,
    Rows,
)

_QUARTERS = [f"{y}-Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)]
_OUTLOOK = {
    "2024-Q1": "Steady start. Outdoor demand is seasonal and should pick up from April.",
    "2024-Q2": "Outdoor had its usual spring lift. No policy changes planned this half.",
    "2024-Q3": "Outdoor costs rose with freight. Pricing is reviewing Outdoor list prices.",
    "2024-Q4": "Outdoor list prices rise 15% on 2025-01-01 (see the pricing policy). Expect "
    "fewer Outdoor units in 2025 while revenue per unit rises.",
    "2025-Q1": "Outdoor units fell after the 2025-01-01 price increase, as expected. North's "
    "returns window is cut from 60 to 14 days on 2025-04-01 (see the returns policy).",
    "2025-Q2": "North's return rate dropped after the shorter returns window took effect. The "
    f"{DISCONTINUED_PRODUCT} is recalled and will be discontinued on "
    f"{DISCONTINUED_ON.isoformat()}.",
    "2025-Q3": f"The {DISCONTINUED_PRODUCT} is no longer sold. North returns stay low.",
    "2025-Q4": "A quiet close to the year. The pricing and returns policies stay as revised.",
}


def _quarter(iso: str) -> str:
    return f"{iso[:4]}-Q{(int(iso[5:7]) - 1) // 3 + 1}"


def _stats(rows: Rows) -> dict[str, dict]:
    """Per-quarter revenue, orders, units by category and return rate by region."""
    t = rows.tables
    cat_of = {p[0]: CATEGORIES[p[2] - 1] for p in t["products"]}
    region_of = {c[0]: REGIONS[c[2] - 1] for c in t["customers"]}
    order = {o[0]: (_quarter(o[2]), region_of[o[1]]) for o in t["orders"]}
    returned = {r[1] for r in t["returns"]}
    s: dict[str, dict] = defaultdict(
        lambda: {
            "revenue": 0.0,
            "orders": 0,
            "units": Counter(),
            "lines": Counter(),
            "returns": Counter(),
        }
    )
    for _, q_r in order.items():
        s[q_r[0]]["orders"] += 1
    for lid, oid, pid, qty, price in t["order_lines"]:
        q, region = order[oid]
        s[q]["revenue"] += qty * price
        s[q]["units"][cat_of[pid]] += qty
        s[q]["lines"][region] += 1
        s[q]["returns"][region] += lid in returned
    return s


def _memo(q: str, st: dict) -> str:
    regions = "\n".join(
        f"- {r}: {st['returns'][r] / st['lines'][r]:.1%} of order lines returned" for r in REGIONS
    )
    units = "\n".join(f"- {c}: {st['units'][c]:,} units" for c in CATEGORIES)
    return (
        f"# Quarterly memo {q}\n\n## Summary\n\nRevenue was ${st['revenue']:,.0f} from "
        f"{st['orders']:,} orders.\n\n## Regions\n\nReturn rate by region (orders placed "
        f"this quarter):\n\n{regions}\n\n## Categories\n\n{units}\n\n"
        f"## Outlook\n\n{_OUTLOOK[q]}\n"
    )


def _policies() -> dict[str, str]:
    inc, on = f"{OUTDOOR_INCREASE:.0%}", OUTDOOR_INCREASE_ON.isoformat()
    north = NORTH_POLICY_ON.isoformat()
    return {
        "pricing-policy.md": (
            "# Pricing policy\n\n## Scope\n\nList prices are set per product by the pricing "
            "team. The price on an order line is the list price on the order date.\n\n"
            "## Revision 2024-01-01: baseline list prices\n\nAll categories keep their 2023 "
            "list prices. No category-wide changes.\n\n"
            f"## Revision {on}: Outdoor price increase\n\nList prices of every product in the "
            f"Outdoor category rise by {inc}, effective for orders placed on or after {on}, "
            "to cover higher freight costs. Other categories are unchanged.\n\n"
            "## Discounts\n\nNo line-level discounts; promotions are run as price changes.\n"
        ),
        "returns-policy.md": (
            "# Returns policy\n\n## Scope\n\nA customer may return any order line within the "
            "returns window of their region, counted from the order date.\n\n"
            f"## Revision 2024-01-01: {WINDOW_BEFORE}-day window in all regions\n\nAll "
            f"regions accept returns within {WINDOW_BEFORE} days of the order date.\n\n"
            f"## Revision {north}: North returns window cut to {WINDOW_AFTER} days\n\nIn region "
            f"North only, the returns window is cut from {WINDOW_BEFORE} to {WINDOW_AFTER} days "
            f"for orders placed on or after {north}. South, East and West keep "
            f"{WINDOW_BEFORE} days.\n\n## How returns are recorded\n\nEach return is one row "
            "in `returns` for one order line, with the full line quantity.\n"
        ),
        "shipping-policy.md": (
            "# Shipping policy\n\n## Standard shipping\n\nFree over $50, delivered in 3 to 5 "
            "working days.\n\n## Express shipping\n\nNext working day for a flat $12.\n"
        ),
        "customer-segments.md": (
            "# Customer segments\n\n## Consumer\n\nIndividuals buying for themselves; about "
            "four in five customers.\n\n## Business\n\nSmall companies buying on account.\n"
        ),
        "data-dictionary.md": (
            "# Data dictionary\n\n## Tables\n\nregions, customers, product_categories, "
            "products, orders, order_lines, returns.\n\n## Definitions\n\nRevenue is "
            "sum(quantity * unit_price) over order_lines. Return rate is returned order "
            "lines / order lines, by order date. Returns received up to 2026-02-28 are "
            "included.\n\n## Prices\n\nproducts.list_price is today's price; "
            "order_lines.unit_price is the price paid.\n"
        ),
    }


def _product_notes(rows: Rows) -> dict[str, str]:
    out = {}
    for ci, cat in enumerate(CATEGORIES, start=1):
        items = "\n".join(
            f"- {p[1]}: ${p[3]:.2f}" + (f" (discontinued {p[4]})" if p[4] else "")
            for p in rows.tables["products"]
            if p[2] == ci
        )
        issues = "None open."
        if cat == "Electronics":
            issues = (
                f"The {DISCONTINUED_PRODUCT} was recalled for overheating; its last sale "
                f"was the day before {DISCONTINUED_ON.isoformat()}, when it was "
                "discontinued."
            )
        elif cat == "Outdoor":
            issues = f"Prices rose {OUTDOOR_INCREASE:.0%} on {OUTDOOR_INCREASE_ON.isoformat()}."
        out[f"product-notes-{cat.lower()}.md"] = (
            f"# Product notes: {cat}\n\n## Range\n\n{items}\n\n## Known issues\n\n{issues}\n"
        )
    return out


def build_documents(rows: Rows) -> dict[str, str]:
    """Return every sample document as ``{file name: markdown}``."""
    stats = _stats(rows)
    docs = _policies() | _product_notes(rows)
    for q in _QUARTERS:
        docs[f"memo-{q.lower()}.md"] = _memo(q, stats[q])
    return docs
