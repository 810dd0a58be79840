"""An item's own coverage: what its linked tests ran of its targets, beside the whole run's.

Real ``tracker run`` on a sample project (pytest under coverage.py with a context per test
file, serial and under xdist ``-n 2``), real SQLite and git; the figures are exact counts of
the sample's statements, worked out by hand below.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from tracker.evidence.note_format import decode_line, encode_run
from tracker.evidence.own_coverage import own_coverage
from tracker.evidence.results import FileCoverage, RunRecord, TestOutcome
from tracker.store import Store, default_store_path

from .helpers import call_cli, clean_env, git, run_cli, write

# calc.py has 8 statements; lines 1 and 5 (the two ``def``) run when pytest imports the
# tests, for no test in particular: 6 statements only tests can run.
CALC = '''\
def add(a, b):
    return a + b


def sign(x):
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0
'''

TEXT = '''\
def shout(text):
    return text.upper() + "!"
'''

TEST_CALC = '''\
from pkg.calc import add, sign


def test_add():
    assert add(2, 3) == 5


def test_sign():
    assert [sign(4), sign(-4), sign(0)] == [1, -1, 0]
'''

TEST_HALF = '''\
from pkg.calc import add


def test_add_again():
    assert add(1, 1) == 2
'''

TEST_TEXT = '''\
from pkg.text import shout


def test_shout():
    assert shout("hi") == "HI!"
'''

PLAN = '''\
title: Own coverage
created: 2026-03-02
phases:
  - id: "1"
    title: Calc
    items:
      - id: calc-own
        text: The calculator, tested by its own tests
        tests: [tests/test_calc.py]
        targets: [src/pkg/calc.py]
        expect: {own_coverage: 100, target_coverage: 100}
      - id: calc-borrowed
        text: The calculator, claimed by tests of something else
        tests: [tests/test_text.py]
        targets: [src/pkg/calc.py]
        expect: {own_coverage: 50, target_coverage: 90}
      - id: calc-half
        text: Addition only
        tests: [tests/test_half.py::test_add_again]
        targets: [src/pkg/calc.py]
'''

PYPROJECT = '''\
[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]
'''

TODAY = "2026-03-05"


def make_project(root: Path) -> Path:
    for path, text in {"pyproject.toml": PYPROJECT, "plan.yaml": PLAN,
                       "src/pkg/__init__.py": "", "src/pkg/calc.py": CALC,
                       "src/pkg/text.py": TEXT, "tests/test_calc.py": TEST_CALC,
                       "tests/test_half.py": TEST_HALF, "tests/test_text.py": TEST_TEXT,
                       ".gitignore": ".tracker/\n__pycache__/\n.coverage*\n"}.items():
        write(root, path, text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "sample")
    return root


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample after one serial ``tracker run``, shared by the tests that only read it."""
    root = make_project(tmp_path_factory.mktemp("own") / "calc")
    done = run_cli("run", "--", "-q", cwd=root, env=clean_env())
    assert done.returncode == 0, done.stderr
    return root


def items(root: Path) -> dict[str, dict]:
    done = call_cli("status", "--json", "--today", TODAY, cwd=root)
    assert done.returncode == 0, done.stderr
    return {item["id"]: item for item in json.loads(done.stdout)["items"]}


def latest(root: Path) -> RunRecord:
    with Store.open(default_store_path(root)) as store:
        run = store.latest_run()
    assert run is not None
    return run


EXPECTED_OWN = {"calc-own": 100.0, "calc-borrowed": 0.0, "calc-half": 100.0 / 6}


@pytest.mark.slow
def test_each_item_shows_what_its_own_tests_cover_of_its_targets(ran):
    found = items(ran)
    for item_id, own in EXPECTED_OWN.items():
        assert found[item_id]["targets"]["coverage"] == 100.0, "the whole run covers calc.py"
        assert found[item_id]["targets"]["own_coverage"] == pytest.approx(own), item_id
    assert found["calc-own"]["status"] == "done"
    assert found["calc-borrowed"]["status"] == "in progress"
    assert "its own tests cover 0.0% of the targets, 50% expected" in \
        found["calc-borrowed"]["reason"]
    assert "targets covered 100.0%, by its own tests 16.7%" in found["calc-half"]["reason"]


