"""What folders hold, each listed with one ``os.scandir``, so that a plan's links cost no
system call each.

A plan of 2,000 items names thousands of paths, most of them in a few folders. Asking the
file system about each (is it a file, a folder, a symlink?) took an ``lstat`` and a
``stat`` per path. ``os.scandir`` already says, for every name of a folder, whether it is a
file, a folder or a symlink (from the directory entry itself, on Linux and macOS, and
Windows), so one listing per folder answers them all. Only what a listing cannot settle
exactly asks the file system again: a symlink (its target decides), a name the listing does
not hold (a case-insensitive file system may still find it) and anything else unusual.
"""

from __future__ import annotations

import os
import stat

#: The mode a listed regular file or folder stands for: only the type bits are known.
FILE_MODE = stat.S_IFREG
FOLDER_MODE = stat.S_IFDIR


class Entries:
    """Folder listings by folder path, each read once; the kinds of the paths in them."""

    def __init__(self) -> None:
        self._listings: dict[str, dict[str, os.DirEntry[str]] | None] = {}

    def listing(self, folder: str) -> dict[str, os.DirEntry[str]] | None:
        """The entries of ``folder`` by name; None when it cannot be listed (missing, not a
        folder, unreadable)."""
        if folder in self._listings:
            return self._listings[folder]
        try:
            with os.scandir(folder or os.sep) as found:
                entries: dict[str, os.DirEntry[str]] | None = {e.name: e for e in found}
        except (OSError, ValueError):
            entries = None
        self._listings[folder] = entries
        return entries

    def entry(self, path: str) -> os.DirEntry[str] | None:
        """The listed entry of ``path``, or None when its folder's listing does not hold it
        under that exact name (then only the file system can tell)."""
        folder, _, name = path.rpartition(os.sep)
        if name in ("", ".", ".."):
            return None
        listing = self.listing(folder)
        return None if listing is None else listing.get(name)

    def mode(self, path: str) -> int:
        """The type bits of ``path``'s mode, symlinks followed (all bits when the file system
        was asked); 0 when it is missing."""
        entry = self.entry(path)
        if entry is not None and not entry.is_symlink():
            try:
                if entry.is_dir(follow_symlinks=False):
                    return FOLDER_MODE
                if entry.is_file(follow_symlinks=False):
                    return FILE_MODE
            except OSError:
                pass
        try:  # a symlink, a FIFO or device, or a name the listing does not hold
            return os.stat(path).st_mode
        except (OSError, ValueError):
            return 0

    def is_link(self, path: str) -> bool:
        """Whether ``path`` itself is a symlink (a missing path is not)."""
        entry = self.entry(path)
        if entry is not None:
            return entry.is_symlink()
        return os.path.islink(path)

    def size(self, path: str) -> int:
        """The size of the file at ``path`` (symlinks followed); raises OSError as
        ``os.stat`` does. A listed entry's ``stat`` is cached with it."""
        entry = self.entry(path)
        return entry.stat().st_size if entry is not None else os.stat(path).st_size
