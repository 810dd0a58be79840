"""Keeping the pytest child's life tied to ``tracker run``'s, however tracker ends.

Three ways a run used to outlive tracker or leave it without a word:

* SIGTERM and SIGHUP (what ``timeout``, CI runners and a closed terminal send) killed
  tracker at once: no ``finally``, so pytest ran on, orphaned, and the run's scratch folder
  stayed. :func:`signals_interrupt` turns them into :class:`Interrupted`, a
  KeyboardInterrupt, so they take Ctrl-C's path: the child is stopped, nothing is recorded,
  the exit code is 128 + the signal's number.
* SIGKILL cannot be caught. The child gets the read end of a pipe only tracker writes to
  (:class:`Lifeline`); :mod:`tracker.evidence.watchdog`, loaded into pytest with ``-p``,
  stops the run when the pipe closes, which happens when tracker dies.
* pytest-xdist workers and processes the tests start are pytest's children, not tracker's.
  The run gets a process group of its own (:data:`PROCESS_GROUP`), and stopping it signals
  the group. (So Ctrl-C in the terminal reaches tracker alone, which stops the group: pytest
  is asked once, not twice.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from types import FrameType

from tracker.evidence.watchdog import ENV

#: Popen's ``process_group``: the run's own group on POSIX; elsewhere it stays in ours.
PROCESS_GROUP: int | None = 0 if os.name == "posix" else None

#: Signals that stop a run as Ctrl-C does, where the platform has them.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class Interrupted(KeyboardInterrupt):
    """tracker was asked to stop by a signal; ``signum`` says which (SIGINT for Ctrl-C)."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_code(exc: KeyboardInterrupt) -> int:
    """The shell's code for death by the signal: 128 + its number (130 for Ctrl-C)."""
    return 128 + int(getattr(exc, "signum", signal.SIGINT))


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Interrupted` in the main thread.

    Outside the main thread (the terminal UI runs suites in a worker) handlers cannot be
    set; the block then changes nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signum)

    old = {sig: signal.signal(sig, interrupt) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


class Lifeline:
    """A pipe whose read end the child watches; tracker holds the write end until it ends.

    Neither end is inherited by anything but the one child given :attr:`fds` (``os.pipe``
    descriptors are not inheritable). Where there is no ``os.killpg`` (Windows), there is
    no lifeline: :attr:`fds` and :meth:`env` are empty.
    """

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe() if os.name == "posix" else (-1, -1)

    @property
    def fds(self) -> tuple[int, ...]:
        """Popen's ``pass_fds``: the read end, for the child."""
        return (self.read_fd,) if self.read_fd >= 0 else ()

    def env(self) -> dict[str, str]:
        """The variable telling the child's watchdog which descriptor is its lifeline."""
        if self.read_fd < 0:
            return {}
        return {ENV: f"{self.read_fd}:{os.fstat(self.read_fd).st_ino}"}

    def open_gate(self) -> None:
        """Let a child started with :data:`~tracker.evidence.watchdog.GATE_ENV` go on
        (closing the pipe instead makes it stop, silently)."""
        if self.write_fd >= 0:
            with contextlib.suppress(OSError):  # it is gone already (a usage error)
                os.write(self.write_fd, b"g")

    def started(self) -> None:
        """The child has its copy of the read end: close ours."""
        self._close("read_fd")

    def close(self) -> None:
        """Close both ends (the run is over; a child still reading sees the end)."""
        self._close("read_fd")
        self._close("write_fd")

    def _close(self, name: str) -> None:
        fd = getattr(self, name)
        if fd >= 0:
            setattr(self, name, -1)
            with contextlib.suppress(OSError):
                os.close(fd)


def stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Stop the run the way Ctrl-C would, its whole group, then harder if it does not listen.

    The group is signalled only while its leader is unreaped (so its id cannot have been
    reused). Raises only KeyboardInterrupt (asked again: the run is killed at once).
    """
    grouped = PROCESS_GROUP is not None
    try:
        _signal(proc, signal.SIGINT, grouped)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        _signal(proc, signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM,
                grouped)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    except KeyboardInterrupt:  # asked again while stopping: stop now
        _signal(proc, signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM,
                grouped)
        raise


def _signal(proc: subprocess.Popen[bytes], sig: int, grouped: bool) -> None:
    with contextlib.suppress(OSError):
        if grouped:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
