"""Version 3 note lines: a small header, then the run's coverage and tests as separate parts.

Why: a fresh clone's ``tracker sync`` imports every run CI ever noted, and decoding and
checking a 2,000-test run costs ~35 ms (``json.loads`` alone is ten times what reading the
note from git costs), while the store keeps only the newest runs whole and a summary of the
rest. So a line is laid out to be split without being parsed::

    {"key":"<64 hex>",<header fields>,<TAB>"coverage_part":{...},<TAB>"tests_part":{...}}

Compact JSON never holds a raw tab (inside a string it is written ``\\t``), so splitting a
line at its two tabs finds the parts exactly; and since JSON allows whitespace between
tokens, the whole line is still one JSON object, which a tracker that reads only versions 1
and 2 refuses by its version, naming it. The header (commit, times, arguments, exit code,
source, and a ``summary``: tests per outcome, test count, coverage sums) is all a run's
summary row holds; an import checks the key and the header only and stores the two parts as
written, to be decoded, and checked field by field, when the run is read whole
(:func:`decode_parts`) or its coverage is (:func:`decode_coverage`).

The summary is checked against the parts whenever they are decoded: a line whose summary
disagrees with its own tests or coverage was not written by tracker (which computes both from
one record), so the run is refused as a whole (:class:`BadLine`), like a line that does not
match its key. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, NamedTuple

from tracker.evidence.note_fields import (
    COMMIT,
    BadLine,
    file_coverage,
    get,
    get_list,
    moment,
    run_of,
    shown,
)
from tracker.evidence.results import OUTCOMES, FileCoverage, RunRecord

#: The version of the lines laid out in parts.
PARTS_VERSION = 3

_COVERAGE_PART = '"coverage_part":'
_TESTS_PART = '"tests_part":'
#: The fields each part may set; anything else in a part is ignored (unknown fields are).
_COVERAGE_FIELDS = ("coverage",)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_TESTS_FIELDS = ("tests", "collection_errors", "collection_skips", "deselected",
                 "deselected_z", "file_hashes", "test_file_lines")


@dataclass(frozen=True, slots=True)
class Summary:
    """A run's figures as its header states them: what a store's summary row holds."""

    counts: dict[str, int]  #: tests per outcome, every one of OUTCOMES present
    tests: int
    coverage: tuple[int, int] | None  #: (statements + branches, covered); None: nothing measured


@dataclass(frozen=True, slots=True)
class SplitRun:
    """A version 3 line whose key and header were checked, its parts kept as written."""

    key: str
    commit: str
    started: dt.datetime  #: UTC
    finished: dt.datetime
    args: tuple[str, ...]
    exit_code: int
    source: str
    summary: Summary
    header: str  #: the header as a JSON object (the line's fields before the parts)
    coverage_part: str  #: JSON text, undecoded
    tests_part: str  #: JSON text, undecoded


# --- writing -------------------------------------------------------------------------------

def summary_of(run: RunRecord) -> dict[str, Any]:
    """The ``summary`` field of ``run``: its figures exactly as the store totals them."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for o in run.outcomes:
        counts[o.outcome] = counts.get(o.outcome, 0) + 1
    coverage = None
    if run.coverage:
        coverage = [sum(f.statements + f.branches for f in run.coverage),
                    sum(f.statements - len(f.missing) + f.branches - f.missing_branches
                        for f in run.coverage)]
    return {"counts": counts, "tests": len(run.outcomes), "coverage": coverage}


def lay_out(header: dict[str, Any], coverage: dict[str, Any], tests: dict[str, Any]) -> str:
    """The line's text after ``{"key":"<key>",``: the header's fields, then the two parts."""
    def dump(value: object) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                          allow_nan=False)
    return (f"{dump(header)[1:-1]},\t{_COVERAGE_PART}{dump(coverage)},\t{_TESTS_PART}"
            f"{dump(tests)}}}")


# --- reading -------------------------------------------------------------------------------

