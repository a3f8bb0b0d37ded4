"""Files written whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write `path` through a temporary file beside it, flushed to disk and then renamed over it, so a
    reader (or a process that restarts after a crash or a full disk) sees the old file or the new one,
    never half of one; the temporary file is removed when the write fails."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
