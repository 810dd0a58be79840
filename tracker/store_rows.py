"""The run store's rows and the values they hold: what goes into SQLite and comes back.

Part of the store (:mod:`tracker.store`): only the store's modules know SQL. Every encoding of
a value into a column (times, line lists, arcs, JSON lists) and back lives here, once.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from tracker import store_sets
from tracker.evidence.results import CollectionError, FileCoverage, RunRecord, TestOutcome
from tracker.pickling import pickled_by_fields

#: The outcomes the store counts, in the order of their ``n_*`` columns. A new outcome in
#: results.OUTCOMES needs a migration that adds its column (a test checks the two agree).
_COUNTED = ("error", "failed", "xpassed", "passed", "xfailed", "skipped")


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class RunSummary:
    """One run without its rows: what ``tracker runs`` lists and metric trends plot."""

    id: int
    started: dt.datetime  #: UTC, timezone-aware
    finished: dt.datetime  #: UTC, timezone-aware
    commit: str | None
    dirty: bool
    exit_code: int
    source: str
    counts: dict[str, int]  #: tests per outcome, every one of OUTCOMES present
    coverage_total: float | None  #: as RunRecord.coverage_total(); None when nothing measured
    test_count: int
    args: tuple[str, ...] = ()  #: pytest's arguments: tells a subset run from a full one
    #: the key of the run's line in a git note (see tracker.evidence.note_format), when the
    #: run was noted here or imported from a note; None for a run only this store knows
    note_key: str | None = None
    #: only its totals are kept (see Store.prune): it can no longer be read whole
    pruned: bool = False


# --- values to rows and back ---------------------------------------------------------------

def _summary(row: tuple[Any, ...]) -> RunSummary:
    """A row of _SUMMARY_COLUMNS as a RunSummary."""
    return RunSummary(id=row[0], started=_parse_time(row[1]), finished=_parse_time(row[2]),
                      commit=_str(row[3]), dirty=bool(row[4]), exit_code=row[5],
                      source=_str(row[6]), counts=dict(zip(_COUNTED, row[10:-3], strict=True)),
                      coverage_total=_percent(row[7], row[8]), test_count=row[9],
                      args=tuple(json.loads(row[-3])), note_key=row[-2], pruned=bool(row[-1]))


def _format_time(moment: dt.datetime) -> str:
    """ISO-8601 in UTC with microseconds always shown: fixed width, so text order is time order.

    A naive datetime is taken to be UTC already, as RunRecord documents.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _text(value: Any) -> Any:
    """A value SQLite can store for ``value``: itself, except for a str with lone surrogates.

    Those come from undecodable bytes in file names (Python's surrogateescape) and cannot be
    encoded as UTF-8 text; they are stored as a BLOB of their surrogatepass bytes instead, so
    that the run is still recorded and reads back exactly (see _str).
    """
    if type(value) is str and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogatepass")
    return value


def _str(value: Any) -> Any:
    """The inverse of _text."""
    return value.decode("utf-8", "surrogatepass") if type(value) is bytes else value


def _json_list_cache() -> Callable[[tuple[str, ...]], str | None]:
    """JSON for tuples of names; the same few marker and fixture lists recur on every test."""
    cache: dict[tuple[str, ...], str | None] = {(): None}

    def encode(names: tuple[str, ...]) -> str | None:
        try:
            return cache[names]
        except KeyError:
            text = cache[names] = json.dumps(list(names))  # ASCII: surrogates survive
            return text
    return encode


def _outcome_rows(run_id: int, outcomes: Iterable[TestOutcome]) -> Iterator[tuple[object, ...]]:
    encode = _json_list_cache()
    counted = frozenset(_COUNTED)
    for seq, o in enumerate(outcomes):
        if o.outcome not in counted:  # it would be stored but never counted
            raise ValueError(f"test {o.nodeid!r} has the outcome {o.outcome!r}, "
                             f"not one of {', '.join(_COUNTED)}")
        yield (run_id, seq, _text(o.nodeid), o.outcome, o.duration, encode(o.markers),
               encode(o.fixtures), encode(o.plan_items), _text(o.message))


def _not_run_rows(run_id: int, run: RunRecord) -> Iterator[tuple[object, ...]]:
    """The collection skips; the deselected tests are a shared set (tracker.store_sets)."""
    for seq, skip in enumerate(run.collection_skips):
        yield run_id, seq, _text(skip.nodeid), "skipped", _text(skip.message)


def _coverage_rows(run_id: int, files: Iterable[FileCoverage]) -> Iterator[tuple[object, ...]]:
    for seq, f in enumerate(files):
        yield (run_id, seq, _text(f.path), f.statements, _encode_lines(f.missing), len(f.missing),
               f.branches, f.missing_branches, _encode_arcs(f.missing_arcs))


def _encode_arcs(arcs: tuple[tuple[int, int], ...]) -> str:
    """``((3, 5), (7, -1))`` → ``"3>5,7>-1"``; ``""`` for none."""
    return ",".join(f"{a}>{b}" for a, b in arcs)


def _decode_arcs(text: str) -> tuple[tuple[int, int], ...]:
    if not text:
        return ()
    arcs = []
    for part in text.split(","):
        a, _, b = part.partition(">")
        arcs.append((int(a), int(b)))
    return tuple(arcs)


