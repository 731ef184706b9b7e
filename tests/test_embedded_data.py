"""The embedded SCB dataset: loaders validate and reproduce published SCB totals.

Reference values are SCB figures as recorded in shared/reference/SOURCES.md (section numbers
in the comments), independent of the build script that produced the embedded files.
"""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from calculator.data import embedded
from calculator.data.frames import FRAME_COLUMNS
from calculator.exceptions import InputValidationError


def _total(frame: pd.DataFrame, column: str) -> float:
    return float(frame[column].sum())


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2006, 73_313),  # SOURCES §13
        (2015, 76_088),  # SOURCES §13
        (2023, 79_352),  # SOURCES §13
        (2024, 79_645),  # SOURCES §13
    ],
)
def test_lulea_population_totals(year: int, expected: int) -> None:
    pop = embedded.load_population("2580", years=[year])
    assert _total(pop, "population") == expected
    assert len(pop) == 2 * 101


def test_lulea_2025_ckm_kept_separate() -> None:
    # SOURCES §14: 000007ME, Luleå 2025 = 80,321 (sum of the published CKM cells).
    assert 2025 not in set(embedded.load_population("2580")["year"])
    with_ckm = embedded.load_population("2580", include_ckm=True)
    assert _total(with_ckm[with_ckm["year"] == 2025], "population") == 80_321
    assert data_years(with_ckm) == list(range(2006, 2026))
    vintage = embedded.data_vintage("2580")
    assert vintage.base_year == 2024
    assert vintage.ckm_year == 2025
    assert "CKM" in vintage.description and "2024" in vintage.description


def data_years(frame: pd.DataFrame) -> list[int]:
    return sorted(int(y) for y in frame["year"].unique())


def test_lulea_births_deaths_migration_2024() -> None:
    assert _total(embedded.load_births("2580", years=[2024]), "births") == 613  # §15
    assert _total(embedded.load_deaths("2580", years=[2024]), "deaths") == 774  # §16
    mig = embedded.load_migration("2580", years=[2024])
    net = (mig["immigrants"] + mig["in_migrants"] - mig["emigrants"] - mig["out_migrants"]).sum()
    assert net == 455  # §17: Luleå 2024 net migration +455


@pytest.mark.parametrize(
    ("year", "expected"),
    [(1968, 7_931_193), (2000, 8_882_792), (2015, 9_851_017),  # SOURCES §3
     (2016, 9_995_153), (2017, 10_120_242), (2018, 10_230_185), (2019, 10_327_589)],  # §1
)
def test_sweden_population_totals(year: int, expected: int) -> None:
    assert _total(embedded.load_population("00", years=[year]), "population") == expected


def test_sweden_births_and_deaths_totals() -> None:
    births = embedded.load_births("00").groupby("year")["births"].sum()
    assert births[1968] == 113_086  # §5
    assert births[2000] == 90_441  # §5
    # §5: SCB total 2015 = 114,870 including births with unknown mother's age (dropped here).
    assert 114_868 <= births[2015] <= 114_870
    assert births[2024] == 98_446  # §15 (ages 15..49+, BE0101E2)
    deaths = embedded.load_deaths("00").groupby("year")["deaths"].sum()
    assert deaths[2019] == 88_766  # §2
    assert deaths[2020] == 98_124  # §2


@pytest.mark.parametrize(
    ("loader", "value"),
    [(embedded.load_population, "population"), (embedded.load_deaths, "deaths"),
     (embedded.load_births, "births")],
)
def test_counties_sum_to_sweden(loader: object, value: str) -> None:
    regions = embedded.available_regions()
    counties = regions.loc[regions["level"] == "county", "region"].tolist()
    assert len(counties) == 21
    years = list(range(1968, 2016))
    total = sum(_total(loader(code, years=years), value) for code in counties)  # type: ignore[operator]
    sweden = _total(loader("00", years=years), value)  # type: ignore[operator]
    assert total == sweden


