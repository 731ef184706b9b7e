"""Exports as bytes (the CLI writes them to files atomically; the app offers them as downloads).

* :func:`to_xlsx` - a workbook laid out the way Swedish municipalities receive SCB's
  commissioned forecasts: Sammanfattning, Ettårsklasser, Femårsklasser, Egna åldersgrupper,
  Servicebehov, Jämförelse, Antaganden (+ any extra sheets). Numbers are stored as numbers,
  header rows are frozen, column widths fit the contents, and every sheet states its units
  and conventions (stocks at 31 Dec, flows per calendar year, age at the end of the year).
* :func:`to_csv_swedish` - ``;`` separated, decimal comma, UTF-8 with BOM (Swedish Excel).
* :func:`to_csv_machine` - ``,`` separated, decimal point, UTF-8 without BOM.
* :func:`scenario_to_toml` - a scenario as a TOML file.

No I/O here: every function returns bytes.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from calculator.scenario import PARAMETERS, Scenario
from calculator.tables import (
    EXAMPLE_SERVICE_NEEDS,
    FIVE_YEAR_GROUPS,
    PLANNING_GROUPS,
    SINGLE_YEAR_GROUPS,
    SUMMARY_COLUMNS,
    SWEDISH_LABELS,
    AgeGroup,
    ServiceNeed,
    dependency_ratio,
    group_ages,
    mean_age,
    service_needs,
    summary_table,
    wide_by_year,
)

CONVENTIONS_SV: Final = (
    "Folkmängd avser 31 december. Flöden (födda, döda, flyttningar) avser hela kalenderåret. "
    "Ålder = ålder vid årets slut (uppnådd ålder under året); 100 = 100 år och äldre."
)
#: Row of the header in every table sheet (rows above hold the title and the conventions).
HEADER_ROW: Final = 4
SHEET_NAMES: Final = (
    "Sammanfattning", "Ettårsklasser", "Femårsklasser", "Egna åldersgrupper", "Servicebehov",
    "Jämförelse", "Antaganden",
)
_MAX_WIDTH: Final = 60
_INVALID_SHEET_CHARS = re.compile(r"[\[\]\*\?/\\:]")


def _cell(value: Any) -> Any:
    """A value openpyxl stores natively: numbers as numbers, missing as empty."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def _sv(name: object) -> str:
    text = str(name)
    return SWEDISH_LABELS.get(text, text)


def _write_table(
    ws: Worksheet,
    title: str,
    note: str,
    frame: pd.DataFrame,
    *,
    label_columns: int = 0,
    number_formats: Mapping[str, str] | None = None,
    default_number_format: str = "#,##0",
) -> None:
    """Title in row 1, units/conventions in row 2, header in :data:`HEADER_ROW`, data below.

    The header row and the first ``label_columns`` columns are frozen.
    """
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
    ws.cell(row=2, column=1, value=note).alignment = Alignment(wrap_text=False)
    headers = [str(c) for c in frame.columns]
    for j, column in enumerate(frame.columns, start=1):
        header = int(column) if isinstance(column, int | np.integer) else str(column)
        ws.cell(row=HEADER_ROW, column=j, value=header).font = Font(bold=True)
    formats = dict(number_formats or {})
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    columns = [frame[c].to_numpy(dtype=object) for c in frame.columns]
    for i in range(len(frame)):
        row = HEADER_ROW + 1 + i
        for j, col in enumerate(columns):
            value = _cell(col[i])
            cell = ws.cell(row=row, column=j + 1, value=value)
            if numeric[j] and isinstance(value, int | float) and not isinstance(value, bool):
                cell.number_format = formats.get(headers[j], default_number_format)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=label_columns + 1)
    _fit_widths(ws, frame, headers)


def _fit_widths(ws: Worksheet, frame: pd.DataFrame, headers: Sequence[str]) -> None:
    for j, header in enumerate(headers, start=1):
        values = frame.iloc[:, j - 1]
        if pd.api.types.is_numeric_dtype(values):
            finite = pd.to_numeric(values, errors="coerce").abs()
            largest = float(finite.max()) if finite.notna().any() else 0.0
            digits = len(f"{largest:,.0f}") + 3
        else:
            digits = int(values.astype(str).str.len().max()) if len(values) else 0
        width = min(max(len(header), digits, 6) + 2, _MAX_WIDTH)
        ws.column_dimensions[get_column_letter(j)].width = width


