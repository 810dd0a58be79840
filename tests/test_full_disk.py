"""Writing to a full disk: one line and exit 2, the target file as it was, no temp file left.

Three real ways to run out of room: a file size limit (RLIMIT_FSIZE, set in the child
before it execs tracker: writes fail with EFBIG, as Python ignores SIGXFSZ), ``/dev/full``
(every write fails with ENOSPC). A nearly full tmpfs, which only a user who may mount one
can make, is in test_full_disk_mount.py: the plan links only tests that run everywhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="rlimits and /dev/full")

SAMPLE = Path(__file__).parent / "fixtures" / "sample"

#: Run tracker with its files limited to a size (bytes), as ``ulimit -f`` would.
LIMITED = ("import os, resource, sys\n"
           "limit = int(sys.argv[1])\n"
           "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))\n"
           "os.execv(sys.executable, [sys.executable, '-m', 'tracker', *sys.argv[2:]])\n")


def tracker(cwd: Path, *args: str, limit: int | None = None,
            stdout: object = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    command = ([sys.executable, "-c", LIMITED, str(limit)] if limit is not None
               else [sys.executable, "-m", "tracker"])
    return subprocess.run([*command, *args], cwd=cwd, stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=120, check=False)


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The one line saying what went wrong (after the plan's own warnings, if any)."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    lines = [line for line in done.stderr.strip().splitlines() if ": warning: " not in line]
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", ".tracker"))
    return root


@pytest.mark.parametrize("args", [["schema", "-o", "out.json"],
                                  ["render", "--no-runs", "--today", "2026-03-20",
                                   "-o", "out.json"]],
                         ids=["schema", "render"])
def test_a_file_size_limit_is_one_line_and_keeps_the_old_file(sample: Path,
                                                               args: list[str]) -> None:
    (sample / "out.json").write_text("the old content\n")
    line = one_line(tracker(sample, *args, limit=2048))
    assert line.startswith("out.json: cannot write it (File too large)")
    assert (sample / "out.json").read_text() == "the old content\n"
    assert not [p for p in sample.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("args", [["schema"], ["status", "--today", "2026-03-20"],
                                  ["render", "--no-runs", "--today", "2026-03-20"]],
                         ids=["schema", "status", "render"])
def test_output_to_a_full_device_is_one_line(sample: Path, args: list[str]) -> None:
    """stdout on a full disk: small outputs fail only when flushed at exit, big ones at once;
    both are said in one line, never as a traceback or 'Exception ignored'."""
    with open("/dev/full", "w") as full:
        line = one_line(tracker(sample, *args, stdout=full))
    assert line == ("tracker: cannot write the output (No space left on device): free some "
                    "space and retry")


def test_schema_to_dev_full_with_o(sample: Path) -> None:
    line = one_line(tracker(sample, "schema", "-o", "/dev/full"))
    assert line.startswith("/dev/full: cannot write it (No space left on device)")
