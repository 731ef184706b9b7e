"""Build the embedded official-forecast data from the reference extracts (run on purpose).

Usage::

    python -m calculator.data.build_official --reference PATH [--out DIR]

``--reference`` (required) is the team's read-only folder of real SCB figures, described in its
``SOURCES.md``; it is not part of this repository. ``--out`` defaults to the package folder
``calculator/data/embedded_official/``. The script reads SCB's PxWebApi extracts as delivered
(wide tables with the content code in every column header), reshapes them to tidy long
tables, maps SCB's codes to ours and writes small gzipped CSVs (deterministic: gzip mtime 0,
sorted rows, atomic replace). Every row carries the projection ``vintage`` and SCB's
``content_code``. What it writes and every transformation are listed in ``PROVENANCE.md``
next to the files (written by hand, kept in the repository).

Nothing here runs at import time of the library; the app only reads the built files
(:mod:`calculator.data.official`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from calculator.data.files import build_script_main, write_csv_gz
from calculator.exceptions import InputValidationError
from calculator.grid import OPEN_AGE, SCB_SEX_CODES

DEFAULT_OUT = Path(__file__).resolve().parent / "embedded_official"

#: Output file names (inside ``embedded_official/``).
FILE_BIRTHS = "scb_national_births_mother_age.csv.gz"
FILE_DEATHS_MEANPOP = "scb_national_2025_deaths_mean_population.csv.gz"
FILE_ASSUMED_ASFR = "scb_assumed_asfr_2024_2050.csv.gz"
FILE_REGIONAL = "scb_regional_2024_lulea_population.csv.gz"

#: Vintage labels (year the projection was published).
VINTAGE_NATIONAL_2025 = "2025"
VINTAGE_ASSUMED_ASFR = "2024 (probable; RAPS assumption set)"
VINTAGE_REGIONAL = "2024"

_HEADER_RE = re.compile(r"^(?P<code>[0-9A-Z]{8}) (?P<year>\d{4})$")


def _age_to_grid(label: str) -> int:
    """SCB age label (``"0"``, ``"104"``, ``"105+"``, ``"100+"``) -> our grid age (100 = 100+)."""
    text = str(label).strip().rstrip("+")
    value = int(text)
    return min(value, OPEN_AGE)


def _wide_to_long(frame: pd.DataFrame, id_cols: Sequence[str], source: str) -> pd.DataFrame:
    """Melt SCB's ``"<content code> <year>"`` columns into (content_code, year, value)."""
    value_cols = [c for c in frame.columns if c not in id_cols]
    for col in value_cols:
        if not _HEADER_RE.match(col):
            raise InputValidationError(
                f"unexpected column header {col!r}; expected '<content code> <year>'",
                location=source,
            )
    long = frame.melt(id_vars=list(id_cols), value_vars=value_cols, var_name="_col")
    parts = long["_col"].str.extract(_HEADER_RE)
    long["content_code"] = parts["code"]
    long["year"] = parts["year"].astype(np.int64)
    long["value"] = pd.to_numeric(long["value"], errors="raise").astype(np.float64)
    return long.drop(columns="_col")


