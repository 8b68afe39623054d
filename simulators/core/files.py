"""Writing files whole: a reader sees the old content or all of the new, never a part.

Files holding secrets (keys, tokens, passwords, lab.json) are created with mode 0600 from the
start, so there is no moment at which another user could read them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PRIVATE = 0o600


def write_atomic(path: Path, data: str | bytes, mode: int = 0o644) -> None:
    """Write ``data`` to a temporary file of its own beside ``path`` (created with ``mode``),
    then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_private(path: Path, data: str | bytes) -> None:
    """``write_atomic`` for a file that holds a secret: readable by its owner only."""
    write_atomic(path, data, PRIVATE)
