"""Content hashes that tell whether a file changed since a run, and which files matter."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # tracker run hashes files without reading a workspace: keep its start light
    from tracker.evidence.values import Workspace


def file_hashes(root: Path, paths: set[str]) -> dict[str, str]:
    """sha1 of each readable file in ``paths`` (relative to ``root``); unreadable ones left out."""
    out = {}
    for rel in sorted(paths):
        path = root / rel
        try:
            if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block the read forever
                continue
            out[rel] = hashlib.sha1(path.read_bytes(), usedforsecurity=False).hexdigest()
        except OSError:
            continue
    return out


def is_conftest(path: str) -> bool:
    return path == "conftest.py" or path.endswith("/conftest.py")


def conftest_candidates(test_file: str) -> list[str]:
    """Where pytest looks for the conftest.py files of ``test_file`` (relative, forward
    slashes): its folder and every folder above it, nearest first."""
    found = []
    folder = test_file.rpartition("/")[0]
    while folder:
        found.append(f"{folder}/conftest.py")
        folder = folder.rpartition("/")[0]
    found.append("conftest.py")
    return found


def conftests_above(root: Path, test_files: set[str]) -> set[str]:
    """The conftest.py files pytest loads for ``test_files`` that exist under ``root``. A
    change in one can change how the tests run (fixtures, hooks)."""
    candidates = {c for path in test_files for c in conftest_candidates(path)}
    return {c for c in candidates if (root / c).is_file()}


def linked_files(workspace: Workspace) -> set[str]:
    """Every test file and target the plan's items link: what staleness and watching follow."""
    files: set[str] = set()
    for ev in workspace.items.values():
        for link in ev.links:
            files.update(link.files)
        files.update(t.split("::", 1)[0] for t in ev.marked)
        for target in ev.targets:
            files.update(target.files)
    return files
