"""Small file helpers: atomic writes (nothing is ever half-written)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


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