def test_frames_have_schema_columns_and_dtypes() -> None:
    for kind, frame in (
        ("population", embedded.load_population("25")),
        ("births", embedded.load_births("2580")),
        ("deaths", embedded.load_deaths("00")),
        ("migration", embedded.load_migration("2580")),
    ):
        assert tuple(frame.columns) == FRAME_COLUMNS[kind]
        assert frame["year"].dtype == "int64"
        assert set(frame["region"].unique()) <= {"25", "2580", "00"}


def test_unknown_region_and_year_give_clear_errors() -> None:
    with pytest.raises(InputValidationError, match=r"'9999'.*2580 \(Luleå\)"):
        embedded.load_population("9999")
    with pytest.raises(InputValidationError, match=r"no migration data.*'25'"):
        embedded.load_migration("25")
    with pytest.raises(InputValidationError, match=r"\[2030\].*2006-2024"):
        embedded.load_deaths("2580", years=[2024, 2030])


def test_loaders_return_copies() -> None:
    first = embedded.load_population("2580", years=[2024])
    first["population"] = 0.0
    again = embedded.load_population("2580", years=[2024])
    assert _total(again, "population") == 79_645


def test_tfr_observed_matches_tab4805() -> None:
    # SOURCES §22: Luleå 2020 1.58, 2021 1.62, 2022 1.35, 2023 1.32, 2024 1.23, 2025 1.37.
    tfr = embedded.load_tfr_observed("2580").set_index("year")["tfr_children_per_woman"]
    assert tfr.loc[2020:2025].tolist() == [1.58, 1.62, 1.35, 1.32, 1.23, 1.37]
    everything = embedded.load_tfr_observed()
    assert everything["region"].nunique() == 290
    suppressed = everything[everything["status"] == ".."]
    assert len(suppressed) == 204 and suppressed["tfr_children_per_woman"].isna().all()


def test_available_regions() -> None:
    regions = embedded.available_regions().set_index("region")
    assert regions.loc["2580", "name"] == "Luleå"
    assert regions.loc["2580", "level"] == "municipality"
    assert regions.loc["2580", "migration_years"] == "2006-2024"
    assert bool(regions.loc["2580", "projectable"])
    assert regions.loc["00", "population_years"] == "1968-2020"
    assert regions.loc["00", "births_years"] == "1968-2024"
    assert regions.loc["25", "name"] == "Norrbottens län"
    # 290 municipalities have a name; Bjurholm (2403) has every TAB4805 value suppressed
    # (fewer than 30 births a year), so it has no embedded data and is not listed.
    assert int((regions["level"] == "municipality").sum()) == 289
    assert "2403" not in regions.index
    assert int(regions["projectable"].sum()) == 23  # Sweden, 21 counties, Luleå


def test_write_csv_gz_is_deterministic(tmp_path) -> None:
    from calculator.data.files import write_csv_gz

    frame = pd.DataFrame({"year": [2024, 2025], "rate": [0.1234567890123, 1.0]})
    a = write_csv_gz(frame, tmp_path / "a.csv.gz", float_format="%.10g").read_bytes()
    b = write_csv_gz(frame, tmp_path / "b.csv.gz", float_format="%.10g").read_bytes()
    assert a == b
    assert a[4:8] == b"\0\0\0\0"  # gzip mtime 0
    assert gzip.decompress(a).decode() == "year,rate\n2024,0.123456789\n2025,1\n"


@pytest.mark.parametrize("module", ["build_embedded", "build_followup", "build_official"])
def test_build_scripts_require_the_reference_folder(module: str, tmp_path, capsys) -> None:
    import importlib

    main = importlib.import_module(f"calculator.data.{module}").main
    with pytest.raises(SystemExit):
        main([])
    assert "--reference" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--reference", str(tmp_path), "--out", str(tmp_path / "out")])
    assert "no SOURCES.md" in capsys.readouterr().err
