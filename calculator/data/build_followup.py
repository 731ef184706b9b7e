"""Build the embedded follow-up dataset from the reference folder (run by hand, never at import).

Usage (from the repository root)::

    python -m calculator.data.build_followup --reference ../shared/reference

Reads the reference CSV files described in the reference folder's ``SOURCES.md`` (sections 1,
5, 6, 8, 13-15, 18, 21, 22) and ``SCB_PROJECTION_HEADLINES.md`` and writes compact gzipped CSV
files to ``calculator/data/embedded_followup/``:

=====================================  ===========================================================
file                                   content
=====================================  ===========================================================
projected_births_vintages.csv.gz       SCB national projection vintages 2018-2021 and 2025:
                                       projected births summed over mother's birth-region groups,
                                       by vintage, year and mother's age 16-48
assumed_asfr_2024_2050.csv.gz          SCB's assumed age-specific fertility rates, all women
                                       (mother's birth region ``90``), ages 16-48, 2024-2050
observed_births_sweden.csv.gz          Sweden's live births by mother's age 15..49 and child sex,
                                       1968-2024 (frame schema ``births``)
observed_population_sweden.csv.gz      Sweden's population 31 Dec by sex and age, 1968-2020
observed_tfr_sweden.csv.gz             Sweden's observed TFR: derived 1969-2020, and values SCB
                                       published in text (2022, 2024)
municipal_tfr.csv.gz                   TAB4805 TFR for all 290 municipalities, 2000-2025
lulea_population_observed.csv.gz       Luleå population 31 Dec 2024 (final) and 2025 (CKM)
lulea_regional_projection.csv.gz       SCB's regional projection for Luleå, 2024-2050
=====================================  ===========================================================

Output is deterministic (gzip header time 0), every file is written atomically (temporary file
in the same folder, then ``os.replace``). ``PROVENANCE.md`` in the output folder documents
table ids, content codes, reference dates and transformations.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from calculator.data.files import build_script_main, write_csv_gz
from calculator.data.frames import validate_frame
from calculator.exceptions import InputValidationError
from calculator.followup import observed_tfr_from_births
from calculator.grid import FERTILE_AGE_MAX, FERTILE_AGE_MIN, age_from_label

OUT_DIR = Path(__file__).resolve().parent / "embedded_followup"

SWEDEN = "00"
LULEA = "2580"
#: Sweden's births up to this year come from the counties-sum file (SOURCES section 5); later
#: years from the BE0101E2 extract, region 00 (SOURCES section 15).
LAST_COUNTY_BIRTHS_YEAR = 2005
#: TFR values SCB published in text (SCB_PROJECTION_HEADLINES.md, "Observed TFR values SCB
#: published in text"): 1.52 in 2022 and 1.43 in 2024.
SCB_TEXT_TFR = {2022: 1.52, 2024: 1.43}
SCB_TEXT_TFR_SOURCE = (
    "SCB published in text (page 'Children per woman by country of birth 1970-2022 and "
    "projection 2023-2070'; statistical news 'The future population of Sweden 2025-2070')"
)


def _read(reference: Path, name: str) -> pd.DataFrame:
    path = reference / name
    if not path.is_file():
        raise InputValidationError(
            "reference file not found; pass --reference pointing at shared/reference",
            location=str(path),
        )
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def build_projected_births(reference: Path) -> pd.DataFrame:
    """Projected births per vintage, year and mother's age, summed over birth-region groups."""
    raw = _read(reference, "scb_projection_vintages_births_by_mother_age.csv")
    raw = raw.assign(
        projection_vintage=raw["projection_vintage"].astype(np.int64),
        year=raw["year"].astype(np.int64),
        mother_age=raw["mother_age"].astype(np.int64),
        projected_births=pd.to_numeric(raw["projected_births"], errors="raise"),
    )
    keys = ["projection_vintage", "contents_code", "year", "mother_age"]
    out = raw.groupby(keys, as_index=False).agg(
        births=("projected_births", "sum"),
        n_birth_groups=("mother_birth_group", "nunique"),
    )
    if out.groupby("projection_vintage")["contents_code"].nunique().max() != 1:
        raise InputValidationError("a vintage has more than one content code", location="vintages")
    return out.sort_values(keys).reset_index(drop=True)


