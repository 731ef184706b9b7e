"""Fetch one region's complete observation dataset from SCB and write the engine's templates.

:func:`fetch_region_dataset` asks SCB's PxWebApi 2.0 (through :class:`PxWebClient`, so with
cache, retries and rate limit) for a municipality, county or Sweden: population 31 December
(TAB638 to 2024, TAB5557 from 2025), live births by mother's age and child's sex, deaths by
age reached, the four migration flows (immigrants, emigrants, domestic in- and
out-migrants), SCB's TFR (TAB4805) and SCB's own projection for the region. About 10 data
calls plus 4 cached table searches the first time; nothing but the cache the second time.

Cell Key Method (reference year 2025 on): totals are kept *as published* in
``RegionDataset.totals`` (never re-summed from noisy cells); single-year cells are kept as
published too, so sums of cells may differ from the totals by a few persons.

:func:`write_input_dataset` writes the observations (``observed/*.csv``) and, from them, the
engine's input templates (``population.csv``, ``fertility.csv``, ``mortality.csv``,
``migration.csv``, ``settings.toml``) using :mod:`calculator.estimation`.
Conventions: stocks at 31 December, flows per calendar year, age = age reached during the
year, rates per person-year.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from calculator.data import jsonstat
from calculator.data import scb_tables as tables
from calculator.data.files import atomic_write_bytes
from calculator.data.pxweb import ProgressCallback, PxWebClient, ScbUnavailableError
from calculator.data.scb_tables import TableSpec
from calculator.exceptions import InputValidationError, ScbApiError


@dataclass
class RegionDataset:
    """One region's observations from SCB (tidy frames of :mod:`calculator.data.frames`)."""

    region: str
    population: pd.DataFrame
    births: pd.DataFrame
    deaths: pd.DataFrame
    migration: pd.DataFrame
    totals: pd.DataFrame
    projection: pd.DataFrame | None = None
    tfr: pd.DataFrame | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _selection(
    spec: TableSpec,
    region: str | Sequence[str],
    years: Sequence[int] | None,
    *,
    ages: Sequence[str] | None = None,
) -> dict[str, list[str]]:
    sel: dict[str, list[str]] = {}
    if spec.region_var:
        sel[spec.region_var] = [region] if isinstance(region, str) else list(region)
    if spec.age_var:
        sel[spec.age_var] = list(ages) if ages else ["*"]
    if spec.sex_var and spec.sex_var not in spec.fixed:
        sel[spec.sex_var] = ["1", "2"] if spec.verified else ["*"]
    for var, codes in spec.fixed.items():
        sel[var] = list(codes)
    sel[tables.CONTENTS_VAR] = list(spec.contents) if spec.contents else ["*"]
    sel[tables.TIME_VAR] = [str(y) for y in years] if years else ["*"]
    return sel


class _Fetcher:
    def __init__(
        self, client: PxWebClient, region: str | Sequence[str], progress: ProgressCallback | None
    ):
        self.client = client
        self.region = region
        self.progress = progress
        self.sources: list[dict[str, Any]] = []
        self.warnings: list[str] = []

    def long(
        self,
        spec: TableSpec,
        years: Sequence[int] | None,
        *,
        ages: Sequence[str] | None = None,
        optional: bool = False,
    ) -> pd.DataFrame | None:
        """Fetch ``spec`` for the region; ``None`` (and a warning) if optional and missing."""
        try:
            table_id, how = self.client.resolve_table(spec)
            selection = _selection(spec, self.region, years, ages=ages)
            before = len(self.client.log.entries)
            answers = self.client.data(table_id, selection, label=spec.description)
            long = jsonstat.decode_many(answers, spec, source=f"SCB table {table_id} ({spec.key})")
        except ScbUnavailableError:
            raise
        except ScbApiError as exc:
            if not optional:
                raise
            self.warnings.append(f"{spec.description}: not fetched ({exc})")
            return None
        origin = {src for _, src in self.client.log.entries[before:]}
        self.sources.append(
            {
                "key": spec.key,
                "table_id": table_id,
                "id_found_by": how,
                "verified_id": spec.verified,
                "v1_name": spec.v1_name,
                "contents": sorted(set(long["measure"])),
                "years": sorted({int(y) for y in long["year"]}),
                "from": "+".join(sorted(origin)),
                "licence": "CC0 (SCB)",
            }
        )
        return long


