"""The pure chart builders, number formatting and array helpers of the app (no server)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from app_pages import _charts
from app_pages._i18n import NBSP, STRINGS, fmt_number, fmt_pct, fmt_year, t
from calculator import controls, keyfigures
from calculator.compare import compare
from calculator.data.official import load_official_long
from calculator.exceptions import InputValidationError
from calculator.grid import N_AGES
from calculator.projection import project
from calculator.scenario import FertilityChange, Scenario, apply_scenarios
from calculator.tables import EXAMPLE_SERVICE_NEEDS, PLANNING_GROUPS, service_needs
from tests.helpers_engine import make_inputs


def test_swedish_and_english_number_formats() -> None:
    assert fmt_number(1234567.26, "sv", 1) == f"1{NBSP}234{NBSP}567,3"
    assert fmt_number(1234567.26, "en", 1) == "1,234,567.3"
    assert fmt_number(-1500, "sv") == f"−1{NBSP}500"
    assert fmt_number(12, "sv", sign=True) == "+12"
    assert fmt_number(float("nan"), "sv") == "–"
    assert fmt_pct(0.1234, "sv") == f"12,3{NBSP}%"
    assert fmt_pct(-0.05, "en", sign=True) == "-5.0%"
    assert fmt_year(2040) == "2040"


def test_every_string_has_both_languages() -> None:
    for key, (sv, en) in STRINGS.items():
        assert sv and en, key
    assert t("births", "sv") == "Födda" and t("births", "en") == "Births"
    for key, term in (("population", "Folkmängd"), ("deaths", "Döda"),
                      ("in_migrants", "Inflyttade"), ("out_migrants", "Utflyttade"),
                      ("immigrants", "Invandrade"), ("emigrants", "Utvandrade"),
                      ("tfr", "Summerad fruktsamhet"), ("e0", "Medellivslängd")):
        assert t(key, "sv") == term


@pytest.fixture(scope="module")
def series() -> keyfigures.Series:
    """Two scenarios of the engine's test inputs plus a made-up comparison of the same shape
    (the builders only need the layout)."""
    inputs = make_inputs(n_years=26)
    base = apply_scenarios(inputs, [Scenario(name="A", region="2580", end_year=2050),
                                    Scenario(name="B", region="2580", end_year=2050,
                                             fertility=FertilityChange(2.5, 2030))])
    result = project(base)
    official = (result.years, np.asarray(result.pop_count_year_sex_age)[0, 0] * 1.01)
    return keyfigures.combine(result, official, "Jämförelse")


def _spec(chart: object) -> dict:  # type: ignore[type-arg]
    return chart.to_dict()  # type: ignore[attr-defined,no-any-return]


def _all(spec: object, key: str) -> list[object]:
    """Every value stored under ``key`` anywhere in a nested spec."""
    found: list[object] = []
    if isinstance(spec, dict):
        for k, v in spec.items():
            if k == key:
                found.append(v)
            found.extend(_all(v, key))
    elif isinstance(spec, list):
        for v in spec:
            found.extend(_all(v, key))
    return found


def test_total_population_chart_spec(series: keyfigures.Series) -> None:
    totals = keyfigures.totals_frame(series)
    diffs = keyfigures.difference_frame(series, "Jämförelse")
    spec = _spec(_charts.total_population_chart(totals, diffs, "Jämförelse", "sv"))
    assert spec["config"]["locale"]["number"] == {
        "decimal": ",", "thousands": NBSP, "grouping": [3], "currency": ["", f"{NBSP}kr"]}
    year_axes = [e for e in _all(spec, "x") if isinstance(e, dict) and e.get("field") == "year"]
    assert year_axes and all(
        e.get("axis", {}).get("format") == "d" for e in year_axes if e["type"] == "quantitative")
    titles = json.dumps(_all(spec, "title"), ensure_ascii=False)
    assert "Folkmängd (personer)" in titles and "Skillnad (personer)" in titles
    scale = next(c["scale"] for c in _all(spec, "color") if isinstance(c, dict) and "scale" in c)
    assert scale["range"][scale["domain"].index("Jämförelse")] == "#000000"
    assert set(scale["range"]) <= {*_charts.PALETTE, "#000000"}
    assert set(diffs["series"]) == {"A", "B"}


def test_english_locale_and_titles(series: keyfigures.Series) -> None:
    spec = _spec(_charts.groups_chart(keyfigures.groups_frame(series), "Jämförelse", "en"))
    assert spec["config"]["locale"]["number"]["decimal"] == "."
    assert "Population (persons)" in json.dumps(_all(spec, "title"))
    assert spec["facet"]["field"] == "age_group"
    assert spec["resolve"]["scale"]["y"] == "independent"


def test_pyramid_has_comparison_outline(series: keyfigures.Series) -> None:
    scen = keyfigures.pyramid_frame(series, "B", 2040)
    ref = keyfigures.pyramid_frame(series, "Jämförelse", 2040)
    spec = _spec(_charts.pyramid_chart(scen, ref, 2040, "sv"))
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["bar", "line"]
    assert spec["layer"][1]["mark"]["color"] == "#000000"
    assert "Befolkningspyramid 2040" in json.dumps(spec["title"], ensure_ascii=False)
    assert len(scen) == 2 * N_AGES and (scen["population"] >= 0).all()


def test_components_and_service_charts(series: keyfigures.Series) -> None:
    inputs = make_inputs(n_years=26)
    result = project(apply_scenarios(inputs, [Scenario(name="A", region="2580")]))
    comp = keyfigures.components_frame(result)
    assert set(comp["component"]) == {"births", "deaths", "net_migration"}
    spec = _spec(_charts.components_chart(comp, "sv"))
    assert "personer per år" in json.dumps(_all(spec, "title"), ensure_ascii=False)
    services = keyfigures.services_frame(series, EXAMPLE_SERVICE_NEEDS, "B", "Jämförelse")
    spec = _spec(_charts.services_chart(services.assign(service_label=services["service"]),
                                        "cost_msek", "Jämförelse", "sv"))
    assert "Kostnad (mnkr)" in json.dumps(_all(spec, "title"), ensure_ascii=False)


def test_services_frame_matches_calculator_tables() -> None:
    inputs = make_inputs(n_years=26)
    result = project(apply_scenarios(inputs, [Scenario(name="A", region="2580")]))
    series = keyfigures.combine(result, None, "")
    ours = keyfigures.services_frame(series, EXAMPLE_SERVICE_NEEDS, "A", None)
    theirs = service_needs(result.to_long(), EXAMPLE_SERVICE_NEEDS)
    merged = ours.merge(theirs.assign(service=theirs["service_sv"]), on=["service", "year"])
    assert len(merged) == len(theirs)
    np.testing.assert_allclose(merged["places_x"], merged["places_y"])
    np.testing.assert_allclose(merged["cost_msek"] * 1e6, merged["cost_sek"])


def test_fast_comparison_table_equals_compare() -> None:
    """The on-screen table (from arrays) gives what calculator.compare.compare gives."""
    inputs = make_inputs(n_years=26)
    result = project(apply_scenarios(inputs, [Scenario(name="A", region="2580")]))
    official = load_official_long("scb_regional_2024", "2580")
    series = keyfigures.combine(result, keyfigures.official_cube(official), "SCB")
    ours = keyfigures.comparison_by_group(series, "A", "SCB")
    groups = [(g.label, g.low, 100 if g.high is None else g.high) for g in PLANNING_GROUPS]
    theirs = compare(result.to_long(), official.loc[official["variable"] == "population"],
                     by="age_group", groups=groups)
    theirs = theirs.loc[(theirs["sex"] == "total") & (theirs["variable"] == "population")]
    merged = ours.merge(theirs, on=["year", "age_group"], suffixes=("", "_c"))
    assert len(merged) == len(ours) > 0
    for col in ("scenario_value", "official_value", "abs_diff", "rel_diff"):
        np.testing.assert_allclose(merged[col], merged[f"{col}_c"], rtol=1e-12)


def test_dependency_ratio_cube_equals_long_table() -> None:
    """keyfigures.dependency_ratio (array, the key-figure cards) gives what
    calculator.tables.dependency_ratio (long table, the exports) gives, every year."""
    from calculator.tables import dependency_ratio as long_ratio

    inputs = make_inputs(n_years=26)
    result = project(apply_scenarios(inputs, [Scenario(name="A", region="2580")]))
    theirs = long_ratio(result.to_long())
    ours = [keyfigures.dependency_ratio(result.pop_count_year_sex_age[0, 0, t])
            for t in range(len(result.years))]
    assert theirs["year"].tolist() == [int(y) for y in result.years]
    np.testing.assert_allclose(ours, theirs["dependency_ratio"], rtol=1e-12)
    assert np.isfinite(ours).all()


def test_key_figures_and_dependency_ratio() -> None:
    cube = np.zeros((2, N_AGES))
    cube[0, 10] = 30.0  # young
    cube[1, 30] = 100.0  # working age
    cube[1, 70] = 45.0  # old
    assert keyfigures.dependency_ratio(cube) == pytest.approx(0.75)  # SCB's definition
    years = np.array([2024, 2025, 2026])
    pop = np.stack([np.stack([cube, cube * 2, cube * 3])] * 2)
    series = keyfigures.Series(("s", "r"), years, pop)
    figs = {f.key: f for f in keyfigures.key_figures(series, "s", "r", 2024, 2026)}
    assert figs["pop_in_5"].year == 2026  # clipped to the horizon
    assert figs["pop_year"].value == pytest.approx(3 * 175.0)
    assert figs["aged_80"].value == 0.0 and figs["children_6_15"].value == pytest.approx(90.0)
    assert figs["pop_year"].difference == 0.0


def test_scenario_from_controls_leaves_untouched_controls_out() -> None:
    defaults = {"fertility.tfr_target": 1.51, "fertility.target_year": 2035,
                "fertility.mean_age_shift_years": 0.0, "mortality.target_year": 2035}
    values = dict(defaults)
    fixed = {"name": "x", "region": "2580", "end_year": 2050, "baseline": "official"}
    assert controls.scenario_from_controls(values, defaults, fixed).is_identity
    values["fertility.tfr_target"] = 1.8
    scen = controls.scenario_from_controls(values, defaults, fixed)
    assert scen.to_query_params() == {"name": "x", "fertility.tfr_target": "1.8",
                                      "fertility.target_year": "2035"}
    assert controls.round_to_step(1.43521, 0.01) == 1.44


def test_official_cube_reads_the_long_table() -> None:
    official = load_official_long("scb_regional_2024", "2580")
    years, cube = keyfigures.official_cube(official)  # type: ignore[misc]
    assert years[0] == 2024 and years[-1] == 2050
    # SCB's regional projection for Luleå, 31 Dec 2024, total 79 374 (content 000005RC; the
    # same figure is doctested in calculator.data.official).
    assert round(float(cube[0].sum())) == 79374
    assert keyfigures.official_cube(pd.DataFrame(columns=official.columns)) is None


def test_service_needs_from_an_edited_table() -> None:
    table = pd.DataFrame({
        "key": [n.key for n in EXAMPLE_SERVICE_NEEDS],
        "name": [n.name_sv for n in EXAMPLE_SERVICE_NEEDS],
        "age_group": [n.age_group.label for n in EXAMPLE_SERVICE_NEEDS],
        "coverage_rate": [n.coverage_rate for n in EXAMPLE_SERVICE_NEEDS],
        "cost_sek_per_user_year": [n.cost_sek_per_user_year for n in EXAMPLE_SERVICE_NEEDS],
    })
    needs = keyfigures.service_needs_from_table(table, EXAMPLE_SERVICE_NEEDS)
    assert [(n.key, n.age_group, n.coverage_rate, n.cost_sek_per_user_year) for n in needs] == [
        (n.key, n.age_group, n.coverage_rate, n.cost_sek_per_user_year)
        for n in EXAMPLE_SERVICE_NEEDS]
    table.loc[0, "age_group"] = "1-6"
    assert keyfigures.service_needs_from_table(table, EXAMPLE_SERVICE_NEEDS)[0].age_group.ages \
        == range(1, 7)
    table.loc[0, "age_group"] = "1-5,6"
    with pytest.raises(InputValidationError, match="row 1, column age_group"):
        keyfigures.service_needs_from_table(table, EXAMPLE_SERVICE_NEEDS)
    table.loc[0, "age_group"] = "5-1"
    with pytest.raises(InputValidationError):
        keyfigures.service_needs_from_table(table, EXAMPLE_SERVICE_NEEDS)


def test_comparison_components_of_the_national_forecast() -> None:
    official = load_official_long("scb_national_2025", "00")
    frame = keyfigures.comparison_components_frame(official, "SCB", range(2025, 2031))
    assert set(frame["component"]) == {"births", "deaths", "net_migration"}
    births = frame.loc[frame["component"] == "births"].set_index("year")["persons"]
    assert births[2026] == 96_857  # SCB's projected births 2026 (BE0401, vintage 2025)
    assert keyfigures.comparison_components_frame(
        load_official_long("scb_regional_2024", "2580"), "SCB", range(2025, 2031)).empty
    wide = keyfigures.components_wide(frame)
    assert list(wide.columns) == ["year", "SCB: births", "SCB: deaths", "SCB: net_migration"]


def test_identity_scenario_shows_zero_difference_not_rounding_residue() -> None:
    """A scenario equal to the forecast up to floating-point residue differs by exactly 0."""
    inputs = make_inputs(n_years=5)
    result = project(apply_scenarios(inputs, [Scenario(name="A", region="2580", end_year=2029)]))
    pop = np.asarray(result.pop_count_year_sex_age)[0, 0]
    official = (result.years, pop * (1 + 1e-15))  # what a reproduced forecast looks like
    series = keyfigures.combine(result, official, "Jämförelse")
    diffs = keyfigures.difference_frame(series, "Jämförelse")
    assert (diffs["difference"] == 0.0).all()
    assert not np.signbit(diffs["difference"]).any()  # no "-0" on the axis
