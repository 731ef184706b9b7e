"""Input templates and the `calculator project` / `template` commands, as a user runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from calculator.cli import main
from calculator.data.templates import load_inputs
from calculator.exceptions import InputValidationError
from calculator.results import check_long_balance

EXAMPLE = Path(__file__).resolve().parents[1] / "calculator" / "data" / "examples" / "umea_befproj"


@pytest.fixture
def inputs_dir(tmp_path: Path) -> Path:
    assert main(["template", str(tmp_path / "in")]) == 0
    return tmp_path / "in"


def test_template_then_project_csv(inputs_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    assert main(["project", str(inputs_dir), "--to", "2040", "--out", str(out)]) == 0
    long = pd.read_csv(out, dtype={"region": str})
    assert list(long.columns) == ["scenario", "region", "year", "sex", "age", "variable", "value"]
    assert set(long["variable"]) == {"population", "births", "deaths", "immigrants", "emigrants",
                                     "in_migrants", "out_migrants"}
    assert long["year"].min() == 2019 and long["year"].max() == 2040
    # the base population is the Umeå 2019 stock from the befproj example (SCB figures)
    base = long[(long.year == 2019) & (long.variable == "population")]["value"].sum()
    assert base == pd.read_csv(EXAMPLE / "population.csv")["population"].sum()
    assert check_long_balance(long) < 1e-6


def test_project_xlsx(inputs_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.xlsx"
    assert main(["project", str(inputs_dir), "--to", "2025", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["results", "conventions"]


def test_xlsx_input_workbook(inputs_dir: Path, tmp_path: Path) -> None:
    workbook = tmp_path / "inputs.xlsx"
    with pd.ExcelWriter(workbook) as writer:
        for kind in ("population", "fertility", "mortality", "migration"):
            pd.read_csv(inputs_dir / f"{kind}.csv", dtype=str).to_excel(writer, sheet_name=kind,
                                                                          index=False)
        pd.DataFrame({"key": ["base_year", "end_year"], "value": [2019, 2030]}).to_excel(
            writer, sheet_name="settings", index=False)
    from_xlsx = load_inputs(workbook)
    from_csv = load_inputs(inputs_dir, end_year=2030)
    assert from_xlsx.n_years == from_csv.n_years == 11
    assert (from_xlsx.death_prob_year_sex_age == from_csv.death_prob_year_sex_age).all()


def _break(inputs_dir: Path, kind: str, edit) -> None:  # type: ignore[no-untyped-def]
    path = inputs_dir / f"{kind}.csv"
    frame = pd.read_csv(path, dtype=str)
    edit(frame).to_csv(path, index=False)


@pytest.mark.parametrize(
    ("kind", "edit", "message"),
    [
        ("population", lambda f: f.assign(population=f.population.where(f.index != 3, "-5")),
         r"population.csv, row 5, column 'population': '-5'; allowed"),
        ("mortality", lambda f: f.assign(probability=f.probability.where(f.index != 0, "1.5")),
         r"mortality.csv, row 2, column 'probability': '1.5'; allowed: a probability in \[0, 1\]"),
        ("population", lambda f: f.drop(index=10),
         r"population.csv: region '2480', sex female: 100 ages given, missing \[10\]"),
        ("mortality", lambda f: f.drop(index=5),
         r"mortality.csv: region '2480', year 2020, sex female: 100 ages given, missing \[5\]"),
        ("fertility", lambda f: pd.concat([f, f.iloc[[3]]]),
         r"fertility.csv, row \d+: duplicate row .* \(first given on row 5\)"),
        ("population", lambda f: pd.concat([f, f.iloc[[7]]]),
         r"row 204: duplicate row .* \(first given on row 9\)"),
        ("mortality", lambda f: f.assign(sex=f.sex.where(f.index != 4, "K")),
         r"mortality.csv, row 6, column 'sex': 'K'; allowed: female, male"),
        ("fertility", lambda f: f.iloc[::-1],
         r"fertility.csv, row 45, column 'year': year 2030 after 2031: years in the wrong order"),
        ("fertility", lambda f: f.assign(age=f.age.where(f.index != 1, "101")),
         r"fertility.csv, row 3, column 'age': '101'; allowed: whole ages 0..100"),
        ("migration", lambda f: f.drop(columns=["year"]), r"missing column\(s\) \['year'\]"),
    ],
)
def test_bad_input_names_file_row_column(inputs_dir: Path, tmp_path: Path, kind, edit,
                                         message, capsys) -> None:  # type: ignore[no-untyped-def]
    _break(inputs_dir, kind, edit)
    with pytest.raises(InputValidationError, match=message):
        load_inputs(inputs_dir, end_year=2030)
    out = tmp_path / "never.csv"
    assert main(["project", str(inputs_dir), "--to", "2030", "--out", str(out)]) == 2
    assert not out.exists()  # nothing half-written
    assert "error:" in capsys.readouterr().err


def test_missing_year_carries_the_last_year_forward(inputs_dir: Path) -> None:
    inputs = load_inputs(inputs_dir, end_year=2040)  # the example gives rates to 2031
    assert (inputs.fert_rate_year_age[0, 0, -1] == inputs.fert_rate_year_age[0, 0, 11]).all()


def test_rates_must_start_by_the_first_projection_year(inputs_dir: Path) -> None:
    _break(inputs_dir, "fertility", lambda f: f[f.year.astype(int) >= 2022])
    with pytest.raises(InputValidationError, match="no values for 2020: the first year given is 2022"):
        load_inputs(inputs_dir, end_year=2030)


def test_net_migration_template(inputs_dir: Path, tmp_path: Path) -> None:
    mig = pd.read_csv(inputs_dir / "migration.csv")
    # a net outflow of 50 persons at ages 20-30, where Umeå has thousands of residents
    mig["net_migrants"] = mig["immigrants"] + mig["in_migrants"] - 50.0 * mig["age"].between(20, 30)
    mig[["year", "region", "sex", "age", "net_migrants"]].to_csv(inputs_dir / "migration.csv",
                                                                 index=False)
    inputs = load_inputs(inputs_dir, end_year=2025)
    assert inputs.migration_mode == "net"
    out = tmp_path / "net.csv"
    assert main(["project", str(inputs_dir), "--to", "2025", "--out", str(out)]) == 0
    long = pd.read_csv(out, dtype={"region": str})
    assert "net_migrants" in set(long["variable"])
    check_long_balance(long)


def test_template_refuses_to_overwrite(inputs_dir: Path) -> None:
    assert main(["template", str(inputs_dir)]) == 2
    shutil.rmtree(inputs_dir)
