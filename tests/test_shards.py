"""Shards of one suite combined into one run: the pure combination, checked against
coverage.py's own combine on real data files, and ``tracker ingest`` with several reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.evidence.coverage_data import (
    CoverageSettings,
    parse_coverage_json,
    read_data_file,
    read_data_files,
)
from tracker.evidence.results import CollectionError, FileCoverage, RunRecord, TestOutcome
from tracker.evidence.shards import (
    NotOneSuite,
    combine_coverage,
    combine_file,
    combine_runs,
    suite_parts,
)

from .helpers import git, run_cli, write

T0 = dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC)
COMMIT = "c" * 40

MODULE = '''
    def sign(x):
        if x > 0:
            return 1
        if x < 0:
            return -1
        return 0


    def label(n):
        for _ in range(n):
            if n > 2:
                return "many"
        return "few"


    def unused(flag):
        return 1 if flag else 2
'''


def shard(n: int, tests: list[str], **fields: object) -> RunRecord:
    outcomes = tuple(TestOutcome(f"tests/test_{t}.py::test_{t}", "passed", 0.1) for t in tests)
    fields["file_hashes"] = {"src/app.py": "a" * 40, **fields.get("file_hashes", {})}
    return RunRecord(started=T0 + dt.timedelta(minutes=n),
                     finished=T0 + dt.timedelta(minutes=n, seconds=30), commit=COMMIT,
                     outcomes=outcomes, **fields)  # type: ignore[arg-type]


# --- the pure combination ----------------------------------------------------------------

def test_missing_lines_and_arcs_intersect():
    a = FileCoverage("m.py", 10, (2, 3, 4, 8), 4, 3, ((1, 2), (5, 6), (7, -1)))
    b = FileCoverage("m.py", 10, (3, 4, 9), 4, 2, ((1, 3), (5, 6)))
    assert combine_file([a, b]) == FileCoverage("m.py", 10, (3, 4), 4, 1, ((5, 6),))


def test_without_arcs_the_best_part_is_what_was_proved():
    a = FileCoverage("m.py", 10, (2,), 4, 3)  # counted, not listed: an older record
    b = FileCoverage("m.py", 10, (2, 5), 4, 2, ((1, 3), (5, 6)))
    combined = combine_file([a, b])
    assert (combined.missing, combined.missing_branches, combined.arcs_known) == ((2,), 2, False)


def test_different_code_is_not_combined():
    with pytest.raises(NotOneSuite, match="m.py"):
        combine_file([FileCoverage("m.py", 10), FileCoverage("m.py", 11)])


def test_shards_become_one_run():
    a = shard(1, ["a", "b"], args=("-q", "-m", "not slow", "--group", "1"),
              deselected=("tests/test_c.py::test_c", "tests/test_s.py::test_s"),
              deselected_markers={"tests/test_s.py::test_s": ("slow",)}, exit_code=1,
              coverage=(FileCoverage("src/app.py", 10, (1, 2, 3)),),
              collection_errors=(CollectionError("tests/test_x.py", "boom"),))
    b = shard(2, ["c"], args=("-q", "-m", "not slow", "--group", "2"), exit_code=0,
              deselected=("tests/test_a.py::test_a", "tests/test_s.py::test_s"),
              coverage=(FileCoverage("src/app.py", 10, (2, 3, 4)),
                        FileCoverage("src/other.py", 5, (5,))),
              file_hashes={"src/other.py": "b" * 40})
    one = combine_runs([a, b])
    assert [o.nodeid for o in one.outcomes] == [f"tests/test_{t}.py::test_{t}" for t in "abc"]
    assert one.deselected == ("tests/test_s.py::test_s",)  # the others ran in a shard
    assert one.deselected_markers == {"tests/test_s.py::test_s": ("slow",)}
    assert one.coverage == (FileCoverage("src/app.py", 10, (2, 3)),
                            FileCoverage("src/other.py", 5, (5,)))
    assert one.args == ("-q", "-m", "not slow")  # the split drops out, value and all
    assert (one.started, one.finished) == (a.started, b.finished)
    assert one.exit_code == 1 and one.collection_errors == a.collection_errors
    assert one.file_hashes == {"src/app.py": "a" * 40, "src/other.py": "b" * 40}


def test_a_test_run_twice_counts_as_in_the_newest_part():
    old = shard(1, ["a"])
    new = shard(2, ["a", "b"])
    failed = dataclasses.replace(old.outcomes[0], outcome="failed")
    one = combine_runs([dataclasses.replace(old, outcomes=(failed,)), new])
    assert [o.outcome for o in one.outcomes] == ["passed", "passed"]


@pytest.mark.parametrize(("codes", "expected"), [
    ((0, 5), 0), ((5, 5), 5), ((1, 0), 1), ((2, 1), 2), ((0, 3), 3), ((0, 0), 0)])
def test_the_exit_status_is_the_worst_meaningful_one(codes, expected):
    runs = [shard(n, [f"t{n}"], exit_code=code) for n, code in enumerate(codes)]
    assert combine_runs(runs).exit_code == expected


def test_only_compatible_disjoint_runs_are_parts_of_one_suite():
    newest = shard(5, ["a"])
    rerun = shard(4, ["a", "b"])  # runs newest's test again: a rerun, not a shard
    other_tree = shard(3, ["c"], file_hashes={"src/app.py": "f" * 40})
    dirty = shard(2, ["d"], dirty=True)
    part = shard(1, ["b"])
    assert suite_parts([newest, other_tree, dirty, part]) == [newest, part]
    assert suite_parts([newest, rerun, other_tree, dirty, part]) == [newest], \
        "b is older than the rerun that ran it again: laid over, never combined"
    assert suite_parts([]) == []
    with pytest.raises(NotOneSuite):
        combine_runs([newest, other_tree])


# --- against coverage.py, on real data files ---------------------------------------------

@pytest.fixture(scope="session")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project measured by two shards, each a real ``coverage run --branch``: the data file
    and JSON report of each. Paths are stored relative (``relative_files``), as CI shards
    measured on other machines need, so the files can be copied into another project."""
    root = tmp_path_factory.mktemp("shards")
    write(root, "src/app.py", MODULE)
    write(root, ".coveragerc", "[run]\nrelative_files = True\n")
    write(root, "shard_a.py", "import sys; sys.path.insert(0, 'src')\n"
                              "import app\napp.sign(3)\napp.label(1)\n")
    write(root, "shard_b.py", "import sys; sys.path.insert(0, 'src')\n"
                              "import app\napp.sign(-3)\napp.label(5)\n")
    for name in ("a", "b"):
        coverage = [sys.executable, "-m", "coverage"]
        subprocess.run([*coverage, "run", "--branch", "--source=src", f"--data-file={name}.cov",
                        f"shard_{name}.py"], cwd=root, check=True)
        subprocess.run([*coverage, "json", f"--data-file={name}.cov", "-o", f"{name}.json"],
                       cwd=root, check=True, capture_output=True)
    return root


