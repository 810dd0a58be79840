"""The first snapshot, taken in a forked child while the parent imports Textual.

Opening the UI costs two things of about the same size that do not depend on each other:
importing Textual, and loading, gathering and assessing the plan. Python runs one of them at
a time in a process, so a child process forked before Textual is imported takes the snapshot
on another core and sends it back pickled; the parent pays only the unpickling (the model and
evidence classes pickle as their class called with their fields for that reason).

Nothing here changes what is shown: the child runs the same :func:`take_snapshot`, and
whenever it cannot (no ``fork`` on this platform, threads already running, the child failed
or sent something unreadable) the parent takes the snapshot itself, where any error surfaces
as it always did.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.gcpause import paused_gc

if TYPE_CHECKING:  # imported after the fork, so that the child starts at once
    from tracker.tui.snapshot import Snapshot


def can_fork() -> bool:
    """Whether a child may be forked here without risk, and would finish sooner.

    A process with other threads may hold locks a forked child would wait on forever;
    macOS's system libraries are not fork-safe either (Python's multiprocessing does not
    fork there by default). And the child only helps on a core of its own: with every core
    busy (a loaded CI machine), the two processes take turns and the pickling is pure loss.
    """
    return (hasattr(os, "fork") and sys.platform != "darwin"
            and threading.active_count() == 1 and spare_core())


def spare_core() -> bool:
    """Whether a second core is likely free: more usable cores than the recent load."""
    try:
        cores = len(os.sched_getaffinity(0))
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return False
    return cores >= 2 and load <= cores - 1


class PendingSnapshot:
    """A snapshot being taken (in a child when it can be): :meth:`result` waits for it."""

    def __init__(self, plan_path: Path, today: dt.date) -> None:
        self.plan_path = plan_path
        self.today = today
        self.forked = False  #: whether a child is (or was) taking it
        self.from_child = False  #: whether :meth:`result` got the child's snapshot
        self._pid = 0
        self._fd = -1
        if can_fork():
            self._fork()

    def _fork(self) -> None:
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # out of processes or memory: take it here instead
            os.close(read_end)
            os.close(write_end)
            return
        if pid == 0:  # the child: never returns
            os.close(read_end)
            _send_snapshot(write_end, self.plan_path, self.today)
        os.close(write_end)
        self._pid, self._fd, self.forked = pid, read_end, True

    def result(self) -> Snapshot:
        """The child's snapshot, or one taken here when the child could not give one."""
        from tracker.tui.snapshot import Snapshot, take_snapshot

        payload = self._collect()
        if payload:
            try:
                with paused_gc():  # tens of thousands of acyclic objects: see gcpause
                    snapshot = pickle.loads(payload)
            except Exception:  # noqa: BLE001 - unreadable: take it here, where errors show
                snapshot = None
            if isinstance(snapshot, Snapshot):
                self.from_child = True
                return snapshot
        return take_snapshot(self.plan_path, self.today)

    def _collect(self) -> bytes:
        """Everything the child wrote (empty if it failed), once it has exited."""
        if not self._pid:
            return b""
        chunks = []
        try:
            while chunk := os.read(self._fd, 1 << 20):
                chunks.append(chunk)
        finally:
            status = self._reap()
        return b"".join(chunks) if os.waitstatus_to_exitcode(status) == 0 else b""

    def abandon(self) -> None:
        """Stop waiting: the child gets a broken pipe and exits (for when no app opens)."""
        if self._pid:
            self._reap()

    def _reap(self) -> int:
        """Close the pipe and wait for the child; its wait status."""
        os.close(self._fd)
        _, status = os.waitpid(self._pid, 0)
        self._pid, self._fd = 0, -1
        return status


def _send_snapshot(fd: int, plan_path: Path, today: dt.date) -> None:
    """In the child: take the snapshot, write it pickled to ``fd`` and exit (0 if sent).

    ``os._exit`` skips the parent's atexit handlers and buffered output, which belong to the
    parent; any failure, Ctrl-C included, exits 1 and the parent takes the snapshot itself.
    """
    code = 1
    try:
        from tracker.tui.snapshot import take_snapshot

        payload = pickle.dumps(take_snapshot(plan_path, today), pickle.HIGHEST_PROTOCOL)
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        code = 0
    except BaseException:  # noqa: BLE001, S110 - the parent takes it over
        pass
    finally:
        os._exit(code)
