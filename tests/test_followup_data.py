"""Tests of the embedded follow-up data and the monthly upload parser.

Expected figures come from the reference folder's SOURCES.md and SCB_PROJECTION_HEADLINES.md
(quoted next to each check) or from the extracts in tests/data (README_followup.md).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calculator.data import followup_data as fd
from calculator.exceptions import InputValidationError

DATA = Path(__file__).parent / "data"


def test_vintage_totals_equal_the_sums_in_the_source_file() -> None:
    # SOURCES.md section 8: "vintage 2018 -> 116,206 (2018), vintage 2019 -> 117,719 (2019),
    # vintage 2020 -> 114,590 (2020), vintage 2021 -> 110,445 (2021), vintage 2025 -> 96,857
    # (2026) ... 113,540 (2050)".
    totals = fd.load_projected_births().groupby(["projection_vintage", "year"])["births"].sum()
    assert totals[(2018, 2018)] == 116_206
    assert totals[(2019, 2019)] == 117_719
    assert totals[(2020, 2020)] == 114_590
    assert totals[(2021, 2021)] == 110_445
    assert totals[(2025, 2026)] == 96_857
    assert totals[(2025, 2050)] == 113_540
    # every vintage-year against the awk sums of the source file (tests/data extract)
    ref = pd.read_csv(DATA / "followup_vintage_births_totals.csv")
    ref = ref.set_index(["projection_vintage", "year"])["projected_births_16_48"]
    assert len(ref) == len(totals) == 41
    pd.testing.assert_series_equal(totals.sort_index(), ref.sort_index(), check_names=False)


def test_projected_births_keep_vintage_codes_and_groups() -> None:
    births = fd.load_projected_births()
    codes = births.groupby("projection_vintage")["contents_code"].first().to_dict()
    # SOURCES.md section 8: content codes as delivered
    assert codes == {2018: "00000282", 2019: "000003D4", 2020: "000000XB",
                     2021: "000005M7", 2025: "000005MU"}
    groups = births.groupby("projection_vintage")["n_birth_groups"].max().to_dict()
    assert groups == {2018: 7, 2019: 7, 2020: 7, 2021: 5, 2025: 5}
    assert births["mother_age"].min() == 16 and births["mother_age"].max() == 48


def test_assumed_tfr_equals_the_derived_reference() -> None:
    # SOURCES.md section 21: region 90: 2024 1.421, 2025 1.408, 2030 1.513, 2050 1.661
    tfr = fd.load_assumed_tfr().set_index("year")["tfr_children_per_woman"]
    ref = pd.read_csv(DATA / "followup_assumed_tfr_region90.csv").set_index("year")
    np.testing.assert_allclose(tfr.loc[ref.index], ref["tfr_sum_of_asfr_16_48"], atol=5e-5)
    assert abs(tfr[2024] - 1.421) <= 5e-4 and abs(tfr[2050] - 1.661) <= 5e-4


def test_observed_births_totals_match_published_figures() -> None:
    births = fd.load_observed_births()
    totals = births.groupby("year")["births"].sum()
    # SOURCES.md section 5: national totals 1968: 113,086; 2000: 90,441 (the counties file
    # has one birth with "no information" on mother's age in the whole series, dropped here)
    assert totals[1968] in (113_086, 113_085)
    assert totals[2000] in (90_441, 90_440)
    # SOURCES.md section 15: Sweden (ages 15..49+) 2015 = 114,867 and 2024 = 98,446
    assert totals[2015] == 114_867
    assert totals[2024] == 98_446
    assert set(births.loc[births["year"] <= 2005, "source"]) == {"FoddaK (sum of counties)"}
    assert set(births.loc[births["year"] >= 2006, "source"]) == {"BE0101E2"}


def test_observed_population_totals() -> None:
    pop = fd.load_observed_population()
    totals = pop.groupby("year")["population"].sum()
    # SOURCES.md sections 1 and 3: 1968: 7,931,193; 2015: 9,851,017; 2019: 10,327,589;
    # 2020: 10,379,295
    assert totals[1968] == 7_931_193
    assert totals[2015] == 9_851_017
    assert totals[2019] == 10_327_589
    assert totals[2020] == 10_379_295


def test_observed_tfr_kinds_and_text_values() -> None:
    tfr = fd.load_observed_tfr().set_index("year")
    # SCB_PROJECTION_HEADLINES.md: "1.52 in 2022, 1.43 in 2024" published in text
    assert tfr.loc[2022, "tfr_children_per_woman"] == 1.52
    assert tfr.loc[2024, "tfr_children_per_woman"] == 1.43
    assert tfr.loc[2024, "kind"] == "published in text"
    # SOURCES.md section 6: derived 2011 = 1.90 (SCB 1.90), 1999 about 1.5
    assert round(tfr.loc[2011, "tfr_children_per_woman"], 2) == 1.90
    assert round(tfr.loc[1999, "tfr_children_per_woman"], 1) == 1.5
    assert 2021 not in tfr.index and 2023 not in tfr.index


def test_municipal_tfr_lulea() -> None:
    tfr = fd.load_municipal_tfr()
    lulea = tfr[tfr["region"] == "2580"].set_index("year")["tfr_children_per_woman"]
    # SOURCES.md section 22: Luleå 2020 1.58, 2021 1.62, 2022 1.35, 2023 1.32, 2024 1.23,
    # 2025 1.37; 204 suppressed values
    assert lulea[[2020, 2021, 2022, 2023, 2024, 2025]].tolist() == [
        1.58, 1.62, 1.35, 1.32, 1.23, 1.37]
    assert int(tfr["tfr_children_per_woman"].isna().sum()) == 204
    assert (tfr.loc[tfr["tfr_children_per_woman"].isna(), "status"] == "..").all()


def test_lulea_population_and_projection_totals() -> None:
    obs = fd.load_lulea_observed_population()
    totals = obs.groupby("year")["population"].sum()
    # SOURCES.md sections 13-14: Luleå 2024 = 79,645; 2025 = 80,321
    assert totals[2024] == 79_645 and totals[2025] == 80_321
    assert obs.loc[obs["year"] == 2025, "ckm"].all()
    assert not obs.loc[obs["year"] == 2024, "ckm"].any()
    proj = fd.load_lulea_regional_projection()
    # SOURCES.md section 18: Luleå total 2024 = 79,374; 2050 = 79,614
    ptot = proj.groupby("year")["population"].sum()
    assert round(ptot[2024]) == 79_374 and round(ptot[2050]) == 79_614


def test_coverage_table_follows_the_loaders() -> None:
    cov = fd.embedded_coverage().set_index("dataset")
    loaders = {
        "observed births by mother's age, Sweden": fd.load_observed_births(),
        "observed population, Sweden": fd.load_observed_population(),
        "observed TFR, Sweden": fd.load_observed_tfr(),
        "assumed fertility rates (all women)": fd.load_assumed_asfr(),
        "municipal TFR (TAB4805)": fd.load_municipal_tfr(),
        "SCB regional projection, Luleå": fd.load_lulea_regional_projection(),
    }
    for dataset, frame in loaders.items():
        assert cov.loc[dataset, "first_year"] == frame["year"].min(), dataset
        assert cov.loc[dataset, "last_year"] == frame["year"].max(), dataset
    # SOURCES.md: Sweden's births reach 2024 (§15), its population 2020 (§1-2); SCB published
    # TFR in text for 2022 and 2024 only, so 2021 and 2023 are gaps.
    assert cov.loc["observed births by mother's age, Sweden", "last_year"] == 2024
    assert cov.loc["observed population, Sweden", "last_year"] == 2020
    assert cov.loc["observed TFR, Sweden", "note"].endswith("missing: 2021, 2023")
    assert "fetch online" not in " ".join(cov["note"])


# --- monthly upload template ------------------------------------------------------------------

def test_monthly_template_reads_real_lulea_december_figures() -> None:
    monthly = fd.read_monthly_population(DATA / "followup_monthly_lulea_2024_12_2025_12.csv")
    assert list(monthly.columns) == ["month", "sex", "age", "population"]
    assert sorted(monthly["month"].unique()) == ["2024-12", "2025-12"]
    assert monthly.groupby("month")["population"].sum().to_dict() == {
        "2024-12": 79_645.0, "2025-12": 80_321.0}
    assert monthly["age"].max() == 100


def test_monthly_template_accepts_semicolons_bom_and_scb_codes() -> None:
    text = "\ufeffmonth;sex;age;population\n2025-03;2;100+;5\n2025-03;män;0;7\n\n"
    out = fd.read_monthly_population(io.BytesIO(text.encode("utf-8")))
    assert out.to_dict("records") == [
        {"month": "2025-03", "sex": "female", "age": 100, "population": 5.0},
        {"month": "2025-03", "sex": "male", "age": 0, "population": 7.0},
    ]


def test_monthly_template_and_own_forecast_share_the_sex_vocabulary() -> None:
    """Both readers use grid.parse_sex: K/M and Kvinnor/Män (any case) are accepted."""
    text = "month,sex,age,population\n2025-03,K,1,5\n2025-03,Män,1,7\n2025-03,KVINNOR,2,1\n"
    out = fd.read_monthly_population(io.StringIO(text))
    got = sorted(zip(out["sex"], out["age"], out["population"], strict=True))
    assert got == [("female", 1, 5.0), ("female", 2, 1.0), ("male", 1, 7.0)]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("month,sex,age,pop\n", "expected exactly"),
        ("month,sex,age,population\n2025-13,female,1,3\n", "line 2, column month"),
        ("month,sex,age,population\n2025-1,female,1,3\n", "YYYY-MM"),
        ("month,sex,age,population\n2025-01,woman,1,3\n", "column sex"),
        ("month,sex,age,population\n2025-01,female,101,3\n", "column age"),
        ("month,sex,age,population\n2025-01,female,1.5,3\n", "column age"),
        ("month,sex,age,population\n2025-01,female,1,-3\n", "column population"),
        ("month,sex,age,population\n2025-01,female,1,x\n", "column population"),
        ("month,sex,age,population\n2025-01,female,1\n", "3 fields"),
        ("month,sex,age,population\n2025-01,female,1,3\n\n2025-01,female,1,4\n",
         "line 4"),
        ("month,sex,age,population\n", "no data rows"),
        ("", "empty"),
    ],
)
def test_monthly_template_errors_name_line_and_column(body: str, fragment: str) -> None:
    with pytest.raises(InputValidationError) as info:
        fd.read_monthly_population(io.StringIO(body), name="upload.csv")
    assert fragment in str(info.value)
    assert "upload.csv" in str(info.value)


def test_monthly_template_missing_file() -> None:
    with pytest.raises(InputValidationError, match="cannot read"):
        fd.read_monthly_population(DATA / "no_such_file.csv")
