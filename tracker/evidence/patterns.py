"""Patterns from plan.yaml that cannot hang: globs walked once per folder, bounded regexes.

plan.yaml is written by anyone on the team, and the same plan is judged by every command,
the terminal UI and CI. A pattern whose cost grows combinatorially with the tree or the text
would stop all of them:

* ``pathlib.Path.glob`` (Python 3.11/3.12) expands every ``**`` on its own, so
  ``**/**/**/**/*`` visits each folder once per way of splitting its depth among the ``**``:
  a minute on a tree of 5,000 folders, and more ``**`` never finish. Here a pattern is a
  small automaton walked over the tree: each (folder, position in the pattern) pair is
  visited once, repeated ``**`` are collapsed, and each folder is listed with one
  ``os.scandir`` shared by every pattern of the plan (:class:`FolderCache`).
* Python's ``re`` backtracks: ``(a+)+$`` doubles its work with each character and never ends
  on a 50 kB file. The third-party ``regex`` module, a drop-in for ``re`` (same syntax in its
  default VERSION0 mode, so plans keep their lookarounds and backreferences), accepts a
  ``timeout``; :func:`search` turns running out of it into :class:`PatternTooSlow`.
  ``google-re2`` would be linear-time instead, but rejects lookarounds and backreferences
  that valid plans may hold; a bound on time keeps every pattern that worked working.
  A *plain* pattern (:func:`is_plain`: characters, escaped punctuation, ``.``, ``^`` and
  ``$``, nothing that repeats, alternates or groups) cannot backtrack, and ``re`` and
  ``regex`` read it alike: on a text small enough that its worst case stays far inside the
  time bound, ``re`` answers it, and the plan that holds no other regex never imports
  ``regex`` (its import is a twentieth of a cold ``tracker render``).
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

#: Seconds one regex search may take before the check is given up as too slow. A simple
#: pattern reads a 50 MB file (the largest searched) in well under a second.
REGEX_TIMEOUT = 2.0

_MAGIC = re.compile(r"[*?[]")

#: Characters, ASCII punctuation escaped, ``.``, ``^`` and ``$``: no quantifier, class,
#: group, alternation, backreference or letter escape (``\w``'s tables differ between ``re``
#: and ``regex``), so a match attempt at one position takes at most one step per character.
_PLAIN = re.compile(r"(?:[^\\*+?{}()\[\]|]|\\[!-/:-@\[-`{-~ ])*")

#: Characters of text times characters of pattern that ``re`` may step through for a plain
#: pattern: a tenth of a second or so, far inside REGEX_TIMEOUT even on a slow machine.
PLAIN_STEPS = 10_000_000


def is_plain(pattern: str) -> bool:
    """Whether ``pattern`` is plain: it means the same to ``re`` and ``regex`` and cannot
    backtrack (see the module's docstring)."""
    return _PLAIN.fullmatch(pattern) is not None


def _plainly(pattern: str, text: str) -> bool:
    """Whether ``re`` may answer ``pattern`` on ``text``: plain, and bounded in steps."""
    return len(text) * max(len(pattern), 1) <= PLAIN_STEPS and is_plain(pattern)


class PatternTooSlow(Exception):
    """A regular expression ran out of its time on a file."""


class BadPattern(ValueError):
    """A regular expression the ``regex`` module does not accept (``re`` did, at loading)."""


def search(pattern: str, text: str, timeout: float = REGEX_TIMEOUT) -> bool:
    """Whether ``pattern`` (``re`` syntax, MULTILINE) matches somewhere in ``text``.

    Raises PatternTooSlow after ``timeout`` seconds, BadPattern for a pattern ``regex``
    refuses. ``regex`` is imported here, by the few plans with regex checks that are not
    plain only.
    """
    if _plainly(pattern, text):
        return re.search(pattern, text, re.MULTILINE) is not None
    import regex

    try:
        return regex.search(pattern, text, regex.MULTILINE, timeout=timeout) is not None
    except TimeoutError as exc:
        raise PatternTooSlow(f"stopped after {timeout:g} s") from exc
    except regex.error as exc:
        raise BadPattern(str(exc)) from exc


def count(pattern: str, text: str, timeout: float = REGEX_TIMEOUT) -> int:
    """How many non-overlapping matches of ``pattern`` (as :func:`search` reads it) ``text``
    holds; the same errors as :func:`search`, the time bounding the whole count."""
    if _plainly(pattern, text):
        return sum(1 for _ in re.finditer(pattern, text, re.MULTILINE))
    import regex

    try:
        return sum(1 for _ in regex.finditer(pattern, text, regex.MULTILINE, timeout=timeout))
    except TimeoutError as exc:
        raise PatternTooSlow(f"stopped after {timeout:g} s") from exc
    except regex.error as exc:
        raise BadPattern(str(exc)) from exc


@dataclass(slots=True)
class Listing:
    """What one folder holds: every name, and the names of its subfolders."""

    names: tuple[str, ...] = ()
    #: subfolders, symlinks to folders included (a wildcard enters them, as pathlib does)
    folders: frozenset[str] = frozenset()
    #: subfolders that are symlinks: ``**`` does not enter them, so a loop cannot hang it
    linked: frozenset[str] = frozenset()


@dataclass
class FolderCache:
    """Folder listings and file kinds, each asked of the file system once.

    One cache serves every glob of a plan: a plan names many globs over the same tree.
    """

    root: str
    _listings: dict[str, Listing] = field(default_factory=dict)
    _kinds: dict[str, int] = field(default_factory=dict)

    def listing(self, rel: str) -> Listing:
        """The listing of the folder ``rel`` (``""``: the root); empty when unreadable."""
        found = self._listings.get(rel)
        if found is None:
            found = self._listings[rel] = _scan(self._abs(rel))
        return found

    def kind(self, rel: str) -> int:
        """0 missing, 1 a file (or anything else that is not a folder), 2 a folder; symlinks
        followed, as pathlib's glob does for the literal parts of a pattern."""
        known = self._kinds.get(rel)
        if known is None:
            path = self._abs(rel)
            known = self._kinds[rel] = 2 if os.path.isdir(path) else int(os.path.exists(path))
        return known

    def _abs(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/")) if rel else self.root


def _scan(folder: str) -> Listing:
    try:
        with os.scandir(folder) as entries:
            names, folders, linked = [], set(), set()
            for entry in entries:
                names.append(entry.name)
                try:
                    if entry.is_dir():
                        folders.add(entry.name)
                        if entry.is_symlink():
                            linked.add(entry.name)
                except OSError:
                    pass
    except OSError:
        return Listing()
    return Listing(tuple(names), frozenset(folders), frozenset(linked))


#: A part of a pattern: "**", a literal name, or a compiled wildcard.
_Part = str | re.Pattern[str]


def parts_of(pattern: str) -> list[_Part]:
    """The pattern's parts, ``/``-separated, with ``.`` and empty parts dropped and runs of
    ``**`` collapsed into one (``**/**`` matches exactly what ``**`` matches)."""
    parts: list[_Part] = []
    for text in pattern.replace("\\", "/").split("/"):
        if text in ("", "."):
            continue
        if text == "**":
            if parts and parts[-1] == "**":
                continue
            parts.append("**")
        elif _MAGIC.search(text):
            parts.append(re.compile(fnmatch.translate(os.path.normcase(text))))
        else:
            parts.append(text)
    return parts


def expand(cache: FolderCache, pattern: str,
           prune: Callable[[str], bool] = lambda name: False) -> set[str]:
    """The paths under the cache's root matching ``pattern``, relative, ``/``-separated.

    Matches what ``Path(root).glob(pattern)`` finds, without repeats: ``*``, ``?`` and
    ``[...]`` match within one name (names starting with a dot included), ``**`` any number
    of folders (not entering symlinked ones); a pattern ending in ``**`` finds folders.
    ``prune(name)`` says which folders wildcards and ``**`` do not enter (folders the
    caller would drop from the results anyway); literal parts always enter.
    """
    parts = parts_of(pattern)
    if not parts:
        return set()
    last = len(parts) - 1
    found: set[str] = set()
    seen: set[tuple[str, int]] = set()
    todo: list[tuple[str, int]] = [("", 0)]
    while todo:
        state = todo.pop()
        if state in seen:
            continue
        seen.add(state)
        folder, i = state
        part = parts[i]
        prefix = f"{folder}/" if folder else ""
        if part == "**":
            listing = cache.listing(folder)
            if i == last:
                if folder:
                    found.add(folder)
            else:
                todo.append((folder, i + 1))
            todo.extend((prefix + name, i) for name in listing.folders - listing.linked
                        if not prune(name))
        elif isinstance(part, str):
            child = prefix + part
            kind = cache.kind(child)
            if i == last and kind:
                found.add(child)
            elif kind == 2:
                todo.append((child, i + 1))
        else:
            listing = cache.listing(folder)
            match = part.match
            for name in listing.names:
                if not match(os.path.normcase(name)):
                    continue
                if i == last:
                    found.add(prefix + name)
                elif name in listing.folders and not prune(name):
                    todo.append((prefix + name, i + 1))
    return found
