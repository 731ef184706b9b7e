"""fetch_region_dataset / write_input_dataset / ``calculator data fetch`` on the loopback SCB.

Independent references (SOURCES.md sections 13-18, 22): Luleå population 31 Dec 2023 79,352,
2024 79,645, 2025 80,321 (CKM); births 2024 613; deaths 2024 774; net migration 2024 +455;
SCB's regional projection 2050 79,614; TFR 2024 1.23.
"""

from __future__ import annotations

import pandas as pd
import pytest

from calculator.cli import main
from calculator.data.fetch import fetch_region_dataset, write_input_dataset
from calculator.data.pxweb import PxWebClient
from calculator.data.templates import load_inputs
from calculator.exceptions import InputValidationError, ScbApiError
from calculator.projection import project
from tests.pxweb_server import fake_client as client


@pytest.fixture(scope="module")
def lulea(scb, tmp_path_factory):
    url, _fake = scb
    cache = tmp_path_factory.mktemp("cache")
    steps = []
    c = client(url, cache)
    data = fetch_region_dataset("2580", 2010, c, progress=lambda *a: steps.append(a))
    return data, c, cache, steps


def test_region_dataset_matches_published_figures(lulea):
    data, _, _, _ = lulea
    pop = data.population.groupby("year")["population"].sum()
    assert pop[2023] == 79_352 and pop[2024] == 79_645 and pop[2025] == 80_321
    assert pop.index.min() == 2010
    assert data.births.groupby("year")["births"].sum()[2024] == 613
    assert data.deaths.groupby("year")["deaths"].sum()[2024] == 774
    mig = data.migration[data.migration["year"] == 2024]
    net = mig[["immigrants", "in_migrants"]].sum().sum() - mig[["emigrants", "out_migrants"]].sum().sum()
    assert net == 455
    assert data.projection is not None
    assert data.projection.groupby("year")["population"].sum()[2050] == pytest.approx(79_614, abs=1)
    assert data.tfr.set_index("year").loc[2024, "tfr_children_per_woman"] == pytest.approx(1.23)
    assert set(data.population["age"]) == set(range(101))
    assert set(data.births["mother_age"]) <= set(range(15, 50))


def test_call_budget_progress_and_provenance(lulea, scb):
    data, c, _, steps = lulea
    assert c.log.network_calls <= 15
    assert steps[-1][1] == steps[-1][2]  # finished
    assert [s[1] for s in steps] == list(range(len(steps)))
    ids = {s["key"]: s for s in data.sources}
    assert ids["population"]["table_id"] == "TAB638" and ids["population"]["verified_id"]
    assert ids["births"]["id_found_by"].startswith("search")
    # The CKM tables of births/deaths/migration are not in the recorded search answer:
    assert any("2025-" in w for w in data.warnings)


def test_second_fetch_makes_no_network_call(lulea, scb):
    _, _, cache, _ = lulea
    url, fake = scb
    before = len(fake.hits)
    again = client(url, cache)
    fetch_region_dataset("2580", 2010, again)
    assert len(fake.hits) == before and again.log.network_calls == 0


def test_offline_fetch_from_cache_and_without_cache(lulea, scb, tmp_path):
    _, _, cache, _ = lulea
    url, _fake = scb
    data = fetch_region_dataset("2580", 2010, client(url, cache, offline=True))
    assert data.population["population"].sum() > 0
    with pytest.raises(ScbApiError, match="SCB could not be reached"):
        fetch_region_dataset("2580", 2010, client(url, tmp_path, offline=True))


def test_written_templates_project(lulea, tmp_path):
    data, _, _, _ = lulea
    paths = write_input_dataset(data, tmp_path / "out", end_year=2030)
    assert {"population", "fertility", "mortality", "migration", "settings"} <= set(paths)
    inputs = load_inputs(tmp_path / "out")
    result = project(inputs)
    total = result.pop_count_year_sex_age.sum(axis=(-1, -2))[0, 0]
    assert total[0] == 79_645  # base population 31 Dec 2024
    observed = pd.read_csv(tmp_path / "out" / "observed" / "population.csv", dtype={"region": str})
    assert observed.groupby("year")["population"].sum()[2025] == 80_321
    assert not list((tmp_path / "out").rglob(".tmp*"))


def test_bad_region_and_year_are_rejected(scb, tmp_path):
    url, _ = scb
    with pytest.raises(ValueError, match="region code '580'"):
        fetch_region_dataset("580", 2010, client(url, tmp_path))
    with pytest.raises(InputValidationError, match="from year 1900"):
        fetch_region_dataset("2580", 1900, client(url, tmp_path))


def test_region_missing_at_scb_names_table_variable_and_code(scb, tmp_path):
    url, _ = scb
    with pytest.raises(ScbApiError, match=r"TAB638.*variable Region: code '0580'"):
        fetch_region_dataset("0580", 2010, client(url, tmp_path))


def test_cli_data_fetch(scb, tmp_path, capsys):
    url, _ = scb
    out = tmp_path / "indata"
    args = ["data", "fetch", "--region", "2580", "--from", "2015", "--out", str(out),
            "--cache-dir", str(tmp_path / "c"), "--base-url", url, "--quiet"]
    assert main(args) == 0
    assert "Wrote input templates for region 2580" in capsys.readouterr().out
    assert (out / "settings.toml").read_text(encoding="utf-8").count("base_year = 2024") == 1
    offline = ["data", "fetch", "--region", "2582", "--out", str(tmp_path / "x"), "--offline",
               "--cache-dir", str(tmp_path / "empty"), "--base-url", url, "--quiet"]
    assert main(offline) == 2
    assert "SCB could not be reached" in capsys.readouterr().err


@pytest.mark.network
def test_live_fetch_lulea(tmp_path):
    data = fetch_region_dataset("2580", 2020, PxWebClient(cache_dir=tmp_path))
    assert data.population.groupby("year")["population"].sum()[2024] == 79_645


def test_fetch_births_for_sweden_gives_the_published_total(scb, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Sweden's births 2024 by mother's age through the client: SCB's published 98,446
    (mothers 15..49+, shared/reference SOURCES.md section 15)."""
    from calculator.data.fetch import fetch_births

    url, _fake = scb
    result = fetch_births("00", client(url, tmp_path))
    births = result.births
    assert births[births["year"] == 2024]["births"].sum() == 98_446
    assert [src["key"] for src in result.sources] == ["births"]
