"""Where tracker keeps its local data: one git-ignored folder beside plan.yaml.

Kept apart from the store so that commands can ask whether a store exists without importing
sqlite3.
"""

from __future__ import annotations

import contextlib
import os
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


def replace_quietly(path: Path, data: bytes, mode: int = 0o666) -> None:
    """Replace a file of the data folder (a cache) with ``data`` in one step, its folders
    made as :func:`make_dirs` does, or leave everything as it was: never raises, since a
    cache that cannot be written only means doing the work again next time. ``mode`` is
    given to the new file (before the umask)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        make_dirs(path.parent)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def default_store_path(root: Path) -> Path:
    """Where a project's store lives: ``<root>/.tracker/tracker.db``."""
    return data_dir(root) / "tracker.db"


def not_a_store(path: Path) -> str | None:
    """Why what lies at ``path`` cannot be a run store (a folder, a device or pipe, a symbolic
    link to nothing), as one line with the way out; None for a regular file or for nothing.

    Every command asks this first, so that each says the same of the same path: ``status``
    and ``render`` used to take ``/dev/null`` for "no run recorded" while ``run`` refused it.
    """
    if path.is_dir():
        return f"{path} is a folder, not a tracker store: move it away or delete it"
    if os.path.islink(path) and not path.exists():
        return f"{path} is a symbolic link to nothing: remove it, or point it at a store"
    if path.exists() and not path.is_file():
        return (f"{path} is not a regular file (a device or a pipe?), so not a tracker store: "
                "move it away")
    return None