def _years(from_year: int, first: int | None, last: int | None) -> list[int]:
    start = max(from_year, first or from_year)
    return list(range(start, (last or start) + 1))


def fetch_region_dataset(
    region_code: str,
    from_year: int,
    client: PxWebClient | None = None,
    *,
    include_projection: bool = True,
    include_tfr: bool = True,
    progress: ProgressCallback | None = None,
) -> RegionDataset:
    """Fetch the observation frames of ``region_code`` from ``from_year`` on.

    Raises :class:`ScbApiError` when SCB cannot be reached (offline and not cached) or a
    required table (population, births, deaths, migration to 2024) cannot be read; tables
    from 2025 (CKM), the TFR and SCB's projection are optional and only produce warnings.
    """
    region = str(region_code).strip()
    level = tables.region_level(region)
    if not 1968 <= int(from_year) <= tables.LAST_PRE_CKM_YEAR:
        raise InputValidationError(
            f"from year {from_year}; allowed 1968..{tables.LAST_PRE_CKM_YEAR}", location="--from"
        )
    client = client or PxWebClient()
    fetcher = _Fetcher(client, region, progress)
    pre = _years(from_year, None, tables.LAST_PRE_CKM_YEAR)
    steps: list[tuple[str, Callable[[], pd.DataFrame | None]]] = [
        ("folkmängd", lambda: fetcher.long(tables.POPULATION, pre, ages=tables.TAB638_AGE_CODES)),
        ("folkmängd 2025-", lambda: fetcher.long(tables.POPULATION_CKM, None, optional=True)),
        ("födda", lambda: fetcher.long(tables.BIRTHS, pre)),
        ("födda 2025-", lambda: fetcher.long(tables.BIRTHS_CKM, None, optional=True)),
        ("döda", lambda: fetcher.long(tables.DEATHS, pre)),
        ("döda 2025-", lambda: fetcher.long(tables.DEATHS_CKM, None, optional=True)),
        (
            "flyttningar",
            lambda: fetcher.long(tables.MIGRATION, _years(from_year, tables.MIGRATION.first_year, 2024)),
        ),
        ("flyttningar 2025-", lambda: fetcher.long(tables.MIGRATION_CKM, None, optional=True)),
    ]
    if include_tfr and level != "country":
        steps.append(("summerad fruktsamhet", lambda: fetcher.long(tables.TFR, None, optional=True)))
    if include_projection:
        spec = tables.NATIONAL_PROJECTION if level == "country" else tables.REGIONAL_PROJECTION
        steps.append(("SCB:s framskrivning", lambda: fetcher.long(spec, None, optional=True)))
    results: dict[str, pd.DataFrame | None] = {}
    for i, (label, step) in enumerate(steps):
        if progress is not None:
            progress(f"Hämtar {label} ({region})", i, len(steps))
        results[label] = step()
    if progress is not None:
        progress(f"Klart ({region})", len(steps), len(steps))

    def both(name: str) -> pd.DataFrame:
        parts = [p for p in (results.get(name), results.get(f"{name} 2025-")) if p is not None]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    src = f"SCB, region {region}"
    pop_long, birth_long = both("folkmängd"), both("födda")
    death_long, mig_long = both("döda"), both("flyttningar")
    population = jsonstat.population_frame(pop_long, source=f"{src}, population")
    births = jsonstat.births_frame(birth_long, source=f"{src}, births")
    deaths = jsonstat.deaths_frame(death_long, source=f"{src}, deaths")
    migration = jsonstat.migration_frame(mig_long, source=f"{src}, migration")
    totals = pd.concat(
        [jsonstat.totals_frame(x) for x in (pop_long, birth_long, death_long, mig_long)],
        ignore_index=True,
    )
    projection = None
    proj_long = results.get("SCB:s framskrivning")
    if proj_long is not None:
        projection = jsonstat.population_frame(proj_long, source=f"{src}, SCB projection")
    tfr_long = results.get("summerad fruktsamhet")
    tfr = jsonstat.tfr_frame(tfr_long) if tfr_long is not None else None
    return RegionDataset(
        region=region,
        population=population,
        births=births,
        deaths=deaths,
        migration=migration,
        totals=totals,
        projection=projection,
        tfr=tfr,
        sources=fetcher.sources,
        warnings=fetcher.warnings,
    )


