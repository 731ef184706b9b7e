"""Small file helpers: atomic writes (nothing is ever half-written), deterministic gzipped CSV."""

from __future__ import annotations

import argparse
import gzip
import io
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from calculator.exceptions import InputValidationError


def _read_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


#: The mode a plainly created file gets (0o666 minus the umask), read once at import, so
#: that no later call flips the process-wide umask while other threads create files.
DEFAULT_FILE_MODE = 0o666 & ~_read_umask()


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    Either the old file stays untouched or the new one is complete; a crash never leaves a
    partial file behind. The file gets the usual permissions (not ``mkstemp``'s 0600).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.chmod(tmp_name, DEFAULT_FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


#: gzip header OS byte (RFC 1952: 3 = Unix, what zlib writes on Linux), pinned for determinism.
_GZIP_OS_UNIX = 3


def write_csv_gz(frame: pd.DataFrame, path: str | os.PathLike[str], *,
                 float_format: str | None = None) -> Path:
    """Write ``frame`` as a deterministic gzipped CSV, atomically.

    No index, ``\n`` line ends, UTF-8, gzip level 9 with header time 0, no file name and the
    header's OS byte pinned, so the same frame gives the same bytes on every platform.
    ``float_format`` as in ``DataFrame.to_csv``.
    """
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n", float_format=float_format)
    data = bytearray(gzip.compress(buffer.getvalue().encode("utf-8"), compresslevel=9, mtime=0))
    data[9] = _GZIP_OS_UNIX
    return atomic_write_bytes(path, bytes(data))


#: Help text of the build scripts' ``--reference`` option.
REFERENCE_HELP = (
    "the team's shared/reference folder with SOURCES.md and the raw SCB extracts (kept outside "
    "this repository; required)"
)


def reference_folder(path: str | os.PathLike[str]) -> Path:
    """``path`` as the reference folder, checked: it must exist and hold ``SOURCES.md``."""
    folder = Path(path)
    if not (folder / "SOURCES.md").is_file():
        raise InputValidationError(
            "not the reference folder (no SOURCES.md there); pass --reference pointing at the "
            "shared/reference folder, which is not part of this repository",
            location=str(folder),
        )
    return folder


def build_script_main(
    description: str,
    build: Callable[[Path, Path], dict[str, int]],
    default_out: Path,
    argv: Sequence[str] | None = None,
) -> int:
    """The command line every ``build_*`` script shares: ``--reference`` (required, checked)
    and ``--out``; runs ``build(reference, out)`` and prints rows and bytes per file."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--reference", type=Path, required=True, help=REFERENCE_HELP)
    parser.add_argument("--out", type=Path, default=default_out, help="output folder")
    args = parser.parse_args(argv)
    try:
        reference = reference_folder(args.reference)
    except InputValidationError as exc:
        parser.error(f"--reference {exc}")
    for name, rows in build(reference, args.out).items():
        size = (args.out / name).stat().st_size
        sys.stdout.write(f"{args.out / name}: {rows} rows, {size} bytes\n")
    return 0
