"""A recorded run as one line of a git note: the versioned format runs travel in.

Git is the shared store: a run is attached to its commit under ``refs/notes/tracker``
(tracker.history.run_notes), every clone fetches the notes and imports them. This module only
turns a :class:`~tracker.evidence.results.RunRecord` into a line and lines back into records;
no I/O, no git. The format is documented in ``docs/notes-format.md``.

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

from tracker.evidence.line_ranges import decode_lines, encode_lines
from tracker.evidence.note_sets import COMPACT_ABOVE, BadSet, decode_set, encode_set
from tracker.evidence.results import (
    OUTCOMES,
    CollectionError,
    FileCoverage,
    RunRecord,
    TestOutcome,
)

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
FORMAT_VERSION = 2

#: A note (every run of one commit) larger than this is skipped unread.
MAX_NOTE_BYTES = 64 * 2**20
#: One run's line larger than this is skipped: a 6,000-test run with coverage is ~1.5 MB.
MAX_LINE_BYTES = 16 * 2**20

_KEY = re.compile(r'\{"key":"([0-9a-f]{64})",')
_COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_HASH = re.compile(r"[0-9a-f]{40,64}")
_LINES = re.compile(r"(?:[0-9]+(?:-[0-9]+)?(?:,[0-9]+(?:-[0-9]+)?)*)?")
_ARCS = re.compile(r"(?:-?[0-9]+>-?[0-9]+(?:,-?[0-9]+>-?[0-9]+)*)?")


class NoteRefused(Exception):
    """A run that must not become a note; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class NoteLine:
    """One run as a note line."""

    key: str  #: SHA-256 (hex) of the line after its key field
    text: str  #: the line, without a newline


@dataclass(frozen=True, slots=True)
class NotedRun:
    """A run read back from a note line, with the line's key."""

    key: str
    run: RunRecord


@dataclass(frozen=True, slots=True)
class ReadNote:
    """What one note holds: the runs read, the lines refused and why."""

    runs: tuple[NotedRun, ...] = ()
    problems: tuple[str, ...] = ()  #: one per refused line: "line 3: not JSON (...)"
    known: int = 0  #: lines skipped because their key was known already


# --- writing -------------------------------------------------------------------------------

def encode_run(run: RunRecord, tracker_version: str) -> NoteLine:
    """The note line of ``run``; NoteRefused for a run without a commit or on a dirty tree."""
    if not run.commit or not _COMMIT.fullmatch(run.commit):
        raise NoteRefused("the run has no commit (outside a git repository, or before the "
                          "first commit): there is nothing to attach it to")
    if run.dirty:
        raise NoteRefused(f"the run was on a dirty tree (tracked files differed from commit "
                          f"{run.commit[:10]}): notes hold only runs of committed code; "
                          "commit, then run again")
    payload = {
        "format": FORMAT_NAME, "tracker": tracker_version,
        "commit": run.commit, "dirty": False, "source": run.source, "args": list(run.args),
        "exit_code": run.exit_code, "started": _time(run.started),
        "finished": _time(run.finished),
        "tests": [_test(o) for o in run.outcomes],
        "collection_errors": [{"id": e.nodeid, "message": e.message}
                              for e in run.collection_errors],
        "collection_skips": [{"id": e.nodeid, "message": e.message}
                             for e in run.collection_skips],
        "coverage": [_coverage(f) for f in run.coverage],
        "file_hashes": dict(run.file_hashes),
    }
    if len(run.deselected) > COMPACT_ABOVE:  # version 2: thousands of ids, compressed
        payload["version"] = 2
        payload["deselected_z"] = encode_set(run.deselected, run.deselected_markers)
    else:  # version 1, as every line before: a readable list
        payload["version"] = 1
        payload["deselected"] = [_deselected(nodeid, run.deselected_markers.get(nodeid, ()))
                                 for nodeid in run.deselected]
    if run.test_file_lines:  # only then: the lines of runs without contexts stay as they were
        payload["test_file_lines"] = {test: {path: encode_lines(lines)
                                             for path, lines in files.items()}
                                      for test, files in run.test_file_lines.items()}
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


