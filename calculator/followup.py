"""Follow-up of forecasts against what happened (pure functions, no I/O).

Two analyses, both returning tidy tables that a page or an export can show directly:

(a) **Fertility assumptions.** SCB's national projection vintages assumed a number of births
    (and an age pattern of fertility); the functions compare them with the observed births and
    TFR, by vintage and horizon, and split the births error by mother's age into a *level*
    part and a *timing* (age distribution) part.

(b) **Actual vs forecast by planning age group.** Any forecast population (SCB's regional
    projection, a municipality's adopted forecast, a saved scenario) against the observed
    population, yearly (31 December) or monthly, per age group, with a Cell Key Method (CKM)
    noise bound for noised figures and flags for groups outside a user tolerance.

Conventions (as everywhere in the calculator): stocks are at 31 December of ``year``; births
are counts per calendar year; mother's age is age reached during the year; population age is
completed age at 31 December, 0..100 where 100 means 100+.

Definitions
-----------
* **Vintage** ``v``: the year SCB published the national projection. Its base population is
  31 Dec ``v - 1`` (``base_year``), so its first projected year ``v`` has horizon 1:
  ``horizon_years = year - base_year``.
* **Births error** (``error_births``) = projected - observed (positive: the vintage assumed
  too many births). ``rel_error_pct`` = error / observed * 100; ``abs_rel_error_pct`` is its
  absolute value; MAPE by horizon is the mean of ``abs_rel_error_pct`` over the vintages that
  have an observed value at that horizon.
* **TFR error** = assumed TFR - observed TFR, likewise.
* **Deviation** in the age-group comparison (``deviation_persons``) = observed - forecast
  (the sign convention of municipal follow-up chapters: positive = more people than forecast);
  ``rel_deviation_pct`` = deviation / forecast * 100.

Observed values are never invented: where observed data stop, rows carry
``status == NO_OBSERVED`` and NaN in the observed columns, so the UI can say so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from calculator.exceptions import InputValidationError
from calculator.grid import FERTILE_AGE_MAX, FERTILE_AGE_MIN, OPEN_AGE, SEXES
from calculator.tables import PLANNING_GROUPS, AgeGroup, parse_age_groups

STATUS_OK: Final = "ok"
NO_OBSERVED: Final = "no observed data (not embedded, not fetched)"
NO_FORECAST: Final = "no forecast for this period"
NO_ASSUMPTION: Final = "no assumption embedded for this year"
SUPPRESSED: Final = "suppressed by SCB (fewer than 30 births)"

#: First reference year in which SCB adds Cell Key Method noise to published cells.
CKM_FIRST_YEAR: Final = 2025
#: Largest absolute CKM noise assumed per published cell (persons). SOURCES.md section 14:
#: cells "may be shifted by a few persons (±3 order)"; PXWEBAPI.md "Conventions": every cell
#: gets a small random integer and summing cells adds their noise.
CKM_MAX_ABS_NOISE_PER_CELL: Final = 3.0
#: Standard deviation per cell used by the ``"sqrt"`` bound: that of a uniform integer noise on
#: -3..3 (an assumption; SCB does not publish its noise parameters).
CKM_NOISE_SD_PER_CELL: Final = 2.0

Lang = Literal["sv", "en"]
GroupSpec = str | Sequence[AgeGroup] | Sequence[tuple[str, int, int]] | None


# ---------------------------------------------------------------------------------------------
# helpers

def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputValidationError(
            f"missing column(s) {missing}; needed: {list(columns)}", location=what
        )


def _format_int(value: float, lang: Lang) -> str:
    text = f"{round(value):,d}"
    return text.replace(",", "\u00a0") if lang == "sv" else text


def _format_pct(value: float, lang: Lang) -> str:
    text = f"{abs(value):.1f}"
    return text.replace(".", ",") if lang == "sv" else text


# ---------------------------------------------------------------------------------------------
# (a) fertility: observed rates from counts

def observed_asfr(births: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Observed age-specific fertility rates from births and 31-Dec female population.

    ``births``: frame schema ``births`` (year, region, mother_age 15..49, child_sex, births);
    ``population``: frame schema ``population``; one region each (summed over regions if
    more). Rate at mother's age *a* (reached during year *t*), births per woman-year::

        f[t, a] = B[t, a] / ((P_f[t-1, a-1] + P_f[t, a]) / 2)

    (Lexis-parallelogram exposure; 15 holds <15 and 49 holds 49+ as in the births schema).
    Years need the population of ``t - 1`` and ``t``; other years are left out.

    >>> b = pd.DataFrame({"year": [2001], "region": ["00"], "mother_age": [30],
    ...                   "child_sex": ["female"], "births": [10.0]})
    >>> p = pd.DataFrame({"year": [2000, 2001], "region": ["00", "00"],
    ...                   "sex": ["female", "female"], "age": [29, 30],
    ...                   "population": [90.0, 110.0]})
    >>> observed_asfr(b, p).dropna().to_dict("records")
    [{'year': 2001, 'mother_age': 30, 'fert_rate': 0.1}]
    """
    _require(births, ("year", "mother_age", "births"), "births")
    _require(population, ("year", "sex", "age", "population"), "population")
    b = births.groupby(["year", "mother_age"])["births"].sum().reset_index()
    female = population[population["sex"] == "female"]
    women = female.groupby(["year", "age"])["population"].sum()
    years = sorted(set(b["year"]) & {y for y in women.index.get_level_values(0)
                                     if y - 1 in women.index.get_level_values(0)})
    ages = np.arange(FERTILE_AGE_MIN, FERTILE_AGE_MAX + 1)
    rows = []
    for year in years:
        end = women.loc[year].reindex(ages, fill_value=0.0).to_numpy()
        start = women.loc[year - 1].reindex(ages - 1, fill_value=0.0).to_numpy()
        exposure = (start + end) / 2.0
        count = (b[b["year"] == year].set_index("mother_age")["births"]
                 .reindex(ages, fill_value=0.0).to_numpy())
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(exposure > 0, count / exposure, np.nan)
        rows.append(pd.DataFrame({"year": year, "mother_age": ages, "fert_rate": rate}))
    if not rows:
        return pd.DataFrame({"year": pd.Series(dtype=np.int64),
                             "mother_age": pd.Series(dtype=np.int64),
                             "fert_rate": pd.Series(dtype=np.float64)})
    return pd.concat(rows, ignore_index=True)


