"""The lock on a results folder while a command writes it: ``.gridsim.lock`` holds the holder's pid and host.

Two commands on the same folder would overwrite each other's run files; the second
one is refused (exit code 2) naming the folder and the holder.  A lock whose holder is
gone (a dead pid on this host: the command was killed) is stale: it is taken over,
with a note.  A lock held on another host cannot be checked from here, so it counts as
live; the message says which file to delete if that command is known to be gone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".gridsim.lock"
UNREADABLE_GRACE_S = 10.0  # a lock file being written right now may be empty for an instant


class LockError(Exception):
    """The folder is being written by another command (exit code 2)."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _holder(path: Path) -> dict | None:
    try:
        doc = json.loads(path.read_text())
        return doc if isinstance(doc, dict) and isinstance(doc.get("pid"), int) else None
    except (OSError, ValueError):
        return None


def _stale(path: Path, holder: dict | None) -> bool:
    if holder is None:  # unreadable: stale unless it is being written right now
        try:
            return time.time() - path.stat().st_mtime > UNREADABLE_GRACE_S
        except FileNotFoundError:
            return True
    return holder.get("host") == socket.gethostname() and not _alive(holder["pid"])


@contextmanager
def folder_lock(folder: Path, command: str, note: Callable[[str], None] = lambda _: None) -> Iterator[None]:
    """Hold ``folder``'s lock for the block; refuse if another live command holds it."""
    path = folder / LOCK_NAME
    me = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
          "since": dt.datetime.now().isoformat(timespec="seconds")}
    for _ in range(100):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if not _stale(path, holder):
                who = (f"pid {holder['pid']} on host {holder.get('host')}, {holder.get('command', '?')}, "
                       f"since {holder.get('since', '?')}") if holder else "a command starting right now"
                raise LockError(f"{folder}: in use by another gridsim command ({who}); wait for it to finish or "
                                f"use another folder. If that command is gone, delete {path}") from None
            aside = path.with_name(f"{LOCK_NAME}.stale.{os.getpid()}")
            try:
                os.replace(path, aside)  # atomic: of two commands taking over, one wins
            except FileNotFoundError:
                continue
            aside.unlink(missing_ok=True)
            what = f"pid {holder['pid']} on {holder.get('host')}" if holder else "unreadable"
            note(f"{folder}: took over a stale lock ({what}: that command is gone)")
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(me) + "\n")
        break
    else:  # pragma: no cover - a lock taken over and over by others
        raise LockError(f"{folder}: could not take the lock {path}")
    try:
        yield
    finally:
        if (_holder(path) or {}).get("pid") == me["pid"]:
            path.unlink(missing_ok=True)
