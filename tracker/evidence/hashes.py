"""Content hashes that tell whether a file changed since a run, and which files matter."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tracker.evidence.workspace import Workspace


def file_hashes(root: Path, paths: set[str]) -> dict[str, str]:
    """sha1 of each readable file in ``paths`` (relative to ``root``); unreadable ones left out."""
    out = {}
    for rel in sorted(paths):
        try:
            out[rel] = hashlib.sha1((root / rel).read_bytes(), usedforsecurity=False).hexdigest()
        except OSError:
            continue
    return out


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
