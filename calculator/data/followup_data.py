"""Loaders for the embedded follow-up data and the monthly population upload template.

The files live in ``calculator/data/embedded_followup/`` (built by
:mod:`calculator.data.build_followup`, provenance in ``embedded_followup/PROVENANCE.md``) and
are read with :mod:`importlib.resources`, so they work from an installed package. Every loader
validates what it reads (columns, ranges, expected years) and raises
:class:`~calculator.exceptions.InputValidationError` naming the file if something is off.

All figures are SCB's (CC0) except where a ``source``/``kind`` column says "derived".
"""

from __future__ import annotations

import csv
import io
import re
from importlib import resources
from pathlib import Path
from typing import IO, Final

import numpy as np
import pandas as pd

from calculator.data.frames import validate_frame
from calculator.exceptions import InputValidationError
from calculator.followup import tfr_from_asfr
from calculator.grid import OPEN_AGE, SEX_ALLOWED_TEXT, SEXES, age_from_label, parse_sex

PACKAGE_DIR: Final = "embedded_followup"

#: The vintages of SCB's national projection whose projected births are embedded.
BIRTH_VINTAGES: Final = (2018, 2019, 2020, 2021, 2025)
#: Vintage of the embedded assumed fertility rates. SOURCES.md section 21: the file starts in
#: 2024, so it is probably the set SCB supplies for RAPS based on its 2024 national projection
#: (base population 31 Dec 2023), not the 2025 projection.
ASSUMED_ASFR_VINTAGE: Final = 2024
ASSUMED_ASFR_BASE_YEAR: Final = 2023
ASSUMED_ASFR_VINTAGE_NOTE: Final = (
    "assumed rates 2024-2050, probably SCB's 2024 national projection (the file starts in "
    "2024; not verified against SCB metadata)"
)
LULEA: Final = "2580"
#: The last years embedded, so a page can say where the embedded data stop.
LAST_OBSERVED_BIRTHS_YEAR: Final = 2024
LAST_OBSERVED_POPULATION_YEAR: Final = 2020

MONTHLY_COLUMNS: Final = ("month", "sex", "age", "population")
_MONTH_RE: Final = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _read(name: str) -> pd.DataFrame:
    ref = resources.files("calculator.data").joinpath(PACKAGE_DIR, name)
    try:
        with ref.open("rb") as handle:
            return pd.read_csv(handle, compression="gzip",
                               dtype={"region": str, "contents_code": str})
    except FileNotFoundError as exc:
        raise InputValidationError(
            "embedded follow-up file missing; rebuild with "
            "`python -m calculator.data.build_followup`",
            location=f"calculator/data/{PACKAGE_DIR}/{name}",
        ) from exc


def _check(condition: bool, name: str, message: str) -> None:
    if not condition:
        raise InputValidationError(message, location=f"calculator/data/{PACKAGE_DIR}/{name}")


