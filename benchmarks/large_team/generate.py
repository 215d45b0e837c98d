"""Generate the benchmark team (64 domains x 4 roles) and labelled requests, seeded.

Specialists of one domain share its vocabulary and every specialist shares the generic words
(records, reports, data, requests), so choosing among them is not trivial. Requests are
written from other templates and words than the descriptions; each names the specialists
that should be offered. `python -m benchmarks.large_team.generate` rewrites the JSON files.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
DOMAINS: list[tuple[str, list[str]]] = [
    ("payroll", ["salary", "payslip", "overtime", "withholding", "bonus", "pay run"]),
    ("shipping", ["carrier", "parcel", "freight", "tracking number", "delivery window", "pallet"]),
    (
        "inventory",
        ["stock level", "reorder point", "warehouse bin", "shrinkage", "cycle count", "sku"],
    ),
    ("billing", ["invoice", "credit note", "dunning", "payment terms", "late fee", "statement"]),
    ("procurement", ["purchase order", "supplier", "quote", "invoice", "lead time", "tender"]),
    (
        "recruiting",
        ["candidate", "job opening", "interview", "offer letter", "sourcing", "referral"],
    ),
    ("security", ["access badge", "vulnerability", "incident", "firewall", "phishing", "patch"]),
    (
        "marketing",
        ["campaign", "newsletter", "click rate", "audience", "landing page", "promo code"],
    ),
    ("support", ["ticket", "escalation", "response time", "satisfaction score", "macro", "queue"]),
    (
        "facilities",
        ["office lease", "desk booking", "cleaning", "maintenance", "floor plan", "hvac"],
    ),
    ("legal", ["contract", "clause", "nda", "litigation", "trademark", "counsel"]),
    ("treasury", ["cash position", "fx rate", "bank account", "liquidity", "hedge", "sweep"]),
    ("tax", ["vat return", "sales tax", "filing deadline", "nexus", "deduction", "audit trail"]),
    ("fleet", ["vehicle", "fuel card", "mileage", "service interval", "driver", "telematics"]),
    (
        "energy",
        ["electricity", "meter reading", "tariff", "solar panel", "consumption", "peak load"],
    ),
    ("quality", ["defect", "inspection", "tolerance", "batch", "root cause", "scrap rate"]),
    ("training", ["course", "certification", "learning path", "quiz", "enrollment", "instructor"]),
    ("travel", ["flight", "hotel", "per diem", "itinerary", "visa", "expense claim"]),
    ("it_helpdesk", ["laptop", "password reset", "vpn", "printer", "software license", "device"]),
    ("sales", ["pipeline", "deal", "quota", "lead", "forecast call", "discount"]),
    (
        "customer_success",
        ["renewal", "churn risk", "health score", "onboarding", "qbr", "adoption"],
    ),
    ("product", ["roadmap", "feature request", "release", "user story", "backlog", "beta"]),
    (
        "engineering",
        ["deployment", "pull request", "build", "incident review", "latency", "outage"],
    ),
    ("data_platform", ["pipeline job", "warehouse table", "schema", "freshness", "lineage", "etl"]),
    ("compliance", ["policy", "attestation", "control", "regulator", "gdpr", "retention"]),
    ("real_estate", ["property", "tenant", "rent roll", "vacancy", "appraisal", "lease renewal"]),
    (
        "manufacturing",
        ["production line", "work order", "throughput", "downtime", "yield", "shift"],
    ),
    (
        "retail_stores",
        ["store", "foot traffic", "planogram", "cashier", "opening hours", "basket size"],
    ),
    (
        "ecommerce",
        ["checkout", "cart abandonment", "product page", "conversion", "coupon", "returns portal"],
    ),
    (
        "logistics_returns",
        ["return label", "refund", "rma", "restocking", "damaged goods", "courier pickup"],
    ),
    (
        "partners",
        ["reseller", "partner tier", "co-marketing", "referral fee", "deal registration", "mdf"],
    ),
    (
        "investor_relations",
        ["earnings call", "shareholder", "guidance", "press release", "dividend", "analyst day"],
    ),
    (
        "esg",
        [
            "carbon footprint",
            "emissions",
            "sustainability report",
            "scope 3",
            "offset",
            "diversity",
        ],
    ),
    (
        "health_safety",
        ["accident", "ppe", "risk assessment", "first aid", "near miss", "evacuation"],
    ),
    ("events", ["conference", "booth", "registration", "venue", "speaker", "sponsorship"]),
    ("design", ["mockup", "brand guideline", "logo", "typography", "illustration", "style guide"]),
    ("localization", ["translation", "locale", "glossary", "string", "right to left", "dialect"]),
    (
        "research",
        ["survey", "interview study", "persona", "usability test", "sample size", "insight"],
    ),
    (
        "pricing",
        ["price list", "price increase", "margin", "competitor price", "bundle", "elasticity"],
    ),
    (
        "fraud",
        [
            "chargeback",
            "suspicious transaction",
            "velocity check",
            "stolen card",
            "account takeover",
            "blocklist",
        ],
    ),
    (
        "credit",
        ["credit limit", "credit score", "collections", "overdue", "risk rating", "write off"],
    ),
    ("insurance", ["policy renewal", "claim", "premium", "coverage", "deductible", "underwriting"]),
    (
        "audit_internal",
        ["audit finding", "sample test", "walkthrough", "remediation", "evidence", "audit plan"],
    ),
    (
        "budgeting",
        ["budget line", "cost center", "variance", "reforecast", "headcount plan", "capex"],
    ),
    (
        "accounts_payable",
        ["vendor bill", "three way match", "payment run", "early payment", "remittance", "accrual"],
    ),
    (
        "accounts_receivable",
        [
            "customer payment",
            "aging report",
            "cash application",
            "days sales outstanding",
            "receipt",
            "bad debt",
        ],
    ),
    (
        "benefits",
        ["health plan", "pension", "open enrollment", "dental", "life insurance", "wellness"],
    ),
    (
        "workforce",
        ["shift roster", "timesheet", "absence", "leave balance", "overtime approval", "rota"],
    ),
    ("board", ["board meeting", "minutes", "resolution", "committee", "director", "agenda"]),
    (
        "mergers",
        [
            "due diligence",
            "target company",
            "valuation",
            "synergy",
            "integration plan",
            "term sheet",
        ],
    ),
    (
        "cloud_costs",
        [
            "cloud bill",
            "reserved instance",
            "storage cost",
            "egress",
            "rightsizing",
            "cost anomaly",
        ],
    ),
    ("networking", ["bandwidth", "router", "wifi", "packet loss", "dns", "switch"]),
    (
        "identity",
        ["single sign on", "user account", "role assignment", "mfa", "offboarding", "directory"],
    ),
    ("documents", ["file share", "version history", "template", "archive", "scan", "e-signature"]),
    ("catering", ["menu", "lunch order", "dietary requirement", "coffee", "snacks", "canteen"]),
    (
        "warranty",
        [
            "warranty claim",
            "serial number",
            "repair",
            "replacement part",
            "coverage period",
            "technician visit",
        ],
    ),
    (
        "subscriptions",
        ["plan upgrade", "trial", "seat count", "cancellation", "billing cycle", "add-on"],
    ),
    ("community", ["forum post", "moderation", "ambassador", "meetup", "badge", "thread"]),
    ("social_media", ["post", "follower", "engagement", "hashtag", "influencer", "mention"]),
    (
        "public_relations",
        ["journalist", "media coverage", "press kit", "statement", "interview request", "embargo"],
    ),
    (
        "grants",
        [
            "grant application",
            "funding round",
            "eligibility",
            "milestone report",
            "award",
            "reviewer",
        ],
    ),
    ("labs", ["sample", "experiment", "reagent", "lab booking", "protocol", "assay"]),
    ("agriculture", ["harvest", "crop yield", "irrigation", "fertilizer", "field", "seed"]),
    ("hospitality", ["room booking", "guest", "check-in", "housekeeping", "occupancy", "minibar"]),
]
ROLES: dict[str, tuple[str, list[str]]] = {
    "analyst": ("Analyses", ["totals", "trend", "breakdown", "how many"]),
    "auditor": ("Audits", ["check", "anomalies", "irregular", "verify"]),
    "planner": ("Plans", ["schedule", "next quarter", "capacity", "prepare"]),
    "desk": ("Answers everyday questions about", ["help", "status", "who", "question"]),
}
GENERIC = "records, reports, data and requests"
REQUESTS = [
    "Can you {intent} the {a} figures and the {b} for last month?",
    "I need someone to {intent} our {b} situation, especially the {a}.",
    "Please {intent}: what is going on with {a} and {b} this week?",
]


def specialist(domain: str, terms: list[str], role: str) -> dict[str, Any]:
    """Return one synthetic specialist: name, description, tools with descriptions."""
    verb, _ = ROLES[role]
    topic = domain.replace("_", " ")
    return {
        "name": f"{domain}_{role}",
        "description": f"{verb} {topic}: {terms[0]}, {terms[1]} and {terms[2]} ({GENERIC}).",
        "tools": [
            {"name": f"{domain}_{role}_lookup", "description": f"Look up {terms[3]} {GENERIC}."},
            {"name": f"{domain}_{role}_list", "description": f"List {terms[4]} by period."},
        ],
    }


def team(size: int) -> list[dict[str, Any]]:
    """Return the first `size` specialists: the first size/4 domains, four roles each."""
    specs = [specialist(domain, terms, role) for domain, terms in DOMAINS for role in ROLES]
    return specs[:size]


def requests(seed: int = 7) -> list[dict[str, Any]]:
    """Return labelled requests: one per specialist and template family, a few spanning two."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for index, (domain, terms) in enumerate(DOMAINS):
        for role, (_, intents) in ROLES.items():
            for family, template in enumerate(REQUESTS[:2]):
                a, b = rng.sample([terms[1], terms[2], terms[3], terms[4], terms[5]], 2)
                out.append(
                    {
                        "request": template.format(intent=rng.choice(intents), a=a, b=b),
                        "labels": [f"{domain}_{role}"],
                        "split": "dev" if family == 0 else "test",
                        "first_domain": index,
                    }
                )
        # A request that needs two domains' specialists at once.
        other, other_terms = DOMAINS[(index + 1) % len(DOMAINS)]
        role = rng.choice(list(ROLES))
        out.append(
            {
                "request": REQUESTS[2].format(
                    intent=ROLES[role][1][0], a=terms[2], b=other_terms[3]
                ),
                "labels": [f"{domain}_{role}", f"{other}_{role}"],
                "split": "test",
                "first_domain": max(index, (index + 1) % len(DOMAINS)),
            }
        )
    return out


def main() -> None:
    """Write team.json (256 specialists) and requests.json."""
    (HERE / "team.json").write_text(json.dumps(team(256), indent=1) + "\n")
    (HERE / "requests.json").write_text(json.dumps(requests(), indent=1) + "\n")


if __name__ == "__main__":
    main()