def decode_note(text: str, known: Container[str] = frozenset()) -> ReadNote:
    """Every run of one note, and why each refused line was refused.

    Lines whose key is in ``known`` are skipped unparsed (an import passes the store's keys).
    Blank lines and line order carry no meaning; the same line twice is one run.
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
            runs[checked] = NotedRun(checked, decode_line(line))
        except _Bad as exc:
            problems.append(f"line {number}: {exc}")
    return ReadNote(tuple(runs.values()), tuple(problems), skipped)


def decode_line(line: str) -> RunRecord:
    """The run of one line whose key was checked; _Bad says what is wrong with it."""
    try:
        data = json.loads(line)
    except RecursionError:
        raise _Bad("nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError: says where, never quotes the line
        raise _Bad(f"not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise _Bad("not a JSON object")
    if data.get("format") != FORMAT_NAME:
        raise _Bad(f"not a tracker run (format {_shown(data.get('format'))})")
    version = data.get("version")
    if type(version) is not int or version < 1:
        raise _Bad(f"unknown format version {_shown(version)}")
    if version > FORMAT_VERSION:
        raise _Bad(f"written by a newer tracker (format version {version}, this tracker reads "
                   f"up to {FORMAT_VERSION}): upgrade tracker")
    return _run(data)


class _Bad(Exception):
    """A line that is not a run we can read; the message says why, in our own words."""


def _checked_key(line: str, key: str | None) -> str:
    if key is None:
        raise _Bad("does not start with its key")
    if len(line) > MAX_LINE_BYTES:
        raise _Bad(f"longer than {MAX_LINE_BYTES // 2**20} MB")
    body = "{" + line[len(key) + 10:]  # after '{"key":"<64 hex>",'
    if hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest() != key:
        raise _Bad("its content does not match its key (edited by hand?)")
    return key


def _shown(value: object) -> str:
    """A value from a note, quoted and cut short: escape sequences are shown, never sent."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _run(data: dict[str, Any]) -> RunRecord:
    commit = _get(data, "commit", str)
    if not _COMMIT.fullmatch(commit):
        raise _Bad(f"commit {_shown(commit)} is not a full commit id")
    if _get(data, "dirty", bool):
        raise _Bad("a run on a dirty tree (notes never hold one)")
    tests = tuple(_outcome(t) for t in _list(data, "tests", dict))
    deselected, deselected_markers = _deselected_of(data)
    hashes = _get(data, "file_hashes", dict)
    coverage = tuple(_file(f) for f in _list(data, "coverage", dict))
    for path, sha in hashes.items():
        if not isinstance(sha, str) or not _HASH.fullmatch(sha):
            raise _Bad(f"file_hashes: {_shown(path)} has no hex hash")
    return RunRecord(
        started=_moment(data, "started"), finished=_moment(data, "finished"), commit=commit,
        dirty=False, args=tuple(_list(data, "args", str)),
        exit_code=_get(data, "exit_code", int), source=_get(data, "source", str),
        outcomes=tests, coverage=coverage,
        collection_errors=_errors(data, "collection_errors"),
        file_hashes=dict(hashes),
        deselected=deselected, deselected_markers=deselected_markers,
        collection_skips=_errors(data, "collection_skips"),
        test_file_lines=_test_file_lines(data, {f.path: f.statements for f in coverage}))


def _test_file_lines(data: dict[str, Any], statements: dict[str, int],
                     ) -> dict[str, dict[str, tuple[int, ...]]]:
    """The optional ``test_file_lines``: every source file one the run measured, never more
    lines than its statements."""
    out: dict[str, dict[str, tuple[int, ...]]] = {}
    for test, files in _get(data, "test_file_lines", dict, {}).items():
        if not isinstance(files, dict):
            raise _Bad(f"test_file_lines of {_shown(test)} is not a mapping")
        out[test] = {}
        for path, text in files.items():
            if not isinstance(text, str) or not _LINES.fullmatch(text) or path not in statements:
                raise _Bad(f"test_file_lines of {_shown(test)}: {_shown(path)} is not lines of "
                           "a measured file")
            try:
                out[test][path] = decode_lines(text, limit=statements[path])
            except ValueError as exc:
                raise _Bad(f"test_file_lines of {_shown(test)}: {exc}") from None
    return out


