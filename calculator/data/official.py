"""SCB's official population projections as first-class data, with the vintage as a dimension.

Loaders for the embedded official forecasts (built by :mod:`calculator.data.build_official`
from the reference extracts; provenance in ``embedded_official/PROVENANCE.md``). Every frame
carries a ``vintage`` column (the year the projection was published); SCB data are CC0.

=========================  ==========  ========  ==========  ==================================
forecast id                kind        vintage   region      what is published (embedded)
=========================  ==========  ========  ==========  ==================================
``scb_national_2025``      national    2025      00 Sweden   births by mother's age 16-48,
                                                             deaths and mean population by sex
                                                             and age reached, 2026-2050
``scb_national_2018``...   national    2018..    00 Sweden   births by mother's age 16-48,
``scb_national_2021``                  2021                  first four projected years
``scb_assumed_asfr_2024``  national    2024 (p.) 00 Sweden   assumed fertility rates 2024-2050
``scb_regional_2024``      regional    2024      2580 Luleå  population 31 Dec by sex and age,
                                                             2024-2050
=========================  ==========  ========  ==========  ==================================

Conventions: stocks at 31 Dec, flows per calendar year, age = age reached during the year
(= completed age on 31 Dec), 100 = 100+. ``mean_population`` is SCB's *medelfolkmängd* by age
reached: for age *a* in year *t* it is the mean of the cohort's 31-Dec stocks,
``M[t, a] = (P[t-1, a-1] + P[t, a]) / 2`` (``P[t, 0] / 2`` at age 0; the open group also
takes ``P[t-1, 99]``). It is exactly the fertility exposure the engine uses.

**The national 2025 vintage does not publish the population by age.** It publishes the mean
population, from which the 31-Dec population follows by ``P[t, a] = 2 M[t, a] - P[t-1, a-1]``
once one starting stock per cohort is known. For cohorts born during the projection the start
is zero, so their stocks are exact. For older cohorts the start (SCB's projected population
on 31 Dec 2025) is not in the files; :func:`derive_population_from_mean` estimates it as the
one that makes each cohort's implied net migration smoothest over the years (and near zero at
ages 95+), using the published deaths. The derived cohort net migration at age 0 is given
for both sexes together (``sex = "total"``) because births by the child's sex are not
published; births to mothers under 16 or over 48 are not in the files either. Tested on SCB's
observed 1985-2015 stocks (mean population computed from them, start year withheld): totals
within 0.003 %, 5-year groups within 0.25 % below age 90 and within 3 % at 95-99 and
100+. See docs/official_forecasts.md.
"""

from __future__ import annotations

import functools
import gzip
import io
from dataclasses import dataclass
from importlib import resources
from typing import Final

import numpy as np
import pandas as pd

from calculator.exceptions import InputValidationError
from calculator.grid import N_AGES, OPEN_AGE, SEXES, FloatArray
from calculator.inputs import ProjectionInputs

_PACKAGE_DIR: Final = "embedded_official"
FILE_BIRTHS: Final = "scb_national_births_mother_age.csv.gz"
FILE_DEATHS_MEANPOP: Final = "scb_national_2025_deaths_mean_population.csv.gz"
FILE_ASSUMED_ASFR: Final = "scb_assumed_asfr_2024_2050.csv.gz"
FILE_REGIONAL: Final = "scb_regional_2024_lulea_population.csv.gz"

POPULATION_COLUMNS: Final = ("vintage", "region", "year", "sex", "age", "population")
COMPONENT_COLUMNS: Final = ("vintage", "region", "year", "sex", "age", "variable", "value")
LONG_COLUMNS: Final = ("scenario", "vintage", "region", "year", "sex", "age", "variable", "value")

#: Ages at which the population estimator assumes net migration close to zero.
_NEAR_ZERO_MIGRATION_AGE: Final = 95


@dataclass(frozen=True)
class OfficialForecast:
    """One embedded official forecast (one vintage of one SCB projection series)."""

    forecast_id: str
    kind: str
    vintage: str
    regions: tuple[str, ...]
    first_year: int
    last_year: int
    available: tuple[str, ...]
    label: str
    content_codes: tuple[str, ...]