def tfr_from_asfr(asfr: pd.DataFrame) -> pd.DataFrame:
    """TFR (children per woman) per year = sum of the age-specific rates over mother's age.

    >>> tfr_from_asfr(pd.DataFrame({"year": [2024, 2024], "mother_age": [20, 30],
    ...                             "fert_rate": [0.25, 0.5]}))
       year  tfr_children_per_woman
    0  2024                    0.75
    """
    _require(asfr, ("year", "mother_age", "fert_rate"), "age-specific fertility rates")
    tfr = asfr.groupby("year")["fert_rate"].sum(min_count=1)
    return pd.DataFrame({"year": tfr.index.to_numpy(),
                         "tfr_children_per_woman": tfr.to_numpy(dtype=np.float64)})


def observed_tfr_from_births(births: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Observed TFR per year from births and population (see :func:`observed_asfr`)."""
    return tfr_from_asfr(observed_asfr(births, population))


# ---------------------------------------------------------------------------------------------
# (a) births by vintage and horizon

def _observed_births_by_age(observed: pd.DataFrame) -> pd.DataFrame:
    _require(observed, ("year", "mother_age", "births"), "observed births")
    return observed.groupby(["year", "mother_age"])["births"].sum().reset_index()


def _projected_by_age(projected: pd.DataFrame) -> pd.DataFrame:
    _require(projected, ("projection_vintage", "year", "mother_age", "births"), "projected births")
    return projected.groupby(["projection_vintage", "year", "mother_age"])["births"].sum(
    ).reset_index()


def births_error_by_horizon(projected: pd.DataFrame, observed: pd.DataFrame) -> pd.DataFrame:
    """Error in births per vintage and projected year, on the mother's ages both cover.

    ``projected``: columns projection_vintage, year, mother_age, births (summed over the
    mother's birth-region groups); ``observed``: births frame (year, mother_age, births; child
    sex and region are summed). For each (vintage, year) the observed births are summed over
    exactly the mother's ages the projection has (16-48 in SCB's files), so the comparison is
    like with like; ``observed_births_all_ages`` gives the observed total over every age.

    Columns: projection_vintage, base_year, year, horizon_years, mother_age_min,
    mother_age_max, projected_births, observed_births, observed_births_all_ages, error_births
    (projected - observed), abs_error_births, rel_error_pct (error / observed * 100),
    abs_rel_error_pct, projected_mean_mother_age, observed_mean_mother_age (mean age reached
    during the year, weighted by births), status (``STATUS_OK`` or ``NO_OBSERVED``).

    >>> proj = pd.DataFrame({"projection_vintage": [2021, 2021], "year": [2021, 2022],
    ...                      "mother_age": [30, 30], "births": [110.0, 120.0]})
    >>> obs = pd.DataFrame({"year": [2021], "mother_age": [30], "births": [100.0]})
    >>> births_error_by_horizon(proj, obs)[["horizon_years", "error_births", "status"]]
       horizon_years  error_births                                        status
    0              1          10.0                                            ok
    1              2           NaN  no observed data (not embedded, not fetched)
    """
    proj = _projected_by_age(projected)
    obs = _observed_births_by_age(observed)
    observed_years = set(obs["year"])
    ages = proj.groupby(["projection_vintage", "year"])["mother_age"].agg(["min", "max"])
    merged = proj.merge(obs, on=["year", "mother_age"], how="left", suffixes=("_p", "_o"))
    merged["age_x_p"] = merged["mother_age"] * merged["births_p"]
    merged["age_x_o"] = merged["mother_age"] * merged["births_o"]
    sums = merged.groupby(["projection_vintage", "year"]).agg(
        projected_births=("births_p", "sum"),
        observed_births=("births_o", lambda s: s.sum(min_count=1)),
        age_x_p=("age_x_p", "sum"),
        age_x_o=("age_x_o", lambda s: s.sum(min_count=1)),
    )
    out = sums.join(ages).reset_index().rename(
        columns={"min": "mother_age_min", "max": "mother_age_max"}
    )
    has_obs = out["year"].isin(observed_years)
    out.loc[~has_obs, ["observed_births", "age_x_o"]] = np.nan
    totals = obs.groupby("year")["births"].sum()
    out["observed_births_all_ages"] = out["year"].map(totals).astype(np.float64)
    out["base_year"] = out["projection_vintage"] - 1
    out["horizon_years"] = out["year"] - out["base_year"]
    out["error_births"] = out["projected_births"] - out["observed_births"]
    out["abs_error_births"] = out["error_births"].abs()
    out["rel_error_pct"] = out["error_births"] / out["observed_births"] * 100.0
    out["abs_rel_error_pct"] = out["rel_error_pct"].abs()
    out["projected_mean_mother_age"] = out["age_x_p"] / out["projected_births"]
    out["observed_mean_mother_age"] = out["age_x_o"] / out["observed_births"]
    out["status"] = np.where(has_obs, STATUS_OK, NO_OBSERVED)
    columns = [
        "projection_vintage", "base_year", "year", "horizon_years", "mother_age_min",
        "mother_age_max", "projected_births", "observed_births", "observed_births_all_ages",
        "error_births", "abs_error_births", "rel_error_pct", "abs_rel_error_pct",
        "projected_mean_mother_age", "observed_mean_mother_age", "status",
    ]
    return out[columns].sort_values(["projection_vintage", "year"]).reset_index(drop=True)


def mape_by_horizon(errors: pd.DataFrame, value: str = "births") -> pd.DataFrame:
    """Mean absolute percentage error by horizon across vintages.

    ``errors``: the table of :func:`births_error_by_horizon` (``value="births"``) or
    :func:`tfr_error_by_horizon` (``value="tfr"``). Only rows with an observed value count.
    Columns: horizon_years, n_vintages, vintages (comma-separated), mape_pct,
    mean_rel_error_pct (signed: positive = vintages assumed too much on average).

    >>> e = pd.DataFrame({"projection_vintage": [2018, 2019], "horizon_years": [1, 1],
    ...                   "rel_error_pct": [2.0, -4.0], "abs_rel_error_pct": [2.0, 4.0],
    ...                   "status": ["ok", "ok"]})
    >>> mape_by_horizon(e).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'horizon_years': 1, 'n_vintages': 2, 'vintages': '2018, 2019', 'mape_pct': 3.0,
      'mean_rel_error_pct': -1.0}]
    """
    if value not in ("births", "tfr"):
        raise InputValidationError(f"value {value!r}; allowed: 'births', 'tfr'", location="MAPE")
    _require(errors, ("projection_vintage", "horizon_years", "rel_error_pct",
                      "abs_rel_error_pct", "status"), "error table")
    ok = errors[errors["status"] == STATUS_OK]
    grouped = ok.groupby("horizon_years")
    out = pd.DataFrame({
        "n_vintages": grouped["projection_vintage"].nunique(),
        "vintages": grouped["projection_vintage"].agg(
            lambda s: ", ".join(str(v) for v in sorted(s.unique()))
        ),
        "mape_pct": grouped["abs_rel_error_pct"].mean(),
        "mean_rel_error_pct": grouped["rel_error_pct"].mean(),
    }).reset_index()
    out["n_vintages"] = out["n_vintages"].astype(np.int64)
    out["horizon_years"] = out["horizon_years"].astype(np.int64)
    return out


def births_error_by_mother_age(
    projected: pd.DataFrame, observed: pd.DataFrame, vintage: int, year: int
) -> pd.DataFrame:
    """Where a vintage's births error comes from: by mother's age, level vs timing.

    With projected births ``P_a`` (total ``P``, shares ``p_a = P_a / P``) and observed births
    ``O_a`` (total ``O``, shares ``o_a``) on the projection's ages::

        P_a - O_a = (P - O) * o_a   +   P * (p_a - o_a)
                    level part          timing part

    The level parts sum to the total error ``P - O``; the timing parts sum to zero (they move
    births between ages: too early vs too late childbearing). ``timing_births_shifted`` in
    the attrs is half the sum of the absolute timing parts (births assigned to the wrong ages).

    Columns: mother_age, projected_births, observed_births, error_births, level_part_births,
    timing_part_births, projected_share, observed_share, status. If the year has no observed
    data the observed columns are NaN and ``status`` is ``NO_OBSERVED``.

    >>> proj = pd.DataFrame({"projection_vintage": [2020] * 2, "year": [2021] * 2,
    ...                      "mother_age": [25, 35], "births": [60.0, 60.0]})
    >>> obs = pd.DataFrame({"year": [2021] * 2, "mother_age": [25, 35], "births": [40.0, 60.0]})
    >>> t = births_error_by_mother_age(proj, obs, 2020, 2021)
    >>> t[["mother_age", "error_births", "level_part_births", "timing_part_births"]]
       mother_age  error_births  level_part_births  timing_part_births
    0          25          20.0                8.0                12.0
    1          35           0.0               12.0               -12.0
    """
    proj = _projected_by_age(projected)
    proj = proj[(proj["projection_vintage"] == vintage) & (proj["year"] == year)]
    if proj.empty:
        available = sorted({(int(v), int(y)) for v, y in
                            _projected_by_age(projected)[["projection_vintage", "year"]]
                            .itertuples(index=False)})
        raise InputValidationError(
            f"no projected births for vintage {vintage}, year {year}; available (vintage, "
            f"year): {available[:3]} ... {available[-3:]}",
            location="projected births",
        )
    obs = _observed_births_by_age(observed)
    obs_age = obs[obs["year"] == year].set_index("mother_age")["births"]
    out = pd.DataFrame({
        "mother_age": proj["mother_age"].to_numpy(),
        "projected_births": proj["births"].to_numpy(dtype=np.float64),
    })
    if obs_age.empty:
        out["observed_births"] = np.nan
        out["status"] = NO_OBSERVED
    else:
        out["observed_births"] = out["mother_age"].map(obs_age).fillna(0.0).astype(np.float64)
        out["status"] = STATUS_OK
    total_p = out["projected_births"].sum()
    total_o = out["observed_births"].sum(min_count=1)
    out["error_births"] = out["projected_births"] - out["observed_births"]
    out["projected_share"] = out["projected_births"] / total_p
    out["observed_share"] = out["observed_births"] / total_o
    out["level_part_births"] = (total_p - total_o) * out["observed_share"]
    out["timing_part_births"] = total_p * (out["projected_share"] - out["observed_share"])
    out.attrs["timing_births_shifted"] = float(out["timing_part_births"].abs().sum() / 2.0)
    columns = ["mother_age", "projected_births", "observed_births", "error_births",
               "level_part_births", "timing_part_births", "projected_share", "observed_share",
               "status"]
    return out[columns].reset_index(drop=True)


def births_paths_chart_data(projected: pd.DataFrame, observed: pd.DataFrame) -> pd.DataFrame:
    """Long table for a chart of each vintage's assumed births over the observed series.

    Columns: year, series (``"observed"`` or ``"vintage 2021"``), kind (``observed`` /
    ``projected``), projection_vintage (NA for observed), births. Observed births are summed
    over mother's ages 16-48 (the ages SCB's projection files hold) so the lines are
    comparable; the observed series stops where the embedded data stop.
    """
    proj = _projected_by_age(projected)
    lo, hi = int(proj["mother_age"].min()), int(proj["mother_age"].max())
    obs = _observed_births_by_age(observed)
    obs = obs[obs["mother_age"].between(lo, hi)].groupby("year")["births"].sum().reset_index()
    obs["series"] = "observed"
    obs["kind"] = "observed"
    obs["projection_vintage"] = pd.NA
    lines = proj.groupby(["projection_vintage", "year"])["births"].sum().reset_index()
    lines["series"] = "vintage " + lines["projection_vintage"].astype(str)
    lines["kind"] = "projected"
    out = pd.concat([obs, lines], ignore_index=True)
    out["projection_vintage"] = out["projection_vintage"].astype("Int64")
    return out[["year", "series", "kind", "projection_vintage", "births"]]


# ---------------------------------------------------------------------------------------------
# (a) TFR

def tfr_error_by_horizon(
    assumed_tfr: pd.DataFrame, observed_tfr: pd.DataFrame, *, base_year: int, vintage: int
) -> pd.DataFrame:
    """Error of an assumed TFR path against the observed TFR, by year and horizon.

    ``assumed_tfr``: year, tfr_children_per_woman (e.g. :func:`tfr_from_asfr` of SCB's assumed
    rates); ``observed_tfr``: year, tfr_children_per_woman and optionally ``kind`` (e.g.
    ``derived``, ``published in text``). ``base_year`` is the year of the base population
    (horizon = year - base_year). Columns: projection_vintage, base_year, year,
    horizon_years, assumed_tfr, observed_tfr, observed_kind, error_tfr (assumed - observed),
    rel_error_pct, abs_rel_error_pct, status.

    >>> a = pd.DataFrame({"year": [2024, 2025], "tfr_children_per_woman": [1.42, 1.41]})
    >>> o = pd.DataFrame({"year": [2024], "tfr_children_per_woman": [1.43]})
    >>> t = tfr_error_by_horizon(a, o, base_year=2023, vintage=2024)
    >>> t[["horizon_years", "error_tfr", "status"]].round(3)
       horizon_years  error_tfr                                        status
    0              1      -0.01                                            ok
    1              2        NaN  no observed data (not embedded, not fetched)
    """
    _require(assumed_tfr, ("year", "tfr_children_per_woman"), "assumed TFR")
    _require(observed_tfr, ("year", "tfr_children_per_woman"), "observed TFR")
    obs = observed_tfr.dropna(subset=["tfr_children_per_woman"])
    if obs["year"].duplicated().any():
        year = int(obs.loc[obs["year"].duplicated(), "year"].iloc[0])
        raise InputValidationError(f"year {year} appears twice", location="observed TFR")
    kinds = obs.set_index("year")["kind"] if "kind" in obs.columns else None
    obs_values = obs.set_index("year")["tfr_children_per_woman"]
    out = pd.DataFrame({
        "projection_vintage": vintage,
        "base_year": base_year,
        "year": assumed_tfr["year"].to_numpy(),
        "assumed_tfr": assumed_tfr["tfr_children_per_woman"].to_numpy(dtype=np.float64),
    })
    out["horizon_years"] = out["year"] - base_year
    out["observed_tfr"] = out["year"].map(obs_values).astype(np.float64)
    out["observed_kind"] = out["year"].map(kinds) if kinds is not None else pd.NA
    out["error_tfr"] = out["assumed_tfr"] - out["observed_tfr"]
    out["rel_error_pct"] = out["error_tfr"] / out["observed_tfr"] * 100.0
    out["abs_rel_error_pct"] = out["rel_error_pct"].abs()
    out["status"] = np.where(out["observed_tfr"].notna(), STATUS_OK, NO_OBSERVED)
    columns = ["projection_vintage", "base_year", "year", "horizon_years", "assumed_tfr",
               "observed_tfr", "observed_kind", "error_tfr", "rel_error_pct",
               "abs_rel_error_pct", "status"]
    return out[columns].sort_values("year").reset_index(drop=True)


def fertility_age_profile(
    assumed_asfr: pd.DataFrame, observed_asfr_frame: pd.DataFrame, year: int
) -> pd.DataFrame:
    """Assumed vs observed age-specific fertility rates for one year (chart data).

    Columns: mother_age, series (``assumed`` / ``observed``), fert_rate, status. A series with
    no data for ``year`` is one row with NaN rate and ``status`` ``NO_OBSERVED`` (observed) or
    ``NO_ASSUMPTION`` (assumed), so the chart can say what is missing.
    """
    parts = []
    for series, frame, gap in (("assumed", assumed_asfr, NO_ASSUMPTION),
                               ("observed", observed_asfr_frame, NO_OBSERVED)):
        _require(frame, ("year", "mother_age", "fert_rate"), f"{series} rates")
        rows = frame[frame["year"] == year]
        if rows.empty:
            parts.append(pd.DataFrame({"mother_age": [pd.NA], "series": [series],
                                       "fert_rate": [np.nan], "status": [gap]}))
        else:
            parts.append(pd.DataFrame({
                "mother_age": rows["mother_age"].to_numpy(), "series": series,
                "fert_rate": rows["fert_rate"].to_numpy(dtype=np.float64), "status": STATUS_OK,
            }))
    out = pd.concat(parts, ignore_index=True)
    out["mother_age"] = out["mother_age"].astype("Int64")
    return out


def municipal_tfr_vs_assumption(
    municipal_tfr: pd.DataFrame,
    assumed_tfr: pd.DataFrame,
    region: str,
    observed_national_tfr: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A municipality's own TFR (SCB TAB4805) against the national assumption it inherits.

    SCB's regional projections take the national fertility assumption and adjust its level per
    municipality; this table shows how far the municipality's observed TFR is from the national
    assumed path (and, optionally, from the national observed TFR).

    ``municipal_tfr``: year, region, tfr_children_per_woman, optional region_name and status
    (``..`` = suppressed); ``assumed_tfr``: year, tfr_children_per_woman. Rows for the union
    of the years. Columns: year, region, municipal_tfr, national_assumed_tfr,
    difference_tfr (municipal - national assumed), ratio (municipal / national assumed),
    national_observed_tfr, status.
    """
    _require(municipal_tfr, ("year", "region", "tfr_children_per_woman"), "municipal TFR")
    _require(assumed_tfr, ("year", "tfr_children_per_woman"), "assumed TFR")
    own = municipal_tfr[municipal_tfr["region"].astype(str) == str(region)]
    if own.empty:
        raise InputValidationError(
            f"region {region!r} not in the municipal TFR table (e.g. '2580' Luleå)",
            location="municipal TFR",
        )
    own_values = own.set_index("year")["tfr_children_per_woman"]
    suppressed = set(own.loc[own["tfr_children_per_woman"].isna(), "year"])
    assumed = assumed_tfr.set_index("year")["tfr_children_per_woman"]
    years = sorted(set(own["year"]) | set(assumed.index))
    out = pd.DataFrame({"year": years, "region": str(region)})
    out["municipal_tfr"] = out["year"].map(own_values).astype(np.float64)
    out["national_assumed_tfr"] = out["year"].map(assumed).astype(np.float64)
    out["difference_tfr"] = out["municipal_tfr"] - out["national_assumed_tfr"]
    out["ratio"] = out["municipal_tfr"] / out["national_assumed_tfr"]
    if observed_national_tfr is not None:
        nat = observed_national_tfr.set_index("year")["tfr_children_per_woman"]
        out["national_observed_tfr"] = out["year"].map(nat).astype(np.float64)
    else:
        out["national_observed_tfr"] = np.nan
    in_own = out["year"].isin(set(own["year"]))
    status = np.where(out["national_assumed_tfr"].isna(), NO_ASSUMPTION, STATUS_OK)
    status = np.where(~in_own, NO_OBSERVED, status)
    status = np.where(out["year"].isin(suppressed), SUPPRESSED, status)
    out["status"] = status
    return out


