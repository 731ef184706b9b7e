"""``calculator data refresh`` rebuilds the embedded dataset from the loopback SCB.

Independent references (SOURCES.md sections 13-17, 22): Luleå population 31 Dec 2024 79,645,
2025 80,321 (CKM); births 2024 613; deaths 2024 774; TFR 2024 1.23. The refreshed Luleå
frames must also equal the embedded ones, which build_embedded made from the reference CSVs
(not from the fixtures the fake SCB serves).
"""

from __future__ import annotations

import json
import shutil
from collections import deque

import pandas as pd
import pytest

from calculator.cli import main
from calculator.data import embedded
from calculator.data.build_embedded import EMBEDDED_DIR
from calculator.data.refresh import FILES, REFRESH_NOTE, read_dataset, refresh_embedded
from calculator.exceptions import ScbApiError
from tests.pxweb_server import fake_client


def client(url, cache, **kwargs):
    return fake_client(url, cache, refresh=True, **kwargs)


@pytest.fixture
def target(tmp_path):
    out = tmp_path / "embedded"
    shutil.copytree(EMBEDDED_DIR, out)
    return out


@pytest.fixture
def loaders_at(monkeypatch):
    """Point calculator.data.embedded's loaders at another folder."""

    def point(folder):
        import gzip

        monkeypatch.setattr(
            embedded, "_resource_text",
            lambda name: gzip.decompress((folder / name).read_bytes()).decode("utf-8"),
        )
        embedded._table.cache_clear()

    yield point
    embedded._table.cache_clear()


def test_refresh_rebuilds_dataset_that_loaders_read(scb, target, tmp_path, loaders_at):
    url, _ = scb
    before = read_dataset(target)
    result = refresh_embedded(client(url, tmp_path / "c"), regions=["2580"], out_dir=target,
                              source_dir=target)
    assert result.rows["population_ckm"] == 202
    loaders_at(target)
    assert embedded.load_population("2580", [2024])["population"].sum() == 79_645
    ckm = embedded.load_population("2580", [2025], include_ckm=True)
    assert ckm["population"].sum() == 80_321
    assert embedded.load_births("2580", [2024])["births"].sum() == 613
    assert embedded.load_deaths("2580", [2024])["deaths"].sum() == 774
    tfr = embedded.load_tfr_observed("2580").set_index("year")
    assert tfr.loc[2024, "tfr_children_per_woman"] == pytest.approx(1.23)
    assert embedded.data_vintage("2580").base_year == 2024
    after = read_dataset(target)
    for kind in ("population", "population_ckm", "births", "deaths", "migration", "tfr"):
        cols = [c for c in before[kind].columns if c != "status"]
        a = before[kind][cols].sort_values(cols).reset_index(drop=True)
        b = after[kind][cols].sort_values(cols).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=kind)
    note = json.loads((target / REFRESH_NOTE).read_text(encoding="utf-8"))
    entry = note["refreshes"][-1]
    assert entry["regions"] == ["2580"] and entry["from_year"] == {"2580": 2006}
    assert entry["table_ids"]["population"] == "TAB638"
    assert entry["table_ids"]["tfr"] == "TAB4805"
    assert entry["fetched_at"][:4].isdigit()
    refresh_embedded(client(url, tmp_path / "c"), regions=["2580"], out_dir=target,
                     source_dir=target, include_tfr=False)
    assert len(json.loads((target / REFRESH_NOTE).read_text())["refreshes"]) == 2


class _FailAfter(deque):
    """A fault script that answers 500 to every request after the first ``n``."""

    def __init__(self, fake, n):
        super().__init__()
        self.fake, self.n = fake, n

    def __bool__(self):
        return len(self.fake.hits) > self.n

    def popleft(self):
        return "500"


@pytest.mark.parametrize("calls", [0, 6, 11])  # 12 calls in all; 11 = the last (TFR)
def test_failure_midway_leaves_target_untouched(scb, target, tmp_path, calls):
    url, fake = scb
    original = {name: (target / name).read_bytes() for name in FILES.values()}
    fake.hits.clear()
    fake.faults = _FailAfter(fake, calls)
    try:
        with pytest.raises(ScbApiError):
            refresh_embedded(client(url, tmp_path / "fresh", max_tries=2), regions=["2580"],
                             out_dir=target, source_dir=target)
    finally:
        fake.faults = deque()
    assert {name: (target / name).read_bytes() for name in FILES.values()} == original
    assert not (target / REFRESH_NOTE).exists()
    assert not [p.name for p in target.parent.iterdir() if p.name.startswith(".")]


def test_cli_refresh_out_and_dry_run(scb, tmp_path, capsys, monkeypatch):
    url, _ = scb
    common = ["--region", "2580", "--cache-dir", str(tmp_path / "c"), "--base-url", url,
              "--quiet"]
    out = tmp_path / "review"
    assert main(["data", "refresh", "--out", str(out), *common]) == 0
    assert "Refreshed 1 region(s)" in capsys.readouterr().out
    assert read_dataset(out)["population"]["region"].nunique() == 23
    monkeypatch.chdir(tmp_path)
    assert main(["data", "refresh", "--dry-run", *common]) == 0
    assert (tmp_path / "scb_refresh" / REFRESH_NOTE).is_file()
    assert not (EMBEDDED_DIR / REFRESH_NOTE).exists()


def test_corrupt_refresh_log_names_the_file(tmp_path):
    from calculator.data.refresh import _refresh_history
    from calculator.exceptions import InputValidationError

    note = tmp_path / REFRESH_NOTE
    note.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputValidationError, match="not valid JSON") as err:
        _refresh_history(note)
    assert str(note) in str(err.value)
