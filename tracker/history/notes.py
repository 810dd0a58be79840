"""Git notes plumbing: one ref of notes (``refs/notes/tracker``) read, appended to and merged.

Runs travel with their commits as notes (tracker.history.run_notes says what goes in them);
this module only moves text in and out of git, through the ``git`` command.

Why it is built this way:

* Every change of the notes ref is a compare-and-swap. ``git notes add`` and ``git notes
  merge`` move their ref without checking what it pointed at, so two processes noting runs at
  once could each drop the other's. Here git's own notes machinery works on a scratch ref made
  from the current value, and ``git update-ref REF NEW OLD`` publishes the result only if the
  ref is still at OLD; otherwise the work is redone on the new value.
* Merging two sides uses git's ``cat_sort_uniq`` notes strategy: the notes of a commit on both
  sides become the sorted union of their lines. A note holds one run per line, so no run of
  either side is lost, and the same run on both sides is kept once.
* All note blobs are read by one ``git cat-file --batch``, whatever their number; a note over
  the size cap is skipped unread.
* A notes commit needs an identity; where git has none configured (a fresh CI runner) a
  neutral one is given, so noting a run never fails for that.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import queue
import secrets
import subprocess
import threading
from collections.abc import Container, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tracker.history.gitcli import GitError, git_command, git_env, run_git

NOTES_REF = "refs/notes/tracker"

#: Where scratch copies of the notes ref live while one process changes them. Under
#: refs/notes/, since git only edits notes there.
_SCRATCH = "refs/notes/tracker-scratch"

#: How many times a change is redone when another process moved the ref meanwhile.
ATTEMPTS = 8

_FALLBACK_IDENTITY = {"GIT_AUTHOR_NAME": "tracker", "GIT_AUTHOR_EMAIL": "tracker@localhost",
                      "GIT_COMMITTER_NAME": "tracker", "GIT_COMMITTER_EMAIL": "tracker@localhost"}


class NotesError(GitError):
    """A notes operation failed; the message is one line saying what and what to do."""


@dataclass(frozen=True, slots=True)
class RawNote:
    """The text of the note on one commit, or why it could not be read."""

    commit: str
    text: str | None
    problem: str | None = None
    blob: str = ""  #: the note's object id: a hash of its text


def git_run(root: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run git in ``root``; the completed process, whatever its exit status.

    Never prompts (a remote asking for a password fails instead of hanging a CI job).
    """
    data = None if stdin is None else stdin.encode("utf-8", "surrogateescape")
    try:
        done = run_git(root, *args, stdin=data, env=env, timeout=timeout)
    except GitError as exc:
        raise NotesError(f"git {args[0]} failed: {exc}") from exc
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode("utf-8", "surrogateescape"),
                                       done.stderr.decode("utf-8", "surrogateescape"))


def _git(root: Path, *args: str, stdin: str | None = None,
         env: dict[str, str] | None = None) -> str:
    done = git_run(root, *args, stdin=stdin, env=env)
    if done.returncode != 0:
        raise NotesError(_first_line(done.stderr) or f"git {args[0]} failed")
    return done.stdout


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return (fatal or lines or [""])[0]


def identity_env(root: Path) -> dict[str, str]:
    """The identity git should write notes commits with: none added when git has one."""
    if git_run(root, "var", "GIT_COMMITTER_IDENT").returncode == 0 and \
            git_run(root, "var", "GIT_AUTHOR_IDENT").returncode == 0:
        return {}
    return {name: os.environ.get(name) or value for name, value in _FALLBACK_IDENTITY.items()}


def resolve_commit(root: Path, revision: str) -> str:
    """The full id of the commit ``revision`` names; NotesError when it names none here."""
    done = git_run(root, "rev-parse", "--verify", "--quiet", "--end-of-options",
                   f"{revision}^{{commit}}")
    if done.returncode != 0 or not done.stdout.strip():
        raise NotesError(f"{revision!r} is not a commit of this repository")
    return done.stdout.strip()


def ref_value(root: Path, ref: str) -> str | None:
    """The object ``ref`` points at; None when the ref does not exist."""
    done = git_run(root, "rev-parse", "--verify", "--quiet", ref)
    return done.stdout.strip() or None if done.returncode == 0 else None


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    return git_run(root, "merge-base", "--is-ancestor", older, newer).returncode == 0


def _swap(root: Path, ref: str, new: str, old: str | None, why: str) -> bool:
    """Point ``ref`` at ``new`` if it still points at ``old`` (None: if it does not exist)."""
    return git_run(root, "update-ref", "-m", why, ref, new, old or "").returncode == 0


@contextlib.contextmanager
def _scratch(root: Path, start: str | None) -> Iterator[str]:
    """A private notes ref starting at ``start`` (empty when None), deleted afterwards."""
    name = f"{_SCRATCH}/{os.getpid()}-{secrets.token_hex(4)}"
    if start is not None:
        _git(root, "update-ref", name, start)
    try:
        yield name
    finally:
        git_run(root, "update-ref", "-d", name)


def append_line(root: Path, commit: str, line: str, key: str, ref: str = NOTES_REF) -> bool:
    """Add ``line`` to the note on ``commit`` (a full id), creating the note as needed.

    False when the note holds a line with this ``key`` already: noting a run twice keeps it
    once. The note's other lines are kept as they are.
    """
    env = identity_env(root)
    for _ in range(ATTEMPTS):
        old = ref_value(root, ref)
        with _scratch(root, old) as scratch:
            shown = git_run(root, "notes", "--ref", scratch, "show", commit)
            existing = shown.stdout if shown.returncode == 0 else ""
            if f'"key":"{key}"' in existing:
                return False
            text = (existing.rstrip("\n") + "\n" if existing.strip() else "") + line + "\n"
            _git(root, "notes", "--ref", scratch, "add", "-f", "-F", "-", commit,
                 stdin=text, env=env)
            new = ref_value(root, scratch)
        if new is not None and _swap(root, ref, new, old, "tracker: note a run"):
            return True
    raise NotesError(f"{ref} kept changing while a run was being noted: retry")