# ---------------------------------------------------------------------------------------------
# (a) plain-language summaries

def births_summary(row: pd.Series | Mapping[str, Any], lang: Lang = "sv") -> str:
    """One sentence for one row of :func:`births_error_by_horizon`.

    >>> s = births_summary({"projection_vintage": 2021, "year": 2024,
    ...                     "projected_births": 106810, "observed_births": 98356.0,
    ...                     "status": "ok", "mother_age_min": 16, "mother_age_max": 48}, "en")
    >>> print(*s.split("; "), sep="\\n")
    The 2021 vintage assumed 106,810 births in 2024
    98,356 were born (mothers aged 16-48). The assumption was 8.6 % too high.
    >>> s = births_summary({"projection_vintage": 2025, "year": 2026, "projected_births": 96857,
    ...                     "observed_births": float("nan"), "status": NO_OBSERVED,
    ...                     "mother_age_min": 16, "mother_age_max": 48}, "sv")
    >>> print(*s.replace("\\xa0", " ").split("; "), sep="\\n")
    Prognosen från 2025 antog 96 857 födda 2026
    utfallet finns varken inbyggt eller hämtat från SCB.
    """
    if lang not in ("sv", "en"):
        raise InputValidationError(f"language {lang!r}; allowed: 'sv', 'en'", location="summary")
    values: dict[str, Any] = dict(row)
    vintage, year = int(values["projection_vintage"]), int(values["year"])
    projected = float(values["projected_births"])
    observed = float(values["observed_births"])
    lo, hi = int(values["mother_age_min"]), int(values["mother_age_max"])
    p = _format_int(projected, lang)
    if values["status"] != STATUS_OK or math.isnan(observed):
        if lang == "sv":
            return (f"Prognosen från {vintage} antog {p} födda {year}; utfallet finns varken "
                    "inbyggt eller hämtat från SCB.")
        return (f"The {vintage} vintage assumed {p} births in {year}; the outcome is neither "
                "embedded nor fetched from SCB.")
    o = _format_int(observed, lang)
    pct = _format_pct((projected - observed) / observed * 100.0, lang)
    if lang == "sv":
        direction = "för högt" if projected >= observed else "för lågt"
        return (f"Prognosen från {vintage} antog {p} födda {year}; {o} föddes (mödrar {lo}–{hi} "
                f"år). Antagandet var {pct} % {direction}.")
    direction = "too high" if projected >= observed else "too low"
    return (f"The {vintage} vintage assumed {p} births in {year}; {o} were born (mothers aged "
            f"{lo}-{hi}). The assumption was {pct} % {direction}.")


