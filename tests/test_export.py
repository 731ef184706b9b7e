"""Workbook and CSV exports: what the budget team opens holds the same numbers as the result."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from calculator.data.baseline import trend_baseline_inputs
from calculator.data.scenario_files import load_scenario
from calculator.export import (
    HEADER_ROW,
    SHEET_NAMES,
    scenario_to_toml,
    to_csv_machine,
    to_csv_swedish,
    to_xlsx,
)
from calculator.projection import project
from calculator.scenario import FertilityChange, Scenario, scenario_from_toml
from calculator.tables import EXAMPLE_SERVICE_NEEDS, parse_age_groups, service_needs

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def batch() -> tuple[list[Scenario], pd.DataFrame]:
    """Two shipped scenarios on Luleå's trend baseline (embedded SCB data), 2024-2030."""
    from calculator.scenario import apply_scenarios

    scenarios = [
        dataclasses.replace(load_scenario(ROOT / "scenarios" / name), baseline="trend")
        for name in ("official.toml", "low_fertility.toml")
    ]
    inputs = apply_scenarios(trend_baseline_inputs("2580", 2030), scenarios)
    return scenarios, project(inputs).to_long()


def _sheet(book: bytes, name: str) -> pd.DataFrame:
    """A table sheet read back as pandas would (header in HEADER_ROW)."""
    return pd.read_excel(io.BytesIO(book), sheet_name=name, header=HEADER_ROW - 1)


@pytest.fixture(scope="module")
def book(batch: tuple[list[Scenario], pd.DataFrame]) -> bytes:
    scenarios, long = batch
    return to_xlsx(long, scenarios=scenarios, age_groups=parse_age_groups("0-5,6-15,80+"),
                   assumptions={"Datavintage": "test"},
                   extra_sheets={"Fruktsamhet: uppföljning": pd.DataFrame({"år": [2024],
                                                                           "tfr": [1.43]})})


def test_sheets_and_layout(book: bytes) -> None:
    wb = load_workbook(io.BytesIO(book))
    assert wb.sheetnames[:7] == list(SHEET_NAMES)
    assert wb.sheetnames[7] == "Fruktsamhet_ uppföljning"  # ':' is not allowed in sheet names
    for name in ("Sammanfattning", "Ettårsklasser", "Femårsklasser", "Egna åldersgrupper",
                 "Servicebehov", "Antaganden"):
        ws = wb[name]
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith(str(HEADER_ROW + 1))
        assert "31 december" in str(ws.cell(row=2, column=1).value), name
        assert ws.column_dimensions["A"].width >= len("Scenario")
    ws = wb["Ettårsklasser"]
    assert isinstance(ws.cell(row=HEADER_ROW + 1, column=5).value, int | float)  # numbers
    assert ws.cell(row=HEADER_ROW, column=5).value == 2024
    assert "Ingen jämförelse" in str(wb["Jämförelse"].cell(row=2, column=1).value)


def test_summary_sheet_holds_the_result_totals(
    book: bytes, batch: tuple[list[Scenario], pd.DataFrame]
) -> None:
    _, long = batch
    summary = _sheet(book, "Sammanfattning")
    for variable, column in (("population", "Folkmängd 31 dec"), ("births", "Födda"),
                             ("deaths", "Döda"), ("immigrants", "Invandrade"),
                             ("out_migrants", "Utflyttade (inrikes)")):
        expected = long[long["variable"] == variable].groupby(
            ["scenario", "year"], sort=False)["value"].sum()
        got = summary.dropna(subset=[column]).set_index(["Scenario", "År"])[column]
        assert len(got) == len(expected)
        np.testing.assert_allclose(got.loc[expected.index].to_numpy(), expected.to_numpy())
    assert list(pd.unique(summary["Scenario"])) == ["Officiell prognos", "Låg fruktsamhet"]


@pytest.mark.parametrize("sheet", ["Ettårsklasser", "Femårsklasser"])
def test_age_sheets_sum_to_totals(
    book: bytes, batch: tuple[list[Scenario], pd.DataFrame], sheet: str
) -> None:
    _, long = batch
    table = _sheet(book, sheet)
    pop = long[long["variable"] == "population"]
    for sex_sv, sexes in (("Kvinnor", ["female"]), ("Män", ["male"]),
                          ("Totalt", ["female", "male"])):
        rows = table[table["Kön"] == sex_sv]
        got = rows.groupby("Scenario")[list(range(2024, 2031))].sum()
        want = pop[pop["sex"].isin(sexes)].pivot_table(
            index="scenario", columns="year", values="value", aggfunc="sum")
        np.testing.assert_allclose(got.loc[want.index].to_numpy(), want.to_numpy())