def merge_notes(root: Path, source: str, ref: str = NOTES_REF) -> bool:
    """Union the notes of ``source`` (a ref, such as fetched notes) into ``ref``; True when
    ``ref`` changed. A commit noted on both sides keeps every line of both (cat_sort_uniq)."""
    incoming = ref_value(root, source)
    if incoming is None:
        return False
    env = identity_env(root)
    for _ in range(ATTEMPTS):
        old = ref_value(root, ref)
        if old is not None and (old == incoming or is_ancestor(root, incoming, old)):
            return False  # everything of theirs is here already
        if old is None or is_ancestor(root, old, incoming):
            new: str | None = incoming  # nothing of ours is missing there: fast-forward
        else:
            with _scratch(root, old) as scratch:
                _git(root, "notes", "--ref", scratch, "merge", "--quiet", "-s", "cat_sort_uniq",
                     source, env=env)
                new = ref_value(root, scratch)
        if new is not None and _swap(root, ref, new, old, f"tracker: merge notes of {source}"):
            return True
    raise NotesError(f"{ref} kept changing while notes were being merged: retry")


def list_notes(root: Path, ref: str = NOTES_REF) -> list[tuple[str, str]]:
    """``(note blob, annotated commit)`` for every note of ``ref``; empty when there is none."""
    if ref_value(root, ref) is None:
        return []
    pairs = []
    for line in _git(root, "notes", "--ref", ref, "list").splitlines():
        blob, _, commit = line.partition(" ")
        if blob and commit:
            pairs.append((blob, commit))
    return pairs


def read_notes(root: Path, max_bytes: int, ref: str = NOTES_REF,
               skip: Container[str] = frozenset()) -> list[RawNote]:
    """The text of every note of ``ref`` whose blob is not in ``skip``, read by one
    ``git cat-file --batch``.

    A note over ``max_bytes``, not a blob, or not UTF-8 text comes back with a problem instead
    of its text; the others are read all the same.
    """
    return list(stream_notes(root, max_bytes, ref, skip))


def stream_notes(root: Path, max_bytes: int, ref: str = NOTES_REF,
                 skip: Container[str] = frozenset()) -> Iterator[RawNote]:
    """:func:`read_notes`, one note at a time as git answers: a thread drains git's output
    while the caller works on the notes already read (an import checks each note's key while
    git inflates the next), so neither waits for the other."""
    pairs = [(blob, commit) for blob, commit in list_notes(root, ref) if blob not in skip]
    if not pairs:
        return
    try:
        proc = subprocess.Popen(git_command("cat-file", "--batch"), cwd=root,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=git_env())
    except OSError as exc:
        raise NotesError(f"git cat-file failed: {exc}") from exc
    assert proc.stdin is not None and proc.stdout is not None
    request = "".join(f"{blob}\n" for blob, _ in pairs).encode("ascii")
    feeder = threading.Thread(target=_feed, args=(proc.stdin, request), daemon=True)
    feeder.start()  # a thread: git's answers would fill the pipe before we finished asking
    answers: queue.SimpleQueue[RawNote | BaseException | None] = queue.SimpleQueue()
    reader = threading.Thread(target=_drain, args=(proc.stdout, pairs, max_bytes, answers),
                              daemon=True)
    reader.start()
    try:
        while (answer := answers.get()) is not None:
            if isinstance(answer, BaseException):
                raise answer
            yield answer
    finally:
        proc.stdout.close()  # a reader still reading stops at once
        proc.wait()
        feeder.join()
        reader.join()


def _drain(out: IO[bytes], pairs: list[tuple[str, str]], max_bytes: int,
           answers: queue.SimpleQueue[RawNote | BaseException | None]) -> None:
    """Read git's answer for each of ``pairs`` into ``answers``, then None; an error ends it."""
    try:
        for blob, commit in pairs:
            answers.put(dataclasses.replace(_read_one(out, commit, max_bytes), blob=blob))
    except (NotesError, OSError, ValueError) as exc:  # ValueError: the pipe was closed
        answers.put(exc if isinstance(exc, NotesError)
                    else NotesError("git cat-file stopped before every note was read"))
        return
    answers.put(None)


def _feed(pipe: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(OSError):  # git stopped reading: the reader says what went wrong
        pipe.write(data)
    with contextlib.suppress(OSError):
        pipe.close()


def _read_one(out: IO[bytes], commit: str, max_bytes: int) -> RawNote:
    header = out.readline().decode("ascii", "replace").split()
    if len(header) != 3:  # "<name> missing", or git stopped
        if not header:
            raise NotesError("git cat-file stopped before every note was read")
        return RawNote(commit, None, "its note is missing from the repository")
    kind, size = header[1], int(header[2])
    if kind != "blob" or size > max_bytes:
        _discard(out, size + 1)
        why = (f"its note is a {kind}, not text" if kind != "blob"
               else f"its note is larger than {max_bytes // 2**20} MB")
        return RawNote(commit, None, why)
    data = out.read(size)
    out.read(1)  # the newline after every object
    try:
        return RawNote(commit, data.decode("utf-8"))
    except UnicodeDecodeError:
        return RawNote(commit, None, "its note is not UTF-8 text")


def _discard(out: IO[bytes], size: int) -> None:
    while size > 0:
        chunk = out.read(min(size, 1 << 20))
        if not chunk:
            break
        size -= len(chunk)
