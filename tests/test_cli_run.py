"""``calculator run``: batch scenario files into one workbook, with clear errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calculator.cli import main
from calculator.cli_run import (
    TREND_FALLBACK_SUFFIX,
    Baseline,
    official_baseline,
    run_batch,
    trend_baseline,
)
from calculator.data.scenario_files import load_scenario
from calculator.export import HEADER_ROW
from calculator.projection import project
from calculator.scenario import apply_scenarios

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
DATA = Path(__file__).resolve().parent / "data"


def _sheet(path: Path, name: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=name, header=HEADER_ROW - 1)


def test_run_writes_one_workbook_with_the_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                ) -> None:
    out = tmp_path / "tabeller.xlsx"
    csv_sv, csv = tmp_path / "tabeller.csv", tmp_path / "results.csv"
    code = main(["run", str(SCENARIOS / "low_fertility.toml"), str(SCENARIOS / "official.toml"),
                 "--region", "2580", "--out", str(out), "--to", "2035",
                 "--csv-swedish", str(csv_sv), "--csv", str(csv), "--no-progress"])
    assert code == 0, capsys.readouterr().err
    summary = _sheet(out, "Sammanfattning")
    assert summary["År"].min() == 2024 and summary["År"].max() == 2035
    # the same batch computed directly gives the workbook's totals
    scenarios = [load_scenario(SCENARIOS / f) for f in ("low_fertility.toml", "official.toml")]
    batch = run_batch(scenarios, "2580", 2035, progress=False)
    (result,) = batch.results  # both on the same baseline: one batch on the scenario axis
    assert result.scenarios == tuple(s.name for s in scenarios)
    total = result.total_population()[:, 0, :]
    for i, name in enumerate(result.scenarios):
        got = summary[summary["Scenario"] == name]["Folkmängd 31 dec"].to_numpy()
        np.testing.assert_allclose(got, total[i])
    long = pd.read_csv(csv, dtype={"region": str})
    assert set(long["scenario"]) == set(result.scenarios)
    comparison = _sheet(out, "Jämförelse")
    assert batch.comparison is not None  # SCB's regional projection for 2580 is embedded
    official = comparison[(comparison["Scenario"] == "Officiell prognos")
                          & (comparison["Variabel"] == "population")]
    assert len(official) > 0
    # the identity scenario on the official baseline reproduces SCB's population
    assert official["Skillnad"].abs().max() < 1e-6 * official["Scenario (värde)"].max()
    back = pd.read_csv(csv_sv, sep=";", decimal=",", encoding="utf-8-sig")
    assert len(back) == len(long)
    err = capsys.readouterr().err
    assert "wrote" in err
    # the official baseline's 2024 stock is SCB's projected one (79,374), not the registered
    assert "Basår official (folkmängd 31 dec): 2024 (SCB:s framskrivna folkmängd 2024" in err


def test_batch_equals_scenarios_applied_to_the_trend_baseline() -> None:
    scenarios = [load_scenario(SCENARIOS / "high_immigration.toml")]
    scenarios = [dataclasses.replace(s, baseline="trend") for s in scenarios]
    batch = run_batch(scenarios, "2580", 2030, progress=False)
    direct = project(apply_scenarios(trend_baseline("2580", 2030).inputs, scenarios))
    np.testing.assert_array_equal(batch.results[0].pop_count_year_sex_age,
                                  direct.pop_count_year_sex_age)
    assert "Luleå" in batch.notes["Utgångsläge trend"]
    assert "Indata Hög invandring" in batch.notes


def test_official_fallback_is_labelled() -> None:
    scenarios = [load_scenario(SCENARIOS / "official.toml")]
    builders = {"trend": trend_baseline, "official": lambda region, end: None}
    batch = run_batch(scenarios, "2580", 2030, progress=False, baseline_builders=builders)
    assert batch.results[0].scenarios == ("Officiell prognos" + TREND_FALLBACK_SUFFIX,)
    assert "trendbaslinjen" in batch.notes["Utgångsläge 'official'"]

    def given(region: str, end_year: int) -> Baseline:
        base = trend_baseline(region, end_year)
        return Baseline("official", base.inputs, "official stand-in for the test")

    batch = run_batch(scenarios, "2580", 2030, progress=False,
                      baseline_builders={"trend": trend_baseline, "official": given})
    assert batch.results[0].scenarios == ("Officiell prognos",)
    assert batch.notes["Utgångsläge official"] == "official stand-in for the test"


def test_official_baseline_for_lulea_and_elsewhere() -> None:
    built = official_baseline("2580", 2030)
    assert built is not None and built.kind == "official"
    assert built.inputs.years[-1] == 2030 and built.official_long is not None
    assert "scb_regional_2024" in built.description
    assert "inte den registrerade" in built.description
    assert official_baseline("2480", 2030) is None  # no official forecast embedded for Umeå


def test_official_baseline_horizon_is_checked(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    code = main(["run", str(SCENARIOS / "official.toml"), "--to", "2060", "--out",
                 str(tmp_path / "t.xlsx"), "--no-progress"])
    assert code == 2
    assert "2060 is outside the official forecast" in capsys.readouterr().err


def test_invalid_file_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tabeller.xlsx"
    code = main(["run", str(SCENARIOS / "official.toml"), str(DATA / "scenario_unknown_key.toml"),
                 "--out", str(out), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "scenario_unknown_key.toml: fertility.tfr_targte: unknown key" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_regions_must_agree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "umea.toml"
    other.write_text('name = "Umeå"\nregion = "2480"\n', encoding="utf-8")
    out = tmp_path / "t.xlsx"
    code = main(["run", str(SCENARIOS / "official.toml"), str(other), "--out", str(out),
                 "--no-progress"])
    assert code == 2
    assert "different regions" in capsys.readouterr().err
    assert not out.exists()


def test_out_must_be_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(SCENARIOS / "official.toml"), "--out", str(tmp_path / "t.csv")])
    assert code == 2
    assert "must end in .xlsx" in capsys.readouterr().err


def test_bad_age_groups(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(SCENARIOS / "official.toml"), "--out", str(tmp_path / "t.xlsx"),
                 "--age-groups", "0-5,3-9"])
    assert code == 2
    assert "overlaps" in capsys.readouterr().err
    assert not (tmp_path / "t.xlsx").exists()


def test_existing_workbook_is_kept_on_error(tmp_path: Path) -> None:
    out = tmp_path / "tabeller.xlsx"
    out.write_bytes(b"old")
    code = main(["run", str(DATA / "scenario_unknown_key.toml"), "--out", str(out)])
    assert code == 2
    assert out.read_bytes() == b"old"


def test_every_shipped_scenario_runs_on_its_own_baseline() -> None:
    scenarios = [load_scenario(p) for p in sorted(SCENARIOS.glob("*.toml"))]
    batch = run_batch(scenarios, "2580", 2040, progress=False)
    assert list(pd.unique(batch.long["scenario"])) == [s.name for s in scenarios]
    kinds = {s.baseline for s in scenarios}
    assert len(batch.results) == len(kinds)
    pop = batch.long[batch.long["variable"] == "population"]
    assert (pop.groupby("scenario")["value"].sum() > 0).all()
