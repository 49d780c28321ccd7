"""Writing a file so that a reader (or a crash) never sees half of it."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)  # no space left on the device; disk quota exceeded


def disk_full(err: BaseException) -> bool:
    """Whether ``err`` says the disk is full (a circumstance to fix, not a bug: exit code 2)."""
    return isinstance(err, OSError) and err.errno in DISK_FULL


def _results_folder(path: Path) -> Path | None:
    """The results folder (it holds command.json) that ``path`` is in, if any: where --resume goes on."""
    return next((p for p in path.absolute().parents if (p / "command.json").is_file()), None)


def disk_full_text(err: OSError) -> str:
    """What to do when the disk is full: free space, then --resume (the runs written so far are whole)."""
    where = Path(err.filename) if err.filename else None
    folder = _results_folder(where) if where else None
    then = (f"then run the same command with --resume {folder}: the runs finished so far are kept" if folder
            else "then run the command again")
    return (f"{err.strerror or os.strerror(err.errno)}" + (f" writing {where}" if where else "")
            + f": free some space (df -h {where.parent if where else '.'} shows how much is left), {then}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp alone makes files private (0600)


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write to a temporary file in the same folder, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if disk_full(err) and not getattr(err, "filename", None):  # a write through a descriptor names no file
            raise OSError(err.errno, os.strerror(err.errno), str(path)) from None
        raise
