"""Where tracker keeps its local data: one git-ignored folder beside plan.yaml.

Kept apart from the store so that commands can ask whether a store exists without importing
sqlite3.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

DATA_DIR = ".tracker"


def data_dir(root: Path) -> Path:
    """The project's local data folder (runs, scratch files, caches)."""
    return Path(root) / DATA_DIR


def make_dirs(path: Path) -> None:
    """Create ``path`` (a folder inside a data folder) and its parents, and make sure the data
    folder ignores itself: a ``.gitignore`` holding ``*`` inside it, so that its caches, runs
    and store never show in ``git status``, even where nobody added ``.tracker/`` to the
    project's own .gitignore. Raises OSError as ``mkdir`` does."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    for folder in (path, *path.parents):
        if folder.name == DATA_DIR:
            ignore = folder / ".gitignore"
            if not ignore.exists():
                with contextlib.suppress(OSError):  # a read-only folder: nothing to ignore
                    ignore.write_text("# tracker's local data: never committed\n*\n",
                                      encoding="utf-8")
            return


def default_store_path(root: Path) -> Path:
    """Where a project's store lives: ``<root>/.tracker/tracker.db``."""
    return data_dir(root) / "tracker.db"
