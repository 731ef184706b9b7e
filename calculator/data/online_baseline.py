"""Baselines and comparisons for any municipality fetched from SCB, and trend baselines
described in Swedish or English.

* :func:`fetch_online_area` fetches a municipality's observations
  (:func:`calculator.data.fetch.fetch_region_dataset`) and, where SCB publishes it, its
  regional projection (:func:`calculator.data.official_online.fetch_regional_projection`);
  the client's progress callback reports what is being fetched.
* :func:`online_trend_frames` estimates a constant-rate trend baseline from the fetched
  frames with :mod:`calculator.estimation`, the same method as the embedded trend baseline
  (:mod:`calculator.data.baseline`): fertility pooled over five years and shrunk towards the
  reference region's age pattern, mortality as the reference schedule times the region's
  SMR, gross migration flows (counts of immigrants and in-migrants, emigration and
  out-migration rates per person-year). The reference region is the embedded county or
  Sweden (:func:`calculator.data.baseline.default_reference_region`).
* :func:`online_trend_baseline` and :func:`embedded_trend_baseline` turn frames into
  :class:`~calculator.inputs.ProjectionInputs` with a description in the asked language;
  :func:`vintage_text` describes an embedded data vintage in Swedish or English.
* :func:`projection_long` puts a fetched projection in the engine's long layout (for
  :func:`calculator.compare.compare` and the app's comparison).

Conventions: stocks at 31 December, flows per calendar year, age = age reached during the
year, rates per person-year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from calculator import estimation as est
from calculator.data import embedded
from calculator.data.baseline import SWEDEN, default_reference_region, trend_baseline_frames
from calculator.data.fetch import RegionDataset, default_base_year, fetch_region_dataset
from calculator.data.pxweb import ProgressCallback, PxWebClient, ScbUnavailableError
from calculator.data.templates import inputs_from_frames
from calculator.exceptions import InputValidationError, ScbApiError
from calculator.inputs import ProjectionInputs

Lang = Literal["sv", "en"]

#: First observation year fetched (five-year windows ending in the base year need
#: the population of the year before the window starts).
DEFAULT_FROM_YEAR = 2010


@dataclass(frozen=True)
class OnlineArea:
    """A municipality fetched from SCB: observations, SCB's projection (if published)."""

    code: str
    name: str
    dataset: RegionDataset
    projection: pd.DataFrame | None  # vintage, region, year, sex, age, population
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrendBaseline:
    """A trend baseline's inputs (scenario label ``"trend"``) and their description."""

    inputs: ProjectionInputs
    description: str
    base_year: int
    descriptions: dict[str, str] = field(default_factory=dict)  # by language ("sv", "en")


@dataclass(frozen=True)
class OnlineFrames:
    """The template frames estimated from fetched data and the windows used."""

    region: str
    base_year: int
    population: pd.DataFrame
    fertility: pd.DataFrame
    mortality: pd.DataFrame
    migration: pd.DataFrame
    srb_males_per_female: float
    reference_region: str | None
    windows: dict[str, list[int]] = field(default_factory=dict)


def municipality_names() -> dict[str, str]:
    """Code -> name of every municipality in the embedded TAB4805 list (SCB, CC0).

    >>> municipality_names()["2580"]
    'Luleå'
    """
    table = embedded.available_regions()
    table = table.loc[table["level"] == "municipality"].sort_values("name")
    return dict(zip(table["region"], table["name"], strict=True))


def fetch_online_area(
    code: str,
    client: PxWebClient | None = None,
    *,
    progress: ProgressCallback | None = None,
    from_year: int = DEFAULT_FROM_YEAR,
) -> OnlineArea:
    """Fetch municipality ``code``'s observations and SCB's regional projection.

    Raises :class:`~calculator.exceptions.ScbApiError` (``ScbUnavailableError`` when SCB cannot
    be reached) if the observations cannot be read; a missing projection is only a warning.
    """
    code = str(code).strip()
    names = municipality_names()
    if code not in names:
        raise InputValidationError(
            f"{code!r} is not a municipality code; allowed: the 4-digit codes of SCB's 290 "
            "municipalities, e.g. '2580' (Luleå)", location="municipality code")
    client = client or PxWebClient()
    data = fetch_region_dataset(code, from_year, client, include_projection=False,
                                include_tfr=False, progress=progress)
    warnings = list(data.warnings)
    projection = None
    from calculator.data.official_online import fetch_regional_projection

    if progress is not None:
        progress(f"Hämtar SCB:s regionala framskrivning ({code})", 0, 1)
    try:
        projection = fetch_regional_projection(code, client)
    except ScbUnavailableError:
        raise
    except ScbApiError as exc:
        warnings.append(f"SCB's regional projection: not fetched ({exc})")
    if progress is not None:
        progress(f"Klart ({code})", 1, 1)
    return OnlineArea(code, names[code], data, projection, tuple(warnings))


