"""Tests of calculator.followup on the real embedded figures.

Independent references: the extracts in tests/data (made with awk from shared/reference, see
README_followup.md), SOURCES.md / SCB_PROJECTION_HEADLINES.md figures quoted inline, and a
hand computation from the raw Luleå CSV files pasted in the comment of the Luleå test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calculator import followup as fu
from calculator.data import followup_data as fd
from calculator.data.followup_data import followup_sheets
from calculator.exceptions import InputValidationError
from calculator.tables import PLANNING_GROUPS

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def projected() -> pd.DataFrame:
    return fd.load_projected_births()


@pytest.fixture(scope="module")
def observed() -> pd.DataFrame:
    return fd.load_observed_births()


@pytest.fixture(scope="module")
def errors(projected: pd.DataFrame, observed: pd.DataFrame) -> pd.DataFrame:
    return fu.births_error_by_horizon(projected, observed)


# --- (a) fertility assumptions -------------------------------------------------------------------

def test_births_error_equals_hand_sums_of_the_source_files(errors: pd.DataFrame) -> None:
    vint = pd.read_csv(DATA / "followup_vintage_births_totals.csv")
    obs = pd.read_csv(DATA / "followup_observed_births_16_48_sweden.csv")
    expected = vint.merge(obs, on="year")  # 2018-2024: vintages 2018-2021, 16 rows
    expected["error"] = expected["projected_births_16_48"] - expected["observed_births_16_48"]
    got = errors[errors["status"] == fu.STATUS_OK].set_index(["projection_vintage", "year"])
    assert len(got) == len(expected) == 16
    for row in expected.itertuples():
        g = got.loc[(row.projection_vintage, row.year)]
        assert g["projected_births"] == row.projected_births_16_48
        assert g["observed_births"] == row.observed_births_16_48
        assert g["error_births"] == row.error
        assert g["rel_error_pct"] == pytest.approx(row.error / row.observed_births_16_48 * 100)
    # e.g. vintage 2021 assumed 106,810 births in 2024; 98,356 were born to mothers 16-48
    assert got.loc[(2021, 2024), "error_births"] == 106_810 - 98_356


def test_horizons_line_up_with_launch_years(errors: pd.DataFrame) -> None:
    # A vintage published in year v has its base population at 31 Dec v-1: year v = horizon 1.
    assert (errors["horizon_years"] == errors["year"] - errors["projection_vintage"] + 1).all()
    first = errors.groupby("projection_vintage")[["year", "horizon_years"]].min()
    for vintage in (2018, 2019, 2020, 2021):
        assert first.loc[vintage, "year"] == vintage
        assert first.loc[vintage, "horizon_years"] == 1
    # the 2025 file starts in 2026 (SOURCES.md section 20): its first row is horizon 2
    assert first.loc[2025, "year"] == 2026 and first.loc[2025, "horizon_years"] == 2


def test_gaps_are_explicit_never_invented(errors: pd.DataFrame) -> None:
    future = errors[errors["year"] > fd.LAST_OBSERVED_BIRTHS_YEAR]
    assert len(future) == 25  # vintage 2025, 2026-2050
    assert (future["status"] == fu.NO_OBSERVED).all()
    assert future["observed_births"].isna().all() and future["error_births"].isna().all()
    sentence = fu.births_summary(future.iloc[0], "en")
    assert "neither embedded nor fetched" in sentence and "96,857" in sentence


def test_error_of_a_series_against_itself_is_zero(projected: pd.DataFrame) -> None:
    one = projected[projected["projection_vintage"] == 2025]
    as_observed = one.groupby(["year", "mother_age"], as_index=False)["births"].sum()
    err = fu.births_error_by_horizon(one, as_observed)
    assert (err["status"] == fu.STATUS_OK).all()
    assert (err["error_births"] == 0).all() and (err["rel_error_pct"] == 0).all()
    assert (fu.mape_by_horizon(err)["mape_pct"] == 0).all()
    parts = fu.births_error_by_mother_age(one, as_observed, 2025, 2030)
    assert np.allclose(parts[["error_births", "level_part_births", "timing_part_births"]], 0)


def test_mape_by_horizon_from_hand_sums(errors: pd.DataFrame) -> None:
    vint = pd.read_csv(DATA / "followup_vintage_births_totals.csv")
    obs = pd.read_csv(DATA / "followup_observed_births_16_48_sweden.csv")
    e = vint.merge(obs, on="year")
    e["h"] = e["year"] - e["projection_vintage"] + 1
    e["ape"] = (e["projected_births_16_48"] - e["observed_births_16_48"]).abs() / e[
        "observed_births_16_48"] * 100
    expected = e.groupby("h")["ape"].mean()
    mape = fu.mape_by_horizon(errors).set_index("horizon_years")
    assert list(mape.index) == [1, 2, 3, 4]
    assert (mape["n_vintages"] == 4).all()
    np.testing.assert_allclose(mape["mape_pct"], expected.loc[[1, 2, 3, 4]])
    # errors grow with the horizon: roughly 2, 4, 8, 13 % (2018-2024 birth decline)
    assert list(mape["mape_pct"].round()) == [2.0, 4.0, 8.0, 13.0]


def test_decomposition_by_mother_age_adds_up(projected: pd.DataFrame,
                                             observed: pd.DataFrame) -> None:
    parts = fu.births_error_by_mother_age(projected, observed, 2021, 2024)
    assert list(parts["mother_age"]) == list(range(16, 49))
    assert parts["error_births"].sum() == 106_810 - 98_356
    assert parts["level_part_births"].sum() == pytest.approx(106_810 - 98_356)
    assert parts["timing_part_births"].sum() == pytest.approx(0, abs=1e-6)
    np.testing.assert_allclose(parts["level_part_births"] + parts["timing_part_births"],
                               parts["error_births"], atol=1e-9)
    # the 2021 vintage expected younger mothers than observed in 2024: the timing part is
    # positive below age 28 (too many births assumed at young ages)
    assert (parts.loc[parts["mother_age"] < 28, "timing_part_births"] > 0).all()
    assert parts.attrs["timing_births_shifted"] > 0


def test_decomposition_reports_missing_years(projected: pd.DataFrame,
                                             observed: pd.DataFrame) -> None:
    parts = fu.births_error_by_mother_age(projected, observed, 2025, 2026)
    assert (parts["status"] == fu.NO_OBSERVED).all()
    assert parts["observed_births"].isna().all()
    with pytest.raises(InputValidationError, match="vintage 2018, year 2030"):
        fu.births_error_by_mother_age(projected, observed, 2018, 2030)


def test_observed_tfr_reproduces_the_derived_reference_series() -> None:
    births, pop = fd.load_observed_births(), fd.load_observed_population()
    got = fu.observed_tfr_from_births(births, pop).set_index("year")["tfr_children_per_woman"]
    ref = pd.read_csv(DATA / "followup_derived_tfr_sweden_1969_2015.csv").set_index("year")
    # the reference used the counties file for 2006-2015 too (a few births differ, SOURCES
    # section 15), and rounds to three decimals
    np.testing.assert_allclose(got.loc[ref.index], ref["tfr_age_reached"], atol=1e-3)


def test_tfr_error_of_the_2024_assumption() -> None:
    assumed = fd.load_assumed_tfr()
    table = fu.tfr_error_by_horizon(assumed, fd.load_observed_tfr(),
                                    base_year=fd.ASSUMED_ASFR_BASE_YEAR,
                                    vintage=fd.ASSUMED_ASFR_VINTAGE)
    row = table.set_index("year").loc[2024]
    # assumed 1.4207 (SOURCES.md section 21) vs 1.43 published in text for 2024
    assert row["horizon_years"] == 1
    assert row["error_tfr"] == pytest.approx(1.4207 - 1.43, abs=5e-5)
    assert row["observed_kind"] == "published in text"
    assert (table.loc[table["year"] > 2024, "status"] == fu.NO_OBSERVED).all()
    assert fu.mape_by_horizon(table, value="tfr")["n_vintages"].tolist() == [1]


def test_tfr_error_against_itself_is_zero() -> None:
    assumed = fd.load_assumed_tfr()
    table = fu.tfr_error_by_horizon(assumed, assumed, base_year=2023, vintage=2024)
    assert (table["error_tfr"] == 0).all() and (table["status"] == fu.STATUS_OK).all()


def test_municipal_tfr_against_the_national_assumption() -> None:
    table = fu.municipal_tfr_vs_assumption(fd.load_municipal_tfr(), fd.load_assumed_tfr(),
                                           "2580", fd.load_observed_tfr()).set_index("year")
    # Luleå 2024 1.23 and 2025 1.37 (TAB4805) vs the assumed 1.4207 and 1.4078
    assert table.loc[2024, "difference_tfr"] == pytest.approx(1.23 - 1.4207, abs=5e-5)
    assert table.loc[2025, "difference_tfr"] == pytest.approx(1.37 - 1.4078, abs=5e-5)
    assert table.loc[2024, "national_observed_tfr"] == 1.43
    assert table.loc[2020, "status"] == fu.NO_ASSUMPTION
    assert table.loc[2030, "status"] == fu.NO_OBSERVED
    with pytest.raises(InputValidationError, match="9999"):
        fu.municipal_tfr_vs_assumption(fd.load_municipal_tfr(), fd.load_assumed_tfr(), "9999")


def test_suppressed_municipal_tfr_is_labelled() -> None:
    tfr = fd.load_municipal_tfr()
    region = tfr.loc[tfr["tfr_children_per_woman"].isna(), "region"].iloc[0]
    table = fu.municipal_tfr_vs_assumption(tfr, fd.load_assumed_tfr(), region)
    assert (table["status"] == fu.SUPPRESSED).any()


def test_summaries_in_both_languages(errors: pd.DataFrame) -> None:
    row = errors.set_index(["projection_vintage", "year"]).loc[(2021, 2024)].copy()
    row["projection_vintage"], row["year"] = 2021, 2024
    sv = fu.births_summary(row, "sv").replace("\u00a0", " ")
    en = fu.births_summary(row, "en")
    assert sv.startswith("Prognosen från 2021 antog 106 810 födda 2024; 98 356 föddes")
    assert "8,6 % för högt" in sv
    assert en.startswith("The 2021 vintage assumed 106,810 births in 2024; 98,356 were born")
    assert len(fu.births_summaries(errors, "en")) == len(errors)
    with pytest.raises(InputValidationError, match="language"):
        fu.births_summary(row, "de")  # type: ignore[arg-type]


def test_chart_data_and_age_profile(projected: pd.DataFrame, observed: pd.DataFrame) -> None:
    chart = fu.births_paths_chart_data(projected, observed)
    assert set(chart["series"]) == {"observed", *(f"vintage {v}" for v in fd.BIRTH_VINTAGES)}
    assert chart.loc[chart["series"] == "observed", "year"].max() == 2024
    obs_asfr = fu.observed_asfr(observed, fd.load_observed_population())
    profile = fu.fertility_age_profile(fd.load_assumed_asfr(), obs_asfr, 2024)
    assert set(profile.loc[profile["series"] == "observed", "status"]) == {fu.NO_OBSERVED}
    assert (profile.loc[profile["series"] == "assumed", "status"] == fu.STATUS_OK).sum() == 33


# --- (b) actual vs forecast by planning age group -------------------------------------------------

@pytest.fixture(scope="module")
def lulea() -> pd.DataFrame:
    proj = fd.load_lulea_regional_projection()
    obs = fd.load_lulea_observed_population()
    return fu.compare_by_age_group(proj[proj["year"] <= 2026], obs)


def test_lulea_comparison_reproduces_hand_computation(lulea: pd.DataFrame) -> None:
    # Hand computation from the raw reference CSVs (shared/reference/lulea/raw), 2026-11-22:
    #   observed 2024 (BE0101N1, sum over civil status and sex; column 23 = 2024):
    #   $ awk -F, 'NR>1 && $1=="\"2580\"" {a=$3; gsub(/"/,"",a); if (a=="6") s6+=$23;
    #       if (a=="16"||a=="17"||a=="18") s16+=$23} END {print s6, s16}'
    #       population_pre2025.prefix.csv                        -> 792 2646
    #   observed 2025 (000007ME, CKM):
    #   $ awk -F, 'NR>1 && $1=="2580" {if ($3=="6") s6+=$5; if ($3=="16"||$3=="17"||
    #       $3=="18") s16+=$5} END {print s6, s16}' population_2025.csv  -> 810 2678
    #   SCB regional projection 000005RC (columns 5 = 2024, 6 = 2025):
    #   $ awk -F, 'NR>1 && $1=="\"2580\"" {a=$4; gsub(/"/,"",a); if (a=="6") {f24+=$5;
    #       f25+=$6} if (a=="16"||a=="17"||a=="18") {g24+=$5; g25+=$6}} END {printf
    #       "%.4f %.4f %.4f %.4f\n", f24, f25, g24, g25}'
    #       regional_forecast_benchmark.lulea_prefix.csv  -> 800.4632 809.0397 2694.5564 2712.7193
    #   age 6:     2024: 792 - 800.4632 = -8.4632   2025: 810 - 809.0397 = +0.9603
    #   age 16-18: 2024: 2646 - 2694.5564 = -48.5564 (-1.80 %)
    #              2025: 2678 - 2712.7193 = -34.7193 (-1.28 %)
    #   CKM bound 2025 (3 persons per cell): age 6 = 2 cells -> 6; 16-18 = 6 cells -> 18.
    t = lulea.set_index(["year", "age_group"])
    assert t.loc[(2024, "6"), "observed_pop_count"] == 792
    assert t.loc[(2024, "6"), "forecast_pop_count"] == pytest.approx(800.4632, abs=1e-6)
    assert t.loc[(2024, "6"), "deviation_persons"] == pytest.approx(-8.4632, abs=1e-6)
    assert t.loc[(2025, "6"), "deviation_persons"] == pytest.approx(0.9603, abs=1e-6)
    assert t.loc[(2024, "16-18"), "deviation_persons"] == pytest.approx(-48.5564, abs=1e-6)
    assert t.loc[(2024, "16-18"), "rel_deviation_pct"] == pytest.approx(-1.802, abs=1e-3)
    assert t.loc[(2025, "16-18"), "deviation_persons"] == pytest.approx(-34.7193, abs=1e-6)
    assert t.loc[(2025, "16-18"), "rel_deviation_pct"] == pytest.approx(-1.280, abs=1e-3)
    # CKM: no noise on the final 2024 figures; 3 persons per summed cell in 2025
    assert t.loc[(2024, "6"), "ckm_noise_bound_persons"] == 0
    assert t.loc[(2025, "6"), "ckm_noise_bound_persons"] == 6
    assert t.loc[(2025, "16-18"), "ckm_noise_bound_persons"] == 18
    assert bool(t.loc[(2025, "6"), "within_ckm_noise"])
    assert not bool(t.loc[(2025, "16-18"), "within_ckm_noise"])
    assert t.loc[(2025, "25-64"), "n_cells"] == 80


def test_lulea_comparison_groups_totals_and_gap(lulea: pd.DataFrame) -> None:
    assert list(lulea.loc[lulea["year"] == 2024, "age_group"]) == [
        g.label for g in PLANNING_GROUPS]
    totals = lulea.groupby("year")[["forecast_pop_count", "observed_pop_count"]].sum()
    # SOURCES.md section 18: forecast 2024 = 79,374, outcome 79,645; section 14: 2025 80,321
    assert round(totals.loc[2024, "forecast_pop_count"]) == 79_374
    assert totals.loc[2024, "observed_pop_count"] == 79_645
    assert totals.loc[2025, "observed_pop_count"] == 80_321
    later = lulea[lulea["year"] == 2026]
    assert (later["status"] == fu.NO_OBSERVED).all() and not later["flag"].any()


def test_tolerance_flags(lulea: pd.DataFrame) -> None:
    proj = fd.load_lulea_regional_projection()
    obs = fd.load_lulea_observed_population()
    loose = fu.compare_by_age_group(proj[proj["year"] <= 2025], obs, tolerance_pct=100)
    assert not loose["flag"].any()
    tight = fu.compare_by_age_group(proj[proj["year"] <= 2025], obs, tolerance_pct=1.0)
    t = tight.set_index(["year", "age_group"])
    assert bool(t.loc[(2024, "16-18"), "flag"])  # -1.80 % beyond 1 %
    assert not bool(t.loc[(2025, "6"), "flag"])  # +0.12 % and within CKM noise
    assert all(s.startswith(("2024", "2025")) for s in fu.deviation_summary(tight, "sv"))
    with pytest.raises(InputValidationError, match="tolerance"):
        fu.compare_by_age_group(proj, obs, tolerance_pct=-1)


def test_forecast_against_itself_is_zero_and_groups_plug_in_either_way() -> None:
    proj = fd.load_lulea_regional_projection()
    as_tuples = [(g.label, g.low, 100 if g.high is None else g.high) for g in PLANNING_GROUPS]
    a = fu.compare_by_age_group(proj, proj, as_tuples, by_sex=True)
    b = fu.compare_by_age_group(proj, proj, None, by_sex=True)
    pd.testing.assert_frame_equal(a, b)
    assert (a["deviation_persons"] == 0).all() and not a["flag"].any()
    assert set(a["sex"]) == {"female", "male"}
    assert len(a) == 27 * 12 * 2


def test_incomplete_grid_is_an_error() -> None:
    proj = fd.load_lulea_regional_projection()
    obs = fd.load_lulea_observed_population()
    with pytest.raises(InputValidationError, match="year 2025: 201 sex-age cells"):
        fu.compare_by_age_group(proj, obs.iloc[:-1])
    with pytest.raises(InputValidationError, match="age group"):
        fu.compare_by_age_group(proj, obs, [("bad", 5, 2)])


def test_monthly_comparison_with_the_upload_template() -> None:
    proj = fd.load_lulea_regional_projection()
    monthly = fd.read_monthly_population(DATA / "followup_monthly_lulea_2024_12_2025_12.csv")
    fc = fu.forecast_at_months(proj, monthly["month"].unique())
    # 2024-12 needs the forecast for 31 Dec 2023 (not in SCB's file, base year)
    assert fc.attrs["months_without_forecast"] == ["2024-12"]
    table = fu.compare_by_age_group(fc, monthly, period="month")
    t = table.set_index(["month", "age_group"])
    # end of December = 31 December: the same numbers as the yearly hand computation
    assert t.loc[("2025-12", "16-18"), "deviation_persons"] == pytest.approx(-34.7193, abs=1e-6)
    assert t.loc[("2025-12", "6"), "ckm_noise_bound_persons"] == 6
    assert (t.loc["2024-12", "status"] == fu.NO_FORECAST).all()
    # a mid-year month is interpolated linearly between the two 31-Dec values
    mid = fu.forecast_at_months(proj, ["2025-06"]).groupby("month")["population"].sum()
    ends = proj[proj["year"].isin([2024, 2025])].groupby("year")["population"].sum()
    assert mid["2025-06"] == pytest.approx((ends[2024] + ends[2025]) / 2)


def test_ckm_bound_methods() -> None:
    assert fu.ckm_noise_bound(80).item() == 240
    assert fu.ckm_noise_bound(4, method="sqrt").item() == 8
    with pytest.raises(InputValidationError, match="worst_case"):
        fu.ckm_noise_bound(4, method="other")  # type: ignore[arg-type]


# --- export sheets ---------------------------------------------------------------------------------

def test_followup_sheets_hold_the_published_figures() -> None:
    sheets = followup_sheets("sv", "2580")
    assert list(sheets) == ["Uppföljning fruktsamhet", "Uppföljning kommunens TFR",
                            "Uppföljning utfall"]
    fert = sheets["Uppföljning fruktsamhet"]
    row = fert[(fert["Prognosår"] == 2021) & (fert["År"] == 2024)].iloc[0]
    # SCB BE0401 vintage 2021 and BE0101 births 2024, mothers 16-48 (docs/followup.md table).
    assert row["Antagna födda"] == pytest.approx(106_810)
    assert row["Födda, utfall"] == pytest.approx(98_356)
    assert row["Fel, födda (antagna − utfall)"] == pytest.approx(8_454)
    assert row["Horisont (år)"] == 4
    mape = fert[fert["Prognosår"] == "Alla (medelabsolut fel)"].set_index("Horisont (år)")
    assert mape.loc[1, "Medelabsolut fel (%)"] == pytest.approx(2.0, abs=0.05)
    assert mape.loc[4, "Medelabsolut fel (%)"] == pytest.approx(12.9, abs=0.05)
    gap = fert[fert["Prognosår"] == 2025]
    assert gap["Födda, utfall"].isna().all()
    assert gap["Status"].str.contains("inte hämtat").all()
    tfr = sheets["Uppföljning kommunens TFR"].set_index("År")
    assert tfr.loc[2024, "Kommunens summerade fruktsamhet"] == pytest.approx(1.23)  # TAB4805
    outcome = sheets["Uppföljning utfall"]
    assert set(outcome["År (31 dec)"]) == {2024, 2025}
    teen = outcome[(outcome["År (31 dec)"] == 2024) & (outcome["Åldersgrupp"] == "16-18")]
    assert float(teen["Avvikelse (utfall − prognos)"].iloc[0]) == pytest.approx(-48.6, abs=0.05)
    en = followup_sheets("en")
    assert list(en) == ["Follow-up fertility"]
    assert followup_sheets("sv", "00").keys() == {"Uppföljning fruktsamhet"}
    with pytest.raises(InputValidationError):
        followup_sheets("de")


def test_cli_workbook_has_the_followup_sheets(tmp_path: Path) -> None:
    import openpyxl

    from calculator.cli import main
    from calculator.export import HEADER_ROW

    out = tmp_path / "t.xlsx"
    root = Path(__file__).resolve().parents[1]
    assert main(["run", str(root / "scenarios" / "official.toml"), "--region", "2580",
                 "--out", str(out), "--no-progress"]) == 0
    wb = openpyxl.load_workbook(out, read_only=True)
    for name, frame in followup_sheets("sv", "2580").items():
        rows = list(wb[name].iter_rows(min_row=HEADER_ROW, values_only=True))
        assert list(rows[0]) == list(frame.columns)
        body = rows[1:]
        assert len(body) == len(frame)
        for j, col in enumerate(frame.columns):
            for i, e in enumerate(frame[col].astype(object).tolist()):
                g = body[i][j]
                if e is None or e is pd.NA or (isinstance(e, float) and np.isnan(e)):
                    assert g is None, (name, col, i)
                elif isinstance(e, float | int | np.number) and not isinstance(e, bool):
                    assert g == pytest.approx(float(e)), (name, col, i)
                else:
                    assert g == e, (name, col, i)
