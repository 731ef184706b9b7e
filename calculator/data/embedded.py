"""Loaders for the embedded dataset of real SCB figures shipped inside the package.

The files in ``calculator/data/embedded/`` are built by :mod:`calculator.data.build_embedded`
from the reference folder; ``calculator/data/PROVENANCE.md`` names the SCB table, content
code, reference date and licence (CC0) of every file. Each loader returns a tidy frame in the
exact schema of :mod:`calculator.data.frames` (validated when the file is first read), for one
region code: ``"00"`` Sweden, two digits a county, four digits a municipality.

Conventions: populations are stocks on 31 December by completed age; births, deaths and
migrations are counts per calendar year by age reached during the year (for births: mother's
age). Files are read once per process and cached; every call returns a fresh copy.

>>> load_population("2580", years=[2024])["population"].sum()
np.float64(79645.0)
"""

from __future__ import annotations

import functools
import gzip
import io
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from calculator.data.frames import validate_frame
from calculator.exceptions import InputValidationError

#: File of each embedded table (also used by :mod:`calculator.data.refresh` to rebuild them).
FILES: dict[str, str] = {
    "population": "population.csv.gz",
    "population_ckm": "population_ckm.csv.gz",
    "births": "births.csv.gz",
    "deaths": "deaths.csv.gz",
    "migration": "migration.csv.gz",
    "tfr": "tfr_observed.csv.gz",
    "regions": "regions.csv.gz",
}
#: Frame schema (:mod:`calculator.data.frames`) of each embedded table.
SCHEMA: dict[str, str] = {
    "population": "population",
    "population_ckm": "population",
    "births": "births",
    "deaths": "deaths",
    "migration": "migration",
}
#: SCB content code of the CKM-noised 2025 population (TAB5557).
CKM_CONTENT_CODE = "000007ME"


def _resource_text(name: str) -> str:
    path = resources.files("calculator.data").joinpath("embedded", name)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputValidationError(
            "embedded data file missing; rebuild with "
            "`python -m calculator.data.build_embedded`",
            location=f"calculator/data/embedded/{name}",
        ) from exc
    return gzip.decompress(raw).decode("utf-8")


@functools.cache
def _table(kind: str) -> pd.DataFrame:
    """Read and validate one embedded file (cached; callers must not mutate the result)."""
    name = FILES[kind]
    text = _resource_text(name)
    frame = pd.read_csv(io.StringIO(text), dtype={"region": str}, keep_default_na=True)
    source = f"calculator/data/embedded/{name}"
    if kind in SCHEMA:
        extra = [c for c in frame.columns if c == "method"]
        checked = validate_frame(SCHEMA[kind], frame, source=source)
        for col in extra:
            checked[col] = frame[col].astype(str).to_numpy()
        return checked
    if kind == "tfr":
        frame["year"] = frame["year"].astype(np.int64)
        frame["tfr_children_per_woman"] = frame["tfr_children_per_woman"].astype(np.float64)
        frame["status"] = frame["status"].fillna("").astype(str)
        bad = frame["tfr_children_per_woman"] < 0
        if bad.any():
            raise InputValidationError("negative TFR", location=source)
        return frame
    frame["name"] = frame["name"].astype(str)
    frame["level"] = frame["level"].astype(str)
    return frame


def _region_names() -> dict[str, str]:
    regions = _table("regions")
    return dict(zip(regions["region"], regions["name"], strict=True))


def _available_text(codes: Iterable[str]) -> str:
    names = _region_names()
    return ", ".join(f"{code} ({names.get(code, '?')})" for code in sorted(codes))


def _select(kind: str, region: str, years: Iterable[int] | None) -> pd.DataFrame:
    table = _table(kind)
    region = str(region).strip()
    available = table["region"].unique()
    if region not in set(available):
        raise InputValidationError(
            f"no {kind} data for region code {region!r}; available: "
            f"{_available_text(available)}",
            location=f"embedded {kind}",
        )
    out = table[table["region"] == region]
    if years is not None:
        wanted = sorted({int(y) for y in years})
        have = set(out["year"].unique())
        missing = [y for y in wanted if y not in have]
        if missing:
            raise InputValidationError(
                f"region {region}: no {kind} data for year(s) {missing}; available "
                f"{min(have)}-{max(have)}",
                location=f"embedded {kind}",
            )
        out = out[out["year"].isin(wanted)]
    return out.reset_index(drop=True).copy()


def load_population(
    region: str, years: Iterable[int] | None = None, *, include_ckm: bool = False
) -> pd.DataFrame:
    """Population on 31 December by sex and completed age (persons), schema ``population``.

    Final registered figures (SCB BE0101N1). With ``include_ckm=True`` the Cell-Key-Method
    noised figures of 2025 (content 000007ME) are appended where the region has them, unraked
    (no published total is embedded); flag cells within the noise with
    :func:`calculator.estimation.ckm_small_cells`, and rake to a published total with
    :func:`calculator.estimation.rake_to_total` when one is at hand.

    >>> load_population("00", years=[2015])["population"].sum()
    np.float64(9851017.0)
    """
    frame = _with_ckm(region, years) if include_ckm else _select("population", region, years)
    return validate_frame("population", frame, source=f"embedded population {region}")


def _with_ckm(region: str, years: Iterable[int] | None) -> pd.DataFrame:
    final = _select("population", region, None)
    ckm_table = _table("population_ckm")
    ckm = ckm_table[ckm_table["region"] == str(region).strip()]
    both = pd.concat([final, ckm], ignore_index=True)
    if years is not None:
        wanted = sorted({int(y) for y in years})
        missing = [y for y in wanted if y not in set(both["year"])]
        if missing:
            raise InputValidationError(
                f"region {region}: no population data for year(s) {missing}",
                location="embedded population",
            )
        both = both[both["year"].isin(wanted)]
    return both.reset_index(drop=True)


