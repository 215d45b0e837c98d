"""Ground-truth SQL and document sections of the sample business (the bench and eval use them)."""

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
POLICY = ("returns-policy.md", "Revision 2025-04-01: North returns window cut to 14 days")
PRICING = ("pricing-policy.md", "Revision 2025-01-01: Outdoor price increase")
SPEAKER = ("product-notes-electronics.md", "Known issues")
SHIPPING = ("shipping-policy.md", "Express shipping")
DEFINITIONS = ("data-dictionary.md", "Definitions")

ORDERS_2025 = "SELECT COUNT(*) AS orders_2025 FROM orders WHERE order_date >= '2025-01-01'"
CUSTOMERS = "SELECT COUNT(*) AS customers FROM customers"
REVENUE_2025 = (
    "SELECT ROUND(SUM(l.quantity * l.unit_price), 2) AS revenue_2025 FROM order_lines l "
    "JOIN orders o ON o.order_id = l.order_id WHERE o.order_date >= '2025-01-01'"
)
NORTH_ORDERS_2025 = (
    "SELECT COUNT(*) AS north_orders_2025 FROM orders o "
    "JOIN customers c ON c.customer_id = o.customer_id "
    "JOIN regions r ON r.region_id = c.region_id "
    "WHERE r.name = 'North' AND o.order_date >= '2025-01-01'"
)
_UNITS = (
    "SELECT pc.name AS category, SUM(l.quantity) AS units FROM order_lines l "
    "JOIN orders o ON o.order_id = l.order_id JOIN products p ON p.product_id = l.product_id "
    "JOIN product_categories pc ON pc.category_id = p.category_id "
)
TOP_CATEGORY_2025 = _UNITS + "WHERE o.order_date >= '2025-01-01' GROUP BY 1 ORDER BY 2 DESC"
CATEGORY_UNITS_2024 = (
    _UNITS + "WHERE pc.name = '{category}' AND o.order_date < '2025-01-01' GROUP BY 1"
)
FIRST_OUTDOOR = (
    "SELECT p.name, p.list_price FROM products p "
    "JOIN product_categories pc ON pc.category_id = p.category_id "
    "WHERE pc.name = 'Outdoor' ORDER BY p.product_id LIMIT 1"
)
PAID_2024 = (
    "SELECT p.name, ROUND(AVG(l.unit_price), 2) AS unit_price_2024 FROM order_lines l "
    "JOIN orders o ON o.order_id = l.order_id JOIN products p ON p.product_id = l.product_id "
    "WHERE p.name = '{product}' AND o.order_date < '2025-01-01' GROUP BY 1"
)
