"""A real full file system: a 16 kB tmpfs, nearly filled, written with ``schema -o``.

Only a user who may mount a tmpfs can make one, so this test skips elsewhere and no plan
item links it (an item's status must not depend on the machine): the full-disk item links
test_full_disk.py, whose size limit and /dev/full make the same failures everywhere.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .test_full_disk import one_line, sample, tracker

__all__ = ["sample"]  # the fixture, shared with test_full_disk.py


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 16 kB tmpfs, nearly filled; skipped where this user may not mount one."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mount)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        (mount / "filler").write_bytes(b"\0" * 12 * 1024)
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_schema_o_on_a_full_tmpfs_is_one_line(sample: Path, tiny_tmpfs: Path) -> None:
    target = tiny_tmpfs / "plan.schema.json"
    line = one_line(tracker(sample, "schema", "-o", str(target)))
    assert line == (f"{target}: cannot write it (No space left on device): check the folder "
                    "and free space")
    assert sorted(p.name for p in tiny_tmpfs.iterdir()) == ["filler"]
