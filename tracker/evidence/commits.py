"""Git history as plain values: commits, what happened to each linked file, the first-parent line.

Produced by :func:`tracker.history.log.read_log` (the only code that asks git for history) and
read by the pure functions of :mod:`tracker.evidence.deltas` and the displays. No I/O here, so
the judge may use these values without importing git or subprocess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True, slots=True)
class Commit:
    """One commit reachable from HEAD."""

    sha: str  #: full id
    parents: tuple[str, ...]  #: first parent first; empty for a root or a shallow boundary
    author: str  #: the author's name as the mailmap gives it
    authored: dt.datetime  #: when the change was written (UTC): what "arrived on" shows
    committed: dt.datetime  #: when it was committed (UTC)
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:10]

    @property
    def day(self) -> dt.date:
        return self.authored.date()


@dataclass(frozen=True, slots=True)
class FileHistory:
    """What git knows of one file that the plan links (a test file or a target)."""

    path: str  #: as named now, relative to the plan's folder
    #: the commit where the file first appeared, under this or an earlier name; None when no
    #: commit reachable from HEAD has it (a new file not committed yet)
    added: str | None = None
    touched: tuple[str, ...] = ()  #: commits that changed it, newest first (``added`` last)
    names: tuple[str, ...] = ()  #: earlier names, newest first (``git mv``)
    #: it appeared in a shallow clone's oldest commit: it may be older than git can tell
    cut_off: bool = False


@dataclass(frozen=True)
class GitLog:
    """The history behind HEAD, read in one pass, and what git could not tell.

    ``order`` lists every commit newest first, children always before their parents; its
    index is how "older" is decided (dates can be wrong, clocks skew). A repository without
    commits, a folder outside any repository and a shallow clone give a ``problem`` saying
    what cannot be known; everything that can still be told is.
    """

    head: str | None = None
    commits: Mapping[str, Commit] = field(default_factory=dict)
    order: tuple[str, ...] = ()
    files: Mapping[str, FileHistory] = field(default_factory=dict)
    shallow: frozenset[str] = frozenset()  #: commits whose parents a shallow clone cut off
    problem: str | None = None  #: what git could not tell, in one sentence

    @cached_property
    def position(self) -> dict[str, int]:
        """Index of each commit in ``order``: a larger index is older."""
        return {sha: i for i, sha in enumerate(self.order)}

    @cached_property
    def first_parent(self) -> tuple[str, ...]:
        """HEAD, its first parent, that one's first parent... newest first: the line a branch
        followed (a merge's first parent is the branch it was merged into)."""
        return tuple(self.first_parents(self.head)) if self.head else ()

    @cached_property
    def on_line(self) -> frozenset[str]:
        """The commits of :attr:`first_parent`, for membership tests."""
        return frozenset(self.first_parent)

    def first_parents(self, sha: str) -> Iterator[str]:
        """``sha`` and its first-parent ancestors, newest first, as far as history goes."""
        seen: set[str] = set()
        current: str | None = sha
        while current is not None and current in self.commits and current not in seen:
            seen.add(current)
            yield current
            parents = self.commits[current].parents
            current = parents[0] if parents else None

    @cached_property
    def arrivals(self) -> dict[str, str]:
        """For every commit, the first-parent commit that brought it onto the line: itself
        for a commit of the line, the merge for a commit of a merged branch."""
        brought: dict[str, str] = {}
        for line_commit in reversed(self.first_parent):  # oldest first
            brought[line_commit] = line_commit
            stack = list(self.commits[line_commit].parents[1:])
            while stack:
                sha = stack.pop()
                if sha in brought or sha not in self.commits:
                    continue
                brought[sha] = line_commit
                stack.extend(self.commits[sha].parents)
        return brought

    def older(self, a: str, b: str) -> bool:
        """Whether commit ``a`` comes before ``b`` in history (unknown commits are newest)."""
        return self.position.get(a, -1) > self.position.get(b, -1)

    def history_of(self, path: str) -> FileHistory:
        """The history of ``path``; an empty one (never committed) when it was not asked for."""
        return self.files.get(path) or FileHistory(path)