def load_births(region: str, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Live births by mother's age reached (15 = <=15, 49 = 49+) and child's sex, per year.

    >>> int(load_births("2580", years=[2024])["births"].sum())
    613
    """
    return validate_frame("births", _select("births", region, years),
                          source=f"embedded births {region}")


def load_deaths(region: str, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Deaths by sex and age reached during the year, per calendar year.

    >>> int(load_deaths("2580", years=[2024])["deaths"].sum())
    774
    """
    return validate_frame("deaths", _select("deaths", region, years),
                          source=f"embedded deaths {region}")


def deaths_age_basis(region: str) -> str:
    """Age basis of the embedded deaths of ``region``: ``"reached"`` or ``"completed"``.

    Luleå's deaths (SCB BE0101D8) are by age reached during the year, as the frame schema
    says. The Sweden and county series (StatisticsNZ/demdata and eha extracts) are by completed
    age at death (Lexis squares; they equal HMD's square deaths cell by cell, see
    ``tests/test_mortality.py``), so convert them with
    :func:`calculator.estimation.deaths_completed_to_reached` before estimating rates.

    >>> deaths_age_basis("00"), deaths_age_basis("2580")
    ('completed', 'reached')
    """
    _select("deaths", region, None)
    return "completed" if len(str(region).strip()) == 2 else "reached"


def load_migration(region: str, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Immigrants, emigrants, domestic in- and out-migrants by sex and age, per year."""
    return validate_frame("migration", _select("migration", region, years),
                          source=f"embedded migration {region}")


def load_tfr_observed(region: str | None = None) -> pd.DataFrame:
    """SCB's published total fertility rate (TAB4805, content 000001J4), 2000-2025.

    Columns ``year, region, tfr_children_per_woman, status``; TFR is NaN with status ``..``
    where SCB suppresses it (fewer than 30 births). ``region=None`` returns all 290
    municipalities.

    >>> load_tfr_observed("2580").set_index("year").loc[2024, "tfr_children_per_woman"]
    np.float64(1.23)
    """
    if region is None:
        return _table("tfr").copy()
    return _select("tfr", region, None)


def _year_range(kind: str) -> dict[str, str]:
    table = _table(kind)
    if kind == "tfr":
        table = table[table["tfr_children_per_woman"].notna()]
    spans = table.groupby("region")["year"].agg(["min", "max"])
    return {str(r): f"{lo}-{hi}" for r, lo, hi in spans.itertuples()}


def available_regions() -> pd.DataFrame:
    """Every region with embedded data: code, name, level and the years of each frame.

    Columns ``region, name, level, population_years, births_years, deaths_years,
    migration_years, tfr_years`` (``"first-last"``, empty when none) and ``projectable``
    (population, births and deaths all present, so a baseline can be estimated).
    """
    regions = _table("regions")
    out = regions[["region", "name", "level"]].copy()
    for kind in ("population", "births", "deaths", "migration", "tfr"):
        spans = _year_range(kind)
        out[f"{kind}_years"] = out["region"].map(spans).fillna("").astype(str)
    out["projectable"] = (
        (out["population_years"] != "") & (out["births_years"] != "")
        & (out["deaths_years"] != "")
    )
    has_data = (out.filter(like="_years") != "").any(axis=1)
    return out[has_data].reset_index(drop=True)


@dataclass(frozen=True)
class DataVintage:
    """Which embedded figures a region's baseline rests on (for the app and CLI to show)."""

    region: str
    name: str
    base_year: int
    population_years: str
    births_years: str
    deaths_years: str
    migration_years: str
    ckm_year: int | None
    description: str


def data_vintage(region: str) -> DataVintage:
    """Say which data vintage and default base year the embedded baseline of ``region`` uses.

    The default base year is the last year with final (non-CKM) population on 31 December
    for which births and deaths are also available.

    >>> data_vintage("2580").base_year
    2024
    """
    population = _select("population", region, None)
    names = _region_names()
    spans = {k: _year_range(k).get(str(region), "") for k in
             ("population", "births", "deaths", "migration")}
    last = {k: int(v.split("-")[1]) for k, v in spans.items() if v}
    base_year = min(last.get("population", 0), last.get("births", 0), last.get("deaths", 0))
    ckm = _table("population_ckm")
    ckm_years = ckm.loc[ckm["region"] == str(region), "year"].unique()
    ckm_year = int(ckm_years.max()) if len(ckm_years) else None
    methods = set(population["method"])
    derived = " (2016-2020 derived from SCB mean population)" if (
        "derived_from_mean_population" in methods) else ""
    text = (
        f"SCB registered figures (CC0): population 31 Dec {spans['population']}{derived}, "
        f"births {spans['births']}, deaths {spans['deaths']}"
        + (f", migration {spans['migration']}" if spans["migration"] else "")
        + f"; base year {base_year}"
        + (f"; {ckm_year} population is CKM-noised ({CKM_CONTENT_CODE}), not used as base"
           if ckm_year else "")
        + "."
    )
    return DataVintage(
        region=str(region), name=names.get(str(region), str(region)), base_year=base_year,
        population_years=spans["population"], births_years=spans["births"],
        deaths_years=spans["deaths"], migration_years=spans["migration"],
        ckm_year=ckm_year, description=text,
    )