def _read_raw(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: reference file not found (see SOURCES.md)")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def build_births(reference: Path) -> pd.DataFrame:
    """Projected live births by mother's age, summed over mother's birth region, all vintages.

    2025 vintage: ``scb_forecast_2025/raw/national_forecast_births.csv`` (content 000005MU).
    2018-2021 vintages: ``scb_projection_vintages_births_by_mother_age.csv`` (SOURCES.md s. 8).
    """
    raw_path = reference / "scb_forecast_2025" / "raw" / "national_forecast_births.csv"
    raw = _read_raw(raw_path)
    long = _wide_to_long(raw, ["ModerFodregion", "Alder"], str(raw_path))
    long["mother_age"] = long["Alder"].astype(np.int64)
    b2025 = (
        pd.DataFrame(
            long.groupby(["content_code", "year", "mother_age"], as_index=False)["value"].sum()
        ).rename(columns={"value": "births"})
    )
    b2025["vintage"] = VINTAGE_NATIONAL_2025

    vint_path = reference / "scb_projection_vintages_births_by_mother_age.csv"
    vint = _read_raw(vint_path)
    vint["births"] = pd.to_numeric(vint["projected_births"], errors="raise").astype(np.float64)
    vint["year"] = vint["year"].astype(np.int64)
    vint["mother_age"] = vint["mother_age"].astype(np.int64)
    grouped = vint.groupby(
        ["projection_vintage", "contents_code", "year", "mother_age"], as_index=False
    )["births"].sum()
    older = pd.DataFrame(grouped).rename(
        columns={"projection_vintage": "vintage", "contents_code": "content_code"}
    )

    # The vintages file repeats the 2025 vintage; it must agree with the raw extract.
    again = older[older["vintage"] == VINTAGE_NATIONAL_2025].merge(
        b2025, on=["year", "mother_age"], suffixes=("_vint", "")
    )
    if len(again) and not np.array_equal(again["births_vint"], again["births"]):
        raise InputValidationError(
            "2025 vintage births differ between the vintages file and the raw extract",
            location=str(vint_path),
        )
    older = older[older["vintage"] != VINTAGE_NATIONAL_2025]
    out = pd.concat([older, b2025], ignore_index=True)
    out["region"] = "00"
    return pd.DataFrame(
        out.loc[:, ["vintage", "content_code", "region", "year", "mother_age", "births"]]
    )


def build_deaths_mean_population(reference: Path) -> pd.DataFrame:
    """2025 vintage projected deaths (000005MP) and mean population (000005MS).

    Summed over the five birth-region groups; ages 100..104 and 105+ summed into 100 (100+).
    Long format: variable ``deaths`` or ``mean_population``.
    """
    raw_path = reference / "scb_forecast_2025" / "raw" / "national_forecast_detail.csv"
    raw = _read_raw(raw_path)
    long = _wide_to_long(raw, ["Fodelseregion", "Kon", "Alder"], str(raw_path))
    long["sex"] = long["Kon"].map(SCB_SEX_CODES)
    if long["sex"].isna().any():
        raise InputValidationError("unknown Kon code", location=str(raw_path))
    long["age"] = long["Alder"].map(_age_to_grid).astype(np.int64)
    names = {"000005MP": "deaths", "000005MS": "mean_population"}
    long["variable"] = long["content_code"].map(names)
    if long["variable"].isna().any():
        raise InputValidationError("unexpected content code", location=str(raw_path))
    out = long.groupby(["content_code", "variable", "year", "sex", "age"], as_index=False)[
        "value"
    ].sum()
    out["vintage"] = VINTAGE_NATIONAL_2025
    out["region"] = "00"
    columns = ["vintage", "content_code", "region", "year", "sex", "age", "variable", "value"]
    return pd.DataFrame(out.loc[:, columns])


def build_assumed_asfr(reference: Path) -> pd.DataFrame:
    """Assumed age-specific fertility rates, all women (ModerFodregion 90), content 00000782."""
    raw_path = reference / "scb_forecast_2025" / "raw" / "raps_fertility_forecast.csv"
    raw = _read_raw(raw_path)
    raw = raw[raw["ModerFodregion"] == "90"]
    long = _wide_to_long(raw, ["ModerFodregion", "Alder"], str(raw_path))
    long["mother_age"] = long["Alder"].astype(np.int64)
    long["vintage"] = VINTAGE_ASSUMED_ASFR
    long["region"] = "00"
    long = long.rename(columns={"value": "fert_rate"})
    return long.loc[:, ["vintage", "content_code", "region", "year", "mother_age", "fert_rate"]]


def build_regional(reference: Path) -> pd.DataFrame:
    """SCB's regional projection for Luleå (2580): population 31 Dec, content 000005RC."""
    raw_path = reference / "lulea" / "raw" / "regional_forecast_benchmark.lulea_prefix.csv"
    raw = _read_raw(raw_path)
    raw = raw[(raw["Region"] == "2580") & (raw["InrikesUtrikes"] == "83")]
    long = _wide_to_long(raw, ["Region", "InrikesUtrikes", "Kon", "Alder"], str(raw_path))
    long["sex"] = long["Kon"].map(SCB_SEX_CODES)
    long["age"] = long["Alder"].map(_age_to_grid).astype(np.int64)
    long["vintage"] = VINTAGE_REGIONAL
    long = long.rename(columns={"Region": "region", "value": "population"})
    return long.loc[:, ["vintage", "content_code", "region", "year", "sex", "age", "population"]]


def build(reference: Path, out: Path) -> dict[str, int]:
    """Build every embedded official file; returns ``{file name: rows}``."""
    tables = {
        FILE_BIRTHS: (build_births(reference), ["vintage", "year", "mother_age"]),
        FILE_DEATHS_MEANPOP: (
            build_deaths_mean_population(reference), ["variable", "year", "sex", "age"]
        ),
        FILE_ASSUMED_ASFR: (build_assumed_asfr(reference), ["year", "mother_age"]),
        FILE_REGIONAL: (build_regional(reference), ["region", "year", "sex", "age"]),
    }
    rows = {}
    for name, (frame, order) in tables.items():
        frame = frame.sort_values(order, kind="stable").reset_index(drop=True)
        write_csv_gz(frame, out / name)
        rows[name] = len(frame)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m calculator.data.build_official --reference DIR [--out DIR]``."""
    return build_script_main(__doc__.splitlines()[0] if __doc__ else "", build, DEFAULT_OUT, argv)


if __name__ == "__main__":
    raise SystemExit(main())