def test_own_groups_sheet(book: bytes, batch: tuple[list[Scenario], pd.DataFrame]) -> None:
    _, long = batch
    table = _sheet(book, "Egna åldersgrupper")
    assert list(table["Åldersgrupp"].astype(str).unique()) == ["0-5", "6-15", "80+"]
    pop = long[(long["variable"] == "population") & (long["age"] >= 80)
               & (long["year"] == 2030) & (long["scenario"] == "Låg fruktsamhet")]
    row = table[(table["Scenario"] == "Låg fruktsamhet") & (table["Kön"] == "Totalt")
                & (table["Åldersgrupp"] == "80+")]
    assert row[2030].iloc[0] == pytest.approx(pop["value"].sum())


def test_service_sheet_matches_service_needs(
    book: bytes, batch: tuple[list[Scenario], pd.DataFrame]
) -> None:
    _, long = batch
    table = _sheet(book, "Servicebehov")
    needs = service_needs(long, EXAMPLE_SERVICE_NEEDS)
    want = needs[(needs["service"] == "forskola") & (needs["scenario"] == "Låg fruktsamhet")]
    got = table[(table["Verksamhet"] == "Förskola") & (table["Scenario"] == "Låg fruktsamhet")
                & (table["Mått"] == "Platser (behov)")]
    np.testing.assert_allclose(got[list(range(2024, 2031))].to_numpy()[0], want["places"])
    assert "EXEMPEL" in str(load_workbook(io.BytesIO(book))["Servicebehov"]["A2"].value)


def test_assumptions_sheet(book: bytes) -> None:
    table = _sheet(book, "Antaganden")
    values = dict(zip(table["Antagande"], table["Värde"], strict=True))
    assert values["Datavintage"] == "test"
    low = table[table["Avsnitt"] == "Scenario: Låg fruktsamhet"]
    row = low[low["Antagande"].str.contains("fertility.tfr_target", regex=False)]
    assert row["Värde"].iloc[0] == 1.3


def test_comparison_sheet_lays_out_any_table(batch: tuple[list[Scenario], pd.DataFrame]) -> None:
    _, long = batch
    diff = pd.DataFrame({"scenario": ["Låg fruktsamhet"] * 2, "year": [2025, 2026],
                         "sex": ["female", "male"], "variable": ["population"] * 2,
                         "unit": ["persons"] * 2, "value": [-3.5, -7.25]})
    book = to_xlsx(long, comparison=diff)
    table = _sheet(book, "Jämförelse")
    assert list(table.columns) == ["Scenario", "År", "Kön", "Variabel", "Enhet", "Värde"]
    assert table["Kön"].tolist() == ["Kvinnor", "Män"]
    assert table["Värde"].tolist() == [-3.5, -7.25]


def test_swedish_csv_round_trips(batch: tuple[list[Scenario], pd.DataFrame]) -> None:
    _, long = batch
    data = to_csv_swedish(long)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "Scenario;Region;År;Kön;Ålder;Variabel;Värde"
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig",
                       dtype={"Region": str})
    assert len(back) == len(long)
    np.testing.assert_allclose(back["Värde"].to_numpy(), long["value"].to_numpy(), rtol=1e-15)
    assert back["Region"].iloc[0] == "2580"
    assert set(back["Kön"]) == {"Kvinnor", "Män"}
    assert any("," in line for line in text.splitlines()[1:50])  # decimal commas are used


def test_machine_csv_round_trips(batch: tuple[list[Scenario], pd.DataFrame]) -> None:
    _, long = batch
    data = to_csv_machine(long)
    assert not data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), dtype={"region": str})
    assert list(back.columns) == list(long.columns)
    np.testing.assert_allclose(back["value"].to_numpy(), long["value"].to_numpy(), rtol=1e-15)


def test_scenario_toml_bytes_round_trip() -> None:
    scenario = Scenario(name="Från appen", fertility=FertilityChange(tfr_target=1.7,
                                                                    target_year=2036))
    data = scenario_to_toml(scenario)
    assert b'tfr_target = 1.7' in data
    assert scenario_from_toml(data.decode("utf-8")) == scenario
