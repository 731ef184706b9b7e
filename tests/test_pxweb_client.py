"""SCB PxWebApi 2.0 client against a real HTTP server on loopback that misbehaves on purpose.

Reference figures: Luleå's TFR (TAB4805, SOURCES.md section 22: 2022 1.35, 2024 1.23).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from calculator.data.jsonstat import decode
from calculator.data.pxweb import (
    MAX_CELLS,
    PxWebClient,
    RateLimiter,
    ResponseCache,
    ScbUnavailableError,
    default_base_url,
    split_selection,
)
from calculator.exceptions import ScbApiError
from tests.pxweb_server import FakeScb, running_server

TFR_LULEA = {"Region": ["2580"], "Kon": ["2"], "ContentsCode": ["000001J4"], "Tid": ["*"]}


@pytest.fixture
def scb() -> Iterator[tuple[str, FakeScb]]:
    with running_server() as server:
        yield server


class Recorder:
    """Records back-off pauses instead of sleeping."""

    def __init__(self) -> None:
        self.pauses: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)


def make_client(url: str, cache: Path, **kwargs: object) -> PxWebClient:
    options: dict[str, object] = {
        "cache_dir": cache,
        "timeout_s": (2.0, 2.0),
        "max_tries": 3,
        "backoff_s": 0.5,
        "rate_limiter": RateLimiter(1000, 1.0),
        "sleep": Recorder(),
    }
    options.update(kwargs)
    return PxWebClient(url, **options)  # type: ignore[arg-type]


def tfr_by_year(answers: list[dict]) -> dict[str, float]:
    frame = decode(answers[0]).to_frame()
    return dict(zip(frame["Tid"], frame["value"], strict=True))


def test_data_request_decodes_real_tfr(scb, tmp_path):
    url, fake = scb
    client = make_client(url, tmp_path)
    answers = client.data("TAB4805", TFR_LULEA)
    tfr = tfr_by_year(answers)
    assert tfr["2022"] == pytest.approx(1.35)
    assert tfr["2024"] == pytest.approx(1.23)
    method, path, query, body = fake.hits[-1]
    assert (method, path) == ("POST", "/api/v2/tables/TAB4805/data")
    assert query["outputFormat"] == ["json-stat2"]
    assert body["selection"][0] == {"variableCode": "Region", "valueCodes": ["2580"]}


def test_second_fetch_is_served_from_cache(scb, tmp_path):
    url, fake = scb
    make_client(url, tmp_path).data("TAB4805", TFR_LULEA)
    assert fake.data_hits() == 1
    again = make_client(url, tmp_path)
    answers = again.data("TAB4805", TFR_LULEA)
    assert fake.data_hits() == 1
    assert again.log.cache_hits == 1 and again.log.network_calls == 0
    assert tfr_by_year(answers)["2024"] == pytest.approx(1.23)


def test_corrupt_cache_entry_is_deleted_and_refetched(scb, tmp_path):
    url, fake = scb
    make_client(url, tmp_path).data("TAB4805", TFR_LULEA)
    entries = list(tmp_path.rglob("*.json"))
    assert len(entries) == 1
    entries[0].write_text('{"key": "abc", "respo', encoding="utf-8")
    answers = make_client(url, tmp_path).data("TAB4805", TFR_LULEA)
    assert fake.data_hits() == 2
    assert tfr_by_year(answers)["2024"] == pytest.approx(1.23)
    assert json.loads(entries[0].read_text(encoding="utf-8"))["response"]["id"]
    assert not list(tmp_path.rglob(".tmp-*"))


def test_429_with_retry_after_is_retried(scb, tmp_path):
    url, fake = scb
    fake.faults.extend(["429"])
    client = make_client(url, tmp_path)
    assert tfr_by_year(client.data("TAB4805", TFR_LULEA))["2024"] == pytest.approx(1.23)
    assert fake.data_hits() == 2
    assert client._sleep.pauses == [0.0]  # Retry-After: 0 wins over the back-off


def test_500_then_success_backs_off_exponentially(scb, tmp_path):
    url, fake = scb
    fake.faults.extend(["500", "503"])
    client = make_client(url, tmp_path)
    client.data("TAB4805", TFR_LULEA)
    assert fake.data_hits() == 3
    assert client._sleep.pauses == [0.5, 1.0]


def test_retries_are_bounded(scb, tmp_path):
    url, fake = scb
    fake.faults.extend(["500"] * 10)
    client = make_client(url, tmp_path, max_tries=3)
    with pytest.raises(ScbUnavailableError, match="after 3 tries: HTTP 500") as err:
        client.data("TAB4805", TFR_LULEA)
    assert "SCB could not be reached" in str(err.value)
    assert "TAB4805" in str(err.value)
    assert fake.data_hits() == 3
    assert not list(tmp_path.rglob("*.json"))


def test_slow_answer_times_out(scb, tmp_path):
    url, fake = scb
    fake.slow_s = 1.5
    fake.faults.extend(["slow"])
    client = make_client(url, tmp_path, timeout_s=(1.0, 0.2), max_tries=1)
    started = time.monotonic()
    with pytest.raises(ScbUnavailableError, match="no answer within"):
        client.data("TAB4805", TFR_LULEA)
    assert time.monotonic() - started < 1.2


def test_slow_then_fast_succeeds_on_retry(scb, tmp_path):
    url, fake = scb
    fake.slow_s = 0.6
    fake.faults.extend(["slow"])
    client = make_client(url, tmp_path, timeout_s=(1.0, 0.2), max_tries=2)
    assert tfr_by_year(client.data("TAB4805", TFR_LULEA))["2022"] == pytest.approx(1.35)


def test_truncated_json_is_retried_then_reported(scb, tmp_path):
    url, fake = scb
    fake.faults.extend(["truncated"])
    assert make_client(url, tmp_path).data("TAB4805", TFR_LULEA)
    fake.faults.extend(["truncated"] * 3)
    with pytest.raises(ScbApiError, match="not valid JSON"):
        make_client(url, tmp_path / "other", max_tries=3).data("TAB4805", TFR_LULEA)


def test_wrong_content_type_is_reported(scb, tmp_path):
    url, fake = scb
    fake.faults.extend(["html"])
    with pytest.raises(ScbApiError, match="content type 'text/html'"):
        make_client(url, tmp_path, max_tries=1).data("TAB4805", TFR_LULEA)


def test_400_names_table_variable_and_code(scb, tmp_path):
    url, fake = scb
    client = make_client(url, tmp_path)
    bad = {**TFR_LULEA, "Region": ["2580", "9999"]}
    with pytest.raises(ScbApiError) as err:
        client.data("TAB4805", bad)
    message = str(err.value)
    assert "TAB4805" in message and "Non-existent value" in message
    assert "variable Region: code '9999' does not exist" in message
    assert fake.data_hits() == 1  # a 400 is not retried


def test_400_names_missing_mandatory_variable(scb, tmp_path):
    url, _ = scb
    selection = {k: v for k, v in TFR_LULEA.items() if k != "Kon"}
    with pytest.raises(ScbApiError, match="variable Kon is mandatory"):
        make_client(url, tmp_path).data("TAB4805", selection)


def test_404_names_the_table(scb, tmp_path):
    url, fake = scb
    with pytest.raises(ScbApiError, match=r"TAB0000.*Non-existent table|Non-existent table.*TAB0000"):
        make_client(url, tmp_path).data("TAB0000", TFR_LULEA)
    assert len(fake.hits) == 1


def test_offline_mode_uses_cache_only(scb, tmp_path):
    url, fake = scb
    offline = make_client(url, tmp_path, offline=True)
    with pytest.raises(ScbApiError, match=r"SCB could not be reached and no cached answer exists "
                       r"for .*TAB4805.*offline mode"):
        offline.data("TAB4805", TFR_LULEA)
    assert fake.hits == []
    make_client(url, tmp_path).data("TAB4805", TFR_LULEA)
    hits = len(fake.hits)
    answers = make_client(url, tmp_path, offline=True).data("TAB4805", TFR_LULEA)
    assert tfr_by_year(answers)["2024"] == pytest.approx(1.23)
    assert len(fake.hits) == hits


def test_unreachable_server_is_reported_plainly(tmp_path):
    client = make_client("http://127.0.0.1:9/api/v2/", tmp_path, max_tries=2)
    with pytest.raises(ScbUnavailableError, match=r"SCB could not be reached.*connection failed"):
        client.data("TAB4805", TFR_LULEA)
    assert client._sleep.pauses == [0.5]


def test_refresh_falls_back_to_cache_when_scb_is_down(scb, tmp_path):
    url, fake = scb
    make_client(url, tmp_path).data("TAB4805", TFR_LULEA)
    fake.faults.extend(["500"] * 3)
    client = make_client(url, tmp_path, refresh=True, max_tries=3)
    assert tfr_by_year(client.data("TAB4805", TFR_LULEA))["2024"] == pytest.approx(1.23)
    assert client.log.cache_hits == 1


def test_large_request_is_split_and_reassembled(scb, tmp_path):
    url, fake = scb
    everything = {"Region": ["*"], "Kon": ["2"], "ContentsCode": ["000001J4"], "Tid": ["*"]}
    whole = decode(make_client(url, tmp_path / "a").data("TAB4805", everything)[0]).to_frame()
    regions = sorted(set(whole["Region"]))
    assert len(regions) == 290
    explicit = {**everything, "Region": regions, "Tid": [str(y) for y in range(2000, 2026)]}
    hits_before = fake.data_hits()
    client = make_client(url, tmp_path / "b", max_cells=1000)
    answers = client.data("TAB4805", explicit)
    assert len(answers) == fake.data_hits() - hits_before == 8  # ceil(7540 / (38 * 26))
    parts = [decode(a).to_frame() for a in answers]
    assert all(len(p) <= 1000 for p in parts)
    import pandas as pd

    joined = pd.concat(parts).sort_values(["Region", "Tid"]).reset_index(drop=True)
    expected = whole.sort_values(["Region", "Tid"]).reset_index(drop=True)
    pd.testing.assert_series_equal(joined["value"], expected["value"])
    assert int(joined["status"].eq("..").sum()) == 204  # SOURCES.md section 22


def test_split_selection_respects_the_cell_limit():
    selection = {
        "Region": [f"{i:04d}" for i in range(290)],
        "Civilstand": ["OG", "G", "SK", "ÄNKL"],
        "Alder": [str(a) for a in range(102)],
        "Kon": ["1", "2"],
        "Tid": ["2024"],
    }
    parts = split_selection(selection, MAX_CELLS)
    assert len(parts) == 2  # 236,640 cells > 150,000
    assert sum(len(p["Region"]) for p in parts) == 290
    assert all(
        len(p["Region"]) * 4 * 102 * 2 <= MAX_CELLS for p in parts
    )


def test_search_and_metadata(scb, tmp_path):
    url, fake = scb
    client = make_client(url, tmp_path)
    hits = client.search_tables("döda ålder")
    assert "XDODA" in [h["id"] for h in hits]
    meta = client.metadata("TAB5557")
    assert meta["dimension"]["Civilstand"]["extension"]["elimination"] is False
    assert fake.hits[0][2]["query"] == ["döda ålder"]


def test_base_url_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SCB_API_BASE_URL", "http://127.0.0.1:1/mirror/api/v2")
    assert default_base_url() == "http://127.0.0.1:1/mirror/api/v2/"
    assert PxWebClient(cache_dir=tmp_path).base_url == "http://127.0.0.1:1/mirror/api/v2/"
    monkeypatch.delenv("SCB_API_BASE_URL")
    assert PxWebClient(cache_dir=tmp_path).base_url.startswith("https://statistikdatabasen.scb.se")


def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("BEFOLKNINGSKALKYLATORN_CACHE", str(tmp_path / "c"))
    client = PxWebClient("http://127.0.0.1:1/api/v2/")
    assert client.cache is not None and client.cache.directory == tmp_path / "c"


def test_cache_key_ignores_parameter_order():
    a = ResponseCache.key("POST", "tables/T/data", {"lang": "sv", "x": "1"}, {"s": 1})
    b = ResponseCache.key("post", "tables/T/data", {"x": "1", "lang": "sv"}, {"s": 1})
    assert a == b
    assert a != ResponseCache.key("POST", "tables/T/data", {"lang": "en", "x": "1"}, {"s": 1})


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def test_rate_limiter_sliding_window():
    clock = FakeClock()
    limiter = RateLimiter(30, 10.0, clock=clock, sleep=clock.sleep)
    waits = []
    for i in range(30):
        clock.now = i * 0.1  # 30 calls in 2.9 s
        waits.append(limiter.acquire())
    assert waits == [0.0] * 30
    clock.now = 3.0
    assert limiter.acquire() == pytest.approx(7.0)  # waits until the first call leaves
    assert clock.now == pytest.approx(10.0)
    assert limiter.acquire() == pytest.approx(0.1)  # the window slides call by call


def test_rate_limiter_is_thread_safe():
    clock = FakeClock()
    limiter = RateLimiter(30, 10.0, clock=clock, sleep=clock.sleep)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            limiter.acquire()
            with lock:
                stamps.append(clock())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(stamps) == 100
    stamps.sort()
    for i in range(len(stamps) - 30):
        assert stamps[i + 30] - stamps[i] >= 10.0 - 1e-9


@pytest.mark.network
def test_live_scb_tfr_lulea(tmp_path):
    client = PxWebClient(cache_dir=tmp_path, max_tries=3)
    selection = {**TFR_LULEA, "Tid": ["2022", "2024"]}
    tfr = tfr_by_year(client.data("TAB4805", selection))
    assert tfr["2024"] == pytest.approx(1.23)


@pytest.mark.network
def test_live_scb_search_finds_population_table(tmp_path):
    client = PxWebClient(cache_dir=tmp_path, max_tries=3)
    ids = [t["id"] for t in client.search_tables("folkmängd ålder kön")]
    assert "TAB638" in ids or "TAB5557" in ids
