"""Import the municipality's own adopted population forecast (egen prognos).

Template (CSV, or the first sheet — or ``sheet`` — of an .xlsx workbook), one row per cell::

    year,sex,age,population
    2025,female,0,310.5
    ...

* ``year``: calendar year; ``population`` is the forecast stock on 31 Dec of that year.
* ``sex``: ``female``/``male``, ``kvinnor``/``män`` (also ``kvinna``/``man``, ``k``/``m``),
  or SCB's codes ``2`` (women) / ``1`` (men). Case-insensitive.
* ``age``: completed age on 31 Dec, ``0`` .. ``99`` and ``100`` or ``100+`` (the open group
  100+). Every year and sex must have all 101 ages.
* ``population``: persons, a number >= 0 (decimals allowed, as in most forecasts).
* optional ``area``: the area's name or code (one forecast may cover several districts);
  without it every row belongs to the ``region`` given to :func:`read_own_forecast`.

Swedish column names are accepted too: ``år``, ``kön``, ``ålder``, ``folkmängd``/``antal``,
``område``/``region``. A CSV may be comma-, semicolon- or tab-separated; with semicolons a
decimal comma is read as in Swedish Excel exports.

The result is the same tidy frame as an official forecast
(:func:`calculator.data.official.load_official_population`): vintage (the user's label,
default ``"egen prognos"``), region, year, sex, age, population. Every error names the file,
the row (as numbered in the file or sheet: the header is row 1) and the column, and says what
is allowed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from calculator.data.files import atomic_write_bytes
from calculator.exceptions import InputValidationError
from calculator.grid import N_AGES, OPEN_AGE, SEX_ALLOWED_TEXT, parse_sex

DEFAULT_LABEL: Final = "egen prognos"
DEFAULT_REGION: Final = "egen"
REQUIRED: Final = ("year", "sex", "age", "population")
OUTPUT_COLUMNS: Final = ("vintage", "region", "year", "sex", "age", "population")

_ALIASES: Final = {
    "year": "year", "år": "year", "ar": "year",
    "sex": "sex", "kön": "sex", "kon": "sex",
    "age": "age", "ålder": "age", "alder": "age",
    "population": "population", "folkmängd": "population", "antal": "population",
    "persons": "population",
    "area": "area", "område": "area", "region": "area", "omrade": "area",
}
_HEADER_ROW: Final = 1


def _fail(source: str, row: int | None, column: str | None, message: str) -> InputValidationError:
    where = source
    if row is not None:
        where += f", row {row}"
    if column is not None:
        where += f", column {column}"
    return InputValidationError(message, location=where)


def _read_table(path: Path, sheet: str | int | None) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=str,
                             engine="openpyxl")
    if suffix not in (".csv", ".txt"):
        raise _fail(str(path), None, None,
                    f"unknown file type {suffix!r}; allowed: .csv, .txt, .xlsx")
    text = path.read_text(encoding="utf-8-sig")
    return _csv_table(text)


def _csv_table(text: str) -> pd.DataFrame:
    """CSV text -> table of strings (delimiter sniffed; decimal comma with semicolons)."""
    first_line = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    table = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                        skipinitialspace=True)
    if delimiter == ";" and "population" in {_ALIASES.get(str(c).strip().lower()) for c in table}:
        for col in table.columns:
            if _ALIASES.get(col.strip().lower()) == "population":
                table[col] = table[col].str.replace(",", ".", regex=False)
    return table


def parse_own_forecast(
    table: pd.DataFrame, *, source: str = "own forecast", label: str = DEFAULT_LABEL,
    region: str = DEFAULT_REGION,
) -> pd.DataFrame:
    """Validate a raw table (strings) of the template and return the tidy forecast frame."""
    renamed: dict[str, str] = {}
    for col in table.columns:
        key = _ALIASES.get(str(col).strip().lower())
        if key is not None:
            if key in renamed.values():
                raise _fail(source, _HEADER_ROW, str(col), f"column {key!r} given twice")
            renamed[str(col)] = key
    table = table.rename(columns=renamed)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise _fail(
            source, _HEADER_ROW, None,
            f"missing column(s) {', '.join(missing)}; found {', '.join(map(str, table.columns))}; "
            f"required: {', '.join(REQUIRED)} (optional: area)",
        )
    if table.empty:
        raise _fail(source, None, None, "no data rows")
    table = table.reset_index(drop=True)
    rows = np.arange(len(table)) + _HEADER_ROW + 1
    cells = {c: table[c].astype(str).str.strip() for c in (*REQUIRED, "area") if c in table}

    year = pd.to_numeric(cells["year"], errors="coerce")
    bad = year.isna() | (year != np.floor(year))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise _fail(source, int(rows[i]), "year",
                    f"{cells['year'].iloc[i]!r} is not a year; allowed: an integer such as 2030")

    sex = cells["sex"].map(parse_sex)
    if sex.isna().any():
        i = int(np.flatnonzero(sex.isna().to_numpy())[0])
        raise _fail(source, int(rows[i]), "sex",
                    f"unknown sex {cells['sex'].iloc[i]!r}; allowed: {SEX_ALLOWED_TEXT}")

    age_text = cells["age"].str.replace(r"\+.*$", "", regex=True)
    is_open = cells["age"].str.contains("+", regex=False)
    age = pd.to_numeric(age_text, errors="coerce")
    bad = (age.isna() | (age != np.floor(age)) | (age < 0) | (age > OPEN_AGE)
           | (is_open & (age != OPEN_AGE)))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise _fail(source, int(rows[i]), "age",
                    f"age {cells['age'].iloc[i]!r} out of range; allowed: integers 0..99 and "
                    f"{OPEN_AGE} or '{OPEN_AGE}+' (the open group)")

    pop = pd.to_numeric(cells["population"], errors="coerce")
    bad = pop.isna() | ~np.isfinite(pop.to_numpy(dtype=np.float64, na_value=np.nan))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise _fail(source, int(rows[i]), "population",
                    f"{cells['population'].iloc[i]!r} is not a number; allowed: persons >= 0")
    if (pop < 0).any():
        i = int(np.flatnonzero((pop < 0).to_numpy())[0])
        raise _fail(source, int(rows[i]), "population",
                    f"negative value {cells['population'].iloc[i]}; allowed: persons >= 0")

    area = cells["area"] if "area" in cells else pd.Series(region, index=table.index)
    if (area == "").any():
        i = int(np.flatnonzero((area == "").to_numpy())[0])
        raise _fail(source, int(rows[i]), "area", "empty area; give a name or code on every row")

    out = pd.DataFrame({
        "vintage": label, "region": area.astype(str), "year": year.astype(np.int64),
        "sex": sex.astype(str), "age": age.astype(np.int64),
        "population": pop.astype(np.float64),
    })
    keys = ["region", "year", "sex", "age"]
    dup = out.duplicated(keys, keep=False)
    if dup.any():
        idx = np.flatnonzero(dup.to_numpy())
        first = idx[0]
        same = idx[(out.loc[idx, keys] == out.loc[first, keys]).all(axis=1).to_numpy()]
        raise _fail(source, int(rows[same[1]]), None,
                    f"duplicate row: same area/year/sex/age as row {int(rows[same[0]])} "
                    f"({', '.join(str(out.loc[first, k]) for k in keys)})")

    counts = out.groupby(["region", "year", "sex"]).size()
    incomplete = counts[counts != N_AGES]
    if len(incomplete):
        reg, yr, sx = incomplete.index[0]
        cell = (out["region"] == reg) & (out["year"] == yr) & (out["sex"] == sx)
        have = set(out.loc[cell, "age"])
        missing_ages = [a for a in range(N_AGES) if a not in have]
        shown = ", ".join(map(str, missing_ages[:10])) + (" ..." if len(missing_ages) > 10 else "")
        raise _fail(source, None, "age",
                    f"area {reg}, year {yr}, sex {sx}: missing age(s) {shown}; every year and "
                    f"sex needs all ages 0..99 and {OPEN_AGE}+")
    sexes = out.groupby(["region", "year"])["sex"].nunique()
    if (sexes != 2).any():
        reg, yr = sexes[sexes != 2].index[0]
        raise _fail(source, None, "sex",
                    f"area {reg}, year {yr}: only one sex given; both female and male are needed")
    out = out.sort_values(keys, kind="stable").reset_index(drop=True)
    return out.loc[:, list(OUTPUT_COLUMNS)]


def read_own_forecast_text(
    text: str, *, source: str = "uploaded file", label: str = DEFAULT_LABEL,
    region: str = DEFAULT_REGION,
) -> pd.DataFrame:
    """Like :func:`read_own_forecast` for CSV text (e.g. an upload in the app).

    >>> rows = "\\n".join(f"2030,{s},{a},{a}" for s in ("k", "m") for a in range(101))
    >>> f = read_own_forecast_text("year,sex,age,population\\n" + rows)
    >>> f["population"].sum(), f["sex"].unique().tolist()
    (np.float64(10100.0), ['female', 'male'])
    """
    return parse_own_forecast(_csv_table(text), source=source, label=label, region=region)


def read_own_forecast(
    path: str | Path, *, label: str = DEFAULT_LABEL, region: str = DEFAULT_REGION,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read and validate an own-forecast file (CSV or .xlsx); see the module doc.

    Returns columns vintage (= ``label``), region (the ``area`` column or ``region``), year,
    sex, age, population (persons on 31 Dec). Raises :class:`InputValidationError` naming
    the file, row and column of the first problem.
    """
    path = Path(path)
    if not path.is_file():
        raise _fail(str(path), None, None, "file not found")
    table = _read_table(path, sheet)
    return parse_own_forecast(table, source=path.name, label=label, region=region)


def write_own_forecast_template(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a tidy population frame as the template CSV (atomic), e.g. for a round trip.

    ``frame`` needs columns region, year, sex, age, population; age 100 is written ``100+``.
    """
    path = Path(path)
    out = pd.DataFrame({
        "area": frame["region"].astype(str), "year": frame["year"], "sex": frame["sex"],
        "age": [f"{OPEN_AGE}+" if a == OPEN_AGE else str(a) for a in frame["age"]],
        "population": frame["population"],
    })
    atomic_write_bytes(path, out.to_csv(index=False, lineterminator="\n").encode("utf-8"))
