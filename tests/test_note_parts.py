"""Version 3 note lines: split without parsing the parts, the parts decoded later, and a
header that lies about its parts refused when they are decoded (never believed over them)."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from tracker.evidence.note_fields import BadLine
from tracker.evidence.note_format import FORMAT_VERSION, decode_line, decode_note, encode_run
from tracker.evidence.note_parts import SplitRun, decode_coverage, decode_parts, lay_out
from tracker.evidence.results import FileCoverage, TestOutcome

from .test_note_format import clean_run


def pieces(run=None) -> tuple[dict, dict, dict]:
    """The header, coverage part and tests part of a run's version 3 line, as data."""
    data = json.loads(encode_run(run or clean_run(), "0.1.0").text)
    del data["key"]
    return data, data.pop("coverage_part"), data.pop("tests_part")


def keyed(rest: str) -> str:
    """A line for ``rest`` (the text after the key) with a correct key: what anyone can make."""
    key = hashlib.sha256(("{" + rest).encode()).hexdigest()
    return f'{{"key":"{key}",{rest}'


def relaid(header: dict, coverage: dict, tests: dict) -> str:
    return keyed(lay_out(header, coverage, tests))


def split_of(line: str) -> SplitRun:
    read = decode_note(line, split=True)
    assert read.problems == () and len(read.runs) == 1, read.problems
    run = read.runs[0].run
    assert isinstance(run, SplitRun)
    return run


def test_the_line_is_one_json_object_split_at_its_two_tabs():
    run = clean_run()
    line = encode_run(run, "0.1.0").text
    assert line.count("\t") == 2 and "\n" not in line and line.isascii()
    assert json.loads(line)["version"] == FORMAT_VERSION == 3  # old readers name the version
    split = split_of(line)
    assert (split.commit, split.started, split.args, split.exit_code) == (
        run.commit, run.started, run.args, run.exit_code)
    counts = {o: sum(t.outcome == o for t in run.outcomes) for o in split.summary.counts}
    assert split.summary.counts == counts and split.summary.tests == len(run.outcomes)
    assert decode_parts(split.header, split.coverage_part, split.tests_part) == run
    assert decode_coverage(split.header, split.coverage_part) == run.coverage
    assert decode_line(line) == run  # decoded whole at once, as backfill does


def test_tabs_in_names_are_escaped_so_the_layout_holds():
    run = clean_run(outcomes=(TestOutcome("t.py::test[\t]", "passed"),),
                    coverage=(FileCoverage("a\tb.py", 3, (1,)),))
    line = encode_run(run, "0.1.0").text
    assert line.count("\t") == 2
    assert decode_line(line) == run


def test_splitting_reads_only_the_header():
    """Parts that are not even JSON are kept as written: they are checked when decoded."""
    header, _, _ = pieces()
    line = keyed(f"{json.dumps(header)[1:-1]},\t\"coverage_part\":nonsense,\t"
                 f"\"tests_part\":[1,2}}")
    split = split_of(line)
    with pytest.raises(BadLine, match="coverage part: not JSON"):
        decode_parts(split.header, split.coverage_part, split.tests_part)
    with pytest.raises(BadLine, match="not JSON"):
        decode_line(line)


@pytest.mark.parametrize(("change", "reason"), [
    ({"summary": {"counts": {"passed": 1}, "tests": 1, "coverage": None}}, "counts are not"),
    ({"summary": "all green"}, "summary is not a mapping"),
    ({"commit": "\x1b[2J"}, "not a full commit id"),
    ({"dirty": True}, "dirty tree"),
    ({"started": "soon"}, "not an ISO-8601 time"),
    ({"version": 2}, "a version 2 line laid out in parts"),
    ({"version": FORMAT_VERSION + 1}, f"newer tracker (format version {FORMAT_VERSION + 1}"),
])
def test_a_bad_header_refuses_its_line_at_import(change, reason):
    header, coverage, tests = pieces()
    header.update(change)
    read = decode_note(relaid(header, coverage, tests), split=True)
    assert read.runs == () and len(read.problems) == 1 and reason in read.problems[0]
    assert "\x1b" not in read.problems[0]


def test_summary_counts_must_add_up():
    header, coverage, tests = pieces()
    header["summary"]["tests"] += 1
    read = decode_note(relaid(header, coverage, tests), split=True)
    assert "do not add up" in read.problems[0]


@pytest.mark.parametrize("text", [
    '"x":1,\t"tests_part":{},\t"coverage_part":{}}',  # parts swapped
    '"x":1,\t"coverage_part":{}}',  # one part
    '"x":1\t,"coverage_part":{},\t"tests_part":{}}',
])
def test_a_line_not_laid_out_as_header_and_two_parts_is_refused(text):
    header, _, _ = pieces()
    line = keyed(f"{json.dumps(header)[1:-1]},{text}")
    read = decode_note(line, split=True)
    assert read.runs == () and read.problems, read


def test_a_header_that_lies_about_its_tests_is_refused_when_the_parts_are_decoded():
    """The header's figures are what a summary row shows; the parts are the run. A line whose
    summary disagrees with its parts was not written by tracker: the run is refused as a
    whole, as a line whose key does not match is (the body is not believed over it either)."""
    header, coverage, tests = pieces()
    counts = header["summary"]["counts"]
    counts["passed"], counts["failed"] = counts["passed"] + counts["failed"], 0
    split = split_of(relaid(header, coverage, tests))  # the header alone holds together
    with pytest.raises(BadLine, match="summary does not match its tests"):
        decode_parts(split.header, split.coverage_part, split.tests_part)
    assert decode_coverage(split.header, split.coverage_part)  # its coverage is consistent


def test_a_header_that_lies_about_its_coverage_is_refused_when_coverage_is_decoded():
    header, coverage, tests = pieces()
    units, covered = header["summary"]["coverage"]
    header["summary"]["coverage"] = [units, units]  # "everything covered"
    split = split_of(relaid(header, coverage, tests))
    for decode in (lambda: decode_coverage(split.header, split.coverage_part),
                   lambda: decode_parts(split.header, split.coverage_part, split.tests_part)):
        with pytest.raises(BadLine, match="summary does not match its coverage"):
            decode()


def test_fields_a_part_does_not_own_are_ignored():
    """A part cannot override the header (its commit, times): only its own fields count."""
    run = clean_run()
    header, coverage, tests = pieces(run)
    tests["commit"] = "f" * 40
    coverage["exit_code"] = 99
    assert decode_line(relaid(header, coverage, tests)) == run


def test_a_bad_field_in_a_part_is_refused_when_decoded():
    header, coverage, tests = pieces()
    tests["tests"][0]["outcome"] = "exploded"
    split = split_of(relaid(header, coverage, tests))
    with pytest.raises(BadLine, match="'exploded' is not one"):
        decode_parts(split.header, split.coverage_part, split.tests_part)


def test_old_versions_are_still_read_and_written_on_request():
    run = clean_run()
    old = encode_run(run, "0.1.0", version=2)
    assert "\t" not in old.text and '"summary"' not in old.text
    read = decode_note(old.text, split=True)  # old lines are decoded whole, as before
    assert read.problems == () and read.runs[0].run == run
    assert old.key != encode_run(run, "0.1.0").key
    one_object = json.loads(encode_run(dataclasses.replace(run), "0.1.0").text)
    del one_object["key"]
    text = json.dumps(one_object, sort_keys=True, separators=(",", ":"))
    read = decode_note(keyed(text[1:]))  # version 3 fields, but not laid out in parts
    assert "not laid out in parts" in read.problems[0]
