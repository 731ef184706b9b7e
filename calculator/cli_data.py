"""``calculator data`` commands: fetch a region's SCB data, rebuild the embedded dataset.

* ``calculator data fetch --region 0580 --from 2010 [--out DIR] [--offline] [--cache-dir D]``
  fetches the region's observations from SCB's PxWebApi 2.0 (cached; ``--offline`` answers
  from the cache only) and writes the engine's input templates plus the observations.
* ``calculator data refresh [--region R] [--from Y] [--out DIR | --dry-run]`` fetches every
  embedded region again from SCB (bypassing the cache) and rebuilds
  ``calculator/data/embedded/`` atomically (:mod:`calculator.data.refresh`; provenance in
  ``REFRESH.json``). ``--out DIR`` or ``--dry-run`` write the rebuilt dataset elsewhere for
  review (``--dry-run`` alone: ``scb_refresh/``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from calculator.exceptions import CalculatorError


def _table_overrides(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, table_id = item.partition("=")
        if not sep or not key or not table_id:
            raise argparse.ArgumentTypeError(f"--table {item!r}; expected KEY=TABxxxx")
        out[key.strip()] = table_id.strip()
    return out


def _progress_bar(enabled: bool) -> tuple[Callable[[str, int, int], None], Callable[[], None]]:
    """A tqdm progress callback (on stderr) and a function that closes the bar."""
    from tqdm import tqdm

    state: dict[str, Any] = {}

    def update(step: str, done: int, total: int) -> None:
        if not enabled:
            return
        bar = state.get("bar")
        if bar is None or bar.total != total:
            if bar is not None:
                bar.close()
            bar = state["bar"] = tqdm(total=total, file=sys.stderr, unit="steg", leave=True)
        bar.set_description(step)
        bar.n = done
        bar.refresh()

    def close() -> None:
        if state.get("bar") is not None:
            state["bar"].close()

    return update, close


def _client(args: argparse.Namespace, progress: Callable[[str, int, int], None]) -> Any:
    from calculator.data.pxweb import PxWebClient

    return PxWebClient(
        args.base_url,
        cache_dir=args.cache_dir,
        offline=args.offline,
        refresh=getattr(args, "refresh", False),
        table_ids=_table_overrides(args.table),
        progress=progress,
    )


def _cmd_fetch(args: argparse.Namespace) -> int:
    from calculator.data.fetch import fetch_region_dataset, write_input_dataset

    update, close = _progress_bar(not args.quiet)
    try:
        client = _client(args, update)
        data = fetch_region_dataset(args.region, args.from_year, client, progress=update)
        out = Path(args.out or f"indata_{args.region}")
        write_input_dataset(data, out, base_year=args.base_year, end_year=args.end_year)
    finally:
        close()
    for warning in data.warnings:
        print(f"varning: {warning}", file=sys.stderr)
    calls = client.log
    print(
        f"Wrote input templates for region {args.region} to {out}/ "
        f"({calls.network_calls} SCB calls, {calls.cache_hits} from cache)."
    )
    return 0


def _cmd_refresh(args: argparse.Namespace) -> int:
    from calculator.data.build_embedded import EMBEDDED_DIR
    from calculator.data.refresh import refresh_embedded

    out = Path(args.out) if args.out else (Path("scb_refresh") if args.dry_run else EMBEDDED_DIR)
    update, close = _progress_bar(not args.quiet)
    try:
        client = _client(args, update)
        result = refresh_embedded(
            client, regions=args.region, from_year=args.from_year, out_dir=out, progress=update
        )
    finally:
        close()
    for warning in result.warnings:
        print(f"varning: {warning}", file=sys.stderr)
    rows = ", ".join(f"{kind} {n}" for kind, n in result.rows.items())
    where = "the embedded dataset" if out.resolve() == EMBEDDED_DIR.resolve() else f"{out}/"
    print(
        f"Refreshed {len(result.entry['regions'])} region(s) from SCB into {where} "
        f"({client.log.network_calls} SCB calls; rows: {rows}). Provenance: "
        f"{out / 'REFRESH.json'}."
    )
    return 0


def _run(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (CalculatorError, argparse.ArgumentTypeError, ValueError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    return wrapped


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from", dest="from_year", type=int, default=2010, help="first year of observations (default 2010)"
    )
    parser.add_argument(
        "--offline", action="store_true", help="answer from the cache only; never contact SCB"
    )
    parser.add_argument(
        "--cache-dir",
        default=None,
        help="cache folder (default $BEFOLKNINGSKALKYLATORN_CACHE or ~/.cache/befolkningskalkylatorn)",
    )
    parser.add_argument(
        "--base-url", default=None, help="PxWebApi 2.0 root (default $SCB_API_BASE_URL or SCB's address)"
    )
    parser.add_argument(
        "--table",
        action="append",
        metavar="KEY=TABxxxx",
        help="override a table id, e.g. births=TAB1234 (repeatable)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def register(subparsers: Any) -> None:
    """Add the ``data`` command group (``fetch``, ``refresh``) to the CLI."""
    data = subparsers.add_parser("data", help="fetch SCB data (PxWebApi 2.0)")
    sub = data.add_subparsers(dest="data_command", required=True)
    fetch = sub.add_parser("fetch", help="fetch a region's data and write input templates")
    fetch.add_argument(
        "--region", required=True, help="SCB region code: 00 Sweden, 2 digits county, 4 digits municipality"
    )
    fetch.add_argument("--out", default=None, help="output folder (default indata_<region>)")
    fetch.add_argument(
        "--base-year", type=int, default=None, help="base year of the templates (default: last final year)"
    )
    fetch.add_argument(
        "--end-year", type=int, default=None, help="last projection year in settings.toml (default base + 30)"
    )
    _common(fetch)
    fetch.set_defaults(func=_run(_cmd_fetch))
    refresh = sub.add_parser(
        "refresh", help="rebuild the embedded dataset from SCB (all embedded regions)"
    )
    refresh.add_argument("--region", action="append", help="only these regions (repeatable)")
    refresh.add_argument(
        "--out", default=None,
        help="write the rebuilt dataset to this folder instead of calculator/data/embedded/",
    )
    refresh.add_argument(
        "--dry-run", action="store_true",
        help="never touch the embedded dataset; write to --out (default scb_refresh/) for review",
    )
    _common(refresh)
    refresh.set_defaults(func=_run(_cmd_refresh), refresh=True, from_year=None)
