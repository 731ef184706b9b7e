"""A local PxWebApi 2.0 look-alike on loopback for the client tests (real HTTP, port 0).

Serves the recorded JSON-stat 2.0 fixtures in ``tests/fixtures/pxweb/`` the way SCB does:
``GET /api/v2/tables?query=``, ``GET /api/v2/tables/{id}/metadata``, ``POST
/api/v2/tables/{id}/data`` with a ``selection`` body (codes, ``*`` and ``prefix*``; variables
left out are summed when the table allows elimination). Unknown tables answer 404 and
unknown codes or missing mandatory variables 400 with SCB's error JSON.

Misbehaviour on purpose: put fault names in ``server.faults`` and the next requests get
them, one each: ``"429"`` (with ``Retry-After: 0``), ``"500"``, ``"503"``, ``"slow"``
(sleeps ``server.slow_s`` before answering), ``"truncated"`` (JSON cut in half),
``"html"`` (200 with ``text/html``). Every request is recorded in ``server.hits``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pxweb"


def load_fixture(name: str) -> dict[str, Any]:
    """A fixture file as JSON (the TAB4805 file is a collector envelope; see README)."""
    doc = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return doc["response"] if "response" in doc and "dimension" not in doc else doc


def _ordered_codes(dim: dict[str, Any]) -> list[str]:
    index = dim["category"]["index"]
    return [code for code, _ in sorted(index.items(), key=lambda item: item[1])]


class FakeScb:
    """Tables, search answer and the fault script shared by the handler threads."""

    def __init__(self) -> None:
        index = json.loads((FIXTURES / "index.json").read_text(encoding="utf-8"))
        self.tables = {tid: load_fixture(entry["file"]) for tid, entry in index.items()}
        self.mandatory = {tid: set(entry["mandatory"]) for tid, entry in index.items()}
        self.search = json.loads((FIXTURES / "tables_search.json").read_text(encoding="utf-8"))
        self.faults: deque[str] = deque()
        self.slow_s = 1.0
        self.hits: list[tuple[str, str, dict[str, list[str]], Any]] = []
        self.lock = threading.Lock()

    def data_hits(self) -> int:
        return sum(1 for method, path, _, _ in self.hits if path.endswith("/data"))

    # -- answers ---------------------------------------------------------------------

    def metadata(self, table_id: str) -> dict[str, Any]:
        doc = json.loads(json.dumps(self.tables[table_id]))
        for var, dim in doc["dimension"].items():
            dim["extension"] = {"elimination": var not in self.mandatory[table_id]}
        doc["value"] = []
        doc.pop("status", None)
        return doc

    def slice(self, table_id: str, body: Any) -> tuple[int, dict[str, Any]]:
        doc = self.tables[table_id]
        try:
            selection = {s["variableCode"]: list(s["valueCodes"]) for s in body["selection"]}
        except (KeyError, TypeError):
            return 400, {"title": "Bad selection", "status": 400}
        ids = doc["id"]
        for var in selection:
            if var not in ids:
                return 400, {"title": "Non-existent variable", "status": 400}
        for var in self.mandatory[table_id]:
            if var not in selection:
                return 400, {"title": "Missing selection for mandantory variable", "status": 400}
        values = np.array([np.nan if v is None else v for v in doc["value"]], dtype=float)
        cube = values.reshape(doc["size"])
        new_dims: dict[str, Any] = {}
        new_ids, new_sizes = [], []
        for axis, var in enumerate(ids):
            dim = doc["dimension"][var]
            codes = _ordered_codes(dim)
            if var not in selection:
                new_dims[var] = None
                continue
            picked: list[str] = []
            for code in selection[var]:
                if code == "*":
                    picked.extend(codes)
                elif code.endswith("*"):
                    picked.extend(c for c in codes if c.startswith(code[:-1]))
                elif code in codes:
                    picked.append(code)
                else:
                    return 400, {"title": "Non-existent value", "status": 400}
            picked = [c for c in codes if c in set(picked)]
            positions = [codes.index(c) for c in picked]
            cube = np.take(cube, positions, axis=axis)
            labels = dim["category"].get("label", {})
            # Reverse key order on purpose: order must come from the index numbers.
            new_dims[var] = {
                "label": dim.get("label", var),
                "category": {
                    "index": {c: i for i, c in reversed(list(enumerate(picked)))},
                    "label": {c: labels.get(c, c) for c in picked},
                },
            }
            new_ids.append(var)
            new_sizes.append(len(picked))
        for axis in reversed(range(len(ids))):
            if new_dims[ids[axis]] is None:
                cube = cube.sum(axis=axis)
        flat = cube.reshape(-1)
        out = {
            "version": "2.0",
            "class": "dataset",
            "label": doc.get("label", ""),
            "source": "SCB",
            "role": doc.get("role", {}),
            "id": new_ids,
            "size": new_sizes,
            "dimension": {v: new_dims[v] for v in new_ids},
            "value": [None if np.isnan(x) else float(x) for x in flat],
        }
        missing = {str(i): ".." for i, x in enumerate(flat) if np.isnan(x)}
        if missing:
            out["status"] = missing
        return 200, out


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""

    def _send(self, status: int, payload: Any, *, ctype: str = "application/json",
              raw: bytes | None = None, headers: dict[str, str] | None = None) -> None:
        data = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _fault(self) -> bool:
        fake = self.server.fake
        with fake.lock:
            fault = fake.faults.popleft() if fake.faults else None
        if fault is None:
            return False
        if fault == "429":
            self._send(429, {"title": "Too many requests", "status": 429},
                       headers={"Retry-After": "0"})
        elif fault in ("500", "503"):
            self._send(int(fault), {"title": "Internal error", "status": int(fault)})
        elif fault == "slow":
            time.sleep(fake.slow_s)
            return False
        elif fault == "truncated":
            self._send(200, None, raw=b'{"version": "2.0", "class": "dataset", "id": ["Re')
        elif fault == "html":
            self._send(200, None, ctype="text/html", raw=b"<html><body>Maintenance</body></html>")
        else:
            raise ValueError(f"unknown fault {fault!r}")
        return True

    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        body = None
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
        fake = self.server.fake
        with fake.lock:
            fake.hits.append((method, parts.path, query, body))
        if self._fault():
            return
        segments = [s for s in parts.path.split("/") if s]
        if segments[:2] != ["api", "v2"]:
            self._send(404, {"title": "Not found", "status": 404})
            return
        rest = segments[2:]
        if method == "GET" and rest == ["tables"]:
            words = [w.lower() for w in query.get("query", [""])[0].split()]
            tables = [t for t in fake.search["tables"]
                      if any(w in t["label"].lower() for w in words)]
            self._send(200, {**fake.search, "tables": tables})
            return
        if len(rest) == 3 and rest[0] == "tables":
            table_id, action = rest[1], rest[2]
            if table_id not in fake.tables:
                self._send(404, {"type": "Parameter error", "title": "Non-existent table",
                                 "status": 404})
                return
            if method == "GET" and action == "metadata":
                self._send(200, fake.metadata(table_id))
                return
            if method == "POST" and action == "data":
                status, payload = fake.slice(table_id, body)
                self._send(status, payload)
                return
        self._send(404, {"title": "Not found", "status": 404})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeScb

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (time-out test) is expected; report anything else."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def running_server() -> Iterator[tuple[str, FakeScb]]:
    """Start the fake SCB on 127.0.0.1 (free port); yields ``(base_url, fake)``."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = FakeScb()
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}/api/v2/", server.fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def fake_client(url: str, cache: Any, **kwargs: Any) -> Any:
    """A PxWeb client for the fake server: no rate-limit waits, no backoff sleeps."""
    from calculator.data.pxweb import PxWebClient, RateLimiter

    return PxWebClient(url, cache_dir=cache, rate_limiter=RateLimiter(1000, 1.0), backoff_s=0,
                       **kwargs)
