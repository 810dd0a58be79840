"""The note form of a run: exact round trips, stable keys, and hostile or broken lines refused
one by one with a reason (never a traceback, never a guess)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.evidence.note_format import (
    FORMAT_VERSION,
    NoteRefused,
    decode_note,
    encode_lines,
    encode_run,
    key_of,
)
from tracker.evidence.note_sets import COMPACT_ABOVE
from tracker.evidence.results import FileCoverage, RunRecord, TestOutcome

from .test_store import full_run

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def clean_run(**fields: object) -> RunRecord:
    """The store's every-field run, on a clean tree, as the note keeps it: durations to the
    microsecond, missing lines as a sorted set."""
    run = dataclasses.replace(full_run(), dirty=False, **fields)
    outcomes = tuple(dataclasses.replace(o, duration=round(o.duration, 6))
                     for o in run.outcomes)
    coverage = tuple(dataclasses.replace(f, missing=tuple(sorted(set(f.missing))))
                     for f in run.coverage)
    return dataclasses.replace(run, outcomes=outcomes, coverage=coverage)


def only_run(text: str) -> RunRecord:
    read = decode_note(text)
    assert read.problems == () and len(read.runs) == 1
    return read.runs[0].run


def test_every_field_survives_the_round_trip():
    run = clean_run(coverage=(FileCoverage("src/a.py", 40, (3, 4, 5, 9), 10, 3,
                                           ((2, 4), (7, -1), (12, 14))),))
    assert only_run(encode_run(run, "0.1.0").text) == run


def test_a_line_is_ascii_json_keyed_by_the_hash_of_the_rest():
    line = encode_run(clean_run(), "0.1.0")
    assert line.text.isascii() and "\n" not in line.text
    assert line.text.startswith(f'{{"key":"{line.key}",') and key_of(line.text) == line.key
    body = "{" + line.text[len(line.key) + 10:]
    assert hashlib.sha256(body.encode()).hexdigest() == line.key
    data = json.loads(line.text)  # tabs between the parts are JSON whitespace: one object
    assert (data["format"], data["version"], data["tracker"]) == ("tracker-run", 3, "0.1.0")
    old = json.loads(encode_run(clean_run(), "0.1.0", version=2).text)
    assert (old["version"], "summary" in old) == (1, False)


def test_the_key_is_the_runs_identity():
    run = clean_run()
    assert encode_run(run, "0.1.0") == encode_run(clean_run(), "0.1.0")
    later = dataclasses.replace(run, finished=run.finished + dt.timedelta(seconds=1))
    assert encode_run(later, "0.1.0").key != encode_run(run, "0.1.0").key


@pytest.mark.parametrize(("fields", "reason"), [
    ({"dirty": True}, "dirty tree"),
    ({"commit": None}, "no commit"),
    ({"commit": "HEAD"}, "no commit"),
])
def test_runs_that_no_commit_holds_are_refused(fields, reason):
    run = dataclasses.replace(clean_run(), **fields)
    with pytest.raises(NoteRefused, match=reason):
        encode_run(run, "0.1.0")


def test_several_runs_blank_lines_crlf_and_repeats():
    one = encode_run(clean_run(), "0.1.0")
    two = encode_run(clean_run(exit_code=0), "0.1.0")
    text = f"\n{one.text}\r\n\n{two.text}\n{one.text}\n"
    read = decode_note(text)
    assert [n.key for n in read.runs] == [one.key, two.key] and read.problems == ()
    assert decode_note(text, known={one.key}).known == 2  # seen twice, parsed never


def test_text_is_kept_as_written_escape_sequences_and_markup_included():
    hostile = "tests/test_x.py::test_a[\x1b[31mred\x1b[0m-[bold]b[/bold]-<script>]"
    run = clean_run(outcomes=(TestOutcome(hostile, "failed", message="\x1b]0;title\x07 "),))
    line = encode_run(run, "0.1.0")
    assert "\x1b" not in line.text  # escaped in the note: printing it sends nothing
    assert only_run(line.text).outcomes[0].nodeid == hostile


def reline(payload: dict) -> str:
    """A line for ``payload`` with a correct key: what a hostile writer can always make."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    key = hashlib.sha256(body.encode()).hexdigest()
    return f'{{"key":"{key}",{body[1:]}'


def payload(**changes: object) -> dict:
    """The fields of a version 1 line (one object, no parts), changed: the field checks are
    the same in every version (version 3's own cases are in tests/test_note_parts.py)."""
    data = json.loads(encode_run(clean_run(), "0.1.0", version=2).text)
    del data["key"]
    data.update(changes)
    return data