def build_assumed_asfr(reference: Path) -> pd.DataFrame:
    """Assumed ASFR for all women (mother's birth region 90), ages 16-48, 2024-2050."""
    raw = _read(reference, "scb_forecast_2025/assumed_asfr_by_mother_birth_region_2024_2050.csv")
    raw = raw[raw["mother_birth_region"] == "90"]
    out = pd.DataFrame({
        "year": raw["year"].astype(np.int64),
        "mother_age": raw["mother_age"].astype(np.int64),
        "fert_rate": pd.to_numeric(raw["fertility_rate"], errors="raise"),
    })
    return out.sort_values(["year", "mother_age"]).reset_index(drop=True)


def _mother_ages(labels: pd.Series) -> pd.Series:
    """``<15`` joins 15 and ``49+`` is 49 (as in the births frame schema)."""
    mapped = labels.str.strip().replace({"<15": str(FERTILE_AGE_MIN), "49+": str(FERTILE_AGE_MAX)})
    return mapped.astype(np.int64)


def build_observed_births(reference: Path) -> pd.DataFrame:
    """Sweden's births by mother's age 15..49 (15 holds <15, 49 holds 49+) and child sex.

    1968-2005 from the sum of counties (SOURCES section 5; the single ``no information`` birth
    is dropped); 2006-2024 from the BE0101E2 extract, region ``00`` (SOURCES section 15).
    """
    old = _read(reference, "scb_births_county_mother_age_1968_2015.csv")
    old = old[(old["region_code"] == SWEDEN) & (old["mother_age"] != "no information")]
    old = old[old["year"].astype(np.int64) <= LAST_COUNTY_BIRTHS_YEAR]
    old = old.assign(region=SWEDEN, mother_age=_mother_ages(old["mother_age"]),
                     births=old["births"].astype(np.int64), source="FoddaK (sum of counties)")
    new = _read(reference, "lulea/births_by_mother_age_2006_2024.csv")
    new = new[new["region"] == SWEDEN]
    new = new.assign(mother_age=_mother_ages(new["mother_age"]),
                     births=new["births"].astype(np.int64), source="BE0101E2")
    both = pd.concat([old, new], ignore_index=True)
    keys = ["year", "region", "mother_age", "child_sex", "source"]
    both = both.groupby(keys)["births"].sum().reset_index()
    checked = validate_frame("births", both, source="observed births")
    checked["births"] = checked["births"].astype(np.int64)
    return checked.assign(source=both["source"].to_numpy())


def build_observed_population(reference: Path) -> pd.DataFrame:
    """Sweden's 31-Dec population 1968-2020 (2016-2020 derived from mean population)."""
    raw = _read(reference, "scb_population_sweden_age_sex_1968_2020.csv")
    raw = raw.assign(region=SWEDEN, age=raw["age"].map(age_from_label).astype(np.int64))
    checked = validate_frame("population", raw, source="observed population")
    checked["population"] = checked["population"].astype(np.int64)
    return checked.assign(method=raw["method"].to_numpy())


