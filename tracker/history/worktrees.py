"""Temporary checkouts of past commits that look, to pytest, like the user's own checkout.

Backfill runs the suite at past commits without touching the user's working tree, index or
branches: each commit is checked out with ``git worktree add --detach`` into a folder of its
own under the system's temporary folder, and removed afterwards (also after Ctrl-C).

Real suites notice where they run:

* A repository whose top holds an ``__init__.py`` is imported by pytest under its folder's
  name (``proj.tests.test_x``), so every checkout is ``<tmp>/<unique>/<checkout name>``; the
  plan's folder keeps its place inside it, so pytest finds the same rootdir and ini file.
* Outside the user's checkout: pytest looks for ``conftest.py`` files above its rootdir, and
  must not find the user's current ones.
* The project is often installed in the environment in editable mode: ``import pkg`` would
  then import the user's current code, not the commit's. :func:`import_paths` maps every
  import location inside the user's checkout to the same place in the worktree; those go
  first on the tests' ``PYTHONPATH``.
* Git hooks are not run (``post-checkout`` could do anything).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType

from tracker.history.notes import git_run


class WorktreeError(Exception):
    """A commit could not be checked out; the message says why in one line."""


class Worktrees:
    """The temporary checkouts of one backfill; :meth:`close` removes whatever is left."""

    def __init__(self, top: Path) -> None:
        self.top = top  #: the user's checkout (top of the repository)
        self.base = Path(tempfile.mkdtemp(prefix="tracker-backfill-"))
        self._lock = threading.Lock()  # git picks admin names per folder name: one at a time
        self._count = 0
        self._live: set[Path] = set()

    def add(self, sha: str) -> Path:
        """Check out ``sha`` into a new folder named like the user's checkout; its path."""
        with self._lock:
            self._count += 1
            path = self.base / str(self._count) / self.top.name
            path.parent.mkdir()
            done = git_run(self.top, "-c", f"core.hooksPath={os.devnull}", "-c",
                           "advice.detachedHead=false", "worktree", "add", "--detach",
                           str(path), sha, timeout=1800)
            if done.returncode == 0:
                self._live.add(path)
                return path
        self._drop(path)
        raise WorktreeError(_why(done.stderr))

    def remove(self, path: Path) -> None:
        """Remove one checkout and its folder; never raises."""
        with self._lock:
            self._live.discard(path)
        self._drop(path)

    def _drop(self, path: Path) -> None:
        with self._lock:
            git_run(self.top, "worktree", "remove", "--force", "--force", str(path))
        shutil.rmtree(path.parent, ignore_errors=True)

    def close(self) -> None:
        """Remove every checkout left, the temporary folder, and git's records of them."""
        for path in list(self._live):
            self.remove(path)
        shutil.rmtree(self.base, ignore_errors=True)
        git_run(self.top, "worktree", "prune")

    def __enter__(self) -> Worktrees:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _why(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
    first = (fatal or lines or ["git worktree add failed"])[0]
    if any(word in stderr for word in ("promisor", "unable to read", "missing", "could not fetch",
                                       "bad object")):
        return f"objects missing from this clone (a partial or shallow clone?): {first}"
    return f"could not check it out: {first}"


def import_paths(checkout: Path, worktree: Path, path: Iterable[str] | None = None,
                 modules: Mapping[str, ModuleType] | None = None) -> list[str]:
    """Where the worktree's code must be importable from: every entry of ``path`` (default:
    ``sys.path``) inside ``checkout``, and every package an editable install maps into it
    (setuptools' ``__editable__`` finders), as the same place in ``worktree`` when it is a
    folder there."""
    checkout = checkout.resolve()
    found: dict[str, None] = {}

    def add(location: Path) -> None:
        try:
            relative = location.resolve().relative_to(checkout)
        except (OSError, ValueError):
            return
        if (worktree / relative).is_dir():  # not a virtualenv inside the checkout, say
            found[str(worktree / relative)] = None

    for entry in sys.path if path is None else path:
        if entry:
            add(Path(entry))
    for name, module in (sys.modules if modules is None else modules).items():
        mapping = getattr(module, "MAPPING", None) if name.startswith("__editable__") else None
        if isinstance(mapping, dict):
            for package in mapping.values():
                if isinstance(package, str):
                    add(Path(package).parent)
    return list(found)