def _translate_values(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    out = frame.copy()
    for col in columns:
        if col in out.columns:
            out[col] = out[col].astype(str).map(lambda v: SWEDISH_LABELS.get(v, v))
    return out


def _summary_sheet(long: pd.DataFrame) -> pd.DataFrame:
    summary = summary_table(long)
    summary = summary.merge(dependency_ratio(long), on=["scenario", "region", "year"])
    summary = summary.merge(mean_age(long), on=["scenario", "region", "year"])
    columns = ["scenario", "region", "year", *SUMMARY_COLUMNS, "dependency_ratio",
               "mean_age_years"]
    return summary.loc[:, columns].rename(columns=_sv)


def _age_sheet(
    long: pd.DataFrame, groups: Sequence[AgeGroup], age_header: str = "Åldersgrupp"
) -> pd.DataFrame:
    grouped = group_ages(long, groups, variables=("population",))
    wide = wide_by_year(grouped).drop(columns="variable")
    wide = _translate_values(wide, ["sex"])
    names = {"age_group": age_header}
    return wide.rename(columns=lambda c: c if isinstance(c, int) else names.get(c, _sv(c)))


def _service_sheet(long: pd.DataFrame, needs: Sequence[ServiceNeed]) -> pd.DataFrame:
    table = service_needs(long, needs)
    if table.empty:
        return pd.DataFrame({"Verksamhet": ["inga verksamheter valda"]})
    measures = [
        ("population", "Folkmängd i åldersgruppen 31 dec (personer)"),
        ("places", "Platser (behov)"),
        ("cost_sek", "Kostnad (kr per år)"),
    ]
    pieces: list[pd.DataFrame] = []
    for column, label in measures:
        part = table.pivot_table(
            index=["scenario", "region", "service_sv", "age_group", "coverage_rate",
                   "cost_sek_per_user_year", "price_year"],
            columns="year", values=column, aggfunc="sum", sort=False,
        ).reset_index()
        part.insert(4, "measure", label)
        part["order"] = len(pieces)
        pieces.append(part)
    wide = pd.concat(pieces, ignore_index=True)
    order = {need.name_sv: i for i, need in enumerate(needs)}
    wide["service_order"] = wide["service_sv"].map(order)
    for col in ("scenario", "region"):
        wide[f"{col}_order"] = wide[col].map({v: i for i, v in enumerate(pd.unique(long[col]))})
    wide = wide.sort_values(
        ["scenario_order", "region_order", "service_order", "order"], kind="stable"
    )
    wide = wide.drop(columns=["order", "service_order", "scenario_order", "region_order"])
    wide.columns = [int(c) if isinstance(c, int | np.integer) else str(c) for c in wide.columns]
    names = {"measure": "Mått", "age_group": "Åldersgrupp"}
    return wide.rename(columns=lambda c: c if isinstance(c, int) else names.get(c, _sv(c)))


def _assumption_rows(
    scenarios: Sequence[Scenario],
    assumptions: Mapping[str, Any] | None,
    age_groups: Sequence[AgeGroup],
    needs: Sequence[ServiceNeed],
) -> pd.DataFrame:
    rows: list[tuple[str, str, Any]] = [
        ("Konventioner", "Folkmängd", "31 december varje år"),
        ("Konventioner", "Flöden", "födda, döda, flyttningar under kalenderåret"),
        ("Konventioner", "Ålder", "ålder vid årets slut (uppnådd ålder); 100 = 100 år och äldre"),
        ("Konventioner", "Enhet", "personer om inget annat anges; kostnader i kronor"),
    ]
    for key, value in (assumptions or {}).items():
        rows.append(("Underlag", str(key), _cell(value) if not isinstance(value, list | tuple)
                     else ", ".join(str(v) for v in value)))
    for scenario in scenarios:
        flat = scenario.to_flat()
        for key, param in PARAMETERS.items():
            value = flat[key]
            if value is None:
                shown: Any = "som i utgångsläget (ingen ändring)"
            elif param.kind == "float" and isinstance(value, float):
                shown = value
            else:
                shown = str(value)
            unit = f" ({param.unit_sv})" if param.unit_sv else ""
            rows.append((f"Scenario: {scenario.name}", f"{param.label_sv}{unit} [{key}]", shown))
    rows.append(("Egna åldersgrupper", "Grupper", ", ".join(g.label for g in age_groups)))
    for need in needs:
        rows.append((
            "Servicebehov (exempel, redigerbara)",
            f"{need.name_sv} {need.age_group.label} år",
            f"täckningsgrad {need.coverage_rate:g}; {need.cost_sek_per_user_year:,.0f} kr per "
            f"plats och år i {need.price_year} års priser",
        ))
    return pd.DataFrame(rows, columns=["Avsnitt", "Antagande", "Värde"])


def _safe_sheet_name(name: str, taken: set[str]) -> str:
    base = _INVALID_SHEET_CHARS.sub("_", name).strip("'")[:31] or "Blad"
    candidate, n = base, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    return candidate


def to_xlsx(
    long: pd.DataFrame,
    *,
    scenarios: Sequence[Scenario] = (),
    age_groups: Sequence[AgeGroup] = PLANNING_GROUPS,
    needs: Sequence[ServiceNeed] = EXAMPLE_SERVICE_NEEDS,
    comparison: pd.DataFrame | None = None,
    assumptions: Mapping[str, Any] | None = None,
    extra_sheets: Mapping[str, pd.DataFrame] | None = None,
) -> bytes:
    """The scenario workbook as ``.xlsx`` bytes.

    ``long`` is the tidy result (``scenario, region, year, sex, age, variable, value``) of
    one batch; ``scenarios`` the scenario objects (their parameters go to Antaganden);
    ``comparison`` a table of differences against the official forecast (e.g. from
    ``calculator.compare.compare``) laid out as given, or ``None`` (the sheet then says no
    comparison was chosen); ``assumptions`` the data vintage, baseline and anything else
    needed to rebuild the tables (key -> value); ``extra_sheets`` further sheets by name.
    """
    wb = Workbook()
    default = wb.active
    assert default is not None
    wb.remove(default)
    ws = wb.create_sheet("Sammanfattning")
    _write_table(
        ws, "Sammanfattning: befolkningsförändringar per år",
        CONVENTIONS_SV + " Flyttnetto = inflyttade + invandrade - utflyttade - utvandrade. "
        "Försörjningskvot (SCB): (antal 0-19 år + antal 65 år och äldre) / antal 20-64 år. "
        "Basåret visar bara folkmängden.",
        _summary_sheet(long), label_columns=3,
        number_formats={"År": "0", "Försörjningskvot": "0.000", "Medelålder (år)": "0.0"},
    )
    for name, title, groups, header in (
        ("Ettårsklasser", "Folkmängd 31 december efter ettårsklasser", SINGLE_YEAR_GROUPS,
         "Ålder"),
        ("Femårsklasser", "Folkmängd 31 december efter femårsklasser", FIVE_YEAR_GROUPS,
         "Åldersgrupp"),
        ("Egna åldersgrupper", "Folkmängd 31 december efter egna åldersgrupper", age_groups,
         "Åldersgrupp"),
    ):
        ws = wb.create_sheet(name)
        _write_table(ws, title, CONVENTIONS_SV + " Enhet: personer. Kolumnerna är år.",
                     _age_sheet(long, groups, header), label_columns=4)
    ws = wb.create_sheet("Servicebehov")
    price_years = sorted({n.price_year for n in needs})
    _write_table(
        ws, "Servicebehov och kostnader per år",
        "Platser = folkmängd i åldersgruppen 31 december x täckningsgrad; kostnad = platser x kostnad "
        f"per plats och år, i {', '.join(map(str, price_years))} års priser. Täckningsgrader och "
        "kostnader är redigerbara EXEMPEL, inte officiella uppgifter; ersätt dem med egna.",
        _service_sheet(long, needs), label_columns=5,
        number_formats={"Täckningsgrad": "0.00", "Prisår": "0"},
    )
    ws = wb.create_sheet("Jämförelse")
    if comparison is None:
        ws.cell(row=1, column=1, value="Jämförelse med officiell prognos").font = Font(bold=True)
        ws.cell(row=2, column=1, value="Ingen jämförelse med den officiella prognosen valdes.")
        ws.column_dimensions["A"].width = 60
    else:
        frame = _translate_values(comparison, ["sex"]).rename(columns=_sv)
        _write_table(
            ws, "Jämförelse: scenario minus officiell prognos",
            CONVENTIONS_SV + " Skillnad = scenario - jämförelseprognos, i kolumnen Enhet.",
            frame, label_columns=min(3, len(frame.columns)),
            number_formats={"År": "0", "Ålder": "0"}, default_number_format="#,##0.0",
        )
    ws = wb.create_sheet("Antaganden")
    _write_table(
        ws, "Antaganden och underlag",
        "Allt som behövs för att återskapa tabellerna: underlag (datavintage), utgångsläge och "
        "varje scenarios parametrar. " + CONVENTIONS_SV,
        _assumption_rows(scenarios, assumptions, age_groups, needs), label_columns=2,
        default_number_format="General",
    )
    taken = set(wb.sheetnames)
    for name, frame in (extra_sheets or {}).items():
        sheet_name = _safe_sheet_name(name, taken)
        taken.add(sheet_name)
        ws = wb.create_sheet(sheet_name)
        _write_table(ws, name, CONVENTIONS_SV, frame, default_number_format="General")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def to_csv_swedish(frame: pd.DataFrame, *, swedish_headers: bool = True) -> bytes:
    """CSV for Swedish Excel: ``;`` between fields, decimal comma, UTF-8 with BOM.

    With ``swedish_headers`` column names and the sex labels are in Swedish (År, Kön,
    Kvinnor ...). Read back with ``pd.read_csv(..., sep=';', decimal=',')``.

    >>> to_csv_swedish(pd.DataFrame({"year": [2025], "value": [1.5]}))[:3] == b"\\xef\\xbb\\xbf"
    True
    """
    out = frame
    if swedish_headers:
        out = _translate_values(frame, ["sex", "variable"]).rename(columns=_sv)
    text = out.to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def to_csv_machine(frame: pd.DataFrame) -> bytes:
    """Machine-readable CSV: ``,`` between fields, decimal point, UTF-8 without BOM, LF."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def scenario_to_toml(scenario: Scenario) -> bytes:
    """The scenario as a UTF-8 TOML file (runs with ``calculator run``)."""
    return scenario.to_toml().encode("utf-8")
