"""Import of the municipality's own forecast: round trip from SCB's regional projection, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calculator.compare import assert_frames_close, compare
from calculator.data.own_forecast import (
    read_own_forecast,
    read_own_forecast_text,
    write_own_forecast_template,
)
from calculator.exceptions import InputValidationError

DATA = Path(__file__).parent / "data"
KEYS = ["region", "year", "sex", "age"]


def _scb_regional_tidy() -> pd.DataFrame:
    """SCB's regional projection for Luleå (000005RC) from the raw PxWeb extract in tests/data."""
    raw = pd.read_csv(DATA / "official_scb_regional_lulea_raw.csv", dtype=str)
    long = raw.melt(id_vars=["Region", "InrikesUtrikes", "Kon", "Alder"], var_name="col")
    return pd.DataFrame({
        "region": long["Region"], "year": long["col"].str[-4:].astype(int),
        "sex": long["Kon"].map({"1": "male", "2": "female"}),
        "age": long["Alder"].str.rstrip("+").astype(int),
        "population": long["value"].astype(float),
    })


def _as_long(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(variable="population", value=frame["population"])


def _template_csv(frame: pd.DataFrame, sex_labels: dict[str, str] | None = None) -> str:
    out = frame.assign(
        sex=frame["sex"].map(sex_labels) if sex_labels else frame["sex"],
        age=[("100+" if a == 100 else str(a)) for a in frame["age"]],
    )
    return out.loc[:, ["year", "sex", "age", "population"]].to_csv(index=False)


def test_round_trip_csv_from_scb_regional_projection(tmp_path: Path) -> None:
    scb = _scb_regional_tidy()
    path = tmp_path / "prognos.csv"
    write_own_forecast_template(scb, path)
    got = read_own_forecast(path, label="antagen 2024")
    assert set(got["vintage"]) == {"antagen 2024"}
    assert_frames_close(got, scb, on=KEYS, value="population", rtol=0, atol=0)
    # The comparison of the import with the source is all zeros.
    diff = compare(_as_long(got).assign(scenario="own"), _as_long(scb), by="age_group")
    assert len(diff) > 0
    assert np.abs(diff["abs_diff"]).max() < 1e-9  # row order differs: sums in another order


def test_round_trip_xlsx_with_swedish_names(tmp_path: Path) -> None:
    scb = _scb_regional_tidy().query("year <= 2026")
    sheet = pd.DataFrame({
        "År": scb["year"], "Kön": scb["sex"].map({"female": "kvinnor", "male": "män"}),
        "Ålder": [("100+" if a == 100 else a) for a in scb["age"]],
        "Folkmängd": scb["population"],
    })
    path = tmp_path / "prognos.xlsx"
    sheet.to_excel(path, index=False, sheet_name="prognos")
    got = read_own_forecast(path, region="2580")
    assert_frames_close(got, scb, on=KEYS, value="population", rtol=1e-12, atol=1e-9)


def test_semicolon_decimal_comma_and_scb_sex_codes() -> None:
    scb = _scb_regional_tidy().query("year == 2030")
    text = _template_csv(scb, {"female": "2", "male": "1"}).replace(",", ";")
    text = "\n".join(
        line if i == 0 else line.rsplit(";", 1)[0] + ";" + line.rsplit(";", 1)[1].replace(".", ",")
        for i, line in enumerate(text.splitlines())
    )
    got = read_own_forecast_text(text, region="2580")
    assert got["population"].sum() == pytest.approx(scb["population"].sum(), abs=1e-6)


def _valid_rows() -> list[str]:
    return [f"2030,{s},{a},{100 - a}" for s in ("female", "male") for a in range(101)]


def _error(rows: list[str], header: str = "year,sex,age,population") -> str:
    with pytest.raises(InputValidationError) as info:
        read_own_forecast_text("\n".join([header, *rows]), source="prognos.csv")
    return str(info.value)


def test_broken_file_errors_name_file_row_and_column(tmp_path: Path) -> None:
    rows = _valid_rows()
    bad = rows.copy()
    bad[9] = "2030,female,9,tio"  # file row 11 (header is row 1)
    path = tmp_path / "prognos.csv"
    path.write_text("\n".join(["year,sex,age,population", *bad]), encoding="utf-8")
    with pytest.raises(InputValidationError, match=r"prognos\.csv, row 11, column population"):
        read_own_forecast(path)

    bad = rows.copy()
    bad[4] = "2030,female,4,-3"
    assert "row 6, column population" in _error(bad) and "negative" in _error(bad)
    bad = rows.copy()
    bad[120] = "2030,okänd,19,5"
    msg = _error(bad)
    assert "row 122, column sex" in msg and "kvinnor/män" in msg
    bad = rows.copy()
    bad[3] = "2030,female,101,5"
    assert "row 5, column age" in _error(bad)
    bad = rows.copy()
    bad[2] = "2030,female,1,5"
    msg = _error(bad)
    assert "row 4" in msg and "duplicate" in msg and "row 3" in msg
    msg = _error(rows[:50] + rows[51:])
    assert "missing age(s) 50" in msg and "female" in msg
    assert "missing column(s) population" in _error(
        [r.rsplit(",", 1)[0] for r in rows], header="year,sex,age")
    bad = rows.copy()
    bad[0] = "tjugo,female,0,5"
    assert "row 2, column year" in _error(bad)


def test_areas_give_regions() -> None:
    rows = [f"Centrum,{r}" for r in _valid_rows()] + [f"Norr,{r}" for r in _valid_rows()]
    got = read_own_forecast_text("\n".join(["område,year,sex,age,population", *rows]))
    assert sorted(got["region"].unique()) == ["Centrum", "Norr"]
    assert np.allclose(got.groupby("region")["population"].sum(), 2 * sum(range(1, 101)))
