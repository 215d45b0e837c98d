"""The dataset side of the LangSmith capture server: datasets, examples, experiments, feedback.

Enough of LangSmith's REST API for `langsmith.Client` to create or update a dataset and run
`evaluate`/`aevaluate` against it: datasets (POST /datasets, GET /datasets?name=, GET
/datasets/ID, PATCH), examples (POST and PATCH /examples/bulk, GET /examples?dataset=, GET
/examples/ID), tracer sessions, which experiments are (POST /sessions, GET /sessions?name=,
GET /sessions/ID, PATCH /sessions/ID), and feedback (POST /feedback). Unknown ids answer as
the rest of the capture server does (200 with an empty object), except lookups by name or
id of a dataset, which answer 404 as LangSmith does.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any
from urllib.parse import parse_qs

TENANT = "00000000-0000-4000-8000-000000000001"


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


class DatasetStore:
    """Datasets, examples, sessions and feedback held in memory (the caller holds the lock)."""

    def __init__(self) -> None:
        self.datasets: dict[str, dict[str, Any]] = {}
        self.examples: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}

    def route(
        self, method: str, path: str, data: Any, feedback: list[dict[str, Any]]
    ) -> tuple[int, Any] | None:
        """Answer a dataset-side request, or None when it is not one."""
        route, _, query = path.partition("?")
        parts = [p for p in route.split("/") if p]
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        lists = parse_qs(query)
        if not parts or parts[0] not in ("datasets", "examples", "sessions", "feedback"):
            return None
        kind, ident = parts[0], parts[1] if len(parts) > 1 else None
        if kind == "feedback" and method == "POST" and isinstance(data, dict):
            feedback.append(data)
            return 200, {**data, "created_at": _now(), "modified_at": _now()}
        if kind == "datasets":
            return self._datasets(method, ident, params, data)
        if kind == "examples":
            return self._examples(method, ident, lists, data)
        if kind == "sessions":
            return self._sessions(method, ident, params, data)
        return None

    def _datasets(
        self, method: str, ident: str | None, params: dict[str, str], data: Any
    ) -> tuple[int, Any] | None:
        if method == "POST" and ident is None and isinstance(data, dict):
            if any(d["name"] == data.get("name") for d in self.datasets.values()):
                return 409, {"detail": "Dataset with this name already exists."}
            made = {
                "id": str(data.get("id") or uuid.uuid4()),
                "created_at": _now(),
                "modified_at": _now(),
                "example_count": 0,
                "session_count": 0,
                "data_type": "kv",
                "tenant_id": TENANT,
                **{k: v for k, v in data.items() if v is not None},
            }
            self.datasets[made["id"]] = made
            return 200, made
        if method == "GET" and ident is None:
            found = [d for d in self.datasets.values() if d["name"] == params.get("name")]
            return 200, [self._counted(d) for d in found]
        if ident in self.datasets:
            if method == "PATCH" and isinstance(data, dict):
                self.datasets[ident].update({k: v for k, v in data.items() if v is not None})
            return 200, self._counted(self.datasets[ident])
        if method == "GET":
            return 404, {"detail": "Dataset not found"}
        return None

    def _counted(self, dataset: dict[str, Any]) -> dict[str, Any]:
        count = sum(e["dataset_id"] == dataset["id"] for e in self.examples.values())
        return {**dataset, "example_count": count}

    def _examples(
        self, method: str, ident: str | None, lists: dict[str, list[str]], data: Any
    ) -> tuple[int, Any] | None:
        if ident == "bulk" and method in ("POST", "PATCH") and isinstance(data, list):
            taken = [str(i.get("id")) for i in data if str(i.get("id")) in self.examples]
            if method == "POST" and taken:
                # As LangSmith does: creating an example whose id exists is a conflict.
                return 409, {"detail": f"Examples already exist: {', '.join(taken)}"}
            made = []
            for item in data:
                key = str(item.get("id") or uuid.uuid4())
                old = self.examples.get(key, {"created_at": _now()})
                merged = {**old, **{k: v for k, v in item.items() if v is not None}}
                self.examples[key] = {**merged, "id": key, "modified_at": _now()}
                made.append(self.examples[key])
            return 200, made if method == "POST" else {"message": f"{len(made)} updated"}
        if method == "GET" and ident is None:
            datasets, ids = lists.get("dataset", []), lists.get("id", [])
            found = [
                e
                for e in self.examples.values()
                if (not datasets or e["dataset_id"] in datasets) and (not ids or e["id"] in ids)
            ]
            offset = int(lists.get("offset", ["0"])[-1])
            limit = int(lists.get("limit", ["100"])[-1])
            return 200, found[offset : offset + limit]
        if method == "GET" and ident in self.examples:
            return 200, self.examples[ident]
        return None

    def _sessions(
        self, method: str, ident: str | None, params: dict[str, str], data: Any
    ) -> tuple[int, Any] | None:
        if method == "POST" and ident is None and isinstance(data, dict):
            made = {
                "start_time": _now(),
                "tenant_id": TENANT,
                "reference_dataset_id": None,
                **{k: v for k, v in data.items() if v is not None},
            }
            made["id"] = str(made.get("id") or uuid.uuid4())
            self.sessions[made["id"]] = made
            return 200, made
        if method == "GET" and ident is None:
            named = params.get("name")
            found = [s for s in self.sessions.values() if named is None or s["name"] == named]
            # The client reads its tenant from any one session (GET /sessions?limit=1).
            return 200, found or ([] if named else [{"id": str(uuid.uuid4()), "tenant_id": TENANT}])
        if ident in self.sessions:
            if method == "PATCH" and isinstance(data, dict):
                self.sessions[ident].update({k: v for k, v in data.items() if v is not None})
            return 200, self.sessions[ident]
        return None