def split_line(line: str, key: str) -> SplitRun:
    """The header and parts of a line holding tabs (whose key was checked); BadLine when it
    is not a version 3 line laid out as above, or its header does not hold. Each part is
    copied out of the line once: lines are megabytes, and an import splits hundreds."""
    first = line.find("\t")
    second = line.find("\t", first + 1)
    start, end = first + 1 + len(_COVERAGE_PART), second + 1 + len(_TESTS_PART)
    if (first < 0 or second < 0 or line.find("\t", second + 1) >= 0
            or line[first - 1] != "," or line[second - 1] != "," or not line.endswith("}")
            or not line.startswith(_COVERAGE_PART, first + 1)
            or not line.startswith(_TESTS_PART, second + 1)):
        raise BadLine("not laid out as a header, a coverage part and a tests part")
    header = "{" + line[len(key) + 10:first - 1] + "}"  # after '{"key":"<64 hex>",'
    h = _header(header)
    return SplitRun(key, h.commit, h.started, h.finished, h.args, h.exit_code, h.source,
                    h.summary, header, line[start:second - 1], line[end:-1])


def decode_parts(header: str, coverage_part: str, tests_part: str) -> RunRecord:
    """The whole run of a split line, every field checked; BadLine when a part does not hold
    or the header's summary disagrees with the parts."""
    data = _loads(header, "header")
    summary = _header(header).summary
    for fields, text, what in ((_COVERAGE_FIELDS, coverage_part, "coverage part"),
                               (_TESTS_FIELDS, tests_part, "tests part")):
        part = _loads(text, what)
        data.update((name, part[name]) for name in fields if name in part)
    run = run_of(data)
    found = summary_of(run)
    if (found["counts"], found["tests"]) != (summary.counts, summary.tests):
        raise BadLine(f"its summary does not match its tests ({summary.tests} in the summary, "
                      f"{found['tests']} listed, or other outcomes)")
    _same_coverage(summary, found["coverage"])
    return run


def decode_coverage(header: str, coverage_part: str) -> tuple[FileCoverage, ...]:
    """Only the per-file coverage of a split line (all a run pruned of its tests keeps);
    BadLine as for :func:`decode_parts`."""
    summary = _header(header).summary
    part = _loads(coverage_part, "coverage part")
    files = tuple(file_coverage(f) for f in get_list(part, "coverage", dict))
    found = summary_of(RunRecord(started=_EPOCH, finished=_EPOCH, coverage=files))
    _same_coverage(summary, found["coverage"])
    return files


def _same_coverage(summary: Summary, found: list[int] | None) -> None:
    if (tuple(found) if found is not None else None) != summary.coverage:
        raise BadLine("its summary does not match its coverage")


def _loads(text: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except RecursionError:
        raise BadLine(f"{what}: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError: says where, never quotes the text
        raise BadLine(f"{what}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BadLine(f"{what}: not a JSON object")
    return data


class _Header(NamedTuple):
    commit: str
    started: dt.datetime
    finished: dt.datetime
    args: tuple[str, ...]
    exit_code: int
    source: str
    summary: Summary


def _header(text: str) -> _Header:
    """The header's fields, checked as hostile data like every other field."""
    data = _loads(text, "header")
    commit = get(data, "commit", str)
    if not COMMIT.fullmatch(commit):
        raise BadLine(f"commit {shown(commit)} is not a full commit id")
    if get(data, "dirty", bool):
        raise BadLine("a run on a dirty tree (notes never hold one)")
    return _Header(commit, moment(data, "started"), moment(data, "finished"),
                   tuple(get_list(data, "args", str)), get(data, "exit_code", int),
                   get(data, "source", str), _summary(get(data, "summary", dict)))


def _summary(data: dict[str, Any]) -> Summary:
    counts = get(data, "counts", dict)
    if set(counts) != set(OUTCOMES) or not all(
            type(n) is int and n >= 0 for n in counts.values()):
        raise BadLine("summary: counts are not a number of tests per outcome")
    tests = get(data, "tests", int)
    if tests != sum(counts.values()):
        raise BadLine("summary: the counts do not add up to its tests")
    coverage = get(data, "coverage", (list, type(None)))
    if coverage is not None and not (
            len(coverage) == 2 and all(type(n) is int for n in coverage)
            and 0 <= coverage[1] <= coverage[0]):
        raise BadLine("summary: coverage is not [units, covered]")
    return Summary({o: counts[o] for o in OUTCOMES}, tests,
                   None if coverage is None else (coverage[0], coverage[1]))
