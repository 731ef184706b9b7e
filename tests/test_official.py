"""Embedded official forecasts against SCB's published figures and the source files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calculator.data import official
from calculator.exceptions import InputValidationError
from calculator.grid import N_AGES

DATA = Path(__file__).parent / "data"


def test_listing_names_every_forecast_with_vintage() -> None:
    table = official.list_official_forecasts()
    assert set(table["forecast_id"]) == set(official.FORECASTS)
    assert table["vintage"].notna().all()
    row = table.set_index("forecast_id").loc["scb_national_2025"]
    assert row["kind"] == "national" and row["vintage"] == "2025"
    assert "mean_population" in row["available"]


def test_births_2026_and_deaths_2026_match_sources_md() -> None:
    # SOURCES.md s. 20 / s. 8: 2025 vintage births 2026 = 96,857, 2050 = 113,540;
    # s. 19: deaths 96,277 (2026), 108,227 (2035), 112,951 (2050).
    comp = official.load_official_components("scb_national_2025")
    tot = comp.groupby(["variable", "year"])["value"].sum()
    assert tot[("births", 2026)] == 96_857
    assert tot[("births", 2050)] == 113_540
    assert tot[("deaths", 2026)] == 96_277
    assert tot[("deaths", 2035)] == 108_227
    assert tot[("deaths", 2050)] == 112_951


def test_deaths_and_mean_population_totals_equal_source_totals() -> None:
    # tests/data/official_projected_totals_2025_vintage.csv: sums over every birth region,
    # sex and age (0..104, 105+) of SCB's 000005MP / 000005MS, computed by the research helper.
    expected = pd.read_csv(DATA / "official_projected_totals_2025_vintage.csv")
    comp = official.load_official_components("scb_national_2025")
    got = comp.groupby(["variable", "year"])["value"].sum()
    np.testing.assert_array_equal(got["deaths"].loc[expected["year"]], expected["deaths_total"])
    np.testing.assert_array_equal(
        got["mean_population"].loc[expected["year"]], expected["mean_population_total"]
    )


def test_headline_10_7_million_in_2030() -> None:
    # SCB_PROJECTION_HEADLINES.md, vintage 2025-2070: "population grows by about 90,000 to
    # 10.7 million in 2030". The embedded mean population 2030 is 10.62 million; the gap
    # (0.8 %) is discussed in docs/official_forecasts.md (the series may be a later vintage).
    comp = official.load_official_components("scb_national_2025")
    mean_2030 = comp.query("variable == 'mean_population' and year == 2030")["value"].sum()
    assert abs(mean_2030 / 10.7e6 - 1) < 0.01
    pop = official.load_official_population("scb_national_2025")
    assert abs(pop.query("year == 2030")["population"].sum() / 10.7e6 - 1) < 0.01


def test_headline_some_years_more_deaths_than_births() -> None:
    # SCB 2025 headline: "some years with more deaths than births".
    comp = official.load_official_components("scb_national_2025")
    tot = comp.groupby(["variable", "year"])["value"].sum()
    natural = tot["births"] - tot["deaths"]
    assert (natural < 0).any() and (natural > 0).any()


def test_vintage_first_year_totals_match_sources_md() -> None:
    # SOURCES.md s. 8: births to mothers 16-48 in the first projected year of each vintage.
    births = official.load_vintage_births()
    first = births.groupby(["vintage", "year"])["births"].sum()
    assert first[("2018", 2018)] == 116_206
    assert first[("2019", 2019)] == 117_719
    assert first[("2020", 2020)] == 114_590
    assert first[("2021", 2021)] == 110_445
    assert first[("2025", 2026)] == 96_857
    assert set(births["content_code"]) == {"00000282", "000003D4", "000000XB", "000005M7",
                                           "000005MU"}
    assert births["mother_age"].between(16, 48).all()


def test_assumed_asfr_tfr_matches_sources_md() -> None:
    # SOURCES.md s. 21, region 90: TFR 2024 1.421, 2030 1.513, 2050 1.661.
    asfr = official.load_assumed_fert_rates()
    tfr = asfr.groupby("year")["fert_rate"].sum()
    assert tfr[2024] == pytest.approx(1.421, abs=5e-4)
    assert tfr[2030] == pytest.approx(1.513, abs=5e-4)
    assert tfr[2050] == pytest.approx(1.661, abs=5e-4)
    assert asfr["vintage"].str.startswith("2024").all()


def test_regional_lulea_matches_raw_file_and_sources_md() -> None:
    pop = official.load_official_population("scb_regional_2024", "2580")
    tot = pop.groupby("year")["population"].sum()
    # SOURCES.md s. 18: Luleå 2024 = 79,374; 2050 = 79,614.
    assert round(tot[2024]) == 79_374
    assert round(tot[2050]) == 79_614
    raw = pd.read_csv(DATA / "official_scb_regional_lulea_raw.csv", dtype=str)
    for year in (2024, 2037, 2050):
        assert tot[year] == pytest.approx(raw[f"000005RC {year}"].astype(float).sum(), abs=1e-6)
    assert pop.groupby(["year", "sex"]).size().eq(N_AGES).all()
    assert set(pop["vintage"]) == {"2024"}


def test_national_population_reproduces_mean_population_exactly() -> None:
    pop = official.load_official_population("scb_national_2025")
    comp = official.load_official_components("scb_national_2025")
    mean = comp[comp["variable"] == "mean_population"]
    for sex in ("female", "male"):
        p = pop[pop["sex"] == sex].pivot_table(index="year", columns="age", values="population")
        m = mean[mean["sex"] == sex].pivot_table(index="year", columns="age", values="value")
        prev = p.loc[2025:2049].to_numpy()
        cur = p.loc[2026:2050].to_numpy()
        implied = np.empty_like(cur)
        implied[:, 0] = cur[:, 0] / 2
        implied[:, 1:100] = (prev[:, :99] + cur[:, 1:100]) / 2
        implied[:, 100] = (prev[:, 99] + prev[:, 100] + cur[:, 100]) / 2
        np.testing.assert_allclose(implied, m.to_numpy(), atol=1e-6)


def _sweden(name: str, value: str) -> dict[str, np.ndarray]:
    frame = pd.read_csv(DATA / name, dtype={"age": str})
    frame["a"] = frame["age"].str.rstrip("+").astype(int)
    return {
        sex: frame[frame["sex"] == sex].pivot_table(index="year", columns="a", values=value)
        for sex in ("female", "male")
    }


def test_population_estimator_on_observed_sweden_2004_2015() -> None:
    # Real SCB stocks 2004-2015 and deaths 2005-2015 (tests/data/official_scb_*_sweden_*.csv,
    # SOURCES.md s. 1-2): compute mean population from the stocks, withhold the 2004 stock,
    # and recover it from mean population and deaths alone.
    pop = _sweden("official_scb_population_sweden_2004_2015.csv", "population")
    deaths = _sweden("official_scb_deaths_sweden_2005_2015.csv", "deaths")
    for sex in ("female", "male"):
        p = pop[sex].to_numpy(dtype=float)
        prev, cur = p[:-1], p[1:]
        mean = np.empty_like(cur)
        mean[:, 0] = cur[:, 0] / 2
        mean[:, 1:100] = (prev[:, :99] + cur[:, 1:100]) / 2
        mean[:, 100] = (prev[:, 99] + prev[:, 100] + cur[:, 100]) / 2
        start, stocks = official.derive_population_from_mean(mean, deaths[sex].to_numpy(float))
        assert abs(stocks.sum(axis=1) - cur.sum(axis=1)).max() / cur.sum(axis=1).min() < 1e-3
        groups = np.arange(0, 90, 5)
        rel = np.abs(np.add.reduceat(stocks - cur, groups, axis=1)[:, :-1]) / np.add.reduceat(
            cur, groups, axis=1)[:, :-1]
        assert rel.max() < 0.01
        assert abs(start[:90] - p[0, :90]).sum() / p[0, :90].sum() < 0.005


def test_unknown_forecast_and_region_are_named() -> None:
    with pytest.raises(InputValidationError, match="scb_regional_2024"):
        official.load_official_population("nope")
    with pytest.raises(InputValidationError, match="2580"):
        official.load_official_population("scb_regional_2024", "0180")
    with pytest.raises(InputValidationError, match="publishes no population"):
        official.load_official_population("scb_national_2018")


def test_official_long_carries_vintage() -> None:
    long = official.load_official_long("scb_regional_2024", "2580")
    assert set(long["variable"]) == {"population"}
    assert set(long["vintage"]) == {"2024"}
    long = official.load_official_long("scb_national_2025")
    assert {"population", "deaths", "mean_population", "births", "net_migration"} <= set(
        long["variable"])


def test_official_forecast_for_and_its_description() -> None:
    from calculator.official_baseline import official_baseline

    assert official.official_forecast_for("00") == "scb_national_2025"
    assert official.official_forecast_for("2580") == "scb_regional_2024"
    assert official.official_forecast_for("2480") is None  # Umeå: no official forecast embedded
    inputs = official_baseline("scb_regional_2024", "2580").inputs
    sv = official.describe_official_baseline(inputs, "scb_regional_2024", "sv")
    en = official.describe_official_baseline(inputs, "scb_regional_2024", "en")
    assert "basår 2024" in sv and "inte den registrerade" in sv and "bruttoflöden" in sv
    assert "base year 2024" in en and "not the registered" in en and "gross flows" in en
    with pytest.raises(ValueError, match="allowed: 'sv', 'en'"):
        official.describe_official_baseline(inputs, "scb_regional_2024", "de")
