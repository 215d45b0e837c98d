"""Seeded generation of the sample business's rows (regions, customers, products, orders)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

REGIONS = ("North", "South", "East", "West")
CATEGORIES = ("Outdoor", "Kitchen", "Electronics", "Apparel", "Home")
START, END = date(2024, 1, 1), date(2025, 12, 31)
# The three events the documents explain; each leaves one checkable mark in the data.
OUTDOOR_INCREASE_ON, OUTDOOR_INCREASE = date(2025, 1, 1), 0.15
NORTH_POLICY_ON, WINDOW_BEFORE, WINDOW_AFTER = date(2025, 4, 1), 60, 14
DISCONTINUED_PRODUCT, DISCONTINUED_ON = "Pulse Mini Speaker", date(2025, 7, 1)

# Portable DDL: the same statements run on SQLite and PostgreSQL.
DDL = (
    "CREATE TABLE regions (region_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
    "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " region_id INTEGER NOT NULL REFERENCES regions(region_id), segment TEXT NOT NULL,"
    " joined_on DATE NOT NULL)",
    "CREATE TABLE product_categories (category_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
    "CREATE TABLE products (product_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " category_id INTEGER NOT NULL REFERENCES product_categories(category_id),"
    " list_price NUMERIC(10,2) NOT NULL, discontinued_on DATE)",
    "CREATE TABLE orders (order_id INTEGER PRIMARY KEY,"
    " customer_id INTEGER NOT NULL REFERENCES customers(customer_id),"
    " order_date DATE NOT NULL, channel TEXT NOT NULL)",
    "CREATE TABLE order_lines (line_id INTEGER PRIMARY KEY,"
    " order_id INTEGER NOT NULL REFERENCES orders(order_id),"
    " product_id INTEGER NOT NULL REFERENCES products(product_id),"
    " quantity INTEGER NOT NULL, unit_price NUMERIC(10,2) NOT NULL)",
    "CREATE TABLE returns (return_id INTEGER PRIMARY KEY,"
    " line_id INTEGER NOT NULL REFERENCES order_lines(line_id),"
    " return_date DATE NOT NULL, quantity INTEGER NOT NULL, reason TEXT NOT NULL)",
)
TABLES = (
    "regions",
    "customers",
    "product_categories",
    "products",
    "orders",
    "order_lines",
    "returns",
)

_NOUNS = {
    "Outdoor": (
        "Tent",
        "Backpack",
        "Lantern",
        "Sleeping Bag",
        "Hiking Poles",
        "Water Filter",
        "Camp Stove",
        "Rain Shell",
        "Hammock",
        "Cooler",
    ),
    "Kitchen": (
        "Chef Knife",
        "Skillet",
        "Dutch Oven",
        "Kettle",
        "Blender",
        "Cutting Board",
        "Stock Pot",
        "Coffee Grinder",
        "Mixing Bowls",
        "Toaster",
    ),
    "Electronics": (
        "Mini Speaker",
        "Headphones",
        "Charger",
        "Smart Plug",
        "Webcam",
        "Power Bank",
        "Keyboard",
        "Mouse",
        "Desk Lamp",
        "Router",
    ),
    "Apparel": (
        "Fleece",
        "Wool Socks",
        "Beanie",
        "Chinos",
        "Flannel Shirt",
        "Parka",
        "Gloves",
        "Rain Boots",
        "Tee",
        "Scarf",
    ),
    "Home": (
        "Throw Blanket",
        "Table Lamp",
        "Planter",
        "Wall Clock",
        "Rug",
        "Storage Basket",
        "Candle Set",
        "Mirror",
        "Pillow",
        "Bookshelf",
    ),
}
_BRANDS = ("Pulse", "Summit", "Ridge", "Harbor", "Maple", "Cedar", "Nimbus", "Atlas", "Orbit")
_PRICE = {
    "Outdoor": (40, 260),
    "Kitchen": (15, 140),
    "Electronics": (20, 180),
    "Apparel": (12, 150),
    "Home": (18, 220),
}
_RETURN_P = {"Outdoor": 0.07, "Kitchen": 0.06, "Electronics": 0.09, "Apparel": 0.12, "Home": 0.06}
_FIRST = (
    "Ada",
    "Ben",
    "Cara",
    "Dev",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Jun",
    "Kai",
    "Lena",
    "Mo",
    "Nia",
    "Oscar",
    "Pia",
    "Quinn",
    "Rui",
    "Sana",
    "Tom",
)
_LAST = (
    "Berg",
    "Costa",
    "Dahl",
    "Evans",
    "Fischer",
    "Garcia",
    "Holm",
    "Ito",
    "Jensen",
    "Kaur",
    "Lopez",
    "Meyer",
    "Novak",
    "Okafor",
    "Park",
    "Quist",
    "Rossi",
    "Silva",
    "Tanaka",
    "Weber",
)
_REASONS = ("changed mind", "damaged", "wrong size", "not as described", "late delivery")


@dataclass
class Rows:
    """All generated rows, keyed by table name, in insert order."""

    tables: dict[str, list[tuple]] = field(default_factory=dict)


def generate_rows(seed: int) -> Rows:
    """Generate every table's rows deterministically from ``seed``."""
    rng = random.Random(seed)
    out = Rows()
    out.tables["regions"] = [(i + 1, n) for i, n in enumerate(REGIONS)]
    out.tables["product_categories"] = [(i + 1, n) for i, n in enumerate(CATEGORIES)]
    customers = [
        (
            i,
            f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            rng.choices(range(1, 5), weights=(25, 25, 30, 20))[0],
            rng.choices(("consumer", "business"), weights=(4, 1))[0],
            (date(2021, 1, 1) + timedelta(days=rng.randrange(3 * 365))).isoformat(),
        )
        for i in range(1, 2001)
    ]
    out.tables["customers"] = customers
    products: list[tuple] = []
    base_price: dict[int, float] = {}
    by_cat: dict[str, list[tuple[int, str]]] = {c: [] for c in CATEGORIES}
    for ci, cat in enumerate(CATEGORIES, start=1):
        for noun in _NOUNS[cat]:
            pid = len(products) + 1
            brand = "Pulse" if noun == "Mini Speaker" else rng.choice(_BRANDS[1:])
            price = round(rng.uniform(*_PRICE[cat])) - 0.01
            base_price[pid] = price
            # list_price is today's price: Outdoor already carries the 2025 increase.
            now = round(price * (1 + OUTDOOR_INCREASE), 2) if cat == "Outdoor" else price
            name = f"{brand} {noun}"
            gone = DISCONTINUED_ON.isoformat() if name == DISCONTINUED_PRODUCT else None
            products.append((pid, name, ci, now, gone))
            by_cat[cat].append((pid, name))
    out.tables["products"] = products
    region_of = {c[0]: REGIONS[c[2] - 1] for c in customers}
    orders: list[tuple] = []
    lines: list[tuple] = []
    returns: list[tuple] = []
    day = START
    while day <= END:
        season = 1.5 if 4 <= day.month <= 9 else 0.8
        weights = [
            season * (1 - 0.3 * (day >= OUTDOOR_INCREASE_ON))
            if c == "Outdoor"
            else 1.0 + 0.05 * (day.year == 2025)
            for c in CATEGORIES
        ]
        for _ in range(rng.randint(12, 21) + (day.year == 2025)):
            oid, cust = len(orders) + 1, rng.randint(1, len(customers))
            channel = rng.choice(("web", "web", "store", "phone"))
            orders.append((oid, cust, day.isoformat(), channel))
            for _ in range(rng.choices((1, 2, 3, 4, 5), weights=(2, 3, 3, 2, 1))[0]):
                cat = rng.choices(CATEGORIES, weights=weights)[0]
                choices = [
                    p
                    for p in by_cat[cat]
                    if not (p[1] == DISCONTINUED_PRODUCT and day >= DISCONTINUED_ON)
                ]
                pid = rng.choice(choices)[0]
                up = base_price[pid]
                if cat == "Outdoor" and day >= OUTDOOR_INCREASE_ON:
                    up = round(up * (1 + OUTDOOR_INCREASE), 2)
                qty = rng.choices((1, 2, 3, 4), weights=(6, 3, 1, 0.5))[0]
                lid = len(lines) + 1
                lines.append((lid, oid, pid, qty, up))
                p, window = _RETURN_P[cat], WINDOW_BEFORE
                if region_of[cust] == "North" and day >= NORTH_POLICY_ON:
                    # The shorter window removes most late, change-of-mind returns.
                    p, window = p * 0.3, WINDOW_AFTER
                if rng.random() < p:
                    back = day + timedelta(days=rng.randint(2, window))
                    returns.append(
                        (len(returns) + 1, lid, back.isoformat(), qty, rng.choice(_REASONS))
                    )
        day += timedelta(days=1)
    out.tables.update(orders=orders, order_lines=lines, returns=returns)
    return out