@dataclass(frozen=True)
class BirthsFetch:
    """Births by mother's age fetched from SCB, with where they came from."""

    births: pd.DataFrame  # the ``births`` frame of calculator.data.frames
    sources: list[dict[str, Any]]  # one record per table answered (id, years, ...)
    warnings: list[str]
    missing: list[str]  # descriptions of optional tables SCB did not answer


def fetch_births(region: str, client: PxWebClient) -> BirthsFetch:
    """Live births by mother's age and sex of the child for ``region``: the registered
    table, plus the Cell Key Method table from 2025 when SCB publishes it (optional)."""
    fetcher = _Fetcher(client, region, None)
    registered = fetcher.long(tables.BIRTHS, None)
    ckm = fetcher.long(tables.BIRTHS_CKM, None, optional=True)
    long = pd.concat([p for p in (registered, ckm) if p is not None], ignore_index=True)
    births = jsonstat.births_frame(long, source=f"SCB births, region {region} (fetched)")
    missing = [tables.BIRTHS_CKM.description] if ckm is None else []
    return BirthsFetch(births, fetcher.sources, fetcher.warnings, missing)


def fetch_tfr(
    regions: Sequence[str], client: PxWebClient
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """SCB's published TFR (TAB4805) for many municipalities in one request (split by the
    client when it is too large): ``year, region, tfr_children_per_woman, status`` (NaN and
    status ``..`` where SCB suppresses the figure), plus the source records."""
    fetcher = _Fetcher(client, list(regions), None)
    long = fetcher.long(tables.TFR, None)
    if long is None:  # only optional tables answer None
        raise ScbApiError("SCB's TFR table gave no answer")
    return jsonstat.tfr_frame(long), fetcher.sources


# --------------------------------------------------------------------------------------
# writing


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def _rate_years(data: RegionDataset, base_year: int, n_years: int) -> list[int]:
    pop = set(data.population["year"])
    have = set(data.births["year"]) & set(data.deaths["year"])
    years = [y for y in range(base_year - n_years + 1, base_year + 1)]
    missing = [y for y in years if y not in have or y not in pop or y - 1 not in pop]
    if missing:
        raise InputValidationError(
            f"region {data.region}: rates for base year {base_year} need births, deaths and "
            f"populations for year(s) {missing}; fetch from an earlier year (--from)",
            location="estimation window",
        )
    return years


def default_base_year(data: RegionDataset) -> int:
    """Last year with a final (pre-CKM) population, births and deaths."""
    pop = {int(y) for y in data.population["year"] if y <= tables.LAST_PRE_CKM_YEAR}
    common = pop & {int(y) for y in data.births["year"]} & {int(y) for y in data.deaths["year"]}
    if not common:
        raise InputValidationError(
            f"region {data.region}: no year with population, births and deaths",
            location="SCB data",
        )
    return max(common)


def template_frames(data: RegionDataset, *, base_year: int | None = None, n_years: int = 5) -> dict[str, Any]:
    """Engine template frames estimated from the region's own observations.

    Rates are pooled over the ``n_years`` up to ``base_year`` (default
    :func:`default_base_year`): fertility rates by mother's age, death probabilities by sex
    and age (age 0: deaths / births), immigrant and in-migrant counts (yearly means),
    emigration and out-migration rates per person-year; all held constant after the first
    projection year. No shrinkage toward a reference schedule (see
    :mod:`calculator.data.baseline` for that, on embedded regions).
    """
    from calculator import estimation as est

    base = default_base_year(data) if base_year is None else int(base_year)
    years = _rate_years(data, base, n_years)
    region, first = data.region, base + 1
    pop_base = est.sex_age_cube(data.population, "population", [base])[0]
    fert = est.estimate_fertility(data.births, data.population, years)
    d, e = est.death_counts_exposure(data.deaths, data.population, data.births, years)
    death_prob = est.death_prob_from_counts(d, e)
    mig_years = [y for y in years if y in set(data.migration["year"])]
    if mig_years != years:
        raise InputValidationError(
            f"region {region}: migration flows missing for {sorted(set(years) - set(mig_years))}",
            location="SCB migration",
        )
    mig = est.estimate_migration(data.migration, data.population, years)
    return {
        "base_year": base,
        "years": years,
        "population": est.population_template(region, pop_base),
        "fertility": est.fertility_template(region, first, fert.rate_age),
        "mortality": est.mortality_template(region, first, death_prob),
        "migration": est.migration_template(region, first, mig),
        "sex_ratio_at_birth": est.sex_ratio_at_birth(data.births, years),
    }


def write_input_dataset(
    data: RegionDataset,
    out_dir: str | Path,
    *,
    base_year: int | None = None,
    end_year: int | None = None,
    n_years: int = 5,
) -> dict[str, Path]:
    """Write observations (``observed/``) and engine templates for ``data`` into ``out_dir``.

    Every file is written atomically. Returns the written paths by name.
    """
    out = Path(out_dir)
    written: dict[str, Path] = {}
    observed = {
        "population": data.population,
        "births": data.births,
        "deaths": data.deaths,
        "migration": data.migration,
        "totals_as_published": data.totals,
    }
    if data.projection is not None:
        observed["scb_projection_population"] = data.projection
    if data.tfr is not None:
        observed["tfr"] = data.tfr
    for name, frame in observed.items():
        path = out / "observed" / f"{name}.csv"
        written[f"observed/{name}"] = atomic_write_bytes(path, _csv_bytes(frame))
    frames = template_frames(data, base_year=base_year, n_years=n_years)
    for name in ("population", "fertility", "mortality", "migration"):
        written[name] = atomic_write_bytes(out / f"{name}.csv", _csv_bytes(frames[name]))
    base = frames["base_year"]
    end = end_year if end_year is not None else base + 30
    settings = (
        f"# Estimated from SCB data for region {data.region}, rates pooled over "
        f"{frames['years'][0]}-{frames['years'][-1]}.\n"
        f"base_year = {base}\nend_year = {end}\n"
        f"sex_ratio_at_birth = {frames['sex_ratio_at_birth']:.6f}\n"
    )
    written["settings"] = atomic_write_bytes(out / "settings.toml", settings.encode("utf-8"))
    provenance = {
        "region": data.region,
        "base_year": base,
        "rate_years": frames["years"],
        "sources": data.sources,
        "warnings": data.warnings,
        "conventions": "stocks 31 Dec; flows per calendar year; age = age reached during the "
        "year; rates per person-year; from 2025 SCB adds Cell Key Method noise (totals as "
        "published in observed/totals_as_published.csv)",
    }
    text = json.dumps(provenance, ensure_ascii=False, indent=2) + "\n"
    written["sources"] = atomic_write_bytes(out / "sources.json", text.encode("utf-8"))
    return written