def births_summaries(errors: pd.DataFrame, lang: Lang = "sv") -> list[str]:
    """:func:`births_summary` for every row of an error table, in table order."""
    return [births_summary(row, lang) for _, row in errors.iterrows()]


ORIGIN_EMBEDDED: Final = "embedded"
ORIGIN_FETCHED: Final = "fetched"


def merge_observed(embedded: pd.DataFrame, fetched: pd.DataFrame | None,
                   keys: Sequence[str] = ("year",)) -> pd.DataFrame:
    """Embedded observations with observations fetched from SCB later, one table.

    Fetched rows *replace* the embedded rows of every ``keys`` combination they hold (a whole
    year, or a year and region): they are SCB's current registrations, and a year is never a
    mix of the two. Embedded rows of other keys stay, so years the fetch does not return
    (e.g. before the table's first year) keep their embedded figures. Columns of ``embedded``
    that ``fetched`` lacks are filled per key from ``embedded`` where they are constant there
    (e.g. ``region_name``), else left missing. Adds ``origin``: ``"embedded"`` or ``"fetched"``.

    >>> emb = pd.DataFrame({"year": [2023, 2024], "births": [100.0, 98.0]})
    >>> new = pd.DataFrame({"year": [2024, 2025], "births": [99.0, 97.0]})
    >>> merge_observed(emb, new)
       year  births    origin
    0  2023   100.0  embedded
    1  2024    99.0   fetched
    2  2025    97.0   fetched
    """
    keys = list(keys)
    _require(embedded, keys, "embedded observations")
    base = embedded.assign(origin=ORIGIN_EMBEDDED)
    if fetched is None or fetched.empty:
        return base.reset_index(drop=True)
    _require(fetched, keys, "fetched observations")
    fetched_keys = pd.MultiIndex.from_frame(fetched[keys].drop_duplicates())
    kept = base.loc[~pd.MultiIndex.from_frame(base[keys]).isin(fetched_keys)]
    new = fetched.assign(origin=ORIGIN_FETCHED)
    for col in embedded.columns:
        if col in new.columns:
            continue
        other = [k for k in keys if k != "year"]
        if other and embedded.groupby(other)[col].nunique(dropna=False).le(1).all():
            lookup = embedded.drop_duplicates(other).set_index(other)[col]
            new[col] = new.set_index(other).index.map(lookup.to_dict()).to_numpy()
        else:
            new[col] = pd.NA
    out = pd.concat([kept, new[list(base.columns)]], ignore_index=True)
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# (b) actual vs forecast by planning age group