@pytest.mark.parametrize(("line", "reason"), [
    ("garbage", "does not start with its key"),
    ('{"key":"' + "0" * 64 + '","x":1}', "does not match its key"),
    (reline({"format": "other"}), "not a tracker run (format 'other')"),
    (reline(payload(version=FORMAT_VERSION + 1)),
     f"newer tracker (format version {FORMAT_VERSION + 1}"),
    (reline(payload(version="1")), "unknown format version '1'"),
    (reline(payload(dirty=True)), "dirty tree"),
    (reline(payload(commit="abc")), "not a full commit id"),
    (reline(payload(exit_code=True)), "exit_code is not an integer"),
    (reline(payload(started="yesterday")), "started is not an ISO-8601 time"),
    (reline(payload(tests=[{"id": "t.py::a", "outcome": "exploded"}])), "'exploded' is not one"),
    (reline(payload(tests=[{"id": "t.py::a", "outcome": "passed", "duration": -1}])),
     "duration -1"),
    (reline(payload(tests=[{"id": 3, "outcome": "passed"}])), "id is not a string"),
    (reline(payload(tests="all")), "tests is not a list"),
    (reline(payload(coverage=[{"path": "a.py", "statements": 3, "missing": "1-999999999"}])),
     "more missing lines than statements"),
    (reline(payload(coverage=[{"path": "a.py", "statements": 3, "missing": "3-1"}])),
     "runs backwards"),
    (reline(payload(coverage=[{"path": "a.py", "statements": 3, "missing": "1;rm"}])),
     "unknown shape"),
    (reline(payload(coverage=[{"path": "a.py", "statements": -3}])), "negative"),
    (reline(payload(file_hashes={"a.py": "\x1b[2J"})), "has no hex hash"),
    (reline(payload(format="\x1b[2J" + "x" * 80)), "format '\\x1b[2J"),
])
def test_bad_lines_are_refused_with_a_reason_and_the_rest_is_read(line, reason):
    good = encode_run(clean_run(), "0.1.0")
    read = decode_note(f"{good.text}\n{line}\n")
    assert [n.key for n in read.runs] == [good.key]
    assert len(read.problems) == 1 and read.problems[0].startswith("line 2: ")
    assert reason in read.problems[0]
    assert "\x1b" not in read.problems[0]


def test_deep_nesting_is_refused_not_a_crash():
    body = json.dumps(payload(args="NEST"), sort_keys=True, separators=(",", ":"))
    body = body.replace('"NEST"', "[" * 100_000 + "]" * 100_000)
    key = hashlib.sha256(body.encode()).hexdigest()
    read = decode_note(f'{{"key":"{key}",{body[1:]}')
    assert read.runs == () and read.problems == ("line 1: nested too deeply",)


def test_missing_lines_are_written_as_ranges():
    assert encode_lines((7, 1, 2, 3, 4, 9, 10)) == "1-4,7,9-10"
    assert encode_lines(()) == ""


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
ids = st.text(max_size=30)  # lone surrogates included: undecodable file names


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(ids, st.sampled_from(["passed", "failed", "skipped"]),
                          st.floats(0, 1e4), st.lists(names, max_size=3),
                          st.one_of(st.none(), ids)), max_size=8),
       st.lists(st.integers(1, 5000), max_size=30))
def test_any_text_and_numbers_round_trip(tests, missing):
    outcomes = tuple(TestOutcome(i, o, round(d, 6), tuple(m), tuple(m[:1]), tuple(m[1:]), msg)
                     for i, o, d, m, msg in tests)
    coverage = (FileCoverage("a.py", 5000, tuple(sorted(set(missing)))),)
    args = tuple(name for *_, marks, _ in tests for name in marks)
    run = RunRecord(started=dt.datetime(2026, 3, 5, tzinfo=dt.UTC),
                    finished=dt.datetime(2026, 3, 5, 0, 1, tzinfo=dt.UTC), commit=COMMIT,
                    outcomes=outcomes, coverage=coverage, args=args)
    assert only_run(encode_run(run, "0.1.0").text) == run


def test_a_big_deselected_set_is_written_compactly_and_read_back_exactly():
    """Over note_sets.COMPACT_ABOVE deselected tests a line is version 2 and carries them
    compressed; the run read back is the same run, ids in order, markers kept."""
    ids = tuple(f"tests/test_{i % 7}.py::TestT::test_{i}[p-{i % 3}]" for i in range(3000))
    markers = dict.fromkeys(ids[::11], ("slow",))
    run = clean_run(deselected=ids, deselected_markers=markers)
    line = encode_run(run, "0.1.0", version=2)
    data = json.loads(line.text)
    assert data["version"] == 2 and "deselected" not in data
    assert data["deselected_z"]["count"] == 3000
    assert only_run(line.text) == run
    listed = encode_run(clean_run(deselected=ids[:COMPACT_ABOVE]), "0.1.0", version=2)
    assert json.loads(listed.text)["version"] == 1, "small sets stay a readable list"
    assert len(line.text) * 4 < len(json.dumps([{"id": i} for i in ids]))
    now = encode_run(run, "0.1.0")  # version 3: the same field, in the tests part
    assert json.loads(now.text)["tests_part"]["deselected_z"] == data["deselected_z"]
    assert only_run(now.text) == run


def test_a_version_1_line_listing_thousands_of_deselected_tests_is_still_read():
    ids = tuple(f"tests/test_a.py::test_{i}" for i in range(COMPACT_ABOVE + 5))
    run = clean_run(deselected=ids, deselected_markers={ids[3]: ("db",)})
    body = json.loads(encode_run(run, "0.1.0", version=2).text)
    del body["key"], body["deselected_z"]
    body["version"] = 1
    body["deselected"] = [{"id": i, "markers": ["db"]} if i == ids[3] else {"id": i}
                          for i in ids]
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    key = hashlib.sha256(text.encode()).hexdigest()
    assert only_run(f'{{"key":"{key}",{text[1:]}') == run


@pytest.mark.parametrize(("change", "reason"), [
    ({"version": 1}, "deselected_z in a version 1 line"),
    ({"deselected": []}, "beside deselected"),
    ({"deselected_z": {"encoding": "zlib+base64", "count": 1, "data": "AAAA"}},
     "cannot be read"),
])
def test_a_bad_compact_set_refuses_its_line_with_a_reason(change, reason):
    ids = tuple(f"t.py::test_{i}" for i in range(COMPACT_ABOVE + 1))
    body = json.loads(encode_run(clean_run(deselected=ids), "0.1.0", version=2).text)
    del body["key"]
    body.update(change)
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    key = hashlib.sha256(text.encode()).hexdigest()
    read = decode_note(f'{{"key":"{key}",{text[1:]}')
    assert read.runs == () and reason in read.problems[0], read.problems
