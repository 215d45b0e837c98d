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

import yaml

HERE = Path(__file__).parent
# Each domain's name and the words its specialists share (a data file, not code).
DOMAINS: list[tuple[str, list[str]]] = list(
    yaml.safe_load((HERE / "domains.yaml").read_text()).items()
)
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