def _check_columns(frame: pd.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    _check(list(frame.columns) == list(columns), name,
           f"columns {list(frame.columns)}; expected {list(columns)}")
    _check(not frame.isna().drop(columns=[c for c in ("tfr_children_per_woman", "status")
                                          if c in frame.columns]).any().any(),
           name, "empty cells where values are required")


def load_projected_births() -> pd.DataFrame:
    """Projected live births by SCB national projection vintage, year and mother's age.

    Columns: projection_vintage (year SCB published it), contents_code (SCB content code of
    the vintage), year (calendar year), mother_age (16..48, age reached during the year),
    births (summed over the mother's birth-region groups in the source), n_birth_groups.
    Totals are "births to mothers aged 16-48 in the groups present". 1,353 rows; vintages
    2018-2021 cover their first four years, 2025 covers 2026-2050. Source: SCB BE0401,
    SOURCES.md section 8.
    """
    name = "projected_births_vintages.csv.gz"
    out = _read(name)
    _check_columns(out, name, ("projection_vintage", "contents_code", "year", "mother_age",
                               "births", "n_birth_groups"))
    _check(tuple(sorted(out["projection_vintage"].unique())) == BIRTH_VINTAGES, name,
           f"vintages {sorted(out['projection_vintage'].unique())}; expected {BIRTH_VINTAGES}")
    _check(bool(out["mother_age"].between(16, 48).all()), name, "mother_age outside 16..48")
    _check(bool((out["births"] >= 0).all()), name, "negative births")
    _check(bool((out["year"] >= out["projection_vintage"]).all()), name,
           "a projected year before its vintage")
    return out


def load_assumed_asfr() -> pd.DataFrame:
    """SCB's assumed age-specific fertility rates, all women, 2024-2050 (births per woman-year).

    Columns: year, mother_age (16..48, age reached during the year), fert_rate. Content
    ``00000782``, mother's birth region ``90`` (all women). See ``ASSUMED_ASFR_VINTAGE_NOTE``:
    the vintage is probably 2024 (SOURCES.md section 21). 891 rows.
    """
    name = "assumed_asfr_2024_2050.csv.gz"
    out = _read(name)
    _check_columns(out, name, ("year", "mother_age", "fert_rate"))
    _check(set(out["year"]) == set(range(2024, 2051)), name, "years are not 2024..2050")
    _check(bool(out["fert_rate"].between(0, 1).all()), name, "a rate outside 0..1")
    return out


def load_assumed_tfr() -> pd.DataFrame:
    """TFR of the assumed rates (sum over ages 16-48), 2024-2050: year, tfr_children_per_woman.

    Derived by us from :func:`load_assumed_asfr`; e.g. 2024 1.421, 2030 1.513, 2050 1.661.
    """
    return tfr_from_asfr(load_assumed_asfr())


def load_observed_births() -> pd.DataFrame:
    """Sweden's live births by mother's age and child's sex, 1968-2024 (births frame + source).

    Columns: year, region (``00``), mother_age (15..49; 15 holds <15 up to 2005, 49 holds
    49+), child_sex, births, source (``FoddaK (sum of counties)`` 1968-2005, ``BE0101E2``
    2006-2024; from 2006 births to mothers <15 or of unknown age are not included).
    """
    name = "observed_births_sweden.csv.gz"
    raw = _read(name)
    _check_columns(raw, name, ("year", "region", "mother_age", "child_sex", "births", "source"))
    out = validate_frame("births", raw, source=name)
    out["source"] = raw["source"].to_numpy()
    _check(set(out["year"]) == set(range(1968, LAST_OBSERVED_BIRTHS_YEAR + 1)), name,
           f"years are not 1968..{LAST_OBSERVED_BIRTHS_YEAR}")
    return out


def load_observed_population() -> pd.DataFrame:
    """Sweden's population 31 Dec by sex and age 0..100+, 1968-2020 (population frame + method).

    ``method`` is ``published`` (1968-2015) or ``derived_from_mean_population`` (2016-2020,
    SOURCES.md section 1). Source: SCB TAB638 / BE0101N1.
    """
    name = "observed_population_sweden.csv.gz"
    raw = _read(name)
    _check_columns(raw, name, ("year", "region", "sex", "age", "population", "method"))
    out = validate_frame("population", raw, source=name)
    out["method"] = raw["method"].to_numpy()
    _check(len(out) == (LAST_OBSERVED_POPULATION_YEAR - 1968 + 1) * len(SEXES) * (OPEN_AGE + 1),
           name, "not a full grid of years x sexes x ages")
    return out


def load_observed_tfr() -> pd.DataFrame:
    """Sweden's observed TFR: year, tfr_children_per_woman, kind, source.

    ``kind`` ``derived`` (1969-2020, computed from SCB births and population, within about
    ±0.01 of SCB's official values) or ``published in text`` (2022: 1.52, 2024: 1.43, from
    SCB_PROJECTION_HEADLINES.md). 2021, 2023 and 2025 are not embedded.
    """
    name = "observed_tfr_sweden.csv.gz"
    out = _read(name)
    _check_columns(out, name, ("year", "tfr_children_per_woman", "kind", "source"))
    _check(set(out["kind"]) <= {"derived", "published in text"}, name, "unknown kind")
    _check(bool(out["tfr_children_per_woman"].between(0.5, 5).all()), name,
           "a TFR outside 0.5..5")
    _check(not out["year"].duplicated().any(), name, "a year appears twice")
    return out


def load_municipal_tfr() -> pd.DataFrame:
    """SCB TAB4805 (content ``000001J4``) TFR for all 290 municipalities, 2000-2025.

    Columns: year, region (4-digit code), region_name, tfr_children_per_woman (NaN where SCB
    suppressed it), status (``..`` where suppressed: fewer than 30 births).
    """
    name = "municipal_tfr.csv.gz"
    out = _read(name)
    _check_columns(out, name, ("year", "region", "region_name", "tfr_children_per_woman",
                               "status"))
    _check(out["region"].nunique() == 290, name, "expected 290 municipalities")
    suppressed = out["tfr_children_per_woman"].isna()
    _check(bool((out.loc[suppressed, "status"] == "..").all()), name,
           "a missing TFR without status '..'")
    out["status"] = out["status"].fillna("").astype(str)
    return out


def load_lulea_observed_population() -> pd.DataFrame:
    """Luleå's population 31 Dec 2024 (final, BE0101N1) and 2025 (CKM-noised, 000007ME).

    Columns: year, region, sex, age, population, contents_code, ckm (True for 2025).
    """
    name = "lulea_population_observed.csv.gz"
    raw = _read(name)
    _check_columns(raw, name, ("year", "region", "sex", "age", "population", "contents_code",
                               "ckm"))
    out = validate_frame("population", raw, source=name)
    out["contents_code"] = raw["contents_code"].to_numpy()
    out["ckm"] = raw["ckm"].astype(bool).to_numpy()
    _check(set(out["year"]) == {2024, 2025}, name, "years are not 2024, 2025")
    return out


def load_lulea_regional_projection() -> pd.DataFrame:
    """SCB's regional projection for Luleå (content ``000005RC``), 31 Dec 2024-2050.

    Population frame (year, region, sex, age, population); values carry decimals (model
    output). Base population 31 Dec 2023, so 2024 is the first projected year. Our own copy
    (see PROVENANCE.md); the official-forecast data set holds the same figures.
    """
    name = "lulea_regional_projection.csv.gz"
    raw = _read(name)
    _check_columns(raw, name, ("year", "region", "sex", "age", "population"))
    out = validate_frame("population", raw, source=name)
    _check(set(out["year"]) == set(range(2024, 2051)), name, "years are not 2024..2050")
    return out


def embedded_coverage() -> pd.DataFrame:
    """What the embedded follow-up data cover, for the UI to say where they stop.

    Columns: dataset, first_year, last_year, note. The years are read from the loaders, so the
    table follows the data.
    """
    projected = load_projected_births()
    old = projected[projected["projection_vintage"] != 2025]
    new = projected[projected["projection_vintage"] == 2025]
    tfr = load_observed_tfr()
    tfr_years = set(int(y) for y in tfr["year"])
    tfr_gaps = [y for y in range(min(tfr_years), max(tfr_years) + 1) if y not in tfr_years]
    later = "later years: not embedded (the follow-up page can fetch them from SCB)"

    def span(frame: pd.DataFrame) -> tuple[int, int]:
        return int(frame["year"].min()), int(frame["year"].max())

    rows = [
        ("projected births, SCB vintages 2018-2021", *span(old),
         "first four projected years of each vintage"),
        ("projected births, SCB vintage 2025", *span(new), "births to mothers aged 16-48"),
        ("assumed fertility rates (all women)", *span(load_assumed_asfr()),
         ASSUMED_ASFR_VINTAGE_NOTE),
        ("observed births by mother's age, Sweden", *span(load_observed_births()), later),
        ("observed population, Sweden", *span(load_observed_population()), later),
        ("observed TFR, Sweden", *span(tfr),
         "derived, plus values SCB published in text; missing: "
         + (", ".join(str(y) for y in tfr_gaps) or "none")),
        ("municipal TFR (TAB4805)", *span(load_municipal_tfr()), "suppressed below 30 births"),
        ("Luleå population (2025 with CKM noise)", *span(load_lulea_observed_population()), ""),
        ("SCB regional projection, Luleå", *span(load_lulea_regional_projection()), ""),
    ]
    return pd.DataFrame(rows, columns=["dataset", "first_year", "last_year", "note"])


# ---------------------------------------------------------------------------------------------
# monthly upload template

def read_monthly_population(
    source: str | Path | IO[str] | IO[bytes], *, name: str | None = None
) -> pd.DataFrame:
    """Read the monthly population template ``month,sex,age,population``.

    * ``month``: ``YYYY-MM`` (population at the end of that month);
    * ``sex``: ``female``/``male`` (SCB's codes ``2``/``1`` and ``kvinnor``/``män`` are
      accepted too);
    * ``age``: completed age ``0``..``99`` or ``100+`` (``100`` also means 100+);
    * ``population``: persons, a number >= 0.

    Comma or semicolon separated, UTF-8 (a BOM is fine). Returns month (str), sex, age (int),
    population (float) sorted by month, sex, age. Errors name the file, the line number (1 =
    header) and the column, and say what is allowed.

    >>> read_monthly_population(io.StringIO("month,sex,age,population\\n2025-03,2,7,950\\n"))
         month     sex  age  population
    0  2025-03  female    7       950.0
    """
    label = name or (str(source) if isinstance(source, (str, Path)) else "uploaded file")
    raw: str | bytes
    if isinstance(source, (str, Path)):
        try:
            raw = Path(source).read_bytes()
        except OSError as exc:
            raise InputValidationError(f"cannot read the file: {exc.strerror}",
                                       location=label) from exc
    else:
        raw = source.read()
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputValidationError("the file is not UTF-8 text; save it as UTF-8 CSV",
                                       location=label) from exc
    text = raw.lstrip("\ufeff")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InputValidationError(
            f"the file is empty; expected a header {','.join(MONTHLY_COLUMNS)}", location=label
        )
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    if header != list(MONTHLY_COLUMNS):
        raise InputValidationError(
            f"header {header}; expected exactly {list(MONTHLY_COLUMNS)}",
            location=f"{label}, line 1",
        )
    months, sexes, ages, values, line_numbers = [], [], [], [], []
    for line_no, fields in enumerate(reader, start=2):
        if not fields or all(not f.strip() for f in fields):
            continue
        where = f"{label}, line {line_no}"
        if len(fields) != len(MONTHLY_COLUMNS):
            raise InputValidationError(
                f"{len(fields)} fields; expected {len(MONTHLY_COLUMNS)} "
                f"({','.join(MONTHLY_COLUMNS)})", location=where
            )
        month, sex, age, population = (f.strip() for f in fields)
        if not _MONTH_RE.match(month):
            raise InputValidationError(f"month {month!r}; allowed: YYYY-MM, e.g. 2025-03",
                                       location=f"{where}, column month")
        sex_label = parse_sex(sex)
        if sex_label is None:
            raise InputValidationError(
                f"sex {sex!r}; allowed: {SEX_ALLOWED_TEXT}",
                location=f"{where}, column sex",
            )
        try:
            age_value = age_from_label(age)
            if str(age).strip() not in {str(age_value), f"{OPEN_AGE}+"}:
                raise ValueError(age)
        except ValueError as exc:
            raise InputValidationError(f"age {age!r}; allowed: 0..99 or 100+ (whole years)",
                                       location=f"{where}, column age") from exc
        try:
            number = float(population.replace(" ", "").replace("\u00a0", ""))
        except ValueError as exc:
            raise InputValidationError(f"population {population!r}; allowed: a number >= 0",
                                       location=f"{where}, column population") from exc
        if not np.isfinite(number) or number < 0:
            raise InputValidationError(f"population {population!r}; allowed: a number >= 0",
                                       location=f"{where}, column population")
        months.append(month)
        sexes.append(sex_label)
        ages.append(age_value)
        values.append(number)
        line_numbers.append(line_no)
    if not months:
        raise InputValidationError("no data rows after the header", location=label)
    out = pd.DataFrame({"month": months, "sex": sexes,
                        "age": np.asarray(ages, dtype=np.int64),
                        "population": np.asarray(values, dtype=np.float64)})
    dup = out.duplicated(["month", "sex", "age"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputValidationError(
            f"month {out['month'].iloc[i]}, sex {out['sex'].iloc[i]}, age {out['age'].iloc[i]} "
            "appears more than once", location=f"{label}, line {line_numbers[i]}"
        )
    return out.sort_values(["month", "sex", "age"]).reset_index(drop=True)


FOLLOWUP_TABLES = (
    "projected_births", "observed_births", "assumed_tfr", "observed_tfr", "municipal_tfr",
    "lulea_regional_projection", "lulea_observed_population",
)


def embedded_followup_frames() -> dict[str, pd.DataFrame]:
    """Every embedded table :func:`calculator.followup.followup_sheets` uses, by name."""
    return {name: globals()[f"load_{name}"]() for name in FOLLOWUP_TABLES}


def followup_sheets(lang: str = "sv", region: str | None = None) -> dict[str, pd.DataFrame]:
    """The workbook's follow-up sheets built from the embedded data (see
    :func:`calculator.followup.followup_sheets`)."""
    from calculator.followup import followup_sheets as build

    return build(lang, region, frames=embedded_followup_frames())
