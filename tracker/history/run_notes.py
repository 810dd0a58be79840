"""Runs as git notes: attaching a recorded run to its commit, importing every noted run into
the store, and rebuilding a lost or damaged store from the notes.

The glue between the note format (tracker.evidence.note_format), the notes ref
(tracker.history.notes) and the store (tracker.store). Notes are data from anyone who can
push: a note that cannot be read is skipped with one warning naming its commit, and the
others are imported all the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from tracker import __version__
from tracker.errors import StoreError
from tracker.evidence.note_format import (
    MAX_NOTE_BYTES,
    NotedRun,
    NoteLine,
    NoteRefused,
    decode_note,
    encode_run,
)
from tracker.evidence.results import RunRecord
from tracker.history.notes import (
    NOTES_REF,
    NotesError,
    append_line,
    resolve_commit,
    stream_notes,
)
from tracker.store import Store, StoreLocked, move_aside


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import found in the notes."""

    imported: int  #: runs new to the store
    known: int  #: runs the store had already
    notes: int  #: notes read: those new or changed since the last import
    bad: tuple[str, ...] = ()  #: one warning per note that was skipped, in whole or part


@dataclass(frozen=True, slots=True)
class RebuildResult:
    """What a rebuild did with the old store and found in the notes."""

    moved_to: Path | None  #: where the old store went; None when there was none
    damage: str | None  #: what was wrong with it; None when it was sound (--force)
    imported: ImportResult


def note_run(root: Path, run: RunRecord, ref: str = NOTES_REF) -> NoteLine:
    """Attach ``run`` to its commit as a line of the commit's note and return the line.

    Raises NoteRefused (tracker.evidence.note_format) for a run on a dirty tree or without a
    commit, NotesError when git fails. Noting the same run twice keeps one line.
    """
    if run.commit and not run.dirty:  # the note needs the full id of a commit that exists
        run = dataclasses.replace(run, commit=resolve_commit(root, run.commit))
    line = encode_run(run, __version__)
    append_line(root, run.commit or "", line.text, line.key, ref)
    return line


def note_recorded(root: Path, store: Store, run_id: int, record: RunRecord) -> tuple[bool, str]:
    """Note the stored run ``run_id`` and mark it noted in the store (so that importing the
    note later does not store it twice): what ``run``, ``ingest``, ``backfill`` and the
    terminal UI do after recording a run. Whether it was noted, and the line to print: the
    command prints its run summary first, then this, and exits 2 when it was not noted."""
    try:
        line = note_run(root, record)
        commit = resolve_commit(root, record.commit or "HEAD")
        store.set_note_key(run_id, line.key)
    except (NoteRefused, NotesError, StoreError) as exc:
        return False, f"tracker: run {run_id} recorded but not noted: {exc}"
    return True, (f"tracker: run {run_id} noted on commit {commit[:10]} ({NOTES_REF}); "
                  "share it with tracker sync")


def import_notes(root: Path, store: Store, ref: str = NOTES_REF) -> ImportResult:
    """Store every noted run the store lacks: importing twice, in any order, stores each once.

    Runs are stored oldest first, so that store ids follow time and pruning keeps the newest
    whole. A note that cannot be read, or lines of it that cannot, give one warning naming the
    commit; valid text is stored as it is (the display code cleans what it shows). Runs of
    version 3 lines are stored as their checked header and undecoded parts (see
    tracker.store_parts): the store keeps only the newest runs whole, so a first sync of
    hundreds of runs does not decode them all; a run whose parts turn out bad when read is
    refused then (Store.run), with one warning naming its commit. A note
    whose blob was imported before is not read again (a blob's id is a hash of its text): a
    sync reads only the notes that changed, and warns of a bad note once.
    """
    known = store.note_keys()
    pending: list[NotedRun] = []
    bad: list[str] = []
    seen = 0
    blobs: list[str] = []
    for note in stream_notes(root, MAX_NOTE_BYTES, ref, skip=store.imported_blobs()):
        blobs.append(note.blob)
        if note.text is None:
            bad.append(f"skipped the note on {note.commit[:12]}: {note.problem}")
            continue
        read = decode_note(note.text, known, split=True)  # version 3: decoded when read
        seen += read.known
        if read.problems:
            more = len(read.problems) - 1
            bad.append(f"skipped {_runs(len(read.problems))} of the note on {note.commit[:12]}"
                       f": {read.problems[0]}" + (f" (and {more} more)" if more else ""))
        pending.extend(read.runs)
    pending.sort(key=lambda noted: (noted.run.started, noted.key))
    whole_from = len(pending) - store.keep_whole  # older ones: pruned by the newer at once
    ids = store.add_noted_runs([(noted.run, noted.key, n >= whole_from)
                                for n, noted in enumerate(pending)])
    imported = sum(run_id is not None for run_id in ids)
    seen += len(ids) - imported  # the same run in two notes, or another import stored it
    store.mark_imported_blobs(blobs)  # read once, warned once
    return ImportResult(imported, seen, len(blobs), tuple(bad))


def _runs(n: int) -> str:
    return "1 line" if n == 1 else f"{n} lines"


def rebuild_store(root: Path, path: Path, *, now: dt.datetime, force: bool = False,
                  ref: str = NOTES_REF) -> RebuildResult:
    """Recreate the store at ``path`` from the notes; the old file is moved aside, never deleted.

    A sound store is left alone unless ``force``: it may hold runs that no note has (local
    runs of a dirty tree). A store another process holds locked is left alone too.
    """
    damage: str | None = None
    moved: Path | None = None
    if path.exists():
        damage = _damage(path)
        if damage is None and not force:
            raise StoreError(f"{path} is sound: rebuild it from the notes anyway with --force "
                             "(it is moved aside, not deleted)")
        moved = move_aside(path, "broken" if damage else "replaced", now)
    with Store.open(path) as store:
        result = import_notes(root, store, ref)
    return RebuildResult(moved, damage, result)


def _damage(path: Path) -> str | None:
    """What makes the store at ``path`` unusable; None when it opens and reads back."""
    try:
        with Store.open(path) as store:
            return store.damage()
    except StoreLocked:
        raise
    except StoreError as exc:
        return str(exc)
