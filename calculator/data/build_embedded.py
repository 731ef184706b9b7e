"""Build the embedded SCB dataset from the reference folder (run by hand, never at import).

Usage (from the repository root)::

    python -m calculator.data.build_embedded --reference ../shared/reference

Reads the tidy reference CSV files described in the reference folder's ``SOURCES.md``
(sections 1-5, 11, 13-17, 22), converts them to the tidy frame schemas of
:mod:`calculator.data.frames` and writes compact gzipped CSV files to
``calculator/data/embedded/``. Output is deterministic (gzip header time 0) and every file is
written atomically (temporary file in the same folder, then ``os.replace``). What each file
holds and how it was transformed is documented in ``calculator/data/PROVENANCE.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from calculator.data.files import build_script_main, write_csv_gz
from calculator.data.frames import validate_frame
from calculator.exceptions import InputValidationError
from calculator.grid import FERTILE_AGE_MAX, FERTILE_AGE_MIN, age_from_label

#: ``float_format`` of the embedded CSVs (also used by :mod:`calculator.data.refresh`).
EMBEDDED_FLOAT_FORMAT = "%.10g"
EMBEDDED_DIR = Path(__file__).resolve().parent / "embedded"

LULEA = "2580"
SWEDEN = "00"
#: Sweden's births 1968-2015 are the sum of counties; later years come from BE0101E2.
LAST_COUNTY_BIRTHS_YEAR = 2015


def _read(reference: Path, name: str, **kwargs: object) -> pd.DataFrame:
    path = reference / name
    if not path.is_file():
        raise InputValidationError(
            "reference file not found; pass --reference pointing at shared/reference",
            location=str(path),
        )
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)  # type: ignore[call-overload, no-any-return]


def _ages(labels: pd.Series) -> pd.Series:
    return labels.map(age_from_label).astype(np.int64)


def _mother_ages(labels: pd.Series) -> pd.Series:
    """``<15`` joins 15 and ``49+`` is 49 (as in the frame schema); other labels are ints."""
    mapped = labels.str.strip().replace({"<15": str(FERTILE_AGE_MIN), "49+": str(FERTILE_AGE_MAX)})
    return mapped.astype(np.int64)


def build_population(reference: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Final 31-Dec populations (Sweden, counties, Luleå) and Luleå's CKM-noised 2025 figures."""
    sweden = _read(reference, "scb_population_sweden_age_sex_1968_2020.csv")
    sweden = sweden.assign(region=SWEDEN)
    counties = _read(reference, "scb_population_county_age_sex_1968_2015.csv")
    counties = counties[counties["region_code"] != SWEDEN].rename(columns={"region_code": "region"})
    counties = counties.assign(method="published")
    lulea = _read(reference, "lulea/population_2006_2025.csv")
    final = lulea[lulea["source_content"].str.startswith("BE0101N1")].assign(method="published")
    ckm = lulea[lulea["source_content"].str.startswith("000007ME")]
    frames = []
    for part in (sweden, counties, final):
        part = part.assign(age=_ages(part["age"]))
        checked = validate_frame("population", part, source="population")
        frames.append(checked.assign(method=part["method"].to_numpy()))
    population = pd.concat(frames, ignore_index=True)
    ckm = validate_frame("population", ckm.assign(age=_ages(ckm["age"])), source="population 2025")
    if set(ckm["year"]) != {2025}:
        raise InputValidationError("expected only 2025 in the CKM rows", location="population")
    return population, ckm


def build_births(reference: Path) -> pd.DataFrame:
    """Births by mother's age reached and child's sex: counties (1968-2015), Sweden, Luleå."""
    counties = _read(reference, "scb_births_county_mother_age_1968_2015.csv")
    counties = counties[counties["mother_age"] != "no information"]
    counties = counties.rename(columns={"region_code": "region"})
    counties = counties.assign(
        mother_age=_mother_ages(counties["mother_age"]), births=counties["births"].astype(np.int64)
    )
    summed = counties.groupby(
        ["year", "region", "mother_age", "child_sex"], as_index=False
    )[["births"]].sum()
    lulea_file = _read(reference, "lulea/births_by_mother_age_2006_2024.csv")
    lulea_file = lulea_file.assign(mother_age=_mother_ages(lulea_file["mother_age"]))
    lulea = lulea_file[lulea_file["region"] == LULEA]
    sweden_recent = lulea_file[
        (lulea_file["region"] == SWEDEN)
        & (lulea_file["year"].astype(int) > LAST_COUNTY_BIRTHS_YEAR)
    ]
    births = pd.concat([summed, sweden_recent, lulea], ignore_index=True)
    return validate_frame("births", births, source="births")