def build_observed_tfr(
    reference: Path, births: pd.DataFrame, population: pd.DataFrame
) -> pd.DataFrame:
    """Observed TFR: the derived series 1969-2015, our derivation 2016-2020, SCB's text values."""
    derived = _read(reference, "derived_tfr_sweden_1969_2015.csv")
    rows = pd.DataFrame({
        "year": derived["year"].astype(np.int64),
        "tfr": pd.to_numeric(derived["tfr_age_reached"], errors="raise"),
        "source": "derived_tfr_sweden_1969_2015.csv (derived from SCB births and population)",
    })
    computed = observed_tfr_from_births(births, population)
    later = computed[(computed["year"] > rows["year"].max()) & (computed["year"] <= 2020)]
    later = pd.DataFrame({
        "year": later["year"].to_numpy(),
        "tfr": later["tfr_children_per_woman"].round(3).to_numpy(),
        "source": "derived by build_followup from embedded births and population (2016-2020 "
                  "population itself derived from SCB mean population)",
    })
    text = pd.DataFrame({
        "year": list(SCB_TEXT_TFR),
        "tfr": list(SCB_TEXT_TFR.values()),
        "source": SCB_TEXT_TFR_SOURCE,
    })
    out = pd.concat([rows, later, text], ignore_index=True)
    out["kind"] = np.where(out["source"] == SCB_TEXT_TFR_SOURCE, "published in text", "derived")
    return out.rename(columns={"tfr": "tfr_children_per_woman"}).sort_values("year").reset_index(
        drop=True
    )[["year", "tfr_children_per_woman", "kind", "source"]]


def build_municipal_tfr(reference: Path) -> pd.DataFrame:
    """TAB4805 TFR (content 000001J4) for all municipalities 2000-2025; ``..`` kept as status."""
    raw = _read(reference, "pxweb_responses/TAB4805_tfr_municipalities_2000_2025_long.csv")
    return pd.DataFrame({
        "year": raw["year"].astype(np.int64),
        "region": raw["region"],
        "region_name": raw["region_name"],
        "tfr_children_per_woman": pd.to_numeric(raw["tfr"].replace("", np.nan)),
        "status": raw["status"],
    })


def build_lulea_observed(reference: Path) -> pd.DataFrame:
    """Luleå 31 Dec 2024 (BE0101N1, final) and 2025 (000007ME, CKM noise)."""
    raw = _read(reference, "lulea/population_2006_2025.csv")
    raw = raw[raw["region"] == LULEA]
    raw = raw[raw["year"].isin(["2024", "2025"])]
    raw = raw.assign(age=raw["age"].map(age_from_label).astype(np.int64))
    checked = validate_frame("population", raw, source="Luleå population")
    checked["population"] = checked["population"].astype(np.int64)
    content = raw["source_content"].str.split(" ").str[0].to_numpy()
    out = checked.assign(contents_code=content, ckm=content == "000007ME")
    if set(out.loc[out["ckm"], "year"]) != {2025} or set(out.loc[~out["ckm"], "year"]) != {2024}:
        raise InputValidationError("expected final 2024 and CKM 2025 rows", location="Luleå")
    return out


def build_lulea_projection(reference: Path) -> pd.DataFrame:
    """SCB's regional projection (000005RC) for Luleå, 31 Dec 2024-2050, sexes x ages."""
    raw = _read(reference, "lulea/scb_regional_projection_2024_2050.csv")
    raw = raw[raw["region"] == LULEA]
    raw = raw.assign(age=raw["age"].map(age_from_label).astype(np.int64))
    return validate_frame("population", raw, source="Luleå regional projection")


def build(reference: Path, out_dir: Path = OUT_DIR) -> dict[str, int]:
    """Build every follow-up file; returns the number of rows written per file name."""
    births = build_observed_births(reference)
    population = build_observed_population(reference)
    frames = {
        "projected_births_vintages.csv.gz": build_projected_births(reference),
        "assumed_asfr_2024_2050.csv.gz": build_assumed_asfr(reference),
        "observed_births_sweden.csv.gz": births,
        "observed_population_sweden.csv.gz": population,
        "observed_tfr_sweden.csv.gz": build_observed_tfr(reference, births, population),
        "municipal_tfr.csv.gz": build_municipal_tfr(reference),
        "lulea_population_observed.csv.gz": build_lulea_observed(reference),
        "lulea_regional_projection.csv.gz": build_lulea_projection(reference),
    }
    for name, frame in frames.items():
        write_csv_gz(frame, out_dir / name)
    return {name: len(frame) for name, frame in frames.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m calculator.data.build_followup --reference DIR [--out DIR]``."""
    return build_script_main(__doc__.splitlines()[0] if __doc__ else "", build, OUT_DIR, argv)


if __name__ == "__main__":
    raise SystemExit(main())
