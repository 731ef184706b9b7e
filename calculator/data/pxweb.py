"""Client for SCB's PxWebApi 2.0: the only module in the calculator that speaks HTTP.

Endpoints used (base URL ``https://statistikdatabasen.scb.se/api/v2/``, or the environment
variable ``SCB_API_BASE_URL``, or ``PxWebClient(base_url=...)``):

* ``GET  /tables?query=...``            search (used to resolve table ids at run time)
* ``GET  /tables/{id}/metadata``        metadata (used to explain a rejected request)
* ``POST /tables/{id}/data?outputFormat=json-stat2`` with a ``selection`` body

What the client does for its callers:

* keeps within SCB's limits: requests over 150,000 cells are split into several calls; a
  thread-safe sliding-window limiter allows at most 30 calls per 10 seconds;
* retries 429 and 5xx answers, connection errors, time-outs and broken answers (truncated
  JSON, an HTML page instead of JSON) with exponential back-off, honouring ``Retry-After``,
  a bounded number of times; every call has a time-out;
* turns 400/404 answers into :class:`~calculator.exceptions.ScbApiError` messages that name
  the table, the variable and the code (SCB's error JSON is parsed; for a 400 the table's
  metadata is read to find which variable or code was wrong);
* caches every answer on disk (one JSON file per request, keyed by a hash of the request,
  written atomically; a corrupt entry is deleted and fetched again), so a second fetch of the
  same data makes no network call; the directory is ``~/.cache/befolkningskalkylatorn`` or
  ``$BEFOLKNINGSKALKYLATORN_CACHE`` or ``cache_dir=``;
* offline mode answers from the cache only and otherwise raises a clear ScbApiError, so the
  app can fall back to the embedded dataset;
* reports progress through ``progress(step, done, total)``.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import requests

from calculator.data import scb_tables
from calculator.data.files import atomic_write_bytes
from calculator.data.scb_tables import TableSpec
from calculator.exceptions import ScbApiError

log = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://statistikdatabasen.scb.se/api/v2/"
ENV_BASE_URL: Final = "SCB_API_BASE_URL"
ENV_CACHE_DIR: Final = "BEFOLKNINGSKALKYLATORN_CACHE"
DEFAULT_CACHE_DIR: Final = Path("~/.cache/befolkningskalkylatorn")
#: SCB's limits (``GET /config``): cells per call, calls per time window, window in seconds.
MAX_CELLS: Final = 150_000
MAX_CALLS: Final = 30
TIME_WINDOW_S: Final = 10.0
RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
#: Logged when SCB cannot be reached but an earlier answer is in the cache (the fallback path).
FALLBACK_MESSAGE: Final = "SCB could not be reached; using the cached answer for {what}."
#: Raised when SCB cannot be reached and nothing is cached (the hard failure).
NO_CACHE_MESSAGE: Final = "SCB could not be reached and no cached answer exists for {what}."


class ScbUnavailableError(ScbApiError):
    """SCB did not give a usable answer after all tries (network, time-out, 429/5xx...)."""

    #: What went wrong on the last try (for the fallback log).
    detail: str = ""


ProgressCallback = Callable[[str, int, int], None]
Selection = Mapping[str, Sequence[str]]


def default_cache_dir() -> Path:
    """``$BEFOLKNINGSKALKYLATORN_CACHE`` or ``~/.cache/befolkningskalkylatorn``."""
    env = os.environ.get(ENV_CACHE_DIR)
    return Path(env).expanduser() if env else DEFAULT_CACHE_DIR.expanduser()


def default_base_url() -> str:
    """``$SCB_API_BASE_URL`` or SCB's public v2 address (always ending in ``/``)."""
    url = os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    return url if url.endswith("/") else url + "/"