def build_deaths(reference: Path) -> pd.DataFrame:
    """Deaths by age reached and sex: Sweden 1968-2020, counties 1968-2015, Luleå 2006-2024."""
    sweden = _read(reference, "scb_deaths_sweden_age_sex_1968_2020.csv").assign(region=SWEDEN)
    counties = _read(reference, "scb_deaths_county_age_sex_1968_2015.csv")
    counties = counties[counties["region_code"] != SWEDEN].rename(columns={"region_code": "region"})
    lulea = _read(reference, "lulea/deaths_2006_2024.csv")
    deaths = pd.concat([sweden, counties, lulea], ignore_index=True)
    deaths = deaths.assign(age=_ages(deaths["age"]))
    return validate_frame("deaths", deaths, source="deaths")


MIGRATION_VARIABLES = {
    "immigrants": "immigrants",
    "emigrants": "emigrants",
    "in_migrants_domestic": "in_migrants",
    "out_migrants_domestic": "out_migrants",
}


def build_migration(reference: Path) -> pd.DataFrame:
    """Luleå's four gross flows by sex and age, 2006-2024 (domestic = in/out within Sweden)."""
    long = _read(reference, "lulea/migration_2006_2024.csv")
    long = long[long["variable"].isin(list(MIGRATION_VARIABLES))]
    long = long.assign(
        variable=long["variable"].map(MIGRATION_VARIABLES),
        age=_ages(long["age"]),
        value=long["value"].astype(np.int64),
    )
    wide = long.pivot_table(
        index=["year", "region", "sex", "age"], columns="variable", values="value", aggfunc="sum"
    ).reset_index()
    return validate_frame("migration", wide, source="migration")


def build_tfr(reference: Path) -> pd.DataFrame:
    """SCB's published TFR (TAB4805, 000001J4) for 290 municipalities 2000-2025, NaN where '..'."""
    tfr = _read(reference, "pxweb_responses/TAB4805_tfr_municipalities_2000_2025_long.csv")
    out = pd.DataFrame({
        "year": tfr["year"].astype(np.int64),
        "region": tfr["region"],
        "tfr_children_per_woman": pd.to_numeric(tfr["tfr"].replace("", np.nan)),
        "status": tfr["status"],
    })
    return out


def build_regions(reference: Path) -> pd.DataFrame:
    """Region codes, names and levels: Sweden, 21 counties, 290 municipalities."""
    counties = _read(reference, "swedish_counties.csv")
    counties = counties.rename(columns={"region_code": "region", "region_name": "name"})
    counties = counties.assign(
        level=np.where(counties["region"] == SWEDEN, "country", "county")
    )
    tfr = _read(reference, "pxweb_responses/TAB4805_tfr_municipalities_2000_2025_long.csv")
    municipalities = tfr[["region", "region_name"]].drop_duplicates("region")
    municipalities = municipalities.rename(columns={"region_name": "name"}).assign(
        level="municipality"
    )
    regions = pd.concat([counties, municipalities], ignore_index=True)
    return regions.sort_values("region", kind="stable").reset_index(drop=True)


def _check_consistency(population: pd.DataFrame, deaths: pd.DataFrame) -> None:
    """Counties must sum to Sweden in every cell where both exist (catches copy errors)."""
    for name, frame, value in (
        ("population", population, "population"),
        ("deaths", deaths, "deaths"),
    ):
        counties = frame[(frame["region"].str.len() == 2) & (frame["region"] != SWEDEN)]
        summed = counties.groupby(["year", "sex", "age"])[value].sum()
        sweden = frame[(frame["region"] == SWEDEN) & frame["year"].isin(counties["year"])]
        sweden_cells = sweden.set_index(["year", "sex", "age"])[value]
        diff = (summed - sweden_cells.reindex(summed.index)).abs().max()
        if counties.empty or not diff == 0:
            raise InputValidationError(
                f"counties do not sum to Sweden (max difference {diff})", location=name
            )


def build(reference: Path, out_dir: Path = EMBEDDED_DIR) -> dict[str, int]:
    """Build every embedded file; returns the number of rows written per file."""
    population, population_ckm = build_population(reference)
    births = build_births(reference)
    deaths = build_deaths(reference)
    _check_consistency(population, deaths)
    outputs = {
        "population.csv.gz": population,
        "population_ckm.csv.gz": population_ckm,
        "births.csv.gz": births,
        "deaths.csv.gz": deaths,
        "migration.csv.gz": build_migration(reference),
        "tfr_observed.csv.gz": build_tfr(reference),
        "regions.csv.gz": build_regions(reference),
    }
    for name, frame in outputs.items():
        write_csv_gz(frame, out_dir / name, float_format=EMBEDDED_FLOAT_FORMAT)
    return {name: len(frame) for name, frame in outputs.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m calculator.data.build_embedded --reference DIR [--out DIR]``."""
    return build_script_main(__doc__.splitlines()[0] if __doc__ else "", build, EMBEDDED_DIR, argv)


if __name__ == "__main__":
    raise SystemExit(main())
