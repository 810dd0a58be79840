"""A pytest plugin that stops the run when the ``tracker`` process that started it is gone.

``tracker run`` (and the terminal UI) start pytest as a child and record what it reports.
When tracker is killed outright (SIGKILL, the OOM killer, a CI runner giving up), nothing
can stop the child from its side: it would run to the end, orphaned, for nobody. So tracker
hands the child the read end of a pipe whose write end only tracker holds (the *lifeline*,
:mod:`tracker.lifeline`). This plugin, loaded with ``-p`` before anything is collected,
blocks a daemon thread on reading it: the read returns the moment tracker's end closes,
which the kernel does when tracker dies, however it dies. The thread then stops the run as
Ctrl-C would (SIGINT to the run's process group: pytest, its xdist workers and what the tests
started, so fixtures are torn down) and, if it is still there after a grace period, kills it.

Chosen over ``prctl(PR_SET_PDEATHSIG)``: that is Linux-only, needs a ``preexec_fn``, which
is unsafe in a threaded parent such as the terminal UI, fires when the parent *thread* ends,
and reaches only the direct child; and over polling ``os.getppid()``: no delay, no polling.

The environment variable names the descriptor and the pipe's inode, so that a process that
inherits the variable but not the pipe (an xdist worker, a test's own subprocess) never
mistakes another descriptor for it. Only the standard library: this runs in users' tests.
"""

from __future__ import annotations

import os
import signal
import threading

#: ``FD:INODE`` of the lifeline's read end, set by tracker for the child it starts.
ENV = "TRACKER_LIFELINE"

#: Set (to ``1``) beside the lifeline when the child must wait, once the watchdog is
#: loaded, for tracker's word before it goes on: tracker starts pytest first and does its
#: own last checks while pytest starts up (see :func:`_pass_gate`).
GATE_ENV = "TRACKER_GATE"

#: Seconds between asking the run to stop (SIGINT) and killing it.
GRACE_SECONDS = 5.0


def _lifeline_fd(value: str) -> int | None:
    """The descriptor named by ``value`` when it is really the lifeline, else None."""
    fd_text, _, inode_text = value.partition(":")
    try:
        fd, inode = int(fd_text), int(inode_text)
        return fd if os.fstat(fd).st_ino == inode else None
    except (ValueError, OSError):
        return None


def _watch(fd: int) -> None:
    """Wait for tracker's end of the pipe to close, then stop the whole run."""
    try:
        while os.read(fd, 1):  # tracker never writes: any return is the end
            pass
    except OSError:
        pass
    leader = os.getpgrp() == os.getpid()  # tracker starts the run in its own group

    def send(sig: signal.Signals) -> None:
        try:
            if leader:
                os.killpg(os.getpgrp(), sig)
            else:
                os.kill(os.getpid(), sig)
        except OSError:
            pass

    send(signal.SIGINT)
    threading.Event().wait(GRACE_SECONDS)
    send(signal.SIGKILL)


def _pass_gate(fd: int) -> None:
    """Wait for tracker's word on the lifeline: one byte, go on; its end closed, stop.

    This runs in the main thread while the plugin is imported (``-p``, before conftest
    files, collection or any output), so a run that tracker refuses once pytest has started
    (its store found damaged) ends here without a word and without running anything: no
    signal arrives in the middle of the interpreter's start-up, whose own fatal error
    would print over tracker's one-line message.
    """
    try:
        word = os.read(fd, 1)
    except OSError:
        word = b""
    if not word:
        os._exit(2)


def start() -> bool:
    """Start watching, once per process; True when a lifeline was found."""
    value = os.environ.pop(ENV, None)  # popped: the tests' own subprocesses do not inherit it
    gated = os.environ.pop(GATE_ENV, None) == "1"
    fd = _lifeline_fd(value) if value else None
    if fd is None:
        return False
    if gated:
        _pass_gate(fd)
    threading.Thread(target=_watch, args=(fd,), name="tracker-lifeline", daemon=True).start()
    return True


start()
