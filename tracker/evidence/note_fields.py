"""Reading a run's fields from a decoded note line, every one checked as hostile data.

Split from :mod:`tracker.evidence.note_format` (the line format) so that
:mod:`tracker.evidence.note_parts` (the version 3 layout, decoded part by part when a run is
read) uses the same checks: a field is refused with the reason in our own words, never
guessed at. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from tracker.evidence.line_ranges import decode_lines
from tracker.evidence.note_sets import BadSet, decode_set
from tracker.evidence.results import (
    OUTCOMES,
    CollectionError,
    FileCoverage,
    RunRecord,
    TestOutcome,
)

COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_HASH = re.compile(r"[0-9a-f]{40,64}")
_LINES = re.compile(r"(?:[0-9]+(?:-[0-9]+)?(?:,[0-9]+(?:-[0-9]+)?)*)?")
_ARCS = re.compile(r"(?:-?[0-9]+>-?[0-9]+(?:,-?[0-9]+>-?[0-9]+)*)?")


class BadLine(Exception):
    """A line that is not a run we can read; the message says why, in our own words."""


def shown(value: object) -> str:
    """A value from a note, quoted and cut short: escape sequences are shown, never sent."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def run_of(data: dict[str, Any]) -> RunRecord:
    commit = get(data, "commit", str)
    if not COMMIT.fullmatch(commit):
        raise BadLine(f"commit {shown(commit)} is not a full commit id")
    if get(data, "dirty", bool):
        raise BadLine("a run on a dirty tree (notes never hold one)")
    tests = tuple(_outcome(t) for t in get_list(data, "tests", dict))
    deselected, deselected_markers = _deselected_of(data)
    hashes = get(data, "file_hashes", dict)
    coverage = tuple(file_coverage(f) for f in get_list(data, "coverage", dict))
    for path, sha in hashes.items():
        if not isinstance(sha, str) or not _HASH.fullmatch(sha):
            raise BadLine(f"file_hashes: {shown(path)} has no hex hash")
    return RunRecord(
        started=moment(data, "started"), finished=moment(data, "finished"), commit=commit,
        dirty=False, args=tuple(get_list(data, "args", str)),
        exit_code=get(data, "exit_code", int), source=get(data, "source", str),
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
    for test, files in get(data, "test_file_lines", dict, {}).items():
        if not isinstance(files, dict):
            raise BadLine(f"test_file_lines of {shown(test)} is not a mapping")
        out[test] = {}
        for path, text in files.items():
            if not isinstance(text, str) or not _LINES.fullmatch(text) or path not in statements:
                raise BadLine(f"test_file_lines of {shown(test)}: {shown(path)} is not lines of "
                           "a measured file")
            try:
                out[test][path] = decode_lines(text, limit=statements[path])
            except ValueError as exc:
                raise BadLine(f"test_file_lines of {shown(test)}: {exc}") from None
    return out


def _deselected_of(data: dict[str, Any]) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """The deselected ids and their markers: a list (version 1 and small sets), or the
    compact ``deselected_z`` (version 2 only, never beside a list)."""
    if "deselected_z" not in data:
        listed = get_list(data, "deselected", dict)
        return (tuple(get(d, "id", str) for d in listed),
                {d["id"]: tuple(get_list(d, "markers", str, ())) for d in listed
                 if d.get("markers")})
    if data["version"] < 2 or "deselected" in data:
        raise BadLine("deselected_z in a version 1 line, or beside deselected")
    try:
        return decode_set(data["deselected_z"])
    except BadSet as exc:
        raise BadLine(str(exc)) from None


def get(data: dict[str, Any], name: str, kind: type | tuple[type, ...],
         default: Any = ...) -> Any:
    """``data[name]`` checked to be a ``kind`` (a bool is not an int here)."""
    if name not in data:
        if default is ...:
            raise BadLine(f"no {name}")
        return default
    value = data[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadLine(f"{name} is not {'an' if kind is int else 'a'} {_KINDS.get(kind, kind)}")
    return value


_KINDS: dict[object, str] = {str: "string", int: "integer", bool: "boolean", list: "list",
                             dict: "mapping", (int, float): "number"}


def get_list(data: dict[str, Any], name: str, kind: type, default: Any = ...) -> list[Any]:
    items = get(data, name, list, default)
    for item in items:
        if not isinstance(item, kind):
            raise BadLine(f"{name}: an entry is not a {_KINDS.get(kind, kind)}")
    return list(items)


def moment(data: dict[str, Any], name: str) -> dt.datetime:
    text = get(data, name, str)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadLine(f"{name} is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        raise BadLine(f"{name} has no time zone")
    return moment.astimezone(dt.UTC)


def _outcome(t: dict[str, Any]) -> TestOutcome:
    """One test case. The same checks as :func:`get` makes, written out for the shapes JSON
    gives (a run holds thousands of cases, read whenever a noted run is read whole); any
    other shape goes through :func:`get` for its message."""
    nodeid, outcome = t.get("id"), t.get("outcome")
    if type(nodeid) is not str or type(outcome) is not str:
        nodeid, outcome = get(t, "id", str), get(t, "outcome", str)
    if outcome not in OUTCOMES:
        raise BadLine(f"test outcome {shown(outcome)} is not one of {', '.join(OUTCOMES)}")
    duration = t.get("duration", 0.0)
    if type(duration) is not float and type(duration) is not int:
        duration = get(t, "duration", (int, float), 0.0)
    if isinstance(duration, bool) or not 0 <= duration < math.inf:
        raise BadLine(f"test duration {shown(duration)} is not a number of seconds")
    message = t.get("message")
    if message is not None and type(message) is not str:
        message = get(t, "message", str, None)
    return TestOutcome(nodeid, outcome, float(duration), _names(t, "markers"),
                       _names(t, "fixtures"), _names(t, "plan"), message)


def _names(t: dict[str, Any], name: str) -> tuple[str, ...]:
    """An optional list of strings (a case's markers, fixtures, plan items)."""
    value = t.get(name)
    if value is None and name not in t:
        return ()
    if type(value) is list and all(type(item) is str for item in value):
        return tuple(value)
    return tuple(get_list(t, name, str, ()))


def _errors(data: dict[str, Any], name: str) -> tuple[CollectionError, ...]:
    return tuple(CollectionError(get(e, "id", str), get(e, "message", str))
                 for e in get_list(data, name, dict))


def _count(f: dict[str, Any], name: str) -> int:
    value: int = get(f, name, int, 0)
    if value < 0:
        raise BadLine(f"coverage {name} is negative")
    return value


def file_coverage(f: dict[str, Any]) -> FileCoverage:
    path = get(f, "path", str)
    missing = get(f, "missing", str, "")
    arcs = get(f, "missing_arcs", str, "")
    if not _LINES.fullmatch(missing) or not _ARCS.fullmatch(arcs):
        raise BadLine(f"coverage of {shown(path)}: missing lines or arcs of an unknown shape")
    statements, branches = _count(f, "statements"), _count(f, "branches")
    missing_branches = _count(f, "missing_branches")
    arc_pairs = tuple((int(a), int(b)) for a, _, b in
                      (part.partition(">") for part in arcs.split(",") if part))
    if missing_branches > branches or len(arc_pairs) > missing_branches:
        raise BadLine(f"coverage of {shown(path)}: more branches missing than measured")
    try:
        lines = decode_lines(missing, limit=statements)
    except ValueError as exc:
        raise BadLine(f"coverage of {shown(path)}: {exc}") from None
    return FileCoverage(path, statements, lines, branches, missing_branches, arc_pairs)
