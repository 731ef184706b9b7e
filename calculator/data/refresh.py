"""Rebuild the embedded SCB dataset from SCB's PxWebApi 2.0 (``calculator data refresh``).

:func:`refresh_embedded` fetches every embedded region again through :class:`PxWebClient`
(:func:`calculator.data.fetch.fetch_region_dataset`) and SCB's TFR for all embedded
municipalities (TAB4805), merges the answers into the current embedded files and writes the
result in exactly the format of :mod:`calculator.data.build_embedded` (same file names,
columns, ``method`` flag, CKM rows of 2025 in ``population_ckm.csv.gz``).

Safety: nothing is written until every region has been fetched. The new files are written to
a temporary folder next to the target, read back and validated the way
:mod:`calculator.data.embedded` reads them (frame schemas, counties summing to Sweden), and
only then swapped in for the target folder (rename; the old folder is restored if the swap
fails). A failure midway (SCB down, a bad answer) leaves the target untouched.

Merge rules (what a refresh replaces; everything else is kept as it was):

* populations on 31 December up to 2024 replace the rows of the same region and year
  (``method = "published"``); CKM-noised figures from 2025 go to ``population_ckm.csv.gz``;
* births, deaths and the four migration flows up to 2024 replace the same region and year;
  the embedded files hold no CKM flows, so 2025 flows are left out (noted);
* deaths of Sweden and the counties are **kept**: the embedded series are by completed age
  (see :func:`calculator.data.embedded.deaths_age_basis`), SCB's API gives age reached;
* TFR replaces the same region and year; ``regions.csv.gz`` is copied unchanged.

Every refresh appends an entry to ``REFRESH.json`` in the target folder: when it was
fetched, from which address, the regions, the SCB table ids (and how each id was found),
the rows per file and what was kept.

Conventions: stocks at 31 December, flows per calendar year, age = age reached during the
year (for stocks: completed age on 31 December).
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calculator.data import build_embedded
from calculator.data import scb_tables as tables
from calculator.data.build_embedded import EMBEDDED_DIR, EMBEDDED_FLOAT_FORMAT
from calculator.data.embedded import FILES, SCHEMA
from calculator.data.fetch import RegionDataset, fetch_region_dataset, fetch_tfr
from calculator.data.files import atomic_write_bytes, write_csv_gz
from calculator.data.frames import validate_frame
from calculator.data.pxweb import ProgressCallback, PxWebClient
from calculator.exceptions import InputValidationError

REFRESH_NOTE = "REFRESH.json"
TFR_COLUMNS = ("year", "region", "tfr_children_per_woman", "status")


@dataclass
class RefreshResult:
    """What a refresh wrote: target folder, rows per file, the provenance entry."""

    out_dir: Path
    rows: dict[str, int]
    entry: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def read_dataset(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Read and validate the embedded files of ``folder`` as the embedded loaders do.

    Population files keep their extra ``method`` column; TFR and regions are checked for
    their columns. Raises :class:`InputValidationError` naming the file.
    """
    folder = Path(folder)
    out: dict[str, pd.DataFrame] = {}
    for kind, name in FILES.items():
        path = folder / name
        if not path.is_file():
            raise InputValidationError("embedded data file missing", location=str(path))
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        frame = pd.read_csv(io.StringIO(text), dtype={"region": str}, keep_default_na=True)
        if kind in SCHEMA:
            checked = validate_frame(SCHEMA[kind], frame, source=str(path))
            if "method" in frame.columns:
                checked["method"] = frame["method"].astype(str).to_numpy()
            out[kind] = checked
            continue
        wanted = TFR_COLUMNS if kind == "tfr" else ("region", "name", "level")
        missing = [c for c in wanted if c not in frame.columns]
        if missing:
            raise InputValidationError(f"missing column(s) {missing}", location=str(path))
        if kind == "tfr":
            frame["year"] = frame["year"].astype(np.int64)
            frame["tfr_children_per_woman"] = frame["tfr_children_per_woman"].astype(np.float64)
            if (frame["tfr_children_per_woman"] < 0).any():
                raise InputValidationError("negative TFR", location=str(path))
        out[kind] = frame
    return out