FORECASTS: Final[dict[str, OfficialForecast]] = {
    f.forecast_id: f
    for f in (
        OfficialForecast(
            "scb_national_2025", "national", "2025", ("00",), 2026, 2050,
            ("births_by_mother_age", "deaths", "mean_population",
             "population (derived from mean population)", "net_migration (derived)"),
            "SCB Sveriges framtida befolkning 2025-2070",
            ("000005MU", "000005MP", "000005MS"),
        ),
        *(
            OfficialForecast(
                f"scb_national_{v}", "national", str(v), ("00",), v, v + 3,
                ("births_by_mother_age",),
                f"SCB Sveriges framtida befolkning {v}-2070",
                (code,),
            )
            for v, code in (
                (2018, "00000282"), (2019, "000003D4"), (2020, "000000XB"), (2021, "000005M7"),
            )
        ),
        OfficialForecast(
            "scb_assumed_asfr_2024", "national", "2024 (probable; RAPS assumption set)",
            ("00",), 2024, 2050, ("assumed_fert_rate",),
            "SCB assumed fertility rates for RAPS (probably the 2024 projection)",
            ("00000782",),
        ),
        OfficialForecast(
            "scb_regional_2024", "regional", "2024", ("2580",), 2024, 2050, ("population",),
            "SCB regional projection 2024-2050 (base 31 Dec 2023)",
            ("000005RC",),
        ),
    )
}


def _read_embedded(name: str) -> pd.DataFrame:
    resource = resources.files("calculator.data").joinpath(_PACKAGE_DIR, name)
    raw = gzip.decompress(resource.read_bytes())
    return pd.read_csv(
        io.BytesIO(raw),
        dtype={"vintage": str, "content_code": str, "region": str, "sex": str, "variable": str},
    )


@functools.cache
def _cached(name: str) -> pd.DataFrame:
    return _read_embedded(name)


def _get(forecast_id: str) -> OfficialForecast:
    try:
        return FORECASTS[forecast_id]
    except KeyError as exc:
        raise InputValidationError(
            f"unknown official forecast {forecast_id!r}; allowed: {', '.join(FORECASTS)}",
            location="forecast_id",
        ) from exc


def _check_region(fc: OfficialForecast, region: str | None) -> str:
    if region is None:
        return fc.regions[0]
    if str(region) not in fc.regions:
        raise InputValidationError(
            f"region {region!r} is not embedded for {fc.forecast_id}; allowed: "
            f"{', '.join(fc.regions)}",
            location="region",
        )
    return str(region)


def list_official_forecasts() -> pd.DataFrame:
    """The embedded official forecasts: one row per forecast and region.

    Columns: forecast_id, kind (national/regional), vintage, region, first_year, last_year,
    available (what variables are published or derived), label, content_codes.

    >>> table = list_official_forecasts()
    >>> table.set_index("forecast_id").loc["scb_regional_2024", "region"]
    '2580'
    """
    rows = [
        {
            "forecast_id": f.forecast_id, "kind": f.kind, "vintage": f.vintage, "region": r,
            "first_year": f.first_year, "last_year": f.last_year,
            "available": ", ".join(f.available), "label": f.label,
            "content_codes": ", ".join(f.content_codes),
        }
        for f in FORECASTS.values()
        for r in f.regions
    ]
    return pd.DataFrame(rows)


def load_vintage_births(vintage: str | None = None) -> pd.DataFrame:
    """Projected live births by mother's age (16-48, age reached), summed over birth regions.

    Columns: vintage, content_code, region ("00"), year, mother_age, births (per year).
    ``vintage`` ``None`` gives all of 2018, 2019, 2020, 2021, 2025.

    >>> b = load_vintage_births("2025")
    >>> int(b.loc[b["year"] == 2026, "births"].sum())
    96857
    """
    frame = _cached(FILE_BIRTHS).copy()
    if vintage is not None:
        frame = frame[frame["vintage"] == str(vintage)].reset_index(drop=True)
        if frame.empty:
            allowed = sorted(_cached(FILE_BIRTHS)["vintage"].unique())
            raise InputValidationError(
                f"no projected births for vintage {vintage!r}; allowed: {', '.join(allowed)}",
                location="vintage",
            )
    return frame


def load_assumed_fert_rates() -> pd.DataFrame:
    """SCB's assumed fertility rates, all women (code 90), births per woman-year, 2024-2050.

    Columns: vintage, content_code (00000782), region ("00"), year, mother_age (16-48, age
    reached), fert_rate. The vintage is probably 2024 (the series starts in 2024); see
    SOURCES.md section 21.
    """
    return _cached(FILE_ASSUMED_ASFR).copy()


def _national_sex_age(variable: str) -> dict[str, FloatArray]:
    """2025-vintage ``variable`` as arrays (years, 101) by sex, years 2026..2050."""
    frame = _cached(FILE_DEATHS_MEANPOP)
    frame = frame[frame["variable"] == variable]
    out = {}
    for sex in SEXES:
        wide = frame[frame["sex"] == sex].pivot_table(
            index="year", columns="age", values="value", aggfunc="sum"
        )
        out[sex] = wide.reindex(columns=range(N_AGES)).to_numpy(dtype=np.float64)
    return out


