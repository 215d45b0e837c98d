"""LangSmith-compatible capture server that records traced runs for offline tests."""

from __future__ import annotations

import gzip
import io
import json
import time
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from tests.servers._http import LoopbackServer, QuietHandler
from tests.servers.langsmith_datasets import DatasetStore

_RUN_FIELDS = ("inputs", "outputs", "events", "extra", "error", "serialized")


def _decode_body(raw: bytes, encoding: str) -> bytes:
    """Undo gzip or zstd Content-Encoding."""
    encoding = encoding.strip().lower()
    if encoding == "gzip":
        return gzip.decompress(raw)
    if encoding == "zstd":
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(
            io.BytesIO(raw), read_across_frames=True
        )
        with reader:
            return reader.read()
    return raw


def parse_multipart(body: bytes, content_type: str) -> list[tuple[str, str, bytes]]:
    """Split a multipart/form-data body into (name, content type, payload) triples."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    parts = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition") or ""
        payload = part.get_payload(decode=True) or b""
        parts.append((str(name), part.get_content_type(), payload))
    return parts


class _Handler(QuietHandler):
    """Routes requests to the owning LangSmithCaptureServer."""

    def _dispatch(self) -> None:
        owner: LangSmithCaptureServer = self.server.owner  # type: ignore[attr-defined]
        body = b""
        if self.command in ("POST", "PATCH", "PUT"):
            body = _decode_body(self.read_body(), self.headers.get("Content-Encoding", ""))
        status, payload = owner.handle(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
        )
        self.send_bytes(status, json.dumps(payload).encode())

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _dispatch


class LangSmithCaptureServer(LoopbackServer):
    """Accepts LangSmith ingest calls (/runs, /runs/batch, /runs/multipart) and merges runs.

    It also keeps datasets, examples, experiments (tracer sessions) and feedback, as
    `evaluate`/`aevaluate` use them (tests/servers/langsmith_datasets.py).
    """

    handler_class = _Handler

    def __init__(self, *, zstd: bool = True, multipart: bool = True) -> None:
        super().__init__()
        self.zstd = zstd
        self.multipart = multipart
        self._runs: dict[str, dict[str, Any]] = {}
        self._raw_bodies: list[bytes] = []
        self._requests: list[dict[str, Any]] = []
        self._feedback: list[dict[str, Any]] = []
        self.store = DatasetStore()

    @property
    def url(self) -> str:
        """Return the LangSmith API URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def runs(self) -> dict[str, dict[str, Any]]:
        """Return a snapshot of merged runs keyed by run id."""
        with self.lock:
            return {rid: dict(run) for rid, run in self._runs.items()}

    @property
    def raw_bodies(self) -> list[bytes]:
        """Return every (decompressed) request body received."""
        with self.lock:
            return list(self._raw_bodies)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Return {method, path, headers (lower-cased keys)} records of every request."""
        with self.lock:
            return list(self._requests)

    @property
    def feedback(self) -> list[dict[str, Any]]:
        """Return feedback objects received through multipart ingest or /feedback."""
        with self.lock:
            return list(self._feedback)

    @property
    def datasets(self) -> list[dict[str, Any]]:
        """Return the datasets created, each with its examples under "examples"."""
        with self.lock:
            return [
                {
                    **d,
                    "examples": [
                        dict(e) for e in self.store.examples.values() if e["dataset_id"] == d["id"]
                    ],
                }
                for d in self.store.datasets.values()
            ]

    @property
    def experiments(self) -> list[dict[str, Any]]:
        """Return the tracer sessions that run a dataset: the experiments."""
        with self.lock:
            return [dict(s) for s in self.store.sessions.values() if s.get("reference_dataset_id")]

    def wait_for_runs(
        self, predicate: Callable[[dict[str, dict[str, Any]]], bool], timeout: float = 10.0
    ) -> dict[str, dict[str, Any]]:
        """Poll until predicate(runs) is true; return the runs or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            runs = self.runs
            if predicate(runs):
                return runs
            if time.monotonic() >= deadline:
                raise TimeoutError(f"runs never satisfied predicate; have {len(runs)} runs")
            time.sleep(0.05)

    def info(self) -> dict[str, Any]:
        """Return the /info payload (multipart or batch ingest; zstd advertised or not)."""
        return {
            "version": "0.10.0",
            "batch_ingest_config": {
                "use_multipart_endpoint": self.multipart,
                "scale_up_qsize_trigger": 1000,
                "scale_up_nthreads_limit": 16,
                "scale_down_nempty_trigger": 4,
                "size_limit": 100,
                "size_limit_bytes": 20_971_520,
            },
            "instance_flags": {"zstd_compression_enabled": self.zstd},
        }

    def _merge(self, run_id: str, fields: dict[str, Any]) -> None:
        """Merge fields into the stored run; None never overwrites a value (caller holds lock)."""
        run = self._runs.setdefault(str(run_id), {"id": str(run_id)})
        run.update({k: v for k, v in fields.items() if v is not None or run.get(k) is None})
        run["id"] = str(run_id)

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        """Record a request, merge any runs it carries and pick the response."""
        route = path.split("?")[0].rstrip("/") or "/"
        content_type = headers.get("content-type", "")
        with self.lock:
            self._requests.append({"method": method, "path": path, "headers": headers})
            if body:
                self._raw_bodies.append(body)
        if method == "GET" and route == "/info":
            return 200, self.info()
        if method == "POST" and route == "/runs/multipart":
            self._ingest_multipart(body, content_type)
            return 202, {}
        data = json.loads(body) if body and "json" in content_type else None
        with self.lock:
            if method == "POST" and route == "/runs/batch" and isinstance(data, dict):
                for run in (data.get("post") or []) + (data.get("patch") or []):
                    self._merge(run["id"], run)
                return 202, {}
            if method == "POST" and route == "/runs" and isinstance(data, dict):
                self._merge(data["id"], data)
                return 202, {}
            if method == "PATCH" and route.startswith("/runs/") and isinstance(data, dict):
                self._merge(route.rsplit("/", 1)[1], data)
                return 202, {}
            answered = self.store.route(method, path, data, self._feedback)
            if answered is not None:
                return answered
        return 200, {}

    def _ingest_multipart(self, body: bytes, content_type: str) -> None:
        """Merge the post/patch/field/attachment parts of a multipart ingest body."""
        parts = parse_multipart(body, content_type)
        with self.lock:
            for name, part_type, payload in parts:
                pieces = name.split(".")
                kind = pieces[0]
                if kind in ("post", "patch") and len(pieces) == 2:
                    self._merge(pieces[1], json.loads(payload))
                elif kind in ("post", "patch") and len(pieces) == 3 and pieces[2] in _RUN_FIELDS:
                    self._merge(pieces[1], {pieces[2]: json.loads(payload)})
                elif kind == "attachment" and len(pieces) >= 3:
                    run = self._runs.setdefault(pieces[1], {"id": pieces[1]})
                    run.setdefault("attachments", {})[".".join(pieces[2:])] = (part_type, payload)
                elif kind == "feedback":
                    self._feedback.append(json.loads(payload))