def from_json(root: Path, name: str) -> tuple[FileCoverage, ...]:
    return parse_coverage_json(json.loads((root / name).read_text()), root)


def test_combining_json_reports_equals_coverage_pys_own_combine(measured):
    settings = CoverageSettings(source=("src",))
    by_coverage_py = read_data_files([measured / "a.cov", measured / "b.cov"], measured,
                                     settings)
    alone = [read_data_file(measured / f"{n}.cov", measured, settings) for n in "ab"]
    assert alone[0] != by_coverage_py != alone[1]  # each shard missed something
    by_tracker = combine_coverage([from_json(measured, "a.json"), from_json(measured, "b.json")])
    assert by_tracker == by_coverage_py
    assert by_tracker[0].missing_arcs and by_tracker[0].arcs_known


def test_ingest_records_the_union_of_several_reports_and_coverage(measured, tmp_path):
    root = tmp_path / "project"
    write(root, "plan.yaml", """
        title: Shards
        phases:
          - id: "1"
            title: One
            items:
              - {id: signs, text: Signs, tests: [tests/test_sign.py]}
    """)
    write(root, "src/app.py", MODULE)
    write(root, ".coveragerc", "[run]\nrelative_files = True\nsource = src\n")
    write(root, "tests/test_sign.py", "def test_positive(): ...\n"
                                      "def test_negative(): ...\ndef test_zero(): ...\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "project")
    for n, (name, failure) in enumerate([("test_positive", ""),
                                         ("test_negative", "<failure message='no'/>")]):
        write(root, f"junit{n}.xml", f"""
            <testsuite><testcase classname="tests.test_sign" name="{name}" time="1">{failure}
            </testcase><testcase classname="tests.test_sign" name="test_zero"/></testsuite>
        """)
    for name in ("a.cov", "b.cov", "b.json"):
        (root / name).write_bytes((measured / name).read_bytes())
    done = run_cli("ingest", "--junit", "junit0.xml", "--junit", "junit1.xml",
                   "--coverage", "a.cov", "--coverage", "b.json", cwd=root)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("tracker: run 1 recorded from 2 reports: 3 tests, "
                           "1 file of coverage\n")
    from tracker.store import Store, default_store_path

    with Store.open(default_store_path(root)) as store:
        run = store.run(1)
    assert {o.nodeid: o.outcome for o in run.outcomes} == {
        "tests/test_sign.py::test_positive": "passed",
        "tests/test_sign.py::test_negative": "failed",
        "tests/test_sign.py::test_zero": "passed"}
    expected = read_data_files([measured / "a.cov", measured / "b.cov"], measured,
                               CoverageSettings(source=("src",)))
    assert run.coverage == expected
    assert run.args == ("junit0.xml", "junit1.xml") and run.exit_code == 1


def test_shards_split_by_keyword_combine_into_the_whole_suite():
    from tracker.evidence.pytest_args import is_partial

    a = shard(1, ["a"], args=("-q", "-k", "jwk"), deselected=("tests/test_b.py::test_b",))
    b = shard(2, ["b"], args=("-q", "-k", "not jwk"), deselected=("tests/test_a.py::test_a",))
    one = combine_runs([a, b])
    assert one.args == ("-q",) and not is_partial(one.args)
    assert one.deselected == ()
    c = shard(3, ["c"], args=("-q", "-k", "jwk", "-m", "not slow"))
    d = shard(4, ["d"], args=("-m", "not slow", "-k", "not jwk"))
    assert combine_runs([c, d]).args == ("-m", "not slow"), "a value is never kept alone"


def test_files_rerun_after_a_whole_run_are_not_shards_of_the_suite():
    """A whole run, then two files run again (two people, two clones, each noted): with an
    older pair of keyword shards in the store, nothing is combined; each rerun lies over
    the whole run, which still speaks for every other test."""
    shard_a = shard(1, ["a", "b"], args=("-k", "x"))
    shard_b = shard(2, ["c", "d", "e"], args=("-k", "not x"))
    whole = shard(3, ["a", "b", "c", "d", "e"])
    one_file, other_file = shard(4, ["c"], args=("tests/test_c.py",)), \
        shard(5, ["e"], args=("tests/test_e.py",))
    assert suite_parts([other_file, one_file, whole, shard_b, shard_a]) == [other_file]
    assert suite_parts([shard_b, shard_a, whole]) == [shard_b, shard_a], \
        "shards that ran what the whole run ran are the whole suite again"


def test_keyword_shards_that_leave_tests_out_stay_a_subset():
    """``-k jwk`` and ``-k api`` leave test_c to neither: together they are not the suite,
    and their coverage is not the suite's (only ``--deselect`` every part was given may
    leave tests out of a whole run)."""
    from tracker.evidence.pytest_args import is_partial

    a = shard(1, ["a"], args=("-q", "-k", "jwk"),
              deselected=("tests/test_b.py::test_b", "tests/test_c.py::test_c"))
    b = shard(2, ["b"], args=("-q", "-k", "api"),
              deselected=("tests/test_a.py::test_a", "tests/test_c.py::test_c"))
    one = combine_runs([a, b])
    assert one.deselected == ("tests/test_c.py::test_c",) and is_partial(one.args)
    named = ("--deselect", "tests/test_c.py::test_c")
    c = shard(3, ["a"], args=(*named, "-k", "jwk"),
              deselected=("tests/test_b.py::test_b", "tests/test_c.py::test_c"))
    d = shard(4, ["b"], args=(*named, "-k", "not jwk"),
              deselected=("tests/test_a.py::test_a", "tests/test_c.py::test_c"))
    whole = combine_runs([c, d])
    assert whole.args == named and not is_partial(whole.args)
    e = shard(5, ["a"], args=("--deselect=tests/test_c.py", "-k", "jwk"),
              deselected=("tests/test_b.py::test_b", "tests/test_c.py::test_c"))
    f = shard(6, ["b"], args=("--deselect=tests/test_c.py", "-k", "not jwk"),
              deselected=("tests/test_a.py::test_a", "tests/test_c.py::test_c"))
    assert not is_partial(combine_runs([e, f]).args)


def test_runs_of_a_few_files_are_laid_over_the_whole_run_that_knows_the_others(tmp_path):
    """What the judge's chain of runs makes of them (tracker.evidence.gather), in this
    process on a real store: two files run one after the other on a commit are shards of
    the whole suite only if together they ran every file an older whole run ran (and every
    test of a file they ran unchanged); otherwise each is laid over that whole run."""
    from tracker.evidence.gather import _chain
    from tracker.store import Store

    hashes = {f"tests/test_{t}.py": t * 40 for t in "abc"}

    def run(n: int, tests: str, commit: str, *args: str, extra: str = "") -> RunRecord:
        names = [f"tests/test_{t}.py::test_{t}" for t in tests]
        if extra:
            names.append(extra)
        return RunRecord(started=T0 + dt.timedelta(minutes=n),
                         finished=T0 + dt.timedelta(minutes=n, seconds=30), commit=commit,
                         args=args, file_hashes=hashes,
                         outcomes=tuple(TestOutcome(name, "passed", 0.1) for name in names))

    def chain(*runs: RunRecord) -> list[tuple[str, ...]]:
        with Store.open(tmp_path / f"{len(list(tmp_path.iterdir()))}.db") as store:
            for record in runs:
                store.add_run(record)
            return [tuple(sorted(o.nodeid[11] for o in r.outcomes)) for r in
                    _chain(store, store.runs())]

    later = "d" * 40
    files = (run(2, "a", later, "tests/test_a.py"), run(3, "b", later, "tests/test_b.py"))
    # the whole run ran test_c.py too: the two files are laid over it, each
    assert chain(run(1, "abc", COMMIT), *files) == [("b",), ("a",), ("a", "b", "c")]
    # the whole run ran no more files than they did: they are the suite, combined
    assert chain(run(1, "ab", COMMIT), *files) == [("a", "b")]
    # ... unless a test of a file they ran, unchanged since, is missing from them
    more = run(1, "ab", COMMIT, extra="tests/test_a.py::test_a2")
    assert chain(more, *files) == [("b",), ("a",), ("a", "a", "b")]
