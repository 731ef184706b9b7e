"""Command line: ``calculator project``, ``calculator template`` and the command groups
registered by other modules (``COMMAND_MODULES``: each has ``register(subparsers)``)."""

from __future__ import annotations

import argparse
import importlib
import io
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import pandas as pd

from calculator.exceptions import CalculatorError
from calculator.projection import project
from calculator.results import ProjectionResult

#: Modules adding sub-commands; each defines ``register(subparsers) -> None``.
COMMAND_MODULES: tuple[str, ...] = (
    "calculator.cli_run",
    "calculator.cli_data",
)

EXCEL_MAX_ROWS = 1_048_576


def _cmd_project(args: argparse.Namespace) -> int:
    from calculator.data.files import atomic_write_bytes
    from calculator.data.templates import load_inputs

    inputs = load_inputs(args.input_dir, base_year=args.base_year, end_year=args.to, srb=args.srb)
    result = project(inputs)
    data = result_file_bytes(result, Path(args.out))
    atomic_write_bytes(args.out, data)
    years = f"{result.years[0]}-{result.years[-1]}"
    sys.stderr.write(
        f"wrote {args.out}: {len(result.regions)} region(s), years {years} "
        "(stocks at 31 Dec, flows per calendar year, age at the end of the year)\n"
    )
    return 0


def result_file_bytes(result: ProjectionResult, out: Path) -> bytes:
    """The long result table as CSV or .xlsx bytes, chosen by the file suffix."""
    long = result.to_long()
    suffix = out.suffix.lower()
    if suffix == ".csv":
        return long.to_csv(index=False).encode("utf-8")
    if suffix == ".xlsx":
        if len(long) + 1 > EXCEL_MAX_ROWS:
            raise CalculatorError(
                f"{out}: {len(long)} rows do not fit in one Excel sheet "
                f"({EXCEL_MAX_ROWS} rows at most); write .csv instead"
            )
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            long.to_excel(writer, sheet_name="results", index=False)
            notes = pd.DataFrame({"note": [
                "population: persons at 31 December of the year",
                "births, deaths, immigrants, emigrants, in_migrants, out_migrants: persons during "
                "the calendar year, by age at the end of the year (births in the age 0 row)",
                "age 100 means 100 and over",
            ]})
            notes.to_excel(writer, sheet_name="conventions", index=False)
        return buffer.getvalue()
    raise CalculatorError(f"{out}: unknown output type {suffix!r}; allowed: .csv, .xlsx")


def _cmd_template(args: argparse.Namespace) -> int:
    from calculator.data.files import atomic_write_bytes

    target = Path(args.dir)
    example = resources.files("calculator.data").joinpath("examples/umea_befproj")
    existing = [p.name for p in example.iterdir() if (target / p.name).exists()]
    if existing and not args.force:
        raise CalculatorError(f"{target}: {', '.join(sorted(existing))} exist; use --force")
    for item in example.iterdir():
        atomic_write_bytes(target / item.name, item.read_bytes())
    sys.stderr.write(
        f"wrote example input templates to {target} (Umeå 2480, base year 2019, from the "
        "befproj example; see calculator/data/examples/README.md)\n"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="calculator",
        description="Befolkningskalkylatorn: cohort-component population projections.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("project", help="run the model on input templates")
    p.add_argument("input_dir", help="folder with population.csv, fertility.csv, ... or an .xlsx")
    p.add_argument("--to", type=int, default=None, help="last projection year (end_year)")
    p.add_argument("--base-year", type=int, default=None, help="base year (31 Dec stock)")
    p.add_argument("--srb", type=float, default=None, help="sex ratio at birth, boys per girl")
    p.add_argument("--out", required=True, help="results file, .csv or .xlsx (long format)")
    p.set_defaults(func=_cmd_project)
    t = sub.add_parser("template", help="write example input templates to a folder")
    t.add_argument("dir")
    t.add_argument("--force", action="store_true", help="overwrite existing files")
    t.set_defaults(func=_cmd_template)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 2 bad input or failure)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (CalculatorError, OSError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
