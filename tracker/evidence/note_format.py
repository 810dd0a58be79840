"""A recorded run as one line of a git note: the versioned format runs travel in.

Git is the shared store: a run is attached to its commit under ``refs/notes/tracker``
(tracker.history.run_notes), every clone fetches the notes and imports them. This module only
turns a :class:`~tracker.evidence.results.RunRecord` into a line and lines back into records;
no I/O, no git. The format is documented in ``docs/notes-format.md``; the checks of every
field are in :mod:`tracker.evidence.note_fields`, the version 3 layout in
:mod:`tracker.evidence.note_parts`.

Why the shape:

* One run per line (JSON Lines), each line a complete compact JSON object. Several runs of
  one commit (shards, reruns, other CI jobs) live in the same note, and git's own
  ``cat_sort_uniq`` notes merge unions two sides line by line without losing a run.
* Every line starts with its ``key``: the SHA-256 of the rest of the line as written. Importing
  the same run twice, from any side, stores it once; a store that knows the key skips the line
  without parsing it; a line edited by hand no longer matches its key and is refused.
* Pure ASCII (``\\uXXXX`` escapes): a note is safe to print, and names with bytes that are not
  UTF-8 (kept by Python as lone surrogates) survive the trip.
* Notes are data from anyone who can push: everything is checked field by field, a line of a
  newer version or of an unknown shape is refused with the reason, never guessed at. Text is
  kept as written (escape sequences included): the display code cleans what it shows.
* Nothing machine-local: no store ids, no absolute paths of ours; a dirty tree's run is
  refused, since no commit holds the code it ran.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Container
from dataclasses import dataclass
from typing import Any

from tracker.evidence.line_ranges import encode_lines
from tracker.evidence.note_fields import COMMIT, BadLine, run_of, shown
from tracker.evidence.note_parts import (
    PARTS_VERSION,
    SplitRun,
    decode_parts,
    lay_out,
    split_line,
    summary_of,
)
from tracker.evidence.note_sets import COMPACT_ABOVE, encode_set
from tracker.evidence.results import FileCoverage, RunRecord, TestOutcome

#: The ``format`` field of every line this module writes.
FORMAT_NAME = "tracker-run"

# Version history (a reader refuses lines of a higher version, naming it):
#   1  the first format: outcomes (id, outcome, duration, markers, fixtures, plan items,
#      message), collection errors and skips, deselected cases with their markers, per-file
#      coverage with missing lines and missing branch arcs, file hashes, pytest arguments,
#      source, exit code, tracker version, start and end, commit.
#      Later, an optional ``test_file_lines`` field, written only when the run recorded
#      which test file ran which lines ({test file: {measured file: "1-4,7"}}): readers
#      that do not know it ignore it, so the version stays 1, and lines without it are
#      written exactly as before (same text, same key).
#   2  a run deselecting more than note_sets.COMPACT_ABOVE tests carries them compactly in
#      ``deselected_z`` (zlib+base64 of a JSON array, see note_sets) instead of the
#      ``deselected`` list: a 427-test -m run of a 62,000-test suite went from 5.08 MB to
#      0.4 MB. Only such lines are version 2; every other line is written exactly as in
#      version 1, and version 1 lines are read as before.
#   3  every line is laid out as a header (the version 1 fields but the run's rows, and a
#      ``summary``: tests per outcome, test count, coverage sums), then a coverage part and
#      a tests part, split by tabs (see note_parts): an import checks the key and the
#      header and keeps the parts undecoded until the run is read. The parts hold the
#      fields of version 2 (``deselected_z`` above COMPACT_ABOVE). Versions 1 and 2 are
#      read as before, and written on request (``encode_run(..., version=2)``).
FORMAT_VERSION = 3

#: A note (every run of one commit) larger than this is skipped unread.
MAX_NOTE_BYTES = 64 * 2**20
#: One run's line larger than this is skipped: a 6,000-test run with coverage is ~1.5 MB.
MAX_LINE_BYTES = 16 * 2**20

_KEY = re.compile(r'\{"key":"([0-9a-f]{64})",')


class NoteRefused(Exception):
    """A run that must not become a note; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class NoteLine:
    """One run as a note line."""

    key: str  #: SHA-256 (hex) of the line after its key field
    text: str  #: the line, without a newline