def resolve_groups(groups: GroupSpec = None) -> tuple[tuple[str, int, int], ...]:
    """Age groups as ``(label, lo, hi)`` tuples (both ages included, 100 = 100+).

    Accepts ``None`` (the default Swedish planning groups of :mod:`calculator.tables`), a spec
    string such as ``"0-5,6-15,16+"``, a sequence of :class:`calculator.tables.AgeGroup`, or
    a sequence of ``(label, lo, hi)`` tuples.

    >>> resolve_groups("0,1-5,90+")
    (('0', 0, 0), ('1-5', 1, 5), ('90+', 90, 100))
    >>> resolve_groups([("young", 0, 19)])
    (('young', 0, 19),)
    """
    if groups is None:
        groups = PLANNING_GROUPS
    if isinstance(groups, str):
        groups = parse_age_groups(groups)
    out: list[tuple[str, int, int]] = []
    for item in groups:
        if isinstance(item, AgeGroup):
            out.append((item.label, item.low, OPEN_AGE if item.high is None else item.high))
            continue
        try:
            label, lo, hi = item
            lo_i, hi_i = int(lo), int(hi)
        except (TypeError, ValueError) as exc:
            raise InputValidationError(
                f"age group {item!r}; allowed: (label, lo, hi) with 0 <= lo <= hi <= {OPEN_AGE}",
                location="age groups",
            ) from exc
        if not 0 <= lo_i <= hi_i <= OPEN_AGE:
            raise InputValidationError(
                f"age group {item!r}; allowed: 0 <= lo <= hi <= {OPEN_AGE}",
                location="age groups",
            )
        out.append((str(label), lo_i, hi_i))
    return tuple(out)


def ckm_noise_bound(
    n_cells: int | np.ndarray,
    *,
    method: Literal["worst_case", "sqrt"] = "worst_case",
    max_abs_noise_per_cell: float = CKM_MAX_ABS_NOISE_PER_CELL,
    noise_sd_per_cell: float = CKM_NOISE_SD_PER_CELL,
) -> np.ndarray:
    """Bound on the CKM noise of a sum of ``n_cells`` published cells (persons).

    * ``"worst_case"`` (default): ``k * max_abs_noise_per_cell``. Every published cell can be
      off by at most about 3 persons (SOURCES.md section 14: "±3 order"; PXWEBAPI.md: every
      cell gets a small random integer and summing cells adds their noise), so a deviation
      larger than this cannot be explained by the noise. Conservative: it says "within
      noise" more often than a statistical bound.
    * ``"sqrt"``: ``2 * sqrt(k) * noise_sd_per_cell``, an approximate 95 % bound if the cells'
      noise is independent with that standard deviation (default 2, a uniform integer on
      -3..3; SCB does not publish its noise parameters, so this is an assumption).

    >>> ckm_noise_bound(np.array([1, 4])).tolist(), ckm_noise_bound(4, method="sqrt").tolist()
    ([3.0, 12.0], 8.0)
    """
    k = np.asarray(n_cells, dtype=np.float64)
    if method == "worst_case":
        return k * max_abs_noise_per_cell
    if method == "sqrt":
        return 2.0 * np.sqrt(k) * noise_sd_per_cell
    raise InputValidationError(f"method {method!r}; allowed: 'worst_case', 'sqrt'",
                               location="CKM noise bound")


