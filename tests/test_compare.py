"""compare(): hand-computed differences, a forecast against itself, derived variables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calculator.compare import (
    assert_frames_close,
    assert_projection_equal,
    compare,
    mean_population_from_stocks,
)
from calculator.data.official import load_official_long


def _long(values: dict[tuple[int, str, int, str], float], scenario: str = "s") -> pd.DataFrame:
    rows = [
        {"scenario": scenario, "region": "2580", "year": y, "sex": s, "age": a, "variable": v,
         "value": x}
        for (y, s, a, v), x in values.items()
    ]
    return pd.DataFrame(rows)


def test_forecast_compared_with_itself_is_all_zeros() -> None:
    official = load_official_long("scb_national_2025")
    for by in ("age", "age_group", "total"):
        diff = compare(official, official, by=by)
        assert len(diff) > 0
        assert (diff["abs_diff"] == 0).all()
        assert (diff["rel_diff"].fillna(0) == 0).all()
        assert {"population", "mean_population", "births", "deaths", "net_migration"} == set(
            diff["variable"])


def test_hand_computed_small_example() -> None:
    # Scenario and official for one year; by hand:
    # females 0-4: scenario 10 + 20 = 30, official 12 + 18 = 30 -> 0
    # females 5-9: 40 vs 50 -> -10, -20 %; males 0-4: 5 vs 4 -> +1, +25 %
    # total 0-4: 35 vs 34 -> +1, 1/34; deaths (all ages, total): 3 vs 2 -> +1, +50 %
    scen = _long({
        (2030, "female", 0, "population"): 10.0, (2030, "female", 4, "population"): 20.0,
        (2030, "female", 7, "population"): 40.0, (2030, "male", 2, "population"): 5.0,
        (2030, "female", 7, "deaths"): 3.0,
    })
    offi = _long({
        (2030, "female", 0, "population"): 12.0, (2030, "female", 4, "population"): 18.0,
        (2030, "female", 7, "population"): 50.0, (2030, "male", 2, "population"): 4.0,
        (2030, "female", 6, "deaths"): 2.0,
    }, scenario="official")
    groups = [("0-4", 0, 4), ("5-9", 5, 9)]
    diff = compare(scen, offi, by="age_group", groups=groups).set_index(
        ["variable", "sex", "age_group"])
    assert diff.loc[("population", "female", "0-4"), "abs_diff"] == 0.0
    assert diff.loc[("population", "female", "5-9"), "abs_diff"] == -10.0
    assert diff.loc[("population", "female", "5-9"), "rel_diff"] == pytest.approx(-0.2)
    assert diff.loc[("population", "male", "0-4"), "rel_diff"] == pytest.approx(0.25)
    assert diff.loc[("population", "total", "0-4"), "rel_diff"] == pytest.approx(1 / 34)
    assert diff.loc[("deaths", "total", "5-9"), "scenario_value"] == 3.0
    assert diff.loc[("deaths", "total", "5-9"), "official_value"] == 2.0
    assert diff.loc[("population", "female", "0-4"), "unit"] == "persons (31 Dec)"
    by_age = compare(scen, offi, by="age").set_index(["variable", "sex", "age"])
    assert by_age.loc[("population", "female", 0), "abs_diff"] == -2.0
    assert by_age.loc[("population", "female", 4), "abs_diff"] == 2.0


def test_net_migration_and_births_from_engine_flows() -> None:
    scen = _long({
        (2030, "female", 20, "immigrants"): 10.0, (2030, "female", 20, "emigrants"): 4.0,
        (2030, "female", 20, "in_migrants"): 7.0, (2030, "female", 20, "out_migrants"): 9.0,
        (2030, "female", 0, "births"): 50.0, (2030, "male", 0, "births"): 53.0,
    })
    offi = _long({
        (2030, "female", 20, "net_migration"): 1.0, (2030, "total", 0, "births"): 100.0,
    }, scenario="official")
    diff = compare(scen, offi, by="total").set_index(["variable", "sex"])
    # 10 - 4 + 7 - 9 = 4 net migrants vs 1; births 103 vs 100.
    assert diff.loc[("net_migration", "female"), "abs_diff"] == 3.0
    assert diff.loc[("births", "total"), "abs_diff"] == 3.0
    assert ("births", "female") not in diff.index


def test_mean_population_from_stocks_by_hand() -> None:
    stocks = pd.DataFrame({
        "label": "s", "region": "r", "sex": "male",
        "year": [2029] * 101 + [2030] * 101, "age": list(range(101)) * 2,
        "value": [float(a) for a in range(101)] + [float(2 * a) for a in range(101)],
    })
    mean = mean_population_from_stocks(stocks).set_index("age")["value"]
    assert mean[0] == 0.0
    assert mean[10] == (9 + 20) / 2
    assert mean[100] == (99 + 100 + 200) / 2


def test_assertion_helpers_report_differences() -> None:
    a = _long({(2030, "female", 0, "population"): 1.0, (2030, "male", 0, "population"): 2.0})
    assert_projection_equal(a, a.assign(scenario="other"))
    b = a.assign(value=[1.0, 2.5])
    with pytest.raises(AssertionError, match="1 of 2 values differ"):
        assert_projection_equal(a, b)
    with pytest.raises(AssertionError, match="one side only"):
        assert_frames_close(a, a.iloc[:1], on=["sex"])
    assert_frames_close(a, b, on=["sex"], rtol=0.5)
    assert np.isnan(compare(a, a.assign(value=0.0), by="total")["rel_diff"]).all()
