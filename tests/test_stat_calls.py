"""Gathering evidence lists each folder once instead of asking about each linked path.

``stat`` has no audit event, so the test counts the calls the way they are made: through the
``os`` module's ``stat`` and ``lstat`` (which ``os.path``, ``pathlib`` and tracker call),
wrapped to record each path and then do the real call. ``os.scandir`` is counted with an
audit hook. The tree is real, and the answers are checked too.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker.evidence.workspace import gather_workspace
from tracker.plan.load import load_plan

from .helpers import write

FOLDERS = ("src/a", "src/b", "docs/notes")
PER_FOLDER = 40


class Calls:
    """The paths given to os.stat/os.lstat, and to os.scandir, while recording."""

    def __init__(self) -> None:
        self.stats: Counter[str] = Counter()
        self.scandirs: Counter[str] = Counter()
        self.on = False


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Calls]:
    seen = Calls()
    real_stat, real_lstat = os.stat, os.lstat

    def stat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if seen.on:
            seen.stats[os.fspath(path) if not isinstance(path, int) else str(path)] += 1
        return real_stat(path, *args, **kwargs)

    def lstat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if seen.on:
            seen.stats[os.fspath(path)] += 1
        return real_lstat(path, *args, **kwargs)

    def hook(event: str, args: tuple[object, ...]) -> None:
        if seen.on and event == "os.scandir":
            seen.scandirs[os.fspath(args[0]) if args[0] is not None else "."] += 1  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "lstat", lstat)
    sys.addaudithook(hook)  # cannot be removed: it records only while ``on``
    yield seen
    seen.on = False


def many_links(root: Path) -> Path:
    """A tree of 120 source files in 3 folders and a plan linking each of them 3 ways."""
    items = []
    for folder in FOLDERS:
        for n in range(PER_FOLDER):
            rel = f"{folder}/f_{n}.py"
            write(root, rel, f"X = {n}\n")
            items.append(f"      - id: {folder.replace('/', '-')}-{n}\n        text: T\n"
                         f"        targets: [{rel}]\n"
                         f"        files: [{{path: {rel}}}, {{absent: {folder}/gone_{n}.py}}]\n")
    write(root, "tests/test_x.py", "def test_x():\n    assert 1\n")
    items.append("      - id: t\n        text: T\n        tests: [tests/test_x.py::test_x]\n")
    write(root, "src/a/real.py", "X = 0\n")
    os.symlink("real.py", root / "src" / "a" / "linked.py")
    items.append("      - id: linked\n        text: T\n        files: [{path: src/a/linked.py}]\n")
    return write(root, "plan.yaml", "title: T\nphases:\n  - id: p\n    title: P\n"
                 "    items:\n" + "".join(items))


def test_linked_paths_are_answered_from_one_listing_per_folder(tmp_path, calls):
    result = load_plan(many_links(tmp_path))
    assert result.plan is not None and not result.errors
    calls.on = True
    ws = gather_workspace(result.plan, tmp_path)
    calls.on = False

    checks = [c for ev in ws.items.values() for c in ev.checks]
    assert len(checks) == 2 * len(FOLDERS) * PER_FOLDER + 1
    assert all(c.ok for c in checks), [c.detail for c in checks if not c.ok]
    assert ws.items["src-b-7"].targets[0].files == ("src/b/f_7.py",)
    assert ws.items["t"].links[0].tests == ("tests/test_x.py::test_x",)

    # 240 checks and 120 targets on 120 existing and 120 missing files: no stat of an
    # existing plain file; only the symlink (its target decides) and the missing names
    # (a case-insensitive file system could still find them) ask the file system
    under = {folder: [p for p in calls.stats if p.startswith(str(tmp_path / folder) + os.sep)]
             for folder in FOLDERS}
    existing = [p for paths in under.values() for p in paths if "/f_" in p]
    assert existing == [], existing[:5]
    missing = [p for paths in under.values() for p in paths if "/gone_" in p]
    assert len(missing) == len(FOLDERS) * PER_FOLDER
    assert max(calls.stats[p] for p in missing) <= 2, calls.stats.most_common(3)
    # each folder listed once, whatever the number of links into it
    for folder in FOLDERS:
        assert calls.scandirs[str(tmp_path / folder)] == 1, calls.scandirs
    assert max(calls.scandirs.values()) == 1, calls.scandirs.most_common(3)