@dataclass(frozen=True, slots=True)
class NotedRun:
    """A run read back from a note line, with the line's key: decoded whole, or (a version 3
    line read by :func:`decode_note` with ``split``) its header checked and its parts kept
    for later."""

    key: str
    run: RunRecord | SplitRun


@dataclass(frozen=True, slots=True)
class ReadNote:
    """What one note holds: the runs read, the lines refused and why."""

    runs: tuple[NotedRun, ...] = ()
    problems: tuple[str, ...] = ()  #: one per refused line: "line 3: not JSON (...)"
    known: int = 0  #: lines skipped because their key was known already


# --- writing -------------------------------------------------------------------------------

def encode_run(run: RunRecord, tracker_version: str, *,
               version: int = FORMAT_VERSION) -> NoteLine:
    """The note line of ``run``; NoteRefused for a run without a commit or on a dirty tree.

    ``version``: 2 writes the line of versions 1 and 2 (one JSON object, no parts), as
    trackers before version 3 did: tests read old notes back with it.
    """
    if not run.commit or not COMMIT.fullmatch(run.commit):
        raise NoteRefused("the run has no commit (outside a git repository, or before the "
                          "first commit): there is nothing to attach it to")
    if run.dirty:
        raise NoteRefused(f"the run was on a dirty tree (tracked files differed from commit "
                          f"{run.commit[:10]}): notes hold only runs of committed code; "
                          "commit, then run again")
    header: dict[str, Any] = {
        "format": FORMAT_NAME, "tracker": tracker_version,
        "commit": run.commit, "dirty": False, "source": run.source, "args": list(run.args),
        "exit_code": run.exit_code, "started": _time(run.started),
        "finished": _time(run.finished),
    }
    tests: dict[str, Any] = {
        "tests": [_test(o) for o in run.outcomes],
        "collection_errors": [{"id": e.nodeid, "message": e.message}
                              for e in run.collection_errors],
        "collection_skips": [{"id": e.nodeid, "message": e.message}
                             for e in run.collection_skips],
        "file_hashes": dict(run.file_hashes),
    }
    coverage: dict[str, Any] = {"coverage": [_coverage(f) for f in run.coverage]}
    if run.test_file_lines:  # only then: the lines of runs without contexts stay as they were
        tests["test_file_lines"] = {test: {path: encode_lines(lines)
                                           for path, lines in files.items()}
                                    for test, files in run.test_file_lines.items()}
    compact = len(run.deselected) > COMPACT_ABOVE
    if compact:  # version 2 and later: thousands of ids, compressed
        tests["deselected_z"] = encode_set(run.deselected, run.deselected_markers)
    else:  # a readable list
        tests["deselected"] = [_deselected(nodeid, run.deselected_markers.get(nodeid, ()))
                               for nodeid in run.deselected]
    if version >= PARTS_VERSION:
        header.update(version=PARTS_VERSION, summary=summary_of(run))
        body = "{" + lay_out(header, coverage, tests)
    else:  # versions 1 and 2: one object, version 1 unless the compact set needs 2
        payload = {**header, **tests, **coverage, "version": 2 if compact else 1}
        body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                          allow_nan=False)
    key = hashlib.sha256(body.encode("ascii")).hexdigest()
    return NoteLine(key, f'{{"key":"{key}",{body[1:]}')


def _time(moment: dt.datetime) -> str:
    if moment.tzinfo is None:  # RunRecord's times are UTC, naive or not
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _test(o: TestOutcome) -> dict[str, Any]:
    """A test case; fields at their default are left out (6,000 tests must stay small)."""
    out: dict[str, Any] = {"id": o.nodeid, "outcome": o.outcome}
    duration = round(o.duration, 6) if math.isfinite(o.duration) and o.duration > 0 else 0.0
    if duration:
        out["duration"] = duration
    if o.markers:
        out["markers"] = list(o.markers)
    if o.fixtures:
        out["fixtures"] = list(o.fixtures)
    if o.plan_items:
        out["plan"] = list(o.plan_items)
    if o.message is not None:
        out["message"] = o.message
    return out


def _deselected(nodeid: str, markers: tuple[str, ...]) -> dict[str, Any]:
    return {"id": nodeid, "markers": list(markers)} if markers else {"id": nodeid}


