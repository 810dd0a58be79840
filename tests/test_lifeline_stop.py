"""Stopping a run that does not listen to Ctrl-C: it is killed after the grace period.

A live run cancelled in the terminal UI reaches this path only when pytest happens to take
longer than the grace period to stop (a loaded machine), so our own coverage figures moved
between runs of the same code. Here a real child that ignores SIGINT drives it on purpose.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tracker.lifeline import PROCESS_GROUP, stop

DEAF = ("import signal, sys, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "print('ready', flush=True)\n"
        "time.sleep(120)\n")


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals and process groups")
def test_a_run_deaf_to_ctrl_c_is_killed_after_the_grace_period() -> None:
    proc = subprocess.Popen([sys.executable, "-c", DEAF], stdout=subprocess.PIPE,
                            process_group=PROCESS_GROUP)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
        stop(proc, grace=0.2)
        assert proc.returncode == -signal.SIGKILL, "asked with SIGINT, then killed"
    finally:
        if proc.returncode is None:
            proc.kill()
            proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