class RateLimiter:
    """Sliding-window limiter: at most ``max_calls`` calls in any ``period_s`` seconds.

    Thread-safe. ``clock`` and ``sleep`` are injectable so tests need not wait.

    >>> now = [0.0]
    >>> limiter = RateLimiter(2, 10.0, clock=lambda: now[0],
    ...                       sleep=lambda s: now.__setitem__(0, now[0] + s))
    >>> [limiter.acquire() for _ in range(3)]
    [0.0, 0.0, 10.0]
    """

    def __init__(
        self,
        max_calls: int = MAX_CALLS,
        period_s: float = TIME_WINDOW_S,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1 or period_s <= 0:
            raise ValueError("max_calls must be >= 1 and period_s > 0")
        self.max_calls = max_calls
        self.period_s = period_s
        self._clock = clock
        self._sleep = sleep
        self._calls: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until a call is allowed, record it, and return the seconds waited."""
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock()
                while self._calls and now - self._calls[0] >= self.period_s:
                    self._calls.popleft()
                if len(self._calls) < self.max_calls:
                    self._calls.append(now)
                    return waited
                pause = self._calls[0] + self.period_s - now
                self._sleep(pause)
                waited += pause


#: One limiter per process: SCB's limit is per IP address, not per client object.
SHARED_RATE_LIMITER: Final = RateLimiter()


# --------------------------------------------------------------------------------------
# disk cache


class ResponseCache:
    """One JSON file per request under ``directory``; atomic writes; corrupt files dropped."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory).expanduser()

    @staticmethod
    def key(method: str, path: str, params: Mapping[str, str], body: object) -> str:
        """A stable hash of the request (method, path, sorted parameters, canonical body)."""
        canonical = json.dumps(
            {
                "method": method.upper(),
                "path": path,
                "params": sorted(params.items()),
                "body": body,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any | None:
        """The cached answer, or ``None`` (a corrupt entry is deleted and ``None`` returned)."""
        path = self.path(key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cache entry %s unreadable (%s); fetching again", path, exc)
            return None
        try:
            entry = json.loads(text)
            if not isinstance(entry, dict) or entry.get("key") != key or "response" not in entry:
                raise ValueError("not a cache entry for this request")
        except ValueError as exc:
            log.warning("cache entry %s is corrupt (%s); deleting it and fetching again", path, exc)
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return entry["response"]

    def put(self, key: str, request: Mapping[str, Any], response: Any) -> None:
        """Store an answer atomically (temporary file in the same folder, then os.replace)."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {
            "key": key,
            "stored_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "request": dict(request),
            "response": response,
        }
        atomic_write_bytes(path, json.dumps(entry, ensure_ascii=False).encode("utf-8"))


# --------------------------------------------------------------------------------------
# selections


def is_expression(code: str) -> bool:
    """Whether a value code is a selection expression (``*``, ``01*``, ``TOP(2)``...)."""
    return "*" in code or "?" in code or "(" in code


def selection_cells(selection: Selection) -> int:
    """Cells a selection asks for (an expression such as ``*`` counts as one code)."""
    return math.prod(max(1, len(values)) for values in selection.values())


def split_selection(selection: Selection, max_cells: int = MAX_CELLS) -> list[dict[str, list[str]]]:
    """Split a selection into parts of at most ``max_cells`` cells each.

    Splits the variable with the most explicit codes first (recursively if needed).

    >>> parts = split_selection({"Region": ["01", "02", "03"], "Tid": ["2023", "2024"]}, 2)
    >>> [p["Region"] for p in parts]
    [['01'], ['02'], ['03']]
    """
    sel = {var: list(values) for var, values in selection.items()}
    cells = selection_cells(sel)
    if cells <= max_cells:
        return [sel]
    splittable = [
        var
        for var, values in sel.items()
        if len(values) > 1 and not any(map(is_expression, values))
    ]
    if not splittable:
        return [sel]
    var = max(splittable, key=lambda v: len(sel[v]))
    values = sel[var]
    others = cells // len(values)
    chunk = max(1, max_cells // max(1, others))
    parts: list[dict[str, list[str]]] = []
    for start in range(0, len(values), chunk):
        part = dict(sel)
        part[var] = values[start : start + chunk]
        parts.extend(split_selection(part, max_cells))
    return parts


# --------------------------------------------------------------------------------------
# errors


def _error_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return {"title": text[:200]} if text else {}
    return body if isinstance(body, dict) else {"title": str(body)[:200]}


def _retry_after_s(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def diagnose_selection(metadata: Mapping[str, Any], selection: Selection) -> list[str]:
    """Explain what in ``selection`` a table (its JSON-stat metadata) does not accept.

    Names each unknown variable, each unknown code and each mandatory variable left out.

    >>> meta = {"id": ["Region", "Tid"], "dimension": {
    ...     "Region": {"category": {"index": {"00": 0}}, "extension": {"elimination": True}},
    ...     "Tid": {"category": {"index": {"2024": 0}}, "extension": {"elimination": False}}}}
    >>> for problem in diagnose_selection(meta, {"Region": ["9999"]}):
    ...     print(problem)
    variable Region: code '9999' does not exist (e.g. '00')
    variable Tid is mandatory but was not selected
    """
    if "dimension" not in metadata and isinstance(metadata.get("response"), Mapping):
        metadata = metadata["response"]
    dims = metadata.get("dimension") or {}
    problems: list[str] = []
    for var, values in selection.items():
        dim = dims.get(var)
        if not isinstance(dim, Mapping):
            problems.append(f"variable {var} does not exist in this table (has: {', '.join(dims)})")
            continue
        index = (dim.get("category") or {}).get("index") or {}
        known = set(index) if isinstance(index, Mapping | list) else set()
        for code in values:
            if not is_expression(code) and known and code not in known:
                examples = ", ".join(repr(c) for c in list(index)[:3])
                problems.append(f"variable {var}: code {code!r} does not exist (e.g. {examples})")
    for var, dim in dims.items():
        ext = dim.get("extension") if isinstance(dim, Mapping) else None
        if isinstance(ext, Mapping) and ext.get("elimination") is False and var not in selection:
            problems.append(f"variable {var} is mandatory but was not selected")
    return problems


def _describe_selection(selection: Selection) -> str:
    parts = []
    for var, values in selection.items():
        shown = ",".join(values[:4]) + (f",... ({len(values)} codes)" if len(values) > 4 else "")
        parts.append(f"{var}={shown}")
    return "; ".join(parts)


# --------------------------------------------------------------------------------------
# the client


@dataclass
class CallLog:
    """What the client did: one entry per answer, ``(what, "cache" | "network")``."""

    entries: list[tuple[str, str]] = field(default_factory=list)

    @property
    def network_calls(self) -> int:
        return sum(1 for _, src in self.entries if src == "network")

    @property
    def cache_hits(self) -> int:
        return sum(1 for _, src in self.entries if src == "cache")


class PxWebClient:
    """SCB PxWebApi 2.0 client with retries, rate limit, disk cache and offline mode.

    Parameters
    ----------
    base_url: API root; default ``$SCB_API_BASE_URL`` or SCB's public address.
    cache_dir: cache folder; default ``$BEFOLKNINGSKALKYLATORN_CACHE`` or
        ``~/.cache/befolkningskalkylatorn``. ``use_cache=False`` turns the cache off.
    offline: answer from the cache only (never touch the network).
    refresh: ignore cached answers and fetch again (the old answer is used if SCB cannot
        be reached).
    timeout_s: ``(connect, read)`` time-outs in seconds for each HTTP call.
    max_tries: attempts per call (first try included) for retryable failures.
    backoff_s, max_backoff_s: back-off before retry *n* is ``backoff_s * 2**(n-1)`` seconds,
        at most ``max_backoff_s`` (also the cap for ``Retry-After``).
    table_ids: overrides of table ids by spec key, e.g. ``{"births": "TAB1234"}``.
    progress: ``callable(step, done, total)`` called while fetching.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        cache_dir: Path | str | None = None,
        use_cache: bool = True,
        offline: bool = False,
        refresh: bool = False,
        timeout_s: tuple[float, float] = (10.0, 60.0),
        max_tries: int = 4,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        rate_limiter: RateLimiter | None = None,
        session: requests.Session | None = None,
        lang: str = "sv",
        max_cells: int = MAX_CELLS,
        table_ids: Mapping[str, str] | None = None,
        progress: ProgressCallback | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        url = base_url or default_base_url()
        self.base_url = url if url.endswith("/") else url + "/"
        self.cache = ResponseCache(cache_dir or default_cache_dir()) if use_cache else None
        self.offline = offline
        self.refresh = refresh
        self.timeout_s = timeout_s
        if max_tries < 1:
            raise ValueError("max_tries must be >= 1")
        self.max_tries = max_tries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.rate_limiter = rate_limiter or SHARED_RATE_LIMITER
        self.session = session or requests.Session()
        self.lang = lang
        self.max_cells = max_cells
        self.table_ids = dict(table_ids or {})
        self.progress = progress
        self._sleep = sleep
        self.log = CallLog()
        self._resolved: dict[str, tuple[str, str]] = {}

    # -- public API -------------------------------------------------------------------

    def search_tables(self, query: str, *, page_size: int = 100) -> list[dict[str, Any]]:
        """``GET /tables?query=``: the table entries (id, label, firstPeriod, lastPeriod...)."""
        params = {"query": query, "lang": self.lang, "pageSize": str(page_size)}
        answer = self._request("GET", "tables", params, None, what=f"table search {query!r}")
        tables = answer.get("tables") if isinstance(answer, Mapping) else None
        if not isinstance(tables, list):
            raise ScbApiError(f"SCB's answer to the table search {query!r} has no 'tables' list")
        return [t for t in tables if isinstance(t, dict)]

    def metadata(self, table_id: str) -> dict[str, Any]:
        """``GET /tables/{id}/metadata`` (JSON-stat 2.0 form, variables with codes)."""
        params = {"lang": self.lang, "outputFormat": "json-stat2"}
        answer = self._request(
            "GET",
            f"tables/{table_id}/metadata",
            params,
            None,
            what=f"metadata of table {table_id}",
            table_id=table_id,
        )
        if not isinstance(answer, dict):
            raise ScbApiError(f"SCB's metadata of table {table_id} is not a JSON object")
        return answer

    def data(
        self,
        table_id: str,
        selection: Selection,
        *,
        codelists: Mapping[str, str] | None = None,
        label: str | None = None,
    ) -> list[dict[str, Any]]:
        """``POST /tables/{id}/data`` in JSON-stat 2.0; one answer per part of a split request."""
        parts = split_selection(selection, self.max_cells)
        answers = []
        for i, part in enumerate(parts, start=1):
            body = {
                "selection": [
                    {
                        "variableCode": var,
                        "valueCodes": list(values),
                        **({"codelist": codelists[var]} if codelists and var in codelists else {}),
                    }
                    for var, values in part.items()
                ]
            }
            params = {"lang": self.lang, "outputFormat": "json-stat2"}
            what = f"data of table {table_id}" + (
                f" (part {i}/{len(parts)})" if len(parts) > 1 else ""
            )
            if len(parts) > 1:
                self._report(f"{label or table_id}: del {i}/{len(parts)}", i - 1, len(parts))
            answer = self._request(
                "POST",
                f"tables/{table_id}/data",
                params,
                body,
                what=what,
                table_id=table_id,
                selection=part,
            )
            if not isinstance(answer, dict):
                raise ScbApiError(f"SCB's answer for {what} is not a JSON object")
            answers.append(answer)
        return answers

    def resolve_table(self, spec: TableSpec) -> tuple[str, str]:
        """The v2 id of ``spec`` and how it was found (``"verified"``, ``"override"``,
        ``"search 'query'"``). Looked-up ids come from ``GET /tables?query=`` (cached)."""
        if spec.key in self.table_ids:
            return self.table_ids[spec.key], "override"
        if spec.table_id:
            return spec.table_id, "verified" if spec.verified else "configured"
        if spec.key in self._resolved:
            return self._resolved[spec.key]
        if not spec.search_query:
            raise ScbApiError(f"table {spec.key} has neither an id nor a search query")
        hits = self.search_tables(spec.search_query)
        chosen = scb_tables.choose_search_hit(spec, hits)
        if chosen is None:
            found = "; ".join(f"{h.get('id')} {h.get('label')!r}" for h in hits[:8]) or "nothing"
            raise ScbApiError(
                f"no SCB table for {spec.key} ({spec.description}) among the answers to the "
                f"search {spec.search_query!r} (found: {found}). Give the id explicitly, e.g. "
                f"--table {spec.key}=TABxxxx"
            )
        result = (str(chosen["id"]), f"search {spec.search_query!r}: {chosen.get('label')}")
        self._resolved[spec.key] = result
        return result

    # -- internals --------------------------------------------------------------------

    def _report(self, step: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(step, done, total)

    def _request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        body: object,
        *,
        what: str,
        table_id: str | None = None,
        selection: Selection | None = None,
    ) -> Any:
        key = ResponseCache.key(method, path, params, body)
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None and not self.refresh:
            self.log.entries.append((what, "cache"))
            return cached
        if self.offline:
            if cached is not None:
                self.log.entries.append((what, "cache"))
                return cached
            raise ScbUnavailableError(
                NO_CACHE_MESSAGE.format(what=what) + " (offline mode: SCB is not asked)"
            )
        try:
            answer = self._fetch(
                method, path, params, body, what=what, table_id=table_id, selection=selection
            )
        except ScbApiError as exc:
            if cached is not None and isinstance(exc, ScbUnavailableError):
                log.warning("%s (%s)", FALLBACK_MESSAGE.format(what=what), exc.detail or exc)
                self.log.entries.append((what, "cache"))
                return cached
            raise
        self.log.entries.append((what, "network"))
        if self.cache is not None:
            request = {
                "method": method,
                "url": self.base_url + path,
                "params": dict(params),
                "body": body,
            }
            self.cache.put(key, request, answer)
        return answer

    def _fetch(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        body: object,
        *,
        what: str,
        table_id: str | None,
        selection: Selection | None,
    ) -> Any:
        url = self.base_url + path
        last_problem = ""
        unreachable = True
        for attempt in range(1, self.max_tries + 1):
            self.rate_limiter.acquire()
            retry_after: float | None = None
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=body,
                    timeout=self.timeout_s,
                    headers={"Accept": "application/json"},
                )
            except requests.Timeout as exc:
                last_problem = f"no answer within {self.timeout_s} s ({type(exc).__name__})"
                unreachable = True
            except requests.ConnectionError as exc:
                last_problem = f"connection failed ({type(exc).__name__}: {exc})"
                unreachable = True
            else:
                status = response.status_code
                if status == 200:
                    ctype = response.headers.get("Content-Type", "")
                    if "json" not in ctype.lower():
                        last_problem = f"answer has content type {ctype!r}, expected JSON"
                        unreachable = False
                    else:
                        try:
                            return response.json()
                        except ValueError as exc:
                            last_problem = f"answer is not valid JSON (truncated?): {exc}"
                            unreachable = False
                elif status in RETRY_STATUSES:
                    retry_after = _retry_after_s(response)
                    body_info = _error_body(response).get("title", "")
                    last_problem = f"HTTP {status}" + (f" {body_info}" if body_info else "")
                    unreachable = status != 429
                else:
                    raise self._client_error(response, what, table_id, selection)
            if attempt < self.max_tries:
                delay = (
                    retry_after if retry_after is not None else self.backoff_s * 2 ** (attempt - 1)
                )
                delay = min(delay, self.max_backoff_s)
                log.info(
                    "%s: %s; retry %d/%d in %.1f s",
                    what,
                    last_problem,
                    attempt,
                    self.max_tries - 1,
                    delay,
                )
                self._report(f"SCB svarar inte, försöker igen ({what})", attempt, self.max_tries)
                self._sleep(delay)
        detail = f"{what} failed after {self.max_tries} tries: {last_problem}"
        # Raised to the caller only when nothing is cached (otherwise the cache answers).
        prefix = (NO_CACHE_MESSAGE.format(what=what) if unreachable
                  else "SCB's answer could not be used and no cached answer exists.")
        error = ScbUnavailableError(f"{prefix} {detail}")
        error.detail = detail
        raise error

    def _client_error(
        self,
        response: requests.Response,
        what: str,
        table_id: str | None,
        selection: Selection | None,
    ) -> ScbApiError:
        body = _error_body(response)
        title = str(body.get("title") or body.get("type") or "").strip()
        detail = str(body.get("detail") or "").strip()
        reason = title + (f" ({detail})" if detail and detail != title else "")
        status = response.status_code
        table = f"table {table_id}" if table_id else what
        if status == 404:
            return ScbApiError(
                f"SCB answered 404 for {what}: {reason or 'not found'}. {table.capitalize()} "
                f"does not exist at {self.base_url} (check the id in "
                "calculator/data/scb_tables.py or give --table KEY=TABxxxx)."
            )
        problems: list[str] = []
        if status == 400 and table_id and selection is not None:
            try:
                problems = diagnose_selection(self.metadata(table_id), selection)
            except ScbApiError as exc:
                log.info("could not read metadata of %s to explain the error: %s", table_id, exc)
        reason = reason or "no reason given"
        message = f"SCB rejected the request for {table} (HTTP {status}): {reason}."
        if problems:
            message += " " + "; ".join(problems) + "."
        elif selection is not None:
            message += f" Selection: {_describe_selection(selection)}."
        return ScbApiError(message)
