"""The input templates: tidy CSV files (or sheets of one .xlsx) that users fill in.

=================  ==========================================================================
file               columns (one row per value)
=================  ==========================================================================
population.csv     ``region,sex,age,population``: persons at 31 Dec of the base year; sex is
                   ``female``/``male``; age 0..100 where 100 means 100+ (``100+`` accepted);
                   every age and both sexes for each region
fertility.csv      ``year,region,age,rate``: live births per woman-year by mother's age
                   reached during the year; ages not listed have rate 0
mortality.csv      ``year,region,sex,age,probability``: probability of dying during the year
                   by age reached during the year (age 0: a child born that year dies before
                   31 Dec); every age for each year, region and sex given
migration.csv      ``year,region,sex,age,immigrants,emigration_rate,in_migrants,
                   out_migration_rate`` (counts per year; rates per person-year), or
                   ``year,region,sex,age,net_migrants`` (signed counts) for the net-only mode;
                   absent columns mean none, an absent file means no migration
settings.toml      ``base_year``, ``end_year``, ``sex_ratio_at_birth`` (boys per girl),
                   optional ``migration_mode`` (``gross``/``net``/``none``)
=================  ==========================================================================

A year missing in a rate file means "same as the last year given"; rows must be in
non-decreasing year order; a rate file must give the first projection year (or an earlier
one). Errors name the file, the row (the line in the file, header = line 1) and the column,
and say what is allowed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calculator.exceptions import InputValidationError
from calculator.grid import N_AGES, OPEN_AGE, SEXES, age_from_label
from calculator.inputs import DEFAULT_SRB_MALES_PER_FEMALE, MIGRATION_MODES, ProjectionInputs

TEMPLATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "population": ("region", "sex", "age", "population"),
    "fertility": ("year", "region", "age", "rate"),
    "mortality": ("year", "region", "sex", "age", "probability"),
    "migration": ("year", "region", "sex", "age"),
}
GROSS_COLUMNS = ("immigrants", "emigration_rate", "in_migrants", "out_migration_rate")
NET_COLUMNS = ("net_migrants",)
_VALUE_RULES: dict[str, tuple[float, float | None, str]] = {
    "population": (0.0, None, "a number of persons >= 0"),
    "rate": (0.0, 1.0, "births per woman-year in [0, 1]"),
    "probability": (0.0, 1.0, "a probability in [0, 1]"),
    "immigrants": (0.0, None, "persons per year >= 0"),
    "in_migrants": (0.0, None, "persons per year >= 0"),
    "emigration_rate": (0.0, 2.0, "a rate per person-year in [0, 2]"),
    "out_migration_rate": (0.0, 2.0, "a rate per person-year in [0, 2]"),
    "net_migrants": (-np.inf, None, "a signed number of persons"),
}


@dataclass(frozen=True)
class Settings:
    """Run settings from ``settings.toml`` (CLI flags override them)."""

    base_year: int | None = None
    end_year: int | None = None
    sex_ratio_at_birth: float = DEFAULT_SRB_MALES_PER_FEMALE
    migration_mode: str | None = None


def _loc(source: str, line: int | None = None, column: str | None = None) -> str:
    parts = [source]
    if line is not None:
        parts.append(f"row {line}")
    if column is not None:
        parts.append(f"column {column!r}")
    return ", ".join(parts)


def clean_template(kind: str, raw: pd.DataFrame, source: str) -> pd.DataFrame:
    """Validate one template table and return it with canonical types.

    ``source`` names the file (or sheet) in messages. Row numbers are file lines (header = 1).
    """
    required = TEMPLATE_COLUMNS[kind]
    frame = raw.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputValidationError(
            f"missing column(s) {missing}; expected columns {list(required)}"
            + (f" plus {list(GROSS_COLUMNS)} or {list(NET_COLUMNS)}" if kind == "migration" else ""),
            location=source,
        )
    value_columns = [c for c in frame.columns if c in _VALUE_RULES]
    if kind == "migration":
        value_columns = [c for c in (*GROSS_COLUMNS, *NET_COLUMNS) if c in frame.columns]
        if not value_columns:
            raise InputValidationError(
                f"no flow columns; give any of {list(GROSS_COLUMNS)} or {list(NET_COLUMNS)}",
                location=source,
            )
        if any(c in frame.columns for c in GROSS_COLUMNS) and "net_migrants" in frame.columns:
            raise InputValidationError(
                "give either gross flows or net_migrants, not both", location=source
            )
    unknown = [c for c in frame.columns if c not in required and c not in value_columns]
    if unknown:
        raise InputValidationError(f"unknown column(s) {unknown}", location=source)
    lines = np.arange(len(frame)) + 2
    out = pd.DataFrame(index=frame.index)
    if "year" in required:
        years = pd.to_numeric(frame["year"], errors="coerce")
        bad = years.isna() | (years != np.round(years))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputValidationError(
                f"{frame['year'].iloc[i]!r} is not a year", location=_loc(source, lines[i], "year")
            )
        out["year"] = years.astype(np.int64)
    region = frame["region"].astype(str).str.strip()
    empty = (region == "") | frame["region"].isna()
    if empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        raise InputValidationError("region is empty", location=_loc(source, lines[i], "region"))
    out["region"] = region
    if "sex" in required:
        sex = frame["sex"].astype(str).str.strip().str.lower()
        bad = ~sex.isin(SEXES)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputValidationError(
                f"{frame['sex'].iloc[i]!r}; allowed: female, male",
                location=_loc(source, lines[i], "sex"),
            )
        out["sex"] = sex
    ages = np.empty(len(frame), dtype=np.int64)
    for i, label in enumerate(frame["age"].tolist()):
        try:
            ages[i] = age_from_label(label)
        except (ValueError, TypeError):
            raise InputValidationError(
                f"{label!r}; allowed: whole ages 0..{OPEN_AGE} ({OPEN_AGE} or '{OPEN_AGE}+' "
                "is the open group)",
                location=_loc(source, lines[i], "age"),
            ) from None
    out["age"] = ages
    for col in value_columns:
        low, high, what = _VALUE_RULES[col]
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() | (values < low) | ((values > high) if high is not None else False)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputValidationError(
                f"{frame[col].iloc[i]!r}; allowed: {what}", location=_loc(source, lines[i], col)
            )
        out[col] = values.astype(np.float64)
    keys = [c for c in ("year", "region", "sex", "age") if c in out.columns]
    dup = out.duplicated(keys, keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero(
            (out[keys] == out[keys].iloc[i]).all(axis=1).to_numpy())[0])
        raise InputValidationError(
            f"duplicate row for {dict(out[keys].iloc[i])} (first given on row {lines[first]})",
            location=_loc(source, lines[i]),
        )
    if "year" in out.columns:  # after the duplicate check: a repeated row is a duplicate
        backwards = np.flatnonzero(np.diff(out["year"].to_numpy()) < 0)
        if backwards.size:
            i = int(backwards[0]) + 1
            raise InputValidationError(
                f"year {out['year'].iloc[i]} after {out['year'].iloc[i - 1]}: years in the wrong "
                "order; rows must be sorted by year",
                location=_loc(source, lines[i], "year"),
            )
    out["_line"] = lines
    out = out.reset_index(drop=True)
    out.attrs["source"] = source
    return out


def read_settings(text: str, source: str = "settings.toml") -> Settings:
    """Parse ``settings.toml``; unknown keys are an error."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputValidationError(f"not valid TOML ({exc})", location=source) from exc
    allowed = {"base_year", "end_year", "sex_ratio_at_birth", "migration_mode"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InputValidationError(
            f"unknown key(s) {unknown}; allowed: {sorted(allowed)}", location=source
        )
    for key in ("base_year", "end_year"):
        if key in data and not (isinstance(data[key], int) and 1700 <= data[key] <= 2300):
            raise InputValidationError(
                f"{data[key]!r}; allowed: a year 1700..2300", location=f"{source}, key {key}"
            )
    srb = data.get("sex_ratio_at_birth", DEFAULT_SRB_MALES_PER_FEMALE)
    if not isinstance(srb, int | float) or not 0.5 <= float(srb) <= 2.0:
        raise InputValidationError(
            f"{srb!r}; allowed: boys per girl in 0.5..2", location=f"{source}, key sex_ratio_at_birth"
        )
    mode = data.get("migration_mode")
    if mode is not None and mode not in MIGRATION_MODES:
        raise InputValidationError(
            f"{mode!r}; allowed: {', '.join(MIGRATION_MODES)}",
            location=f"{source}, key migration_mode",
        )
    return Settings(data.get("base_year"), data.get("end_year"), float(srb), mode)


def read_template_tables(path: str | Path) -> tuple[dict[str, pd.DataFrame], Settings]:
    """Read and validate the templates from a folder of CSV files or one .xlsx workbook.

    In a workbook the sheets are named ``population``, ``fertility``, ``mortality``,
    ``migration`` and optionally ``settings`` (two columns ``key``, ``value``).
    """
    source = Path(path)
    raw: dict[str, tuple[pd.DataFrame, str]] = {}
    settings = Settings()
    if source.is_dir():
        for kind in TEMPLATE_COLUMNS:
            file = source / f"{kind}.csv"
            if file.exists():
                try:
                    raw[kind] = (pd.read_csv(file, dtype=str, keep_default_na=False), str(file))
                except (pd.errors.ParserError, UnicodeDecodeError) as exc:
                    raise InputValidationError(f"not a readable CSV file ({exc})",
                                               location=str(file)) from exc
        settings_file = source / "settings.toml"
        if settings_file.exists():
            settings = read_settings(settings_file.read_text(encoding="utf-8"), str(settings_file))
    elif source.suffix.lower() == ".xlsx" and source.exists():
        try:
            sheets = pd.read_excel(source, sheet_name=None, dtype=str)
        except Exception as exc:  # openpyxl raises many types for broken files
            raise InputValidationError(f"not a readable .xlsx file ({exc})",
                                       location=str(source)) from exc
        for kind in TEMPLATE_COLUMNS:
            if kind in sheets:
                raw[kind] = (sheets[kind].fillna(""), f"{source} sheet {kind}")
        if "settings" in sheets:
            pairs = sheets["settings"].dropna()
            text = "\n".join(
                f"{k} = {v}" if _is_number(v) else f'{k} = "{v}"'
                for k, v in zip(pairs.iloc[:, 0], pairs.iloc[:, 1], strict=True)
            )
            settings = read_settings(text, f"{source} sheet settings")
    else:
        raise InputValidationError(
            "not found; give a folder with population.csv, fertility.csv, mortality.csv "
            "[, migration.csv, settings.toml] or an .xlsx workbook with those sheets",
            location=str(source),
        )
    for kind in ("population", "fertility", "mortality"):
        if kind not in raw:
            raise InputValidationError(f"{kind} table missing", location=str(source))
    tables = {kind: clean_template(kind, frame, where) for kind, (frame, where) in raw.items()}
    return tables, settings


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _year_index(given_years: np.ndarray, years: np.ndarray, source: str) -> np.ndarray:
    """For each projection year the index of the last given year <= it."""
    idx = np.searchsorted(given_years, years, side="right") - 1
    if np.any(idx < 0):
        raise InputValidationError(
            f"no values for {int(years[0])}: the first year given is {int(given_years[0])}; "
            "give the first projection year or an earlier one",
            location=source,
        )
    return idx


def _rates_array(
    table: pd.DataFrame, column: str, regions: list[str], years: np.ndarray, source: str,
    by_sex: bool, require_all_ages: bool,
) -> np.ndarray:
    """Turn a validated rate table into (R, T, [2,] 101), carrying the last year forward."""
    shape_tail = (2, N_AGES) if by_sex else (N_AGES,)
    out = np.zeros((len(regions), len(years), *shape_tail))
    for r, region in enumerate(regions):  # regions are few; every region has its own years
        sub = table[table["region"] == region]
        if sub.empty:
            raise InputValidationError(f"no rows for region {region!r}", location=source)
        given = np.unique(sub["year"].to_numpy())
        grid = np.zeros((len(given), *shape_tail))
        yi = np.searchsorted(given, sub["year"].to_numpy())
        ai = sub["age"].to_numpy()
        if by_sex:
            si = (sub["sex"] == "male").to_numpy().astype(int)
            grid[yi, si, ai] = sub[column].to_numpy()
            if require_all_ages:
                counts = np.zeros((len(given), 2), dtype=int)
                np.add.at(counts, (yi, si), 1)
                if np.any(counts != N_AGES):
                    y, s = (int(v) for v in np.argwhere(counts != N_AGES)[0])
                    have = set(ai[(yi == y) & (si == s)].tolist())
                    missing = sorted(set(range(N_AGES)) - have)
                    raise InputValidationError(
                        f"region {region!r}, year {int(given[y])}, sex {SEXES[s]}: "
                        f"{counts[y, s]} ages given, missing {missing[:10]}; all ages "
                        f"0..{OPEN_AGE} are required",
                        location=source,
                    )
        else:
            grid[yi, ai] = sub[column].to_numpy()
        out[r] = grid[_year_index(given, years, f"{source}, region {region!r}")]
    return out


def inputs_from_frames(
    population: pd.DataFrame,
    fertility: pd.DataFrame,
    mortality: pd.DataFrame,
    migration: pd.DataFrame | None = None,
    *,
    base_year: int,
    end_year: int,
    srb: float = DEFAULT_SRB_MALES_PER_FEMALE,
    migration_mode: str | None = None,
    scenario: str = "base",
    sources: Mapping[str, str] | None = None,
) -> ProjectionInputs:
    """Build :class:`ProjectionInputs` (one scenario, the regions of ``population``).

    The frames are template tables (as returned by :func:`clean_template`, or any frame with
    the template columns, which is then validated here).
    """
    frames = {"population": population, "fertility": fertility, "mortality": mortality}
    if migration is not None:
        frames["migration"] = migration
    names = {k: str(f.attrs.get("source", f"{k} table")) for k, f in frames.items()}
    names.update(sources or {})
    clean = {
        k: (v if "_line" in v.columns else clean_template(k, v, names[k]))
        for k, v in frames.items()
    }
    if end_year <= base_year:
        raise InputValidationError(
            f"end year {end_year} must be after the base year {base_year}", location="end_year"
        )
    years = np.arange(base_year + 1, end_year + 1)
    pop = clean["population"]
    regions = list(dict.fromkeys(pop["region"]))
    counts = pop.groupby(["region", "sex"]).size()
    for region in regions:
        for sex in SEXES:
            n = int(counts.get((region, sex), 0))
            if n != N_AGES:
                given = set(pop.loc[(pop["region"] == region) & (pop["sex"] == sex), "age"])
                missing = sorted(set(range(N_AGES)) - given)
                raise InputValidationError(
                    f"region {region!r}, sex {sex}: {n} ages given, missing {missing[:10]}; all "
                    f"ages 0..{OPEN_AGE} are required",
                    location=names["population"],
                )
    pop_arr = np.zeros((len(regions), 2, N_AGES))
    ri = pop["region"].map({r: i for i, r in enumerate(regions)}).to_numpy()
    pop_arr[ri, (pop["sex"] == "male").to_numpy().astype(int), pop["age"].to_numpy()] = pop[
        "population"
    ].to_numpy()
    fert = _rates_array(clean["fertility"], "rate", regions, years,
                        names["fertility"], by_sex=False,
                        require_all_ages=False)
    death = _rates_array(clean["mortality"], "probability", regions, years,
                         names["mortality"], by_sex=True,
                         require_all_ages=True)
    flows: dict[str, np.ndarray | None] = {}
    mode = migration_mode
    mig = clean.get("migration")
    if mig is not None:
        source = names["migration"]
        present = [c for c in (*GROSS_COLUMNS, *NET_COLUMNS) if c in mig.columns]
        for col in present:
            flows[col] = _rates_array(mig, col, regions, years, source, by_sex=True,
                                      require_all_ages=False)
        inferred = "net" if "net_migrants" in present else "gross"
        if mode is None:
            mode = inferred
        elif mode != "none" and mode != inferred:
            raise InputValidationError(
                f"migration_mode {mode!r} but the migration table has {inferred} columns",
                location=source,
            )
    mode = mode or "none"
    return ProjectionInputs(
        base_year=base_year,
        pop_count_sex_age_base=pop_arr[np.newaxis],
        fert_rate_year_age=fert[np.newaxis],
        death_prob_year_sex_age=death[np.newaxis],
        immig_count_year_sex_age=_opt(flows.get("immigrants")),
        emig_rate_year_sex_age=_opt(flows.get("emigration_rate")),
        inmig_count_year_sex_age=_opt(flows.get("in_migrants")),
        outmig_rate_year_sex_age=_opt(flows.get("out_migration_rate")),
        netmig_count_year_sex_age=_opt(flows.get("net_migrants")),
        srb_males_per_female_year=srb,
        migration_mode=mode,  # type: ignore[arg-type]
        scenarios=(scenario,),
        regions=tuple(regions),
    )


def _opt(arr: np.ndarray | None) -> np.ndarray | None:
    return None if arr is None else arr[np.newaxis]


def load_inputs(
    path: str | Path,
    *,
    base_year: int | None = None,
    end_year: int | None = None,
    srb: float | None = None,
    scenario: str = "base",
) -> ProjectionInputs:
    """Read templates from ``path`` and build inputs; arguments override ``settings.toml``."""
    tables, settings = read_template_tables(path)
    base = base_year if base_year is not None else settings.base_year
    end = end_year if end_year is not None else settings.end_year
    if base is None:
        raise InputValidationError(
            "base year not given: set base_year in settings.toml or pass --base-year",
            location=str(path),
        )
    if end is None:
        raise InputValidationError(
            "end year not given: set end_year in settings.toml or pass --to", location=str(path)
        )
    return inputs_from_frames(
        tables["population"], tables["fertility"], tables["mortality"], tables.get("migration"),
        base_year=base, end_year=end,
        srb=srb if srb is not None else settings.sex_ratio_at_birth,
        migration_mode=settings.migration_mode, scenario=scenario,
    )