def _check_grid(frame: pd.DataFrame, period: str, what: str) -> pd.DataFrame:
    _require(frame, (period, "sex", "age", "population"), what)
    data = frame[[period, "sex", "age", "population"]].copy()
    bad = ~data["sex"].isin(SEXES)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputValidationError(
            f"row {row}: sex {data['sex'].iloc[row]!r}; allowed: {', '.join(SEXES)}",
            location=f"{what}, column sex",
        )
    data["age"] = pd.to_numeric(data["age"], errors="raise").astype(np.int64)
    data["population"] = pd.to_numeric(data["population"], errors="raise").astype(np.float64)
    data = data.groupby([period, "sex", "age"])["population"].sum().reset_index()
    counts = data.groupby(period)["age"].size()
    incomplete = counts[counts != len(SEXES) * (OPEN_AGE + 1)]
    if not incomplete.empty:
        p = incomplete.index[0]
        raise InputValidationError(
            f"{period} {p}: {int(incomplete.iloc[0])} sex-age cells; need both sexes x ages "
            f"0..{OPEN_AGE} ({len(SEXES) * (OPEN_AGE + 1)} cells)",
            location=what,
        )
    return data


def _group_sums(data: pd.DataFrame, period: str, groups: tuple[tuple[str, int, int], ...],
                by_sex: bool) -> pd.DataFrame:
    parts = []
    for order, (label, lo, hi) in enumerate(groups):
        rows = data[data["age"].between(lo, hi)]
        keys = [period, "sex"] if by_sex else [period]
        summed = rows.groupby(keys)["population"].sum().reset_index()
        if not by_sex:
            summed["sex"] = "total"
        summed = summed.assign(age_group=label, age_min=lo, age_max=hi, group_order=order,
                               n_cells=(hi - lo + 1) * (1 if by_sex else len(SEXES)))
        parts.append(summed)
    out: pd.DataFrame = pd.concat(parts, ignore_index=True)
    return out


def _period_year(values: pd.Series) -> pd.Series:
    text = values.astype(str)
    return text.str.slice(0, 4).astype(np.int64)


def compare_by_age_group(
    forecast: pd.DataFrame,
    observed: pd.DataFrame,
    groups: GroupSpec = None,
    *,
    period: Literal["year", "month"] = "year",
    tolerance_pct: float = 5.0,
    by_sex: bool = False,
    ckm_first_year: int = CKM_FIRST_YEAR,
    ckm_method: Literal["worst_case", "sqrt"] = "worst_case",
    ckm_max_abs_noise_per_cell: float = CKM_MAX_ABS_NOISE_PER_CELL,
) -> pd.DataFrame:
    """Forecast vs observed population per age group and period, with CKM bound and flags.

    ``forecast`` and ``observed``: columns ``period`` (``year`` = 31 Dec of that year, or
    ``month`` = ``YYYY-MM``, end of month), sex, age (0..100, 100 = 100+), population; each
    period present must hold the full grid (both sexes x 101 ages). Extra columns (e.g.
    region) are ignored, so pass one region at a time. Use :func:`forecast_at_months` to
    turn a yearly forecast into month-end values.

    Observed figures from ``ckm_first_year`` on carry Cell Key Method noise: the outcome of a
    group is the sum of ``n_cells`` noised single-age cells, so ``ckm_noise_bound_persons`` =
    :func:`ckm_noise_bound` of ``n_cells`` (0 for earlier, final figures).

    Columns: period value (``year`` or ``month``), age_group, age_min, age_max, sex
    (``total`` or female/male), n_cells, forecast_pop_count, observed_pop_count,
    deviation_persons (observed - forecast), rel_deviation_pct (deviation / forecast * 100),
    ckm_noise_bound_persons, within_ckm_noise (|deviation| <= bound), outside_tolerance
    (|rel_deviation_pct| > tolerance_pct), flag (outside the tolerance and not explained by
    the noise), status (``STATUS_OK``, ``NO_OBSERVED`` for forecast periods without observed
    data, ``NO_FORECAST`` for observed periods the forecast lacks).
    """
    if period not in ("year", "month"):
        raise InputValidationError(f"period {period!r}; allowed: 'year', 'month'",
                                   location="comparison")
    if not tolerance_pct >= 0:
        raise InputValidationError(f"tolerance {tolerance_pct!r} %; allowed: a number >= 0",
                                   location="tolerance_pct")
    spec = resolve_groups(groups)
    f = _group_sums(_check_grid(forecast, period, "forecast"), period, spec, by_sex)
    o = _group_sums(_check_grid(observed, period, "observed population"), period, spec, by_sex)
    keys = [period, "age_group", "age_min", "age_max", "group_order", "sex", "n_cells"]
    out = f.rename(columns={"population": "forecast_pop_count"}).merge(
        o.rename(columns={"population": "observed_pop_count"}), on=keys, how="outer"
    )
    out["deviation_persons"] = out["observed_pop_count"] - out["forecast_pop_count"]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = out["deviation_persons"] / out["forecast_pop_count"].where(
            out["forecast_pop_count"] != 0
        ) * 100.0
    out["rel_deviation_pct"] = rel.astype(np.float64)
    noised = _period_year(out[period]) >= ckm_first_year
    bound = ckm_noise_bound(out["n_cells"].to_numpy(), method=ckm_method,
                            max_abs_noise_per_cell=ckm_max_abs_noise_per_cell)
    out["ckm_noise_bound_persons"] = np.where(noised, bound, 0.0)
    known = out["deviation_persons"].notna()
    out["within_ckm_noise"] = known & (out["deviation_persons"].abs()
                                       <= out["ckm_noise_bound_persons"])
    out["outside_tolerance"] = known & (out["rel_deviation_pct"].abs() > tolerance_pct)
    out["flag"] = out["outside_tolerance"] & ~out["within_ckm_noise"]
    status = np.where(out["observed_pop_count"].isna(), NO_OBSERVED, STATUS_OK)
    out["status"] = np.where(out["forecast_pop_count"].isna(), NO_FORECAST, status)
    out = out.sort_values([period, "group_order", "sex"]).reset_index(drop=True)
    columns = [period, "age_group", "age_min", "age_max", "sex", "n_cells",
               "forecast_pop_count", "observed_pop_count", "deviation_persons",
               "rel_deviation_pct", "ckm_noise_bound_persons", "within_ckm_noise",
               "outside_tolerance", "flag", "status"]
    out = out[columns]
    out["n_cells"] = out["n_cells"].astype(np.int64)
    return out