@pytest.mark.slow
def test_the_document_shows_both_figures(ran):
    done = call_cli("render", "--today", TODAY, cwd=ran)
    assert done.returncode == 0, done.stderr
    assert "(100.0% covered: statements 8/8, branches 4/4; by its own tests 0.0%)" in done.stdout
    assert "100% target coverage by its own tests" in done.stdout


@pytest.mark.slow
def test_the_run_records_which_test_file_ran_which_lines(ran):
    lines = latest(ran).test_file_lines
    assert lines["tests/test_calc.py"]["src/pkg/calc.py"] == (2, 6, 7, 8, 9, 10)
    assert lines["tests/test_half.py"]["src/pkg/calc.py"] == (2,)
    assert "src/pkg/calc.py" not in lines["tests/test_text.py"]
    assert lines[""]["src/pkg/calc.py"] == (1, 5), "the defs ran while collecting"


@pytest.mark.slow
def test_xdist_workers_record_the_same_lines(ran, tmp_path):
    project = Path(shutil.copytree(ran, tmp_path / "calc", symlinks=True))
    done = run_cli("run", "--", "-p", "xdist", "-n", "2", "-q", cwd=project, env=clean_env())
    assert done.returncode == 0, done.stderr
    assert "bringing up nodes" in done.stdout
    assert latest(project).test_file_lines == latest(ran).test_file_lines
    found = items(project)
    assert {i: found[i]["targets"]["own_coverage"] for i in EXPECTED_OWN} == \
        pytest.approx(EXPECTED_OWN)


@pytest.mark.slow
def test_notes_carry_the_lines_and_read_back_the_same(ran):
    run = latest(ran)
    back = decode_line(encode_run(run, "test").text)
    assert back.test_file_lines == run.test_file_lines
    without = encode_run(RunRecord(run.started, run.finished, commit=run.commit), "test")
    assert "test_file_lines" not in without.text, "runs without contexts are written as before"


def test_own_coverage_leaves_out_what_ran_at_import_and_what_the_run_missed():
    t0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    run = RunRecord(t0, t0, outcomes=(TestOutcome("tests/t.py::a", "passed"),),
                    coverage=(FileCoverage("src/m.py", 10, missing=(9, 10)),),
                    test_file_lines={"": {"src/m.py": (1, 2)},
                                     "tests/t.py": {"src/m.py": (1, 3, 4, 9)},
                                     "tests/u.py": {"src/m.py": (5, 6, 7, 8)}})
    mine = own_coverage(run, ["tests/t.py"], ["src/m.py", "src/m.py"])
    assert mine is not None and (mine.covered, mine.statements) == (2, 8)
    both = own_coverage(run, ["tests/t.py", "tests/u.py"], ["src/m.py"])
    assert both is not None and both.percent == 75.0
    assert own_coverage(run, ["tests/t.py"], ["src/other.py"]) is None
    assert own_coverage(RunRecord(t0, t0, coverage=run.coverage), ["tests/t.py"],
                        ["src/m.py"]) is None, "no contexts recorded: unknown, not 0%"


def test_shards_combine_the_lines_of_their_test_files_only_when_every_shard_has_them():
    from tracker.evidence.shards import combine_test_file_lines

    t0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    one = RunRecord(t0, t0, test_file_lines={"": {"m.py": (1,)}, "t.py": {"m.py": (2, 3)}})
    two = RunRecord(t0, t0, test_file_lines={"": {"m.py": (1, 9)}, "u.py": {"m.py": (3, 4)}})
    assert combine_test_file_lines([one, two]) == {
        "": {"m.py": (1, 9)}, "t.py": {"m.py": (2, 3)}, "u.py": {"m.py": (3, 4)}}
    assert combine_test_file_lines([one, RunRecord(t0, t0)]) == {}