def _forward(p_start_age: FloatArray, mean_year_age: FloatArray) -> FloatArray:
    """Stocks implied by mean population: ``P[t] = 2 M[t] - aged P[t-1]`` (open group too)."""
    n_years = mean_year_age.shape[0]
    out = np.empty((n_years, *p_start_age.shape))
    prev = p_start_age
    for t in range(n_years):
        cur = np.empty_like(prev)
        cur[..., 0] = 2.0 * mean_year_age[t, ..., 0]
        cur[..., 1:OPEN_AGE] = 2.0 * mean_year_age[t, ..., 1:OPEN_AGE] - prev[..., : OPEN_AGE - 1]
        cur[..., OPEN_AGE] = (
            2.0 * mean_year_age[t, ..., OPEN_AGE] - prev[..., OPEN_AGE - 1] - prev[..., OPEN_AGE]
        )
        out[t] = cur
        prev = cur
    return out


def _net_migration(pop_year_age: FloatArray, p_start_age: FloatArray,
                   deaths_year_age: FloatArray) -> FloatArray:
    """Cohort net migration ``N[t, a] = P[t, a] - P[t-1, a-1] + D[t, a]`` (open group too)."""
    prev = np.concatenate([p_start_age[np.newaxis], pop_year_age[:-1]], axis=0)
    net = np.empty_like(pop_year_age)
    net[..., 0] = pop_year_age[..., 0]
    net[..., 1:OPEN_AGE] = pop_year_age[..., 1:OPEN_AGE] - prev[..., : OPEN_AGE - 1]
    net[..., OPEN_AGE] = pop_year_age[..., OPEN_AGE] - prev[..., OPEN_AGE - 1] - prev[..., OPEN_AGE]
    return net + deaths_year_age