def _deselected_of(data: dict[str, Any]) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """The deselected ids and their markers: a list (version 1 and small sets), or the
    compact ``deselected_z`` (version 2 only, never beside a list)."""
    if "deselected_z" not in data:
        listed = _list(data, "deselected", dict)
        return (tuple(_get(d, "id", str) for d in listed),
                {d["id"]: tuple(_list(d, "markers", str, ())) for d in listed
                 if d.get("markers")})
    if data["version"] < 2 or "deselected" in data:
        raise _Bad("deselected_z in a version 1 line, or beside deselected")
    try:
        return decode_set(data["deselected_z"])
    except BadSet as exc:
        raise _Bad(str(exc)) from None


def _get(data: dict[str, Any], name: str, kind: type | tuple[type, ...],
         default: Any = ...) -> Any:
    """``data[name]`` checked to be a ``kind`` (a bool is not an int here)."""
    if name not in data:
        if default is ...:
            raise _Bad(f"no {name}")
        return default
    value = data[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Bad(f"{name} is not {'an' if kind is int else 'a'} {_KINDS.get(kind, kind)}")
    return value


_KINDS: dict[object, str] = {str: "string", int: "integer", bool: "boolean", list: "list",
                             dict: "mapping", (int, float): "number"}


def _list(data: dict[str, Any], name: str, kind: type, default: Any = ...) -> list[Any]:
    items = _get(data, name, list, default)
    for item in items:
        if not isinstance(item, kind):
            raise _Bad(f"{name}: an entry is not a {_KINDS.get(kind, kind)}")
    return list(items)


def _moment(data: dict[str, Any], name: str) -> dt.datetime:
    text = _get(data, name, str)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _Bad(f"{name} is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        raise _Bad(f"{name} has no time zone")
    return moment.astimezone(dt.UTC)


def _outcome(t: dict[str, Any]) -> TestOutcome:
    nodeid = _get(t, "id", str)
    outcome = _get(t, "outcome", str)
    if outcome not in OUTCOMES:
        raise _Bad(f"test outcome {_shown(outcome)} is not one of {', '.join(OUTCOMES)}")
    duration = _get(t, "duration", (int, float), 0.0)
    if isinstance(duration, bool) or not 0 <= duration < math.inf:
        raise _Bad(f"test duration {_shown(duration)} is not a number of seconds")
    message = _get(t, "message", str, None)
    return TestOutcome(nodeid, outcome, float(duration), tuple(_list(t, "markers", str, ())),
                       tuple(_list(t, "fixtures", str, ())), tuple(_list(t, "plan", str, ())),
                       message)


def _errors(data: dict[str, Any], name: str) -> tuple[CollectionError, ...]:
    return tuple(CollectionError(_get(e, "id", str), _get(e, "message", str))
                 for e in _list(data, name, dict))


def _count(f: dict[str, Any], name: str) -> int:
    value: int = _get(f, name, int, 0)
    if value < 0:
        raise _Bad(f"coverage {name} is negative")
    return value


def _file(f: dict[str, Any]) -> FileCoverage:
    path = _get(f, "path", str)
    missing = _get(f, "missing", str, "")
    arcs = _get(f, "missing_arcs", str, "")
    if not _LINES.fullmatch(missing) or not _ARCS.fullmatch(arcs):
        raise _Bad(f"coverage of {_shown(path)}: missing lines or arcs of an unknown shape")
    statements, branches = _count(f, "statements"), _count(f, "branches")
    missing_branches = _count(f, "missing_branches")
    arc_pairs = tuple((int(a), int(b)) for a, _, b in
                      (part.partition(">") for part in arcs.split(",") if part))
    if missing_branches > branches or len(arc_pairs) > missing_branches:
        raise _Bad(f"coverage of {_shown(path)}: more branches missing than measured")
    try:
        lines = decode_lines(missing, limit=statements)
    except ValueError as exc:
        raise _Bad(f"coverage of {_shown(path)}: {exc}") from None
    return FileCoverage(path, statements, lines, branches, missing_branches, arc_pairs)
