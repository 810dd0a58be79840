"""One pass over git history: every commit behind HEAD, and what happened to the linked files.

The only code that asks git for history (the rest reads the :class:`GitLog` it returns). One
``git log`` whatever the number of files: asking per file, or giving git many pathspecs, makes
it walk the history once per path.

Why these options:

* **Not ``--first-parent``.** A test written on a feature branch and merged later first
  appeared in the branch commit, by its author, on its day; ``--first-parent`` would credit it
  to the merge (whoever merged, whenever). The first-parent line is still known, from each
  commit's parents, for baselines and for the history table.
* **``--cc`` for merges** (dense combined diff: only the files that differ from *every*
  parent). A clean merge does not claim the files of its branch, while a file that appeared in
  the merge itself (a conflict resolution, an "evil" merge) is found there: it is added with
  respect to every parent (``AA``).
* **``-M``**, so a file moved with ``git mv`` keeps the commit it was written in.
* **``--topo-order``**: children before parents, so "older" is the position in the log, not
  a date that a skewed clock or a rebase may have made wrong.
* ``-z`` and unit/record separators in the format: any file name and subject parse exactly.

A folder outside a repository, a repository without commits, a detached HEAD and a shallow
clone (``git clone --depth``) all work: what cannot be known is said in :attr:`GitLog.problem`
and per file (:attr:`FileHistory.cut_off`).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path

from tracker.evidence.commits import Commit, FileHistory, GitLog
from tracker.history.gitcli import GitError, git_command, git_env
from tracker.history.gitcli import _git as git  # the package's way to run git (short calls)

_RECORD, _UNIT = "\x1e", "\x1f"
#: One commit's header: id, parents, author date, committer date, author (mailmap), subject.
_FORMAT = "%x1e%H%x1f%P%x1f%at%x1f%ct%x1f%aN%x1f%s"
#: Config that would change what git log prints, pinned for every user's git.
_CONFIG = ("-c", "log.showRoot=true", "-c", "log.showSignature=false", "-c", "diff.relative=false")

#: Prefix of a former name outside the plan's folder: git's notation for the top-level folder.
TOP = ":/"


def read_log(root: Path, paths: Iterable[str]) -> GitLog:
    """Read the history behind HEAD of the repository holding ``root`` (the plan's folder).

    ``paths`` are the files to follow, relative to ``root``; the commits are read whatever
    they are. Never raises for a missing repository or history: the result's ``problem``
    says what is missing.
    """
    return PendingLog(root).result(paths)


class PendingLog:
    """``git log`` started at once, read later: git walks the history on another core while
    the caller finds out which files to follow (loading the plan, scanning the tests), which
    the output does not depend on."""

    def __init__(self, root: Path, *, start: bool = True) -> None:
        self.head: str | None = None
        self.problem: str | None = None
        self.prefix = ""
        self.shallow: frozenset[str] = frozenset()
        self._proc: subprocess.Popen[str] | None = None
        self._out: tuple[str, str] = ("", "")
        self._reader: threading.Thread | None = None
        self._top = ""
        try:
            top, self.prefix, shallow_path, head = git(
                root, "rev-parse", "--show-toplevel", "--show-prefix", "--git-path", "shallow",
                "HEAD^{commit}").split("\n")[:4]
        except (GitError, ValueError):
            self.problem = _why_no_history(root)
            return
        self.head = head.strip()
        self.shallow = _shallow_commits(root / shallow_path)
        self._top = top
        if start:
            self.start()

    def start(self) -> None:
        """Start ``git log`` (``start=False`` left it for later: :mod:`.log_cache` first
        looks whether a cached log of this HEAD can stand for it)."""
        if self.head is None or self._proc is not None or self.problem is not None:
            return
        try:
            self._proc = subprocess.Popen(
                git_command(*_CONFIG, "log", "-z", "--topo-order", "--cc", "-M",
                            "--name-status", "--no-color", f"--format={_FORMAT}", self.head,
                            "--"), cwd=self._top, env=git_env(), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                errors="surrogateescape")
        except OSError as exc:
            self.problem = f"git log failed: {exc}"
            return
        # read as it comes: git would stop once the pipe is full
        self._reader = threading.Thread(target=self._read, name="git-log", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc is not None
        self._out = self._proc.communicate()

    def result(self, paths: Iterable[str]) -> GitLog:
        """The history, following ``paths`` (relative to the root given)."""
        self.start()
        if self._proc is None or self._reader is None:
            return GitLog(head=self.head, problem=self.problem)
        self._reader.join()
        text, errors = self._out
        if self._proc.returncode != 0:
            return GitLog(head=self.head, problem=f"git log failed: "
                          f"{errors.strip() or self._proc.returncode}")
        commits, order, files = parse_log(text, paths, self.prefix, self.shallow)
        problem = None
        if self.shallow:
            cut = ", ".join(sorted(commits[s].short for s in self.shallow if s in commits))
            problem = (f"shallow clone: history before {cut or '?'} is cut off, so older "
                       "first appearances are unknown; fetch it with `git fetch --unshallow`")
        return GitLog(head=self.head, commits=commits, order=order, files=files,
                      shallow=self.shallow, problem=problem)


def _why_no_history(root: Path) -> str:
    try:
        git(root, "rev-parse", "--show-toplevel")
    except GitError:
        return "not in a git repository: there is no history to read"
    return "the repository has no commits yet: there is no history to read"


def _shallow_commits(path: Path) -> frozenset[str]:
    """The boundary commits of a shallow clone (git's ``shallow`` file); none otherwise."""
    try:
        return frozenset(line.strip() for line in path.read_text("ascii").splitlines()
                         if line.strip())
    except (OSError, UnicodeDecodeError):
        return frozenset()


def parse_log(text: str, paths: Iterable[str], prefix: str = "",
              shallow: frozenset[str] = frozenset()
              ) -> tuple[dict[str, Commit], tuple[str, ...], dict[str, FileHistory]]:
    """Commits, their order (newest first) and the histories of ``paths`` from the output of
    ``git log -z --cc -M --name-status --format=_FORMAT``, run at the top of the repository.

    ``prefix``: the plan's folder relative to the top (``svc/``), which ``paths`` are
    relative to. A file is followed back through renames; its life starts at the newest
    commit that added it (a file deleted and added again later starts again).
    """
    active = {prefix + p: p for p in paths}  #: name in history → the path it is now
    added: dict[str, str] = {}
    touched: dict[str, list[str]] = {p: [] for p in active.values()}
    names: dict[str, list[str]] = {p: [] for p in active.values()}
    commits: dict[str, Commit] = {}
    order: list[str] = []
    for record in text.split(_RECORD)[1:]:
        header, _, body = record.partition("\0")
        sha, parents, authored, committed, author, subject = header.split(_UNIT, 5)
        commit = Commit(sha, tuple(parents.split()), author, _time(authored), _time(committed),
                        subject)
        commits[sha] = commit
        order.append(sha)
        if not active:
            continue
        merge = len(commit.parents) > 1
        for status, old, new in _changes(body, merge):
            path = active.get(new)
            if path is None:
                continue
            seen = touched[path]
            if not seen or seen[-1] != sha:
                seen.append(sha)
            if merge:  # combined status, one letter per parent
                if status.strip("A"):
                    continue  # it was in some parent: a change, not an appearance
                status = "A"
            if status[0] in "AC":
                added[path] = sha
                del active[new]  # its life starts here: older files of this name are others
            elif status[0] == "R":
                del active[new]
                active[old] = path
                names[path].append(old[len(prefix):] if old.startswith(prefix) else TOP + old)
    files = {p: FileHistory(p, added.get(p), tuple(touched[p]), tuple(names[p]),
                            cut_off=added.get(p) in shallow)
             for p in touched}
    return commits, tuple(order), files


def _changes(body: str, merge: bool) -> Iterable[tuple[str, str, str]]:
    """``(status, old name, new name)`` per changed file of one commit's ``-z`` diff."""
    tokens = body.lstrip("\n\0").split("\0")
    i = 0
    while i < len(tokens):
        status = tokens[i]
        if not status:
            i += 1
            continue
        if not merge and status[0] in "RC" and i + 2 < len(tokens):
            yield status, tokens[i + 1], tokens[i + 2]
            i += 3
        elif i + 1 < len(tokens):
            yield status, tokens[i + 1], tokens[i + 1]
            i += 2
        else:
            break


def _time(stamp: str) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(stamp), dt.UTC)
    except (ValueError, OverflowError, OSError):
        return dt.datetime.fromtimestamp(0, dt.UTC)