@pytest.mark.slow
def test_a_projects_own_dynamic_context_gives_no_figure_rather_than_a_wrong_one(ran, tmp_path):
    project = Path(shutil.copytree(ran, tmp_path / "calc", symlinks=True))
    with (project / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[tool.coverage.run]\ndynamic_context = "test_function"\n')
    done = run_cli("run", "--", "-q", cwd=project, env=clean_env())
    assert done.returncode == 0, done.stderr
    assert latest(project).test_file_lines == {}
    found = items(project)
    assert found["calc-own"]["targets"]["own_coverage"] is None
    assert "coverage of targets by its own tests not measured" in found["calc-own"]["reason"]


# build() is one statement written over eight lines: the interpreter traces its
# continuation lines too. 6 statements (1, 2, 12-15); 1 and 12 run at import; the test
# runs line 2 only: 1 of the 4 statements only tests can run, 25%, never 100%.
MULTILINE = '''\
def build(a, b):
    return dict(
        first=a,
        second=b,
        third=[
            a,
            b,
        ],
    )


def unused(x):
    if x:
        return 1
    return 2
'''

TEST_BUILD = '''\
from pkg.calc import build


def test_build():
    assert build(1, 2)["first"] == 1
'''


@pytest.mark.slow
def test_a_multi_line_statement_counts_once_not_once_per_traced_line(tmp_path):
    root = tmp_path / "multi"
    make_project(root)
    write(root, "src/pkg/calc.py", MULTILINE)
    write(root, "tests/test_calc.py", TEST_BUILD)
    for gone in ("tests/test_half.py", "tests/test_text.py"):
        (root / gone).unlink()
    git(root, "add", "-A")
    git(root, "commit", "-qm", "multi-line statements")
    done = run_cli("run", "--", "-q", cwd=root, env=clean_env())
    assert done.returncode == 0, done.stderr
    run = latest(root)
    assert run.test_file_lines["tests/test_calc.py"]["src/pkg/calc.py"] == (2,)
    assert run.test_file_lines[""]["src/pkg/calc.py"] == (1, 12)
    found = items(root)
    assert found["calc-own"]["targets"]["own_coverage"] == pytest.approx(25.0)
    assert found["calc-own"]["status"] == "in progress"


DECORATED = """\
import functools


@functools.lru_cache
def cached(x):
    return x


def unused():
    return 0
"""


@pytest.mark.parametrize("multiline", [True, False])
def test_traced_lines_become_statements_as_coverage_reports_count_them(tmp_path, multiline):
    """The translation itself, in this process, on a data file written here with
    coverage.py's own API: a multi-line call traces its continuation lines, each counted as
    the one statement it belongs to; lines that are statements already are kept as they are."""
    import coverage

    from tracker.evidence.coverage_data import CoverageSettings, read_run_data

    root = tmp_path / "proj"
    write(root, "pkg/__init__.py", "")
    source = MULTILINE if multiline else DECORATED
    write(root, "pkg/calc.py", source)
    calc = str((root / "pkg" / "calc.py").resolve())
    data = coverage.CoverageData(basename=str(root / ".coverage"))
    if multiline:  # at import: the two defs; the test: build()'s call, all nine lines
        data.set_context("")
        data.add_lines({calc: [1, 12]})
        data.set_context("tests/test_calc.py")
        data.add_lines({calc: list(range(2, 10))})
        expected = {"": (1, 12), "tests/test_calc.py": (2,)}
    else:  # every traced line is a statement (the decorator's and the def's, to coverage.py):
        data.set_context("")  # taken as the report shows them, no file parsed
        data.add_lines({calc: [1, 4, 5, 9]})
        data.set_context("tests/test_calc.py")
        data.add_lines({calc: [6]})
        expected = {"": (1, 4, 5, 9), "tests/test_calc.py": (6,)}
    data.write()
    _, lines = read_run_data(root / ".coverage", root, CoverageSettings(source=("pkg",)),
                             measured_only=False, test_files={"tests/test_calc.py"})
    assert {test: files["pkg/calc.py"] for test, files in lines.items()} == expected
