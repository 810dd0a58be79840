"""Each run's scratch folder under ``.tracker/runs/``, and sweeping those of dead runs.

A run keeps its report and coverage data in a folder of its own and removes it when it ends.
A run killed outright (SIGKILL, a power cut) cannot remove it, and nothing else would: every
such run used to leave a folder behind for good. So each folder holds a ``lock`` file that
its run keeps locked (``flock``) while it lives; the kernel releases the lock when the
process dies, however it dies. Every run sweeps, before making its own folder, the folders
whose lock it can take: their run is gone. A lock tells the truth where a process id would
not (ids are reused, and in a container the next run often gets the same one).

A folder is locked before it takes its ``run-*`` name (it is made as ``.run-*.tmp`` and
renamed), so a sweep never sees a live run's folder unlocked. Without ``fcntl`` (Windows),
or for folders left by an older tracker without a lock file, the sweep goes by process id,
and only on POSIX, where asking whether a process exists is harmless.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from tracker.paths import data_dir, make_dirs

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK = "lock"
_NAME = re.compile(r"\.?run-(\d+)-\d+(?:\.tmp)?")


def runs_dir(root: Path) -> Path:
    """The folder holding the runs' scratch folders."""
    return data_dir(root) / "runs"


@contextlib.contextmanager
def run_folder(root: Path) -> Iterator[Path]:
    """A new scratch folder for one run, locked while the block runs and removed after it.

    Folders of dead runs are swept first. Raises OSError when the folder cannot be made.
    """
    base = runs_dir(root)
    make_dirs(base)
    sweep(base)
    name = f"run-{os.getpid()}-{time.time_ns() // 1_000_000}"
    path = base / f".{name}.tmp"
    path.mkdir()
    lock: int | None = None
    try:
        lock = _hold(path / LOCK)
        path = path.rename(base / name)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        if lock is not None:
            os.close(lock)  # after the removal: no sweep takes a folder still in use


def sweep(base: Path) -> list[str]:
    """Remove the scratch folders in ``base`` whose run is dead; their names."""
    removed = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return []
    for entry in entries:
        match = _NAME.fullmatch(entry.name)
        if match and entry.is_dir(follow_symlinks=False) and _dead(Path(entry.path),
                                                                  int(match.group(1))):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
    return removed


def _hold(path: Path) -> int:
    """Create ``path`` and lock it for as long as the returned descriptor is open."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise
    return fd


def _dead(folder: Path, pid: int) -> bool:
    """Whether the run owning ``folder`` (started by ``pid``) is gone."""
    if fcntl is not None:
        try:
            fd = os.open(folder / LOCK, os.O_RDWR)
        except FileNotFoundError:
            pass  # an older tracker's folder, or one killed before it was locked
        except OSError:
            return False
        else:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True  # nobody holds it: its run is gone
            except OSError:
                return False
            finally:
                os.close(fd)
    return _pid_gone(pid)


def _pid_gone(pid: int) -> bool:
    if os.name != "posix" or pid == os.getpid():
        return False  # our own folders are removed by their block
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, another user's
        return False
    return False