def _encode_lines(lines: tuple[int, ...]) -> str:
    """``(1, 2, 3, 4, 7)`` → ``"1-4,7"``: missing lines come in blocks, so ranges are short.

    Lossless for any order or repeats (only ascending neighbours are merged); negative
    numbers, which line numbers never are, fall back to a JSON list.
    """
    if not lines:
        return ""
    if min(lines) < 0:
        return json.dumps(list(lines))
    parts: list[str] = []
    start = end = lines[0]
    for line in lines[1:]:
        if line == end + 1:
            end = line
            continue
        parts.append(f"{start}-{end}" if end != start else str(start))
        start = end = line
    parts.append(f"{start}-{end}" if end != start else str(start))
    return ",".join(parts)


def _decode_lines(text: str) -> tuple[int, ...]:
    if not text:
        return ()
    if text.startswith("["):
        return tuple(json.loads(text))
    lines: list[int] = []
    for part in text.split(","):
        first, dash, last = part.partition("-")
        if dash:
            lines.extend(range(int(first), int(last) + 1))
        else:
            lines.append(int(first))
    return tuple(lines)


def _encode_test_file_lines(lines: dict[str, dict[str, tuple[int, ...]]]) -> bytes | None:
    """``{"tests/t.py": {"src/a.py": (1, 2, 3, 7)}}`` → zlib of ``{"tests/t.py":
    {"src/a.py": "1-3,7"}}``; None for none. ASCII JSON: surrogates survive."""
    if not lines:
        return None
    data = {test: {path: _encode_lines(tuple(sorted(set(numbers))))
                   for path, numbers in files.items()} for test, files in lines.items()}
    return zlib.compress(json.dumps(data, separators=(",", ":")).encode("ascii"), 6)


def _decode_test_file_lines(blob: bytes | None) -> dict[str, dict[str, tuple[int, ...]]]:
    if not blob:
        return {}
    try:
        data = json.loads(zlib.decompress(blob))
    except zlib.error as exc:
        raise ValueError(f"test file lines are not compressed data ({exc})") from exc
    return {str(test): {str(path): _decode_lines(text) for path, text in files.items()}
            for test, files in data.items()}


def _percent(units: int | None, covered: int | None) -> float | None:
    """Coverage percent exactly as RunRecord.coverage_total computes it from the same sums."""
    if units is None or covered is None:
        return None
    if not units:
        return 100.0
    return 100.0 * covered / units


def _load_coverage(db: sqlite3.Connection, run_id: int) -> tuple[FileCoverage, ...]:
    return tuple(
        FileCoverage(_str(path), statements, _decode_lines(missing), branches, missing_branches,
                     _decode_arcs(arcs))
        for path, statements, missing, branches, missing_branches, arcs in db.execute(
            "SELECT path, statements, missing, branches, missing_branches, missing_arcs"
            " FROM coverage WHERE run_id = ? ORDER BY seq", (run_id,)))


def _load_run(db: sqlite3.Connection, row: tuple[Any, ...]) -> RunRecord:
    run_id, started, finished, commit, dirty, args, exit_code, source = row
    decoded: dict[str | None, tuple[str, ...]] = {None: ()}

    def names(text: str | None) -> tuple[str, ...]:
        try:
            return decoded[text]
        except KeyError:
            value = decoded[text] = tuple(json.loads(text or "[]"))
            return value

    outcomes = tuple(
        TestOutcome(_str(nodeid), outcome, duration, names(markers), names(fixtures),
                    names(plan_items), _str(message))
        for nodeid, outcome, duration, markers, fixtures, plan_items, message in db.execute(
            "SELECT nodeid, outcome, duration, markers, fixtures, plan_items, message"
            " FROM outcomes WHERE run_id = ? ORDER BY seq", (run_id,)))
    coverage = _load_coverage(db, run_id)
    errors = tuple(
        CollectionError(_str(nodeid), _str(message)) for nodeid, message in db.execute(
            "SELECT nodeid, message FROM collection_errors WHERE run_id = ? ORDER BY seq",
            (run_id,)))
    hashes = {_str(path): _str(sha1) for path, sha1 in db.execute(
        "SELECT path, sha1 FROM run_files WHERE run_id = ? ORDER BY path", (run_id,))}
    deselected, deselected_markers = store_sets.load_set(db, run_id)
    row = db.execute("SELECT test_file_lines FROM runs WHERE id = ?", (run_id,)).fetchone()
    test_file_lines = _decode_test_file_lines(row[0] if row else None)
    skips = [CollectionError(_str(nodeid), _str(message) or "") for nodeid, message in db.execute(
        "SELECT nodeid, message FROM not_run WHERE run_id = ? AND kind = 'skipped'"
        " ORDER BY seq", (run_id,))]
    return RunRecord(started=_parse_time(started), finished=_parse_time(finished),
                     commit=_str(commit), dirty=bool(dirty), args=tuple(json.loads(args)),
                     exit_code=exit_code, source=_str(source), outcomes=outcomes, coverage=coverage,
                     collection_errors=errors, file_hashes=hashes, id=run_id,
                     deselected=deselected, deselected_markers=deselected_markers,
                     collection_skips=tuple(skips), test_file_lines=test_file_lines)


# --- the queries that read what the decoders above decode ---------------------------------

_RUN_COLUMNS = "id, started, finished, git_commit, dirty, args, exit_code, source"

# One row a run, nothing else read: the ten first columns, then the counts in _COUNTED order.
_SUMMARY_COLUMNS = ("SELECT id, started, finished, git_commit, dirty, exit_code, source,"
                    " coverage_units, coverage_covered, n_tests, "
                    + ", ".join(f"n_{outcome}" for outcome in _COUNTED)
                    + ", args, note_key, pruned FROM runs")
_SUMMARIES = _SUMMARY_COLUMNS + " ORDER BY id DESC LIMIT ?"
#: Commits asked for at once by summaries_of (SQLite's default limit of variables is 999).
_BATCH = 500