def forecast_at_months(forecast: pd.DataFrame, months: Iterable[str]) -> pd.DataFrame:
    """Month-end values of a yearly (31 Dec) forecast by linear interpolation.

    For month *m* (1..12) of year *t*: ``P = P[t-1] + m / 12 * (P[t] - P[t-1])`` per sex and
    age, with both 31-Dec values taken at the same completed age (an approximation: persons
    change age during the year; for planning age groups the error is small). Needs the
    forecast for 31 Dec of ``t - 1`` and ``t``; months that lack either are left out and
    listed in ``attrs["months_without_forecast"]``.

    ``forecast``: year, sex, age, population. Returns month, sex, age, population.

    >>> f = pd.DataFrame({"year": [2024, 2025], "sex": ["female"] * 2, "age": [5, 5],
    ...                   "population": [100.0, 112.0]})
    >>> forecast_at_months(f, ["2025-03", "2026-01"]).to_dict("records")
    [{'month': '2025-03', 'sex': 'female', 'age': 5, 'population': 103.0}]
    """
    _require(forecast, ("year", "sex", "age", "population"), "forecast")
    data = forecast.groupby(["year", "sex", "age"])["population"].sum()
    years = set(data.index.get_level_values(0))
    parts, missing = [], []
    for month in sorted(set(months)):
        year, m = int(month[:4]), int(month[5:7])
        if year not in years or year - 1 not in years:
            missing.append(month)
            continue
        end, start = data.loc[year], data.loc[year - 1]
        start = start.reindex(end.index, fill_value=0.0)
        value = start + (end - start) * (m / 12.0)
        parts.append(value.reset_index().assign(month=month))
    out: pd.DataFrame
    if parts:
        out = pd.concat(parts, ignore_index=True)[["month", "sex", "age", "population"]]
    else:
        out = pd.DataFrame({"month": pd.Series(dtype=str), "sex": pd.Series(dtype=str),
                            "age": pd.Series(dtype=np.int64),
                            "population": pd.Series(dtype=np.float64)})
    out.attrs["months_without_forecast"] = missing
    return out


def deviation_summary(comparison: pd.DataFrame, lang: Lang = "sv") -> list[str]:
    """Sentences for the flagged groups of :func:`compare_by_age_group` (empty if none).

    >>> c = pd.DataFrame({"year": [2025], "age_group": ["6"], "sex": ["total"],
    ...                   "forecast_pop_count": [900.0], "observed_pop_count": [810.0],
    ...                   "deviation_persons": [-90.0], "rel_deviation_pct": [-10.0],
    ...                   "flag": [True]})
    >>> deviation_summary(c, "en")
    ['2025, age 6: 810 observed vs 900 forecast (-90 persons, -10.0 %).']
    """
    period = "month" if "month" in comparison.columns else "year"
    rows = comparison[comparison["flag"].astype(bool)]
    out = []
    for _, r in rows.iterrows():
        sign = "-" if r["deviation_persons"] < 0 else "+"
        dev = _format_int(abs(float(r["deviation_persons"])), lang)
        pct = _format_pct(float(r["rel_deviation_pct"]), lang)
        obs = _format_int(float(r["observed_pop_count"]), lang)
        fc = _format_int(float(r["forecast_pop_count"]), lang)
        sex = "" if r["sex"] == "total" else f" ({r['sex']})"
        if lang == "sv":
            out.append(f"{r[period]}, ålder {r['age_group']}{sex}: utfall {obs} mot prognos "
                       f"{fc} ({sign}{dev} personer, {sign}{pct} %).")
        else:
            out.append(f"{r[period]}, age {r['age_group']}{sex}: {obs} observed vs {fc} "
                       f"forecast ({sign}{dev} persons, {sign}{pct} %).")
    return out


# ---------------------------------------------------------------------------------------------
# export sheets

#: Sheet names of :func:`followup_sheets` by language.
SHEET_FERTILITY: Final = {"sv": "Uppföljning fruktsamhet", "en": "Follow-up fertility"}
SHEET_MUNICIPAL_TFR: Final = {"sv": "Uppföljning kommunens TFR", "en": "Follow-up municipal TFR"}
SHEET_OUTCOME: Final = {"sv": "Uppföljning utfall", "en": "Follow-up outcome"}
#: The region whose observed population and SCB regional projection are embedded.
OUTCOME_REGION: Final = "2580"

_STATUS_TEXT: Final = {
    "sv": {STATUS_OK: "ok", NO_OBSERVED: "utfall saknas (inte inbyggt, inte hämtat)",
           NO_FORECAST: "ingen prognos för perioden",
           NO_ASSUMPTION: "inget antagande inbäddat för året",
           SUPPRESSED: "undertryckt av SCB (färre än 30 födda)"},
    "en": {s: s for s in (STATUS_OK, NO_OBSERVED, NO_FORECAST, NO_ASSUMPTION, SUPPRESSED)},
}
_MAPE_LABEL: Final = {"sv": "Alla (medelabsolut fel)", "en": "All (mean absolute error)"}
_SOURCE_FERTILITY: Final = {
    "sv": "SCB BE0401 (prognoser) och BE0101 (födda), CC0; fel = antagna − utfall, mödrar 16–48 år",
    "en": "SCB BE0401 (projections) and BE0101 (births), CC0; error = assumed − observed, "
          "mothers aged 16-48",
}


