"""Compare a scenario with an official forecast: one tidy difference table (pure, no I/O).

:func:`compare` takes two long tables, the engine's
(``scenario, region, year, sex, age, variable, value``; see :mod:`calculator.results`) and an
official one in the same layout (e.g. :func:`calculator.data.official.load_official_long`, or
an own forecast with ``variable = "population"``), and returns, for every variable both sides
have, both values, ``abs_diff = scenario_value - official_value`` and
``rel_diff = abs_diff / official_value`` (NaN where the official value is 0):

==================  ===========================================================
column              meaning
==================  ===========================================================
scenario            the scenario's label
official            the official forecast's label (its ``scenario``/``vintage``)
region, year        region code and calendar year
sex                 female, male or total (sum of both)
age / age_group     single age (``by="age"``), group label (``"age_group"``) or
                    ``"total"`` (``by="total"``)
variable, unit      population (persons, 31 Dec), mean_population (person-years,
                    by age reached), births, deaths, net_migration (persons per
                    year; flows by age reached)
scenario_value ...  the two values, abs_diff, rel_diff
==================  ===========================================================

Variables derived on the fly so both sides can be compared: ``net_migration`` from the
engine's gross flows (immigrants + in_migrants - emigrants - out_migrants) or
``net_migrants``; ``mean_population`` from 31-Dec stocks,
``M[t, a] = (P[t-1, a-1] + P[t, a]) / 2``. Births are compared as yearly totals (the official
series give births by mother's age, not by the child's sex). A variable whose official side
has rows with ``sex = "total"`` (e.g. net migration at age 0) is compared for both sexes
together only.

The module also holds the shared assertion helpers :func:`assert_frames_close` and
:func:`assert_projection_equal` used by the tests (like ``pyam.testing``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final, Literal

import numpy as np
import pandas as pd

from calculator.exceptions import InputValidationError
from calculator.grid import OPEN_AGE

By = Literal["age", "age_group", "total"]
GroupSpec = Sequence[tuple[str, int, int]] | None

UNITS: Final = {
    "population": "persons (31 Dec)",
    "mean_population": "person-years (mean population)",
    "births": "persons per year",
    "deaths": "persons per year",
    "net_migration": "persons per year (net)",
}
#: Five-year groups 0-4 .. 95-99 and 100+ (labels with an en dash-free hyphen).
FIVE_YEAR_GROUPS: Final = (
    *((f"{lo}-{lo + 4}", lo, lo + 4) for lo in range(0, OPEN_AGE, 5)),
    (f"{OPEN_AGE}+", OPEN_AGE, OPEN_AGE),
)
_LONG_REQUIRED: Final = ("region", "year", "sex", "age", "variable", "value")
_GROSS: Final = {"immigrants": 1.0, "in_migrants": 1.0, "emigrants": -1.0, "out_migrants": -1.0}


def _check_long(frame: pd.DataFrame, what: str) -> None:
    missing = [c for c in _LONG_REQUIRED if c not in frame.columns]
    if missing:
        raise InputValidationError(
            f"missing column(s) {missing}; a long table has columns {list(_LONG_REQUIRED)}",
            location=what,
        )


def _label(frame: pd.DataFrame, default: str) -> pd.Series:
    for col in ("scenario", "vintage"):
        if col in frame.columns:
            return frame[col].astype(str)
    return pd.Series(default, index=frame.index)


def mean_population_from_stocks(population: pd.DataFrame) -> pd.DataFrame:
    """Mean population by age reached from 31-Dec stocks (long rows, one label/region/sex).

    ``population`` has columns label, region, year, sex, age, value (stocks). Returns rows
    for every year whose previous year is present: ``M[t, 0] = P[t, 0] / 2``,
    ``M[t, a] = (P[t-1, a-1] + P[t, a]) / 2``, open group ``(P[t-1, 99] + P[t-1, 100] +
    P[t, 100]) / 2``.

    >>> p = pd.DataFrame({"label": "s", "region": "r", "sex": "female",
    ...                   "year": [2024] * 101 + [2025] * 101, "age": list(range(101)) * 2,
    ...                   "value": [10.0] * 202})
    >>> m = mean_population_from_stocks(p)
    >>> m["value"].tolist()[:2], m["value"].tolist()[-1], m["year"].unique().tolist()
    ([5.0, 10.0], 15.0, [2025])
    """
    keys = ["label", "region", "sex", "year"]
    stocks = population.set_index([*keys, "age"])["value"]
    prev = population.assign(year=population["year"] + 1)
    prev = prev.assign(age=np.minimum(prev["age"] + 1, OPEN_AGE))
    prev_sum = prev.groupby([*keys, "age"])["value"].sum()
    # The cohort aged a-1 last year is aged a this year; age 0 had no one last year.
    joined = pd.concat({"cur": stocks, "prev": prev_sum}, axis=1)
    years_with_prev = set(population["year"] + 1) & set(population["year"])
    joined = joined[joined.index.get_level_values("year").isin(years_with_prev)]
    joined = joined[joined["cur"].notna()]
    value = (joined["cur"] + joined["prev"].fillna(0.0)) / 2.0
    return value.rename("value").reset_index()


def _prepare(frame: pd.DataFrame, what: str, default_label: str) -> pd.DataFrame:
    """Normalise a long table: label column, net_migration and mean_population derived."""
    _check_long(frame, what)
    out = pd.DataFrame({
        "label": _label(frame, default_label), "region": frame["region"].astype(str),
        "year": frame["year"].astype(np.int64), "sex": frame["sex"].astype(str),
        "age": frame["age"].astype(np.int64), "variable": frame["variable"].astype(str),
        "value": frame["value"].astype(np.float64),
    })
    variables = set(out["variable"])
    keys = ["label", "region", "year", "sex", "age"]
    extra = []
    if "net_migration" not in variables and variables & {*_GROSS, "net_migrants"}:
        flows = out[out["variable"].isin([*_GROSS, "net_migrants"])]
        sign = flows["variable"].map({**_GROSS, "net_migrants": 1.0})
        signed = flows.loc[:, keys].assign(value=flows["value"] * sign)
        net = signed.groupby(keys, as_index=False)["value"].sum()
        extra.append(net.assign(variable="net_migration"))
    if "mean_population" not in variables and "population" in variables:
        pop = out[out["variable"] == "population"]
        extra.append(mean_population_from_stocks(pop).assign(variable="mean_population"))
    if extra:
        out = pd.concat([out, *extra], ignore_index=True)
    return out


def _group_labels(ages: pd.Series, by: By, groups: GroupSpec) -> pd.Series:
    if by == "total":
        return pd.Series("total", index=ages.index)
    spec = tuple(groups) if groups is not None else FIVE_YEAR_GROUPS
    labels = pd.Series(pd.NA, index=ages.index, dtype=object)
    for label, lo, hi in spec:
        if lo > hi or lo < 0 or hi > OPEN_AGE:
            raise InputValidationError(
                f"age group {label!r} = ({lo}, {hi}); allowed: 0 <= low <= high <= {OPEN_AGE}",
                location="groups",
            )
        labels[(ages >= lo) & (ages <= hi)] = label
    return labels


def _aggregate(frame: pd.DataFrame, by: By, groups: GroupSpec,
               total_sex_vars: Iterable[str]) -> pd.DataFrame:
    """Sum to the requested age resolution and add sex 'total' rows."""
    key = "age" if by == "age" else "age_group"
    data = frame.copy()
    is_births = data["variable"] == "births"
    if by == "age":
        data[key] = data["age"].astype("Int64")
        data.loc[is_births, key] = pd.NA
    else:
        data[key] = _group_labels(data["age"], by, groups)
        data.loc[is_births, key] = "total"
        data = data[data[key].notna()]
    # Sex totals: every variable; births and total-sex variables only as totals.
    sex_only_total = data["variable"].isin(["births", *total_sex_vars])
    totals = data.assign(sex="total")
    by_sex = data[~sex_only_total & (data["sex"] != "total")]
    stacked = pd.concat([by_sex, totals], ignore_index=True)
    cols = ["label", "region", "year", "sex", key, "variable"]
    return pd.DataFrame(stacked.groupby(cols, dropna=False, as_index=False)["value"].sum())


def compare(
    scenario_long: pd.DataFrame,
    official_long: pd.DataFrame,
    by: By = "age_group",
    groups: GroupSpec = None,
) -> pd.DataFrame:
    """Tidy difference table of a scenario (or several) against an official forecast.

    ``by``: ``"age"`` (single years), ``"age_group"`` (``groups`` as ``(label, low, high)``
    tuples, default five-year groups 0-4 .. 95-99, 100+) or ``"total"``. Rows are matched on
    region, year, sex and age (group); only years and variables present on both sides are
    compared. If the two tables have one region each with different labels (e.g. "2580" and
    "Luleå"), they are matched anyway and the scenario's region label is kept.

    >>> rows = lambda v: pd.DataFrame({"region": "00", "year": 2030, "sex": "female",
    ...                                "age": [0, 1], "variable": "population", "value": v})
    >>> d = compare(rows([10.0, 30.0]).assign(scenario="s"), rows([8.0, 30.0]), by="total")
    >>> cols = ["scenario_value", "official_value", "abs_diff", "rel_diff"]
    >>> d.loc[d["sex"] == "female", cols].to_numpy().tolist()
    [[40.0, 38.0, 2.0, 0.05263157894736842]]
    """
    if by not in ("age", "age_group", "total"):
        raise InputValidationError(f"{by!r}; allowed: age, age_group, total", location="by")
    scen = _prepare(scenario_long, "scenario_long", "scenario")
    offi = _prepare(official_long, "official_long", "official")
    if set(scen["region"]).isdisjoint(offi["region"]):
        if len(set(scen["region"])) == 1 and len(set(offi["region"])) == 1:
            offi["region"] = scen["region"].iloc[0]
        else:
            raise InputValidationError(
                f"no common region: scenario has {sorted(set(scen['region']))}, official has "
                f"{sorted(set(offi['region']))}",
                location="region",
            )
    common = sorted(set(scen["variable"]) & set(offi["variable"]) & set(UNITS))
    scen = scen[scen["variable"].isin(common)]
    offi = offi[offi["variable"].isin(common)]
    total_sex_vars = sorted(set(offi.loc[offi["sex"] == "total", "variable"]))
    key = "age" if by == "age" else "age_group"
    left = _aggregate(scen, by, groups, total_sex_vars)
    right = _aggregate(offi, by, groups, total_sex_vars)
    left = left.rename(columns={"label": "scenario", "value": "scenario_value"})
    right = right.rename(columns={"label": "official", "value": "official_value"})
    merged = left.merge(right, on=["region", "year", "sex", key, "variable"], how="inner")
    merged["unit"] = merged["variable"].map(UNITS)
    merged["abs_diff"] = merged["scenario_value"] - merged["official_value"]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = merged["abs_diff"].to_numpy() / merged["official_value"].to_numpy()
    merged["rel_diff"] = np.where(merged["official_value"].to_numpy() == 0, np.nan, rel)
    columns = ["scenario", "official", "region", "year", "sex", key, "variable", "unit",
               "scenario_value", "official_value", "abs_diff", "rel_diff"]
    order = {v: i for i, v in enumerate(UNITS)}
    merged = merged.assign(_v=merged["variable"].map(order))
    merged = merged.sort_values(["scenario", "region", "_v", "year", "sex", key], kind="stable")
    return merged.loc[:, columns].reset_index(drop=True)


def assert_frames_close(
    left: pd.DataFrame, right: pd.DataFrame, on: Sequence[str], value: str = "value",
    *, rtol: float = 1e-9, atol: float = 1e-9, what: str = "frames",
) -> None:
    """Assert two tidy frames have the same keys ``on`` and values within tolerance.

    Raises ``AssertionError`` naming missing keys or the worst rows (|l - r| > atol + rtol|r|).

    >>> a = pd.DataFrame({"k": [1, 2], "value": [1.0, 2.0]})
    >>> assert_frames_close(a, a.assign(value=[1.0, 2.0 + 1e-12]), on=["k"])
    """
    keys = list(on)
    lkeys = left.loc[:, keys].drop_duplicates()
    rkeys = right.loc[:, keys].drop_duplicates()
    if len(lkeys) != len(left) or len(rkeys) != len(right):
        raise AssertionError(f"{what}: duplicate keys {keys}")
    merged = left.loc[:, [*keys, value]].merge(
        right.loc[:, [*keys, value]], on=keys, how="outer", suffixes=("_left", "_right"),
        indicator=True,
    )
    only = merged[merged["_merge"] != "both"]
    if len(only):
        raise AssertionError(
            f"{what}: {len(only)} keys on one side only, e.g.\n{only.head(5).to_string()}"
        )
    lv = merged[f"{value}_left"].to_numpy(dtype=np.float64)
    rv = merged[f"{value}_right"].to_numpy(dtype=np.float64)
    bad = ~np.isclose(lv, rv, rtol=rtol, atol=atol, equal_nan=True)
    if bad.any():
        diff = np.abs(lv - rv)
        worst = merged.assign(abs_diff=diff)[bad].nlargest(5, "abs_diff")
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {len(merged)} values differ (rtol={rtol}, "
            f"atol={atol}); worst:\n{worst.drop(columns='_merge').to_string()}"
        )


def assert_projection_equal(
    left_long: pd.DataFrame, right_long: pd.DataFrame, *, rtol: float = 1e-9,
    atol: float = 1e-6, variables: Sequence[str] | None = None,
) -> None:
    """Assert two long projection tables agree on every (region, year, sex, age, variable).

    The ``scenario`` labels are ignored; ``variables`` limits the check (default: all).
    """
    frames = []
    for frame in (left_long, right_long):
        _check_long(frame, "long table")
        f = frame if variables is None else frame[frame["variable"].isin(list(variables))]
        frames.append(f.loc[:, list(_LONG_REQUIRED)].astype({"region": str}))
    assert_frames_close(
        frames[0], frames[1], on=["region", "year", "sex", "age", "variable"], rtol=rtol,
        atol=atol, what="projection",
    )
