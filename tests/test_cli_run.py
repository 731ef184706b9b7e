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
from calculator.export import HEADER_ROW
from calculator.projection import project
from calculator.scenario import apply_scenarios, load_scenario

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
    result, _ = run_batch(scenarios, "2580", 2035, progress=False)
    total = result.total_population()[:, 0, :]
    for i, name in enumerate(result.scenarios):
        got = summary[summary["Scenario"] == name]["Folkmängd 31 dec"].to_numpy()
        np.testing.assert_allclose(got, total[i])
    long = pd.read_csv(csv, dtype={"region": str})
    assert set(long["scenario"]) == set(result.scenarios)
    back = pd.read_csv(csv_sv, sep=";", decimal=",", encoding="utf-8-sig")
    assert len(back) == len(long)
    assert "wrote" in capsys.readouterr().err


def test_batch_equals_scenarios_applied_to_the_trend_baseline() -> None:
    scenarios = [load_scenario(SCENARIOS / "high_immigration.toml")]
    scenarios = [dataclasses.replace(s, baseline="trend") for s in scenarios]
    result, notes = run_batch(scenarios, "2580", 2030, progress=False)
    direct = project(apply_scenarios(trend_baseline("2580", 2030).inputs, scenarios))
    np.testing.assert_array_equal(result.pop_count_year_sex_age, direct.pop_count_year_sex_age)
    assert "Luleå" in notes["Utgångsläge trend"]
    assert "Indata Hög invandring" in notes


def test_official_fallback_is_labelled() -> None:
    scenarios = [load_scenario(SCENARIOS / "official.toml")]
    builders = {"trend": trend_baseline, "official": lambda region, end: None}
    result, notes = run_batch(scenarios, "2580", 2030, progress=False,
                              baseline_builders=builders)
    assert result.scenarios == ("Officiell prognos" + TREND_FALLBACK_SUFFIX,)
    assert "trendbaslinjen" in notes["Utgångsläge 'official'"]

    def given(region: str, end_year: int) -> Baseline:
        base = trend_baseline(region, end_year)
        return Baseline("official", base.inputs, "official stand-in for the test")

    result, notes = run_batch(scenarios, "2580", 2030, progress=False,
                              baseline_builders={"trend": trend_baseline, "official": given})
    assert result.scenarios == ("Officiell prognos",)
    assert notes["Utgångsläge official"] == "official stand-in for the test"


def test_official_baseline_is_none_or_inputs() -> None:
    built = official_baseline("2580", 2030)
    assert built is None or built.inputs.base_year >= 2023


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