def _fertility_sheet(errors: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    mape = mape_by_horizon(errors)
    sv = lang == "sv"
    rows = pd.DataFrame({
        "vintage": pd.Series([int(v) for v in errors["projection_vintage"]], dtype=object),
        "base_year": errors["base_year"].astype("Int64"),
        "year": errors["year"].astype("Int64"),
        "horizon": errors["horizon_years"].astype(np.int64),
        "projected": errors["projected_births"].astype(np.float64),
        "observed": errors["observed_births"].astype(np.float64),
        "error": errors["error_births"].astype(np.float64),
        "rel": errors["rel_error_pct"].astype(np.float64).round(2),
        "mape": np.nan,
        "n": pd.array([pd.NA] * len(errors), dtype="Int64"),
        "status": errors["status"].map(_STATUS_TEXT[lang]),
    })
    summary = pd.DataFrame({
        "vintage": _MAPE_LABEL[lang],
        "base_year": pd.array([pd.NA] * len(mape), dtype="Int64"),
        "year": pd.array([pd.NA] * len(mape), dtype="Int64"),
        "horizon": mape["horizon_years"].astype(np.int64),
        "projected": np.nan, "observed": np.nan, "error": np.nan,
        "rel": mape["mean_rel_error_pct"].astype(np.float64).round(2),
        "mape": mape["mape_pct"].astype(np.float64).round(2),
        "n": mape["n_vintages"].astype("Int64"),
        "status": mape["vintages"].map(
            lambda v: f"prognoser {v}" if sv else f"vintages {v}"),
    })
    out = pd.concat([rows, summary], ignore_index=True)
    out["source"] = _SOURCE_FERTILITY[lang]
    names = {
        "vintage": "Prognosår" if sv else "Vintage",
        "base_year": "Basår (31 dec)" if sv else "Base year (31 Dec)",
        "year": "År" if sv else "Year",
        "horizon": "Horisont (år)" if sv else "Horizon (years)",
        "projected": "Antagna födda" if sv else "Assumed births",
        "observed": "Födda, utfall" if sv else "Observed births",
        "error": "Fel, födda (antagna − utfall)" if sv else "Error, births (assumed − observed)",
        "rel": "Relativt fel (%)" if sv else "Relative error (%)",
        "mape": "Medelabsolut fel (%)" if sv else "Mean absolute error (%)",
        "n": "Antal prognoser" if sv else "Number of vintages",
        "status": "Status",
        "source": "Källa" if sv else "Source",
    }
    return out.rename(columns=names)


def _municipal_sheet(table: pd.DataFrame, name: str, lang: Lang) -> pd.DataFrame:
    sv = lang == "sv"
    out = pd.DataFrame({
        "År" if sv else "Year": table["year"].astype(np.int64),
        "Kommun" if sv else "Municipality": f"{name} ({table['region'].iloc[0]})",
        "Kommunens summerade fruktsamhet" if sv else "Municipal TFR":
            table["municipal_tfr"],
        "Rikets antagna summerade fruktsamhet" if sv else "National assumed TFR":
            table["national_assumed_tfr"],
        "Skillnad (kommun − antagande)" if sv else "Difference (municipal − assumed)":
            table["difference_tfr"].round(3),
        "Rikets summerade fruktsamhet, utfall" if sv else "National observed TFR":
            table["national_observed_tfr"],
        "Status": table["status"].map(_STATUS_TEXT[lang]),
        "Källa" if sv else "Source": (
            "SCB TAB4805 (kommun), BE0401 antagna fruktsamhetstal (trol. prognosen 2024), CC0"
            if sv else "SCB TAB4805 (municipal), BE0401 assumed rates (probably the 2024 "
                       "projection), CC0"),
    })
    return out


def _outcome_sheet(comparison: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    sv = lang == "sv"
    total = comparison[(comparison["sex"] == "total") & (comparison["status"] == STATUS_OK)]
    out = pd.DataFrame({
        "År (31 dec)" if sv else "Year (31 Dec)": total["year"].astype(np.int64),
        "Åldersgrupp" if sv else "Age group": total["age_group"],
        "Prognos (personer)" if sv else "Forecast (persons)":
            total["forecast_pop_count"].round(1),
        "Utfall (personer)" if sv else "Observed (persons)": total["observed_pop_count"],
        "Avvikelse (utfall − prognos)" if sv else "Deviation (observed − forecast)":
            total["deviation_persons"].round(1),
        "Avvikelse (%)" if sv else "Deviation (%)": total["rel_deviation_pct"].round(2),
        "CKM-brus, gräns (personer)" if sv else "CKM noise bound (persons)":
            total["ckm_noise_bound_persons"],
        "Inom CKM-brus" if sv else "Within CKM noise":
            total["within_ckm_noise"].map({True: "ja" if sv else "yes",
                                           False: "nej" if sv else "no"}),
        "Flagga (utanför 5 %)" if sv else "Flag (outside 5 %)":
            total["flag"].map({True: "ja" if sv else "yes", False: "nej" if sv else "no"}),
        "Källa" if sv else "Source": (
            "SCB BE0401 regional framskrivning 2024 (000005RC), BE0101 folkmängd; 2025 med "
            "CKM-brus; CC0" if sv else "SCB BE0401 regional projection 2024 (000005RC), BE0101 "
            "population; 2025 with CKM noise; CC0"),
    })
    return out.reset_index(drop=True)


def followup_sheets(
    lang: str = "sv",
    region: str | None = None,
    *,
    frames: Mapping[str, pd.DataFrame],
) -> dict[str, pd.DataFrame]:
    """Follow-up sheets for the scenario workbook (sheet name -> table).

    * ``SHEET_FERTILITY``: births assumed by each SCB national projection vintage against the
      births observed, by vintage and horizon (:func:`births_error_by_horizon`, mothers aged
      16-48), followed by one row per horizon with the mean absolute percentage error across
      vintages (:func:`mape_by_horizon`). Rows without an embedded outcome say so in Status.
    * ``SHEET_MUNICIPAL_TFR`` (only when ``region`` is a municipality): its own TFR (SCB
      TAB4805) against the national assumed TFR (:func:`municipal_tfr_vs_assumption`).
    * ``SHEET_OUTCOME`` (only for ``OUTCOME_REGION``, the region whose outcome and SCB regional
      projection are embedded): forecast, outcome and deviation per planning age group, both
      sexes, 31 Dec, for the years with an embedded outcome (:func:`compare_by_age_group`,
      tolerance 5 %).

    ``frames`` holds the input tables by loader name (``projected_births``,
    ``observed_births``, ``assumed_tfr``, ``observed_tfr``, ``municipal_tfr``,
    ``lulea_regional_projection``, ``lulea_observed_population``), e.g. from
    :func:`calculator.data.followup_data.embedded_followup_frames`; this module does no I/O.
    """
    if lang not in ("sv", "en"):
        raise InputValidationError(f"language {lang!r}; allowed: 'sv', 'en'",
                                   location="follow-up sheets")
    language: Lang = "sv" if lang == "sv" else "en"
    def frame(name: str) -> pd.DataFrame:
        if name not in frames:
            raise InputValidationError(
                f"table {name!r} missing; given: {sorted(frames)}", location="follow-up sheets"
            )
        return frames[name]

    errors = births_error_by_horizon(frame("projected_births"), frame("observed_births"))
    sheets = {SHEET_FERTILITY[language]: _fertility_sheet(errors, language)}
    if region is not None:
        municipal = frame("municipal_tfr")
        own = municipal[municipal["region"].astype(str) == str(region)]
        if not own.empty:
            table = municipal_tfr_vs_assumption(municipal, frame("assumed_tfr"), str(region),
                                                frame("observed_tfr"))
            name = str(own["region_name"].iloc[0]) if "region_name" in own.columns else region
            sheets[SHEET_MUNICIPAL_TFR[language]] = _municipal_sheet(table, name, language)
        if str(region) == OUTCOME_REGION:
            comparison = compare_by_age_group(frame("lulea_regional_projection"),
                                              frame("lulea_observed_population"))
            sheets[SHEET_OUTCOME[language]] = _outcome_sheet(comparison, language)
    return sheets