def derive_population_from_mean(
    mean_pop_year_age: FloatArray, deaths_year_age: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """31-Dec stocks from mean population by age reached, for one sex.

    ``mean_pop_year_age`` and ``deaths_year_age`` have shape (T, 101) for years t0+1..t0+T.
    Returns ``(pop_start_age, pop_year_age)``: the estimated stock on 31 Dec of t0 (101,) and
    the stocks on 31 Dec of t0+1..t0+T (T, 101), which reproduce the mean population exactly.

    Stocks follow from ``P[t, a] = 2 M[t, a] - P[t-1, a-1]`` given the unknown start stock
    ``u = P[t0, :]``; every stock is affine in ``u``. The start is chosen by least squares so
    that each cohort's implied net migration ``N[t, a] = P[t, a] - P[t-1, a-1] + D[t, a]``
    changes as little as possible from year to year along the cohort, and is close to zero
    at ages 95+ (where the cohort series are too short to identify the start otherwise). The
start stocks at 99 and 100+ merge a year later, so only their sum is identified; it is split
in the ratio of the two ages in the first projected year (this does not change any projected
stock).
    Cohorts born after t0 start at zero, so their stocks are exact.

    A stationary population without migration (deaths = the cohort decrements) is recovered:

    >>> p = np.linspace(1000.0, 10.0, 101); p[100] = 30.0
    >>> m = np.tile((np.r_[0.0, p[:-1]] + p) / 2, (6, 1)); m[:, 100] = (p[99] + 2 * p[100]) / 2
    >>> d = np.tile(np.r_[p[0], p[:-1] - p[1:]], (6, 1)); d[:, 0] = 0.0; d[:, 100] = p[99]
    >>> start, stocks = derive_population_from_mean(m, d)
    >>> bool(np.allclose(stocks, p) and np.allclose(start, p))
    True
    """
    mean = np.asarray(mean_pop_year_age, dtype=np.float64)
    deaths = np.asarray(deaths_year_age, dtype=np.float64)
    zero = np.zeros(N_AGES)
    base_pop = _forward(zero, mean)
    base_net = _net_migration(base_pop, zero, deaths)
    eye = np.eye(N_AGES)
    # Columns: effect of a unit start stock at each age (vectorised over the 101 unit vectors).
    unit_pop = _forward(eye, np.zeros((mean.shape[0], N_AGES, N_AGES)))
    unit_net = _net_migration(unit_pop, eye, np.zeros_like(unit_pop))  # (T, 101 starts, 101 ages)
    rough_b = (base_net[1:, 1:OPEN_AGE] - base_net[:-1, : OPEN_AGE - 1]).ravel()
    rough_a = (unit_net[1:, :, 1:OPEN_AGE] - unit_net[:-1, :, : OPEN_AGE - 1])
    rough_a = rough_a.transpose(0, 2, 1).reshape(-1, N_AGES)
    old_b = base_net[:, _NEAR_ZERO_MIGRATION_AGE:].ravel()
    old_a = unit_net[:, :, _NEAR_ZERO_MIGRATION_AGE:].transpose(0, 2, 1).reshape(-1, N_AGES)
    design = np.vstack([rough_a, old_a])
    target = -np.concatenate([rough_b, old_b])
    start, *_ = np.linalg.lstsq(design, target, rcond=None)
    pop = base_pop + np.einsum("tja,j->ta", unit_pop, start)
    # Only the sum of the start stocks at 99 and 100+ is identified (both are 100+ a year
    # later); split it in the ratio of the first projected year.
    both = start[OPEN_AGE - 1] + start[OPEN_AGE]
    denominator = pop[0, OPEN_AGE - 1] + pop[0, OPEN_AGE]
    share_open = pop[0, OPEN_AGE] / denominator if denominator > 0 else 0.5
    start[OPEN_AGE] = share_open * both
    start[OPEN_AGE - 1] = both - start[OPEN_AGE]
    return start, pop


@functools.lru_cache(maxsize=1)
def _national_2025_derived() -> pd.DataFrame:
    """Long frame of derived stocks (2025..2050) and net migration (2026..2050), 2025 vintage."""
    means = _national_sex_age("mean_population")
    deaths = _national_sex_age("deaths")
    frames = []
    age0: list[FloatArray] = []
    years = np.arange(2026, 2051)
    for sex in SEXES:
        start, pop = derive_population_from_mean(means[sex], deaths[sex])
        net = _net_migration(pop, start, deaths[sex])
        all_pop = np.vstack([start[np.newaxis], pop])
        frames.append(pd.DataFrame({
            "year": np.repeat(np.r_[2025, years], N_AGES), "sex": sex,
            "age": np.tile(np.arange(N_AGES), len(years) + 1),
            "variable": "population", "value": all_pop.ravel(),
        }))
        # Age 0: N = P[t, 0] + D[t, 0] - births of that sex; only the sexes' sum is known.
        frames.append(pd.DataFrame({
            "year": np.repeat(years, N_AGES - 1), "sex": sex,
            "age": np.tile(np.arange(1, N_AGES), len(years)),
            "variable": "net_migration", "value": net[:, 1:].ravel(),
        }))
        age0.append(net[:, 0])
    births = load_vintage_births("2025").groupby("year")["births"].sum()
    frames.append(pd.DataFrame({
        "year": years, "sex": "total", "age": 0, "variable": "net_migration",
        "value": age0[0] + age0[1] - births.reindex(years).to_numpy(),
    }))
    out = pd.concat(frames, ignore_index=True)
    out["vintage"] = "2025"
    out["region"] = "00"
    return out.loc[:, list(COMPONENT_COLUMNS)]


def load_official_population(
    forecast_id: str = "scb_regional_2024", region: str | None = None
) -> pd.DataFrame:
    """Projected population on 31 Dec by sex and completed age (100 = 100+).

    Columns: vintage, region, year, sex, age, population (persons, decimals as published).
    For ``scb_regional_2024`` the figures are SCB's (content 000005RC, base 31 Dec 2023; the
    first year 2024 is projected). For ``scb_national_2025`` they are **derived** from the
    published mean population (see the module docstring): 2025 is the estimated start,
    2026-2050 reproduce SCB's mean population exactly.

    >>> pop = load_official_population("scb_regional_2024", "2580")
    >>> round(float(pop.loc[pop["year"] == 2024, "population"].sum()))
    79374
    """
    fc = _get(forecast_id)
    region = _check_region(fc, region)
    if forecast_id == "scb_regional_2024":
        frame = _cached(FILE_REGIONAL)
        frame = frame[frame["region"] == region]
        return frame.loc[:, list(POPULATION_COLUMNS)].reset_index(drop=True)
    if forecast_id == "scb_national_2025":
        derived = _national_2025_derived()
        frame = derived[derived["variable"] == "population"].rename(columns={"value": "population"})
        return frame.loc[:, list(POPULATION_COLUMNS)].reset_index(drop=True)
    raise InputValidationError(
        f"{forecast_id} publishes no population (available: {', '.join(fc.available)})",
        location="forecast_id",
    )


def load_official_components(
    forecast_id: str = "scb_national_2025", region: str | None = None
) -> pd.DataFrame:
    """Published components in long form: vintage, region, year, sex, age, variable, value.

    Variables (where published): ``deaths`` (per year, by age reached), ``mean_population``
    (person-years, by age reached), ``births`` (live births per year to mothers aged 16-48,
    summed over mother's age; the child's sex is not published, so ``sex`` is ``"total"`` and
    the row sits at age 0 like the engine's births), and for ``scb_national_2025`` the derived
    cohort ``net_migration`` (see :func:`derive_population_from_mean`). A forecast that
    publishes only population returns an empty frame.
    """
    fc = _get(forecast_id)
    region = _check_region(fc, region)
    parts = []
    if "births_by_mother_age" in fc.available:
        births = load_vintage_births(fc.vintage)
        totals = births.groupby("year", as_index=False)["births"].sum()
        parts.append(pd.DataFrame({
            "vintage": fc.vintage, "region": region, "year": totals["year"], "sex": "total",
            "age": 0, "variable": "births", "value": totals["births"],
        }))
    if forecast_id == "scb_national_2025":
        published = _cached(FILE_DEATHS_MEANPOP)
        parts.append(published.loc[:, list(COMPONENT_COLUMNS)])
        derived = _national_2025_derived()
        parts.append(derived[derived["variable"] == "net_migration"])
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COMPONENT_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out["age"] = out["age"].astype(np.int64)
    return out.loc[:, list(COMPONENT_COLUMNS)].reset_index(drop=True)


def load_official_long(forecast_id: str, region: str | None = None) -> pd.DataFrame:
    """Population and components in the engine's long layout, ready for :func:`compare`.

    Columns: scenario (the forecast's label), vintage, region, year, sex, age, variable, value.
    """
    fc = _get(forecast_id)
    parts = [load_official_components(forecast_id, region)]
    if any(a.startswith("population") for a in fc.available):
        pop = load_official_population(forecast_id, region)
        parts.append(pop.assign(variable="population").rename(columns={"population": "value"}))
    out = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    out.insert(0, "scenario", f"{fc.label} (vintage {fc.vintage})")
    return out.loc[:, list(LONG_COLUMNS)].reset_index(drop=True)


#: Official forecasts with population that the official baseline can reproduce, newest first.
_BASELINE_FORECASTS: Final = ("scb_national_2025", "scb_regional_2024")


def official_forecast_for(region: str) -> str | None:
    """The embedded official forecast a region's official baseline reproduces, or ``None``.

    Sweden (``00``): the national projection 2025; a region in the embedded regional
    projection 2024 (Luleå, ``2580``): that one; any other region has none.

    >>> official_forecast_for("00"), official_forecast_for("2580"), official_forecast_for("2480")
    ('scb_national_2025', 'scb_regional_2024', None)
    """
    region = str(region).strip()
    for forecast_id in _BASELINE_FORECASTS:
        if region in FORECASTS[forecast_id].regions:
            return forecast_id
    return None


def describe_official_baseline(inputs: ProjectionInputs, forecast_id: str, lang: str = "sv") -> str:
    """What the official baseline built from ``forecast_id`` is, in Swedish (``"sv"``) or
    English (``"en"``): the forecast and its vintage, SCB's content codes, the base year and
    that its stock on 31 Dec is SCB's projected one (not the registered population), and how
    migration enters (see docs/official_forecasts.md)."""
    fc = _get(forecast_id)
    base = inputs.base_year
    codes = ", ".join(fc.content_codes)
    if lang == "sv":
        migration = (
            "flyttningar som trendens bruttoflöden plus en nettojustering som återskapar SCB:s "
            "folkmängd" if inputs.migration_mode == "gross" else "flyttnetto som residual"
        )
        return (
            f"SCB:s prognos {fc.vintage}: {fc.label} ({forecast_id}, SCB:s innehållskoder "
            f"{codes}), återskapad som modellindata: basår {base} (folkmängd 31 dec {base} "
            f"enligt SCB:s prognos, inte den registrerade), {migration} (se "
            "docs/official_forecasts.md)"
        )
    if lang != "en":
        raise InputValidationError(f"{lang!r}; allowed: 'sv', 'en'", location="lang")
    migration = (
        "migration as the trend's gross flows plus a net adjustment that reproduces SCB's "
        "population" if inputs.migration_mode == "gross" else "net migration as a residual"
    )
    return (
        f"SCB's projection {fc.vintage}: {fc.label} ({forecast_id}, SCB content codes {codes}), "
        f"reproduced as model inputs: base year {base} (population on 31 Dec {base} as "
        f"projected by SCB, not the registered one), {migration} (see "
        "docs/official_forecasts.md)"
    )
