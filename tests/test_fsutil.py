"""Atomic writes: whole files or none, links kept, devices and pipes written into, not replaced."""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker.fsutil import write_atomic

from .helpers import run_cli


def test_a_file_is_replaced_whole_keeping_its_mode(tmp_path):
    target = tmp_path / "plan.md"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["plan.md"], "no temporary file left"


def test_a_symlink_stays_a_link_to_the_new_text(tmp_path):
    (tmp_path / "docs").mkdir()
    real = tmp_path / "docs" / "plan.md"
    real.write_text("old")
    link = tmp_path / "plan.md"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "out.md"
    link.symlink_to(tmp_path / "made.md")
    write_atomic(link, "text")
    assert link.is_symlink() and (tmp_path / "made.md").read_text() == "text"


def a_null_device(tmp_path: Path) -> Path:
    """A character device that a broken ``write_atomic`` could not replace for real: root's
    own /dev/null made in ``tmp_path``, or, for a user who may not write /dev (and so could
    not replace it), the machine's /dev/null itself. Either way the test runs everywhere."""
    if not os.access("/dev", os.W_OK):
        return Path("/dev/null")
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return null


def test_a_device_stays_a_device(tmp_path):
    null = a_null_device(tmp_path)
    write_atomic(null, "discarded")
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert not [p for p in null.parent.iterdir() if p.name.startswith(".null.")], "no temp"


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


@contextlib.contextmanager
def pipe_reader(fifo: Path) -> Iterator[list[str]]:
    """A named pipe at ``fifo`` read whole in a thread; the text is in the list after."""
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    yield got
    reader.join(10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "still a pipe"


@needs_fifo
def test_a_named_pipe_is_written_into(tmp_path):
    with pipe_reader(tmp_path / "pipe") as got:
        write_atomic(tmp_path / "pipe", "through the pipe")
    assert got == ["through the pipe"]


@needs_fifo
def test_commands_writing_with_o_write_into_a_pipe(tmp_path):
    with pipe_reader(tmp_path / "schema.json") as got:
        done = run_cli("schema", "-o", str(tmp_path / "schema.json"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert got and got[0].lstrip().startswith("{")


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path, "text")
