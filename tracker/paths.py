"""Where tracker keeps its local data: one git-ignored folder beside plan.yaml.

Kept apart from the store so that commands can ask whether a store exists without importing
sqlite3.
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = ".tracker"


def data_dir(root: Path) -> Path:
    """The project's local data folder (runs, scratch files, caches)."""
    return Path(root) / DATA_DIR


def default_store_path(root: Path) -> Path:
    """Where a project's store lives: ``<root>/.tracker/tracker.db``."""
    return data_dir(root) / "tracker.db"