_FETCH_HINT = "fetch from an earlier year"


def _rate_years(population: pd.DataFrame, births: pd.DataFrame,
                deaths: pd.DataFrame) -> list[int]:
    pop = {int(y) for y in population["year"]}
    return sorted(int(y) for y in set(births["year"]) & set(deaths["year"])
                  if y in pop and y - 1 in pop)


def online_trend_frames(area: OnlineArea, *, n_years: int = 5) -> OnlineFrames:
    """Trend-baseline template frames estimated from ``area``'s fetched observations."""
    data = area.dataset
    region = area.code
    base = default_base_year(data)
    available = _rate_years(data.population, data.births, data.deaths)
    years = est.estimation_window(base, n_years, available, f"region {region}", _FETCH_HINT)
    ref = default_reference_region(region, years)
    ref_code = SWEDEN if ref is None else ref
    ref_deaths = embedded.load_deaths(ref_code)
    if embedded.deaths_age_basis(ref_code) == "completed":
        ref_deaths = est.deaths_completed_to_reached(ref_deaths)
    ref_pop, ref_births = embedded.load_population(ref_code), embedded.load_births(ref_code)
    ref_years = est.reference_window(years, _rate_years(ref_pop, ref_births, ref_deaths))
    fert = est.estimate_fertility(data.births, data.population, years,
                                  reference_births=ref_births, reference_population=ref_pop,
                                  reference_years=ref_years)
    mort = est.estimate_mortality(data.deaths, data.population, data.births, years,
                                  reference_deaths=ref_deaths, reference_population=ref_pop,
                                  reference_births=ref_births, reference_years=ref_years)
    mig_years = est.estimation_window(
        base, n_years, sorted(set(data.migration["year"]) & set(available)),
        f"region {region} (migration)", _FETCH_HINT)
    mig = est.estimate_migration(data.migration, data.population, mig_years)
    first = base + 1
    pop_base = est.sex_age_cube(data.population, "population", [base])[0]
    return OnlineFrames(
        region=region, base_year=base,
        population=est.population_template(region, pop_base),
        fertility=est.fertility_template(region, first, fert.rate_age),
        mortality=est.mortality_template(region, first, mort.death_prob_sex_age),
        migration=est.migration_template(region, first, mig),
        srb_males_per_female=est.sex_ratio_at_birth(data.births, years),
        reference_region=ref_code,
        windows={"rates": years, "reference": ref_years, "migration": mig_years},
    )


def _span(years: Sequence[int]) -> str:
    return f"{years[0]}-{years[-1]}"


def online_trend_baseline(area: OnlineArea, end_year: int, lang: Lang = "sv") -> TrendBaseline:
    """The trend baseline of a fetched municipality to ``end_year`` (described in ``lang``)."""
    frames = online_trend_frames(area)
    if end_year <= frames.base_year:
        raise InputValidationError(
            f"{end_year} is not after the base year {frames.base_year}",
            location="end_year")
    inputs = inputs_from_frames(
        frames.population, frames.fertility, frames.mortality, frames.migration,
        base_year=frames.base_year, end_year=end_year, srb=frames.srb_males_per_female,
        scenario="trend")
    w = frames.windows
    texts = {
        "sv": (f"Trendframskrivning för {area.name} ({area.code}) på data hämtade från SCB, "
                f"basår {frames.base_year} (31 dec): fruktsamhet och dödlighet "
                f"{_span(w['rates'])} (referens {frames.reference_region}, "
                f"{_span(w['reference'])}), flyttningar {_span(w['migration'])} "
                "(bruttoflöden)."),
        "en": (f"Trend baseline for {area.name} ({area.code}) on data fetched from SCB, base "
               f"year {frames.base_year} (31 Dec): fertility and mortality "
               f"{_span(w['rates'])} (reference {frames.reference_region}, "
               f"{_span(w['reference'])}), migration {_span(w['migration'])} (gross flows)."),
    }
    return TrendBaseline(inputs, texts[lang], frames.base_year, texts)