def _coverage(f: FileCoverage) -> dict[str, Any]:
    out: dict[str, Any] = {"path": f.path, "statements": f.statements}
    if f.missing:
        out["missing"] = encode_lines(f.missing)
    if f.branches:
        out["branches"] = f.branches
    if f.missing_branches:
        out["missing_branches"] = f.missing_branches
    if f.missing_arcs:
        out["missing_arcs"] = ",".join(f"{a}>{b}" for a, b in f.missing_arcs)
    return out


# --- reading -------------------------------------------------------------------------------

def key_of(line: str) -> str | None:
    """The key a line starts with, without parsing it; None when it does not start with one."""
    found = _KEY.match(line)
    return found.group(1) if found else None


def decode_note(text: str, known: Container[str] = frozenset(), *,
                split: bool = False) -> ReadNote:
    """Every run of one note, and why each refused line was refused.

    Lines whose key is in ``known`` are skipped unparsed (an import passes the store's keys).
    Blank lines and line order carry no meaning; the same line twice is one run. ``split``:
    a version 3 line comes back split (:class:`~tracker.evidence.note_parts.SplitRun`), only
    its key and header checked; its parts are checked when they are decoded.
    """
    runs: dict[str, NotedRun] = {}
    problems: list[str] = []
    skipped = 0
    for number, raw in enumerate(text.split("\n"), start=1):  # "\n" only: not str.splitlines
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        key = key_of(line)
        if key is not None and (key in known or key in runs):
            skipped += key in known
            continue
        try:
            checked = _checked_key(line, key)
            run = _split(line, checked) if split and "\t" in line else decode_line(line)
            runs[checked] = NotedRun(checked, run)
        except BadLine as exc:
            problems.append(f"line {number}: {exc}")
    return ReadNote(tuple(runs.values()), tuple(problems), skipped)


def decode_line(line: str) -> RunRecord:
    """The run of one line whose key was checked, decoded whole whatever its version;
    BadLine says what is wrong with it."""
    if "\t" in line:  # version 3: compact JSON holds no raw tab, only the layout does
        key = key_of(line)
        if key is None:
            raise BadLine("does not start with its key")
        run = _split(line, key)
        return decode_parts(run.header, run.coverage_part, run.tests_part)
    try:
        data = json.loads(line)
    except RecursionError:
        raise BadLine("nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError: says where, never quotes the line
        raise BadLine(f"not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BadLine("not a JSON object")
    _check_version(data)
    if data["version"] >= PARTS_VERSION:
        raise BadLine(f"a version {data['version']} line not laid out in parts")
    return run_of(data)


def _split(line: str, key: str) -> SplitRun:
    """A version 3 line split; its header's format and version checked first, so that a
    newer tracker's line is refused by its version, whatever its layout."""
    head = line[:line.index("\t")]
    try:
        data = json.loads(head[:-1] + "}") if head.endswith(",") else None
    except (RecursionError, ValueError):
        data = None
    if not isinstance(data, dict):
        raise BadLine("not JSON (the header before the first tab)")
    _check_version(data)
    if data["version"] < PARTS_VERSION:
        raise BadLine(f"a version {data['version']} line laid out in parts")
    return split_line(line, key)


def _check_version(data: dict[str, Any]) -> None:
    if data.get("format") != FORMAT_NAME:
        raise BadLine(f"not a tracker run (format {shown(data.get('format'))})")
    version = data.get("version")
    if type(version) is not int or version < 1:
        raise BadLine(f"unknown format version {shown(version)}")
    if version > FORMAT_VERSION:
        raise BadLine(f"written by a newer tracker (format version {version}, this tracker "
                      f"reads up to {FORMAT_VERSION}): upgrade tracker")


def _checked_key(line: str, key: str | None) -> str:
    if key is None:
        raise BadLine("does not start with its key")
    if len(line) > MAX_LINE_BYTES:
        raise BadLine(f"longer than {MAX_LINE_BYTES // 2**20} MB")
    digest = hashlib.sha256(b"{")  # then the line after '{"key":"<64 hex>",', copied once
    digest.update(memoryview(line.encode("utf-8", "surrogatepass"))[len(key) + 10:])
    if digest.hexdigest() != key:
        raise BadLine("its content does not match its key (edited by hand?)")
    return key