def default_regions(current: dict[str, pd.DataFrame]) -> list[str]:
    """Regions with embedded population (Sweden, the counties, the municipalities)."""
    return sorted(str(r) for r in current["population"]["region"].unique())


def _replace(old: pd.DataFrame, new: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """``old`` with every (region, year) present in ``new`` replaced by ``new``'s rows."""
    if new.empty:
        return old
    fetched = pd.MultiIndex.from_frame(new[["region", "year"]].drop_duplicates())
    stale = pd.MultiIndex.from_frame(old[["region", "year"]]).isin(fetched)
    merged = pd.concat([old[~stale], new.loc[:, list(old.columns)]], ignore_index=True)
    return merged.sort_values(list(keys), kind="stable").reset_index(drop=True)


def merge_fetched(
    current: dict[str, pd.DataFrame],
    fetched: Sequence[RegionDataset],
    tfr: pd.DataFrame | None,
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Merge fetched frames into the current embedded frames (rules in the module doc)."""
    last = tables.LAST_PRE_CKM_YEAR
    notes: list[str] = []
    out = {k: v.copy() for k, v in current.items()}
    for data in fetched:
        pop = data.population
        final = pop[pop["year"] <= last].assign(method="published")
        out["population"] = _replace(out["population"], final, ("region", "year", "sex", "age"))
        ckm = pop[pop["year"] > last]
        out["population_ckm"] = _replace(
            out["population_ckm"], ckm, ("region", "year", "sex", "age")
        )
        out["births"] = _replace(
            out["births"], data.births[data.births["year"] <= last],
            ("region", "year", "mother_age", "child_sex"),
        )
        if len(data.region) == 2:
            notes.append(
                f"deaths of region {data.region} kept as before (embedded by completed age; "
                "SCB's API gives age reached)"
            )
        else:
            out["deaths"] = _replace(
                out["deaths"], data.deaths[data.deaths["year"] <= last],
                ("region", "year", "sex", "age"),
            )
        out["migration"] = _replace(
            out["migration"], data.migration[data.migration["year"] <= last],
            ("region", "year", "sex", "age"),
        )
        late = sorted(
            {int(y) for f in (data.births, data.deaths, data.migration) for y in f["year"]
             if y > last}
        )
        if late:
            notes.append(
                f"region {data.region}: CKM flows of {late} not embedded (no CKM flow files)"
            )
    if tfr is not None and not tfr.empty:
        new = tfr.loc[:, list(TFR_COLUMNS)].assign(
            year=tfr["year"].astype(np.int64),
            status=tfr["status"].fillna("").astype(str).replace("None", ""),
        )
        out["tfr"] = _replace(out["tfr"], new, ("region", "year"))
    return out, notes


def _check_files(folder: Path, expected_rows: dict[str, int]) -> dict[str, pd.DataFrame]:
    """Read ``folder`` back like the loaders do and compare row counts and sums."""
    loaded = read_dataset(folder)
    for kind, rows in expected_rows.items():
        if len(loaded[kind]) != rows:
            raise InputValidationError(
                f"read back {len(loaded[kind])} rows, wrote {rows}",
                location=str(folder / FILES[kind]),
            )
    build_embedded._check_consistency(loaded["population"], loaded["deaths"])
    return loaded


def _swap_in(tmp: Path, target: Path) -> None:
    """Replace folder ``target`` by ``tmp`` with renames; restore ``target`` on failure."""
    if not target.exists():
        os.replace(tmp, target)
        return
    for extra in target.iterdir():
        if extra.is_file() and not (tmp / extra.name).exists():
            shutil.copy2(extra, tmp / extra.name)
    backup = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    backup.rmdir()
    os.replace(target, backup)
    try:
        os.replace(tmp, target)
    except OSError:
        os.replace(backup, target)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def _entry(
    client: PxWebClient,
    regions: Sequence[str],
    from_years: dict[str, int],
    fetched: Sequence[RegionDataset],
    tfr_sources: list[dict[str, Any]],
    rows: dict[str, int],
    notes: list[str],
    fetched_at: dt.datetime,
) -> dict[str, Any]:
    sources = [dict(s, region=d.region) for d in fetched for s in d.sources]
    sources += [dict(s, region="municipalities") for s in tfr_sources]
    table_ids = {s["key"]: s["table_id"] for s in sources}
    return {
        "fetched_at": fetched_at.isoformat(timespec="seconds"),
        "base_url": client.base_url,
        "regions": list(regions),
        "from_year": from_years,
        "table_ids": dict(sorted(table_ids.items())),
        "sources": sources,
        "rows": rows,
        "kept": notes,
        "warnings": [f"{d.region}: {w}" for d in fetched for w in d.warnings],
        "licence": "CC0 (SCB)",
        "conventions": "stocks 31 Dec by completed age; flows per calendar year by age reached;"
        " 2025 population is CKM-noised (population_ckm.csv.gz)",
    }


def _refresh_history(note: Path) -> list[dict[str, Any]]:
    """The ``refreshes`` list of a refresh log; a corrupt log is an error naming the file."""
    try:
        data = json.loads(note.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputValidationError(
            f"the refresh log is not valid JSON ({exc}); repair or delete it", location=str(note)
        ) from exc
    history = data.get("refreshes", []) if isinstance(data, dict) else None
    if not isinstance(history, list):
        raise InputValidationError(
            'the refresh log must be a JSON object {"refreshes": [...]}', location=str(note)
        )
    return history


def refresh_embedded(
    client: PxWebClient,
    *,
    regions: Sequence[str] | None = None,
    from_year: int | None = None,
    out_dir: str | Path = EMBEDDED_DIR,
    source_dir: str | Path = EMBEDDED_DIR,
    include_tfr: bool = True,
    progress: ProgressCallback | None = None,
    now: dt.datetime | None = None,
) -> RefreshResult:
    """Fetch, merge, validate and atomically write a refreshed embedded dataset to ``out_dir``.

    ``regions`` defaults to every region with embedded population; ``from_year`` to each
    region's first embedded year (so nothing older is re-fetched than what is embedded).
    ``source_dir`` is the dataset merged into (default: the package's embedded folder).
    """
    source = Path(source_dir)
    target = Path(out_dir)
    current = read_dataset(source)
    chosen = [str(r).strip() for r in (regions or default_regions(current))]
    first = current["population"].groupby("region")["year"].min()
    from_years = {
        r: int(from_year if from_year is not None else first.get(r, tables.LAST_PRE_CKM_YEAR - 14))
        for r in chosen
    }
    fetched = [
        fetch_region_dataset(
            r, from_years[r], client, include_projection=False, include_tfr=False,
            progress=progress,
        )
        for r in chosen
    ]
    tfr: pd.DataFrame | None = None
    tfr_sources: list[dict[str, Any]] = []
    if include_tfr:
        municipalities = sorted(str(r) for r in current["tfr"]["region"].unique())
        tfr, tfr_sources = fetch_tfr(municipalities, client)
    merged, notes = merge_fetched(current, fetched, tfr)
    rows = {kind: len(frame) for kind, frame in merged.items()}
    entry = _entry(client, chosen, from_years, fetched, tfr_sources, rows, notes,
                   now or dt.datetime.now(dt.UTC))
    history: list[dict[str, Any]] = []
    for folder in (target, source):
        note = folder / REFRESH_NOTE
        if note.is_file():
            history = _refresh_history(note)
            break
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    tmp.chmod(target.stat().st_mode & 0o7777 if target.exists() else 0o755)
    try:
        for kind, frame in merged.items():
            write_csv_gz(frame, tmp / FILES[kind], float_format=EMBEDDED_FLOAT_FORMAT)
        _check_files(tmp, rows)
        text = json.dumps({"refreshes": [*history, entry]}, ensure_ascii=False, indent=2)
        atomic_write_bytes(tmp / REFRESH_NOTE, (text + "\n").encode("utf-8"))
        _swap_in(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    warnings = list(entry["warnings"])
    return RefreshResult(out_dir=target, rows=rows, entry=entry, warnings=warnings)