def embedded_trend_baseline(region: str, end_year: int, lang: Lang = "sv") -> TrendBaseline:
    """The trend baseline of an embedded region (:mod:`calculator.data.baseline`) to
    ``end_year``, described in ``lang``."""
    frames = trend_baseline_frames(region)
    if end_year <= frames.base_year:
        raise InputValidationError(
            f"{end_year} is not after the base year {frames.base_year}", location="end_year")
    inputs = inputs_from_frames(
        frames.population, frames.fertility, frames.mortality, frames.migration,
        base_year=frames.base_year, end_year=end_year, srb=frames.srb_males_per_female,
        scenario="trend")
    w, rw = frames.windows, frames.reference_years
    gross = embedded.data_vintage(region).migration_years != ""
    name = embedded.data_vintage(region).name
    text = (f"Trendframskrivning för {name} ({region}), basår {frames.base_year} (31 dec): "
            f"fruktsamhet {_span(w['fertility'])}, dödlighet {_span(w['mortality'])}, "
            f"flyttningar {_span(w['migration'])} "
            f"({'bruttoflöden' if gross else 'flyttnetto som restpost'})")
    if frames.reference_region:
        text += (f"; referens {frames.reference_region} (fruktsamhet "
                 f"{_span(rw['fertility'])}, dödlighet {_span(rw['mortality'])})")
    texts = {"sv": text + ".", "en": frames.description}
    return TrendBaseline(inputs, texts[lang], frames.base_year, texts)


def vintage_text(vintage: embedded.DataVintage, lang: Lang = "sv") -> str:
    """An embedded data vintage described in ``lang`` (English: the vintage's own text).

    >>> vintage_text(embedded.data_vintage("2580"), "sv")[:47]
    'SCB:s registerdata (CC0): folkmängd 31 dec 2006'
    """
    if lang == "en":
        return vintage.description
    text = (f"SCB:s registerdata (CC0): folkmängd 31 dec {vintage.population_years}, "
            f"födda {vintage.births_years}, döda {vintage.deaths_years}"
            + (f", flyttningar {vintage.migration_years}" if vintage.migration_years else "")
            + f"; basår {vintage.base_year}")
    if "derived from SCB mean population" in vintage.description:
        text = text.replace(f"31 dec {vintage.population_years}",
                            f"31 dec {vintage.population_years} (2016-2020 härledd ur SCB:s "
                            "medelfolkmängd)")
    if vintage.ckm_year:
        text += (f"; folkmängden {vintage.ckm_year} har SCB:s brusskydd (CKM, "
                 f"{embedded.CKM_CONTENT_CODE}) och används inte som basår")
    return text + "."


def online_vintage_text(area: OnlineArea, base_year: int, lang: Lang = "sv") -> str:
    """What a fetched area's baseline rests on, in ``lang``."""
    data = area.dataset
    pop = sorted({int(y) for y in data.population["year"]})
    births = sorted({int(y) for y in data.births["year"]})
    if lang == "sv":
        return (f"Hämtat från SCB:s PxWebApi (CC0): folkmängd 31 dec {_span(pop)}, födda "
                f"{_span(births)}; basår {base_year}.")
    return (f"Fetched from SCB's PxWebApi (CC0): population 31 Dec {_span(pop)}, births "
            f"{_span(births)}; base year {base_year}.")


def projection_long(projection: pd.DataFrame, label: str) -> pd.DataFrame:
    """A fetched projection (``vintage, region, year, sex, age, population``) in the engine's
    long layout: ``scenario, vintage, region, year, sex, age, variable, value``."""
    out = projection.rename(columns={"population": "value"}).assign(variable="population")
    out.insert(0, "scenario", label)
    return out.loc[:, ["scenario", "vintage", "region", "year", "sex", "age", "variable",
                       "value"]].reset_index(drop=True)
