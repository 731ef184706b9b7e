"""``calculator run``: several scenario files in one batch, one workbook.

    calculator run scenarios/low_fertility.toml scenarios/official.toml --region 2580 \\
        --out tabeller.xlsx [--to 2050] [--csv-swedish tabeller.csv] [--csv results.csv]

The scenarios are applied to their baseline (built from the embedded SCB data), batched along
the engine's scenario axis and projected together. Every output is built in memory first and
then written atomically, so an error leaves no partial file behind.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from calculator.data.followup_data import followup_sheets
from calculator.data.scenario_files import load_scenario
from calculator.exceptions import CalculatorError, InputValidationError
from calculator.export import to_csv_machine, to_csv_swedish, to_xlsx
from calculator.inputs import ProjectionInputs
from calculator.projection import project
from calculator.results import ProjectionResult
from calculator.scenario import Scenario, apply_scenario, stack_scenarios
from calculator.tables import PLANNING_GROUPS_SPEC, parse_age_groups

#: Label added to a scenario's name when it asked for the official baseline but ran on the
#: trend baseline because no official baseline is available for the region.
TREND_FALLBACK_SUFFIX = " [trendbaslinje]"


@dataclass(frozen=True)
class Baseline:
    """A baseline's inputs and what the workbook's Antaganden must say about it.

    ``official_long`` is the official forecast's own long table (for the Jämförelse sheet).
    """

    kind: str
    inputs: ProjectionInputs
    description: str
    official_long: pd.DataFrame | None = None


def trend_baseline(region: str, end_year: int) -> Baseline:
    """The trend baseline estimated from the embedded SCB data."""
    from calculator.data.baseline import trend_baseline_frames
    from calculator.data.templates import inputs_from_frames

    frames = trend_baseline_frames(region)
    if end_year <= frames.base_year:
        raise InputValidationError(
            f"{end_year} is not after the base year {frames.base_year}; allowed: "
            f"{frames.base_year + 1}..2100",
            location="--to / end_year",
        )
    inputs = inputs_from_frames(
        frames.population, frames.fertility, frames.mortality, frames.migration,
        base_year=frames.base_year, end_year=end_year, srb=frames.srb_males_per_female,
        scenario="trend",
    )
    return Baseline("trend", inputs, frames.description)


def official_baseline(region: str, end_year: int) -> Baseline | None:
    """SCB's official forecast for ``region`` as model inputs, or ``None`` if none is embedded.

    The forecast is :func:`calculator.data.official.official_forecast_for` (Sweden ``00``: the
    national projection 2025; Luleå ``2580``: the regional projection 2024). See
    :mod:`calculator.official_baseline`.
    """
    from calculator.data.official import (
        FORECASTS,
        describe_official_baseline,
        official_forecast_for,
    )
    from calculator.official_baseline import official_baseline as build

    forecast_id = official_forecast_for(region)
    if forecast_id is None:
        return None
    built = build(forecast_id, region)
    full = built.inputs
    last = full.base_year + full.n_years
    if not full.base_year < end_year <= last:
        raise InputValidationError(
            f"{end_year} is outside the official forecast {FORECASTS[forecast_id].label}; "
            f"allowed: {full.base_year + 1}..{last}",
            location="--to / end_year",
        )
    inputs = full.until(end_year)
    description = describe_official_baseline(inputs, forecast_id, "sv")
    return Baseline("official", inputs, description, built.official_long)


@dataclass(frozen=True)
class BatchOutput:
    """The joined long table, the comparison with the official forecast (or ``None``), the
    assumptions for Antaganden and the engine results (one per baseline)."""

    long: pd.DataFrame
    comparison: pd.DataFrame | None
    notes: dict[str, Any]
    results: list[ProjectionResult]


def run_batch(
    scenarios: Sequence[Scenario],
    region: str,
    end_year: int,
    *,
    progress: bool = True,
    baseline_builders: dict[str, Callable[[str, int], Baseline | None]] | None = None,
) -> BatchOutput:
    """Apply every scenario to its baseline and project them, one batch per baseline.

    Scenarios on the same baseline run in one batch along the engine's scenario axis; the
    official and trend baselines may differ in migration mode and base year, so each runs
    as its own batch and the long tables are joined.
    """
    builders = baseline_builders or {"trend": trend_baseline, "official": official_baseline}
    baselines: dict[str, Baseline] = {}
    notes: dict[str, Any] = {"Region": region, "Sista prognosår": end_year}
    fallback = False
    for kind in sorted({s.baseline for s in scenarios}):
        reuse = [b for b in baselines.values() if b.kind == kind]
        built = reuse[0] if reuse else builders[kind](region, end_year)
        if built is None and kind == "official":
            fallback = True
            built = baselines.get("trend") or builders["trend"](region, end_year)
            notes["Utgångsläge 'official'"] = (
                "Ingen officiell prognos finns inbyggd som modellindata för denna region; "
                "scenarier med baseline = 'official' kördes på trendbaslinjen (märkta "
                f"'{TREND_FALLBACK_SUFFIX.strip()}')."
            )
        if built is None:
            raise CalculatorError(f"no {kind!r} baseline for region {region}")
        baselines[kind] = built
        notes[f"Utgångsläge {built.kind}"] = built.description
    bar = tqdm(scenarios, desc="scenarier", unit="scenario", disable=not progress,
               file=sys.stderr)
    applied: dict[str, list[ProjectionInputs]] = {}
    for scenario in bar:
        base = baselines[scenario.baseline]
        named, info = scenario, {"kind": base.kind}
        if fallback and scenario.baseline == "official":
            named = replace(scenario, name=scenario.name + TREND_FALLBACK_SUFFIX)
            info = {"kind": "official"}
        applied.setdefault(base.kind, []).append(apply_scenario(base.inputs, named, info))
    names = [n for group in applied.values() for inp in group for n in inp.scenarios]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise InputValidationError(
            f"scenario name(s) {dupes} used more than once; every scenario in a batch needs its "
            "own name",
            location="scenarios",
        )
    results = []
    for group_kind, group in applied.items():  # one batch per baseline (modes may differ)
        inputs = stack_scenarios(group)
        results.append(project(inputs))
        notes[f"Basår {group_kind} (folkmängd 31 dec)"] = (
            f"{inputs.base_year} (SCB:s framskrivna folkmängd {inputs.base_year} enligt "
            "prognosen, inte den registrerade)" if group_kind == "official"
            else inputs.base_year
        )
        notes.update(input_summary(inputs))
    order = {s.name: i for i, s in enumerate(scenarios)}
    long = pd.concat([r.to_long() for r in results], ignore_index=True)
    long = long.sort_values(
        "scenario", key=lambda c: c.map(lambda n: order.get(n.removesuffix(
            TREND_FALLBACK_SUFFIX), 0)), kind="stable",
    ).reset_index(drop=True)
    official = baselines.get("official")
    comparison = None
    if official is not None and official.official_long is not None and official.kind == "official":
        from calculator.compare import compare

        comparison = compare(long, official.official_long, by="age_group")
    try:
        from calculator.data.embedded import data_vintage

        vintage = data_vintage(region)
        notes["Datavintage"] = str(getattr(vintage, "description", vintage))
    except (ImportError, CalculatorError, ValueError) as exc:
        notes["Datavintage"] = f"okänd ({exc})"
    return BatchOutput(long, comparison, notes, results)


def input_summary(inputs: ProjectionInputs) -> dict[str, str]:
    """Headline assumptions of each scenario (first and last projection year, first region):
    summerad fruktsamhet, medellivslängd by sex, immigrants and in-migrants per year."""
    from calculator.fertility import tfr_of
    from calculator.grid import FEMALE, MALE
    from calculator.mortality import e0_from_death_prob

    first, last = int(inputs.years[0]), int(inputs.years[-1])
    out: dict[str, str] = {}
    for i, name in enumerate(inputs.scenarios):
        tfr = tfr_of(inputs.fert_rate_year_age[i, 0])
        q = inputs.death_prob_year_sex_age[i, 0]
        e0f = [float(e0_from_death_prob(q[t, FEMALE], FEMALE)) for t in (0, -1)]
        e0m = [float(e0_from_death_prob(q[t, MALE], MALE)) for t in (0, -1)]
        text = (
            f"summerad fruktsamhet {tfr[0]:.3f} ({first}) / {tfr[-1]:.3f} ({last}) barn per "
            f"kvinna; medellivslängd kvinnor {e0f[0]:.2f} / {e0f[1]:.2f} år, män {e0m[0]:.2f} / "
            f"{e0m[1]:.2f} år; könskvot {float(np.asarray(inputs.srb_males_per_female_year)[i, 0, 0]):.3f}"
        )
        if inputs.migration_mode == "gross":
            imm = inputs.immig_count_year_sex_age[i, 0].sum(axis=(-2, -1))  # type: ignore[index]
            inm = inputs.inmig_count_year_sex_age[i, 0].sum(axis=(-2, -1))  # type: ignore[index]
            text += (
                f"; invandrade {imm[0]:.0f} / {imm[-1]:.0f} per år, inflyttade {inm[0]:.0f} / "
                f"{inm[-1]:.0f} per år"
            )
        out[f"Indata {name}"] = text
    return out


def _common(values: Sequence[Any], what: str, files: Sequence[str]) -> Any:
    distinct = sorted({str(v) for v in values})
    if len(distinct) > 1:
        listing = ", ".join(f"{f}: {v}" for f, v in zip(files, values, strict=True))
        raise InputValidationError(
            f"the scenario files name different {what}s ({listing}); one batch runs one "
            f"{what}: give --{what.replace(' ', '-')} to choose",
            location="calculator run",
        )
    return values[0]


def _cmd_run(args: argparse.Namespace) -> int:
    from calculator.data.files import atomic_write_bytes

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise InputValidationError(f"{out}: the workbook must end in .xlsx", location="--out")
    scenarios = [load_scenario(path) for path in args.scenarios]
    region = args.region or _common([s.region for s in scenarios], "region", args.scenarios)
    end_year = args.to or max(s.end_year for s in scenarios)
    groups = parse_age_groups(args.age_groups)
    batch = run_batch(scenarios, str(region), int(end_year),
                      progress=not args.no_progress and len(scenarios) > 1)
    long = batch.long
    outputs: list[tuple[Path, bytes]] = [(out, to_xlsx(
        long, scenarios=scenarios, age_groups=groups, comparison=batch.comparison,
        assumptions=batch.notes, extra_sheets=followup_sheets("sv", str(region)),
    ))]
    if args.csv_swedish:
        outputs.append((Path(args.csv_swedish), to_csv_swedish(long)))
    if args.csv:
        outputs.append((Path(args.csv), to_csv_machine(long)))
    for path, data in outputs:
        atomic_write_bytes(path, data)
    sys.stderr.write(
        f"wrote {', '.join(str(p) for p, _ in outputs)}: {long['scenario'].nunique()} "
        f"scenario(s), region {region}, years {long['year'].min()}-{long['year'].max()} (stocks "
        "at 31 Dec, flows per calendar year, age at the end of the year)\n"
    )
    for key, value in batch.notes.items():
        if key.startswith(("Utgångsläge", "Basår", "Datavintage")):
            sys.stderr.write(f"  {key}: {value}\n")
    return 0


def register(subparsers: Any) -> None:
    """Add ``calculator run`` to the CLI's sub-commands."""
    p = subparsers.add_parser(
        "run", help="run scenario files in one batch and write a workbook",
        description="Run one or more scenario TOML files (see scenarios/README.md) on the "
        "embedded SCB data in one batch and write one .xlsx workbook.",
    )
    p.add_argument("scenarios", nargs="+", help="scenario TOML files")
    p.add_argument("--region", default=None,
                   help="SCB region code, e.g. 2580 (default: the scenario files' region)")
    p.add_argument("--out", required=True, help="workbook to write (.xlsx)")
    p.add_argument("--to", type=int, default=None,
                   help="last projection year (default: the latest end_year of the files)")
    p.add_argument("--csv-swedish", default=None,
                   help="also write the long table as CSV for Swedish Excel (; and decimal comma)")
    p.add_argument("--csv", default=None,
                   help="also write the long table as machine-readable CSV (, and decimal point)")
    p.add_argument("--age-groups", default=PLANNING_GROUPS_SPEC,
                   help=f"own age groups for the workbook (default {PLANNING_GROUPS_SPEC!r})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_run)
