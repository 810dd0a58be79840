"""Runs kept as the parts of their version 3 note line, decoded only when read.

Part of the store (:mod:`tracker.store`): only the store's modules know SQL.

Why: a first ``tracker sync`` imports every run CI ever noted, hundreds of them, though the
store keeps only the newest whole and a summary row of the rest. Decoding and checking each
run's thousands of tests would cost ~50 times reading the notes from git. So a run from a
version 3 line (tracker.evidence.note_parts) is stored as its summary row, filled from the
line's header, and the line's two parts as written: ``run_parts`` keeps the coverage part
while the run keeps its coverage and the tests part while it is kept whole, and pruning drops
them as it drops the rows of other runs. The parts are decoded, every field checked, when the
run (or its coverage) is read; a run whose parts do not hold, or disagree with its summary,
is refused then (see Store.run).
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from typing import TYPE_CHECKING

from tracker.evidence.results import OUTCOMES, FileCoverage, RunRecord
from tracker.store_rows import _format_time, _text

if TYPE_CHECKING:  # the note modules load only when a run is stored or read from its parts
    from tracker.evidence.note_parts import SplitRun


class BadParts(Exception):
    """A run's parts do not hold when decoded; the message says why, in a few words."""

_RUN_ROW = (
    "INSERT INTO runs (started, finished, git_commit, dirty, args, exit_code, source,"
    " note_key, n_tests, " + ", ".join(f"n_{outcome}" for outcome in OUTCOMES)
    + ", coverage_units, coverage_covered, pruned) VALUES ("
    + ", ".join("?" * (12 + len(OUTCOMES))) + ")")


def insert_split(db: sqlite3.Connection, run: SplitRun, note_key: str, *,
                 tests: bool = True) -> int:
    """Write the summary row and the parts of ``run`` (inside the caller's transaction); its
    new id. The totals are the header's: nothing of the parts is decoded here. Without
    ``tests`` the run is stored as pruning would leave it once it is no longer kept whole:
    its tests part is not written at all."""
    summary = run.summary
    units, covered = summary.coverage if summary.coverage is not None else (None, None)
    run_id = db.execute(_RUN_ROW, (
        _format_time(run.started), _format_time(run.finished), _text(run.commit), 0,
        json.dumps(list(run.args)), run.exit_code, _text(run.source), note_key,
        summary.tests, *(summary.counts[outcome] for outcome in OUTCOMES), units, covered,
        0 if tests else 1,
    )).lastrowid
    assert run_id is not None
    db.execute("INSERT INTO run_parts VALUES (?, ?, ?, ?)",
               (run_id, run.header, run.coverage_part, run.tests_part if tests else None))
    return run_id


def load_split(db: sqlite3.Connection, run_id: int) -> RunRecord | None:
    """The run ``run_id`` decoded from its parts; None when it is not kept as parts.
    BadParts when the parts do not hold."""
    row = db.execute("SELECT header, coverage_part, tests_part FROM run_parts"
                     " WHERE run_id = ?", (run_id,)).fetchone()
    if row is None or row[2] is None:
        return None
    from tracker.evidence.note_fields import BadLine
    from tracker.evidence.note_parts import decode_parts

    try:
        return dataclasses.replace(decode_parts(row[0], row[1], row[2]), id=run_id)
    except BadLine as exc:
        raise BadParts(str(exc)) from None


def load_split_coverage(db: sqlite3.Connection, run_id: int) -> tuple[FileCoverage, ...] | None:
    """The per-file coverage of run ``run_id`` from its coverage part; None when it is not
    kept as parts. BadParts as for :func:`load_split`."""
    row = db.execute("SELECT header, coverage_part FROM run_parts WHERE run_id = ?",
                     (run_id,)).fetchone()
    if row is None:
        return None
    from tracker.evidence.note_fields import BadLine
    from tracker.evidence.note_parts import decode_coverage

    try:
        return decode_coverage(row[0], row[1])
    except BadLine as exc:
        raise BadParts(str(exc)) from None
