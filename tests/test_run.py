"""``tracker run`` on a real sample project: real pytest, coverage.py, git and SQLite, no mocks.

The sample project is built once per test process (a git repository with a source package,
tests of every outcome kind and a plan linking them every way) and run once, by the session
fixture ``ran`` of conftest.py; tests that only read it share it, tests that change anything
work on a copy. test_ingest.py and test_status.py build the same project with
:func:`make_project`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tracker.evidence.results import FileCoverage, RunRecord
from tracker.metrics import measure_value
from tracker.plan.measures import Measure
from tracker.store import SCHEMA_VERSION, Store, default_store_path

from .helpers import call_cli, clean_env, git, run_cli, write

PYPROJECT = """
    [tool.pytest.ini_options]
    testpaths = ["tests"]
    pythonpath = ["src"]
    markers = [
        "slow: slow tests",
        "checkout: checkout tests",
        "catalog: catalog tests",
    ]
"""

CART = '''
    """A tiny cart."""


    def total(prices):
        if not prices:
            return 0
        return sum(prices)


    def discount(amount, code):
        if code == "HALF":
            return amount / 2
        if code == "TEN":
            return amount - 10
        return amount


    def quantity_label(n):
        if n == 1:
            return "one"
        elif n == 2:
            return "two"
        return "many"


    def never_called(x):
        if x:
            return 1
        return 2
'''

TEST_CART = """
    import pytest

    from shop.cart import discount, quantity_label, total


    def test_total_empty():
        assert total([]) == 0


    def test_total_items():
        assert total([1, 2]) == 3


    def test_discount_bug():
        assert discount(100, "TEN") == 80


    @pytest.mark.skip(reason="not today")
    def test_skipped():
        pass


    @pytest.mark.xfail(reason="known bug")
    def test_known_bug():
        assert discount(10, "HALF") == 4


    @pytest.mark.parametrize("n", [1, 2, 3])
    def test_quantity(n):
        assert quantity_label(n)


    @pytest.mark.slow
    def test_big_cart():
        assert total(list(range(1000))) == 499500


    @pytest.mark.plan("cart-rules")
    def test_rules():
        assert discount(10, "NONE") == 10


    class TestCheckout:
        pytestmark = pytest.mark.checkout

        def test_checkout_ok(self):
            assert total([5]) == 5

        def test_checkout_half(self):
            assert discount(10, "HALF") == 5
"""

CONFTEST = """
    import pytest


    @pytest.fixture
    def catalog():
        return {"apple": 1, "pear": 2}
"""

TEST_CATALOG = """
    import pytest

    pytestmark = pytest.mark.catalog


    def test_lookup(catalog):
        assert catalog["apple"] == 1


    def test_size(catalog):
        assert len(catalog) == 2
"""

PLAN = """
    title: Shop | Testing Plan
    created: 2026-03-02
    phases:
      - id: "1"
        title: Cart
        weeks: 1-2
        items:
          - id: cart-basics
            text: Cart totals and checkout
            tests:
              - tests/test_cart.py::test_total_empty
              - tests/test_cart.py::test_total_items
              - tests/test_cart.py::TestCheckout
            targets: [src/shop/cart.py]
            expect: {target_coverage: 50}
          - id: cart-discount
            text: Discount codes
            tests: [tests/test_cart.py::test_discount_bug]
          - id: slow-tests
            text: Big carts
            tests: [{marker: slow}]
          - id: cart-rules
            text: Cart rules, linked from the tests
      - id: "2"
        title: Catalog
        weeks: 3-4
        items:
          - id: catalog
            text: Catalog lookups
            tests: [tests/sub/test_catalog.py]
            expect: {min_tests: 10}
          - id: review
            text: Review the plan with QA
            status: done
      - id: "3"
        title: Setup
        weeks: 5
        items:
          - id: config
            text: Markers registered
            files: [{file: pyproject.toml, contains: "slow: slow tests"}]
    metrics:
      - {id: cov, title: Coverage, measure: coverage.total, target: ">= 50"}
      - {id: count, title: Test count, measure: tests.count, target: ">= 5"}
      - {id: rate, title: Pass rate, measure: tests.pass_rate, target: ">= 95"}
      - {id: slow, title: Slow share, measure: "tests.ratio(marker=slow)", target: "<= 50%"}
      - {id: time, title: Duration, measure: tests.duration, target: "<= 5 min"}
"""

#: Every test case of the sample and its outcome in a run.
EXPECTED = {
    "tests/test_cart.py::test_total_empty": "passed",
    "tests/test_cart.py::test_total_items": "passed",
    "tests/test_cart.py::test_discount_bug": "failed",
    "tests/test_cart.py::test_skipped": "skipped",
    "tests/test_cart.py::test_known_bug": "xfailed",
    "tests/test_cart.py::test_quantity[1]": "passed",
    "tests/test_cart.py::test_quantity[2]": "passed",
    "tests/test_cart.py::test_quantity[3]": "passed",
    "tests/test_cart.py::test_big_cart": "passed",
    "tests/test_cart.py::test_rules": "passed",
    "tests/test_cart.py::TestCheckout::test_checkout_ok": "passed",
    "tests/test_cart.py::TestCheckout::test_checkout_half": "passed",
    "tests/sub/test_catalog.py::test_lookup": "passed",
    "tests/sub/test_catalog.py::test_size": "passed",
}

TODAY = "2026-03-05"


def make_project(root: Path) -> Path:
    """The sample project at ``root``, committed to a new git repository."""
    write(root, "pyproject.toml", PYPROJECT)
    write(root, "src/shop/__init__.py", "")
    write(root, "src/shop/cart.py", CART)
    write(root, "tests/test_cart.py", TEST_CART)
    write(root, "tests/sub/conftest.py", CONFTEST)
    write(root, "tests/sub/test_catalog.py", TEST_CATALOG)
    write(root, "plan.yaml", PLAN)
    write(root, ".gitignore", ".tracker/\n.pytest_cache/\n__pycache__/\n.coverage*\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "sample")
    return root


def tracker(root: Path, *args: str, autoload: bool = False) -> subprocess.CompletedProcess[str]:
    """``tracker ARGS`` run in ``root`` in a subprocess, as a user would."""
    return run_cli(*args, cwd=root, env=clean_env(autoload=autoload))


def pytest_in(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The project's own pytest, without tracker."""
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=root, env=clean_env(), text=True, capture_output=True,
                          timeout=120, check=False)


def status_json(root: Path) -> dict:
    """``tracker status --json``, read in this process (helpers.call_cli)."""
    done = call_cli("status", "--json", "--today", TODAY, cwd=root)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def items_by_id(data: dict) -> dict[str, dict]:
    return {item["id"]: item for item in data["items"]}


def open_store(root: Path) -> Store:
    return Store.open(default_store_path(root))


def runs_of(root: Path) -> list:
    with open_store(root) as store:
        return store.runs()


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    """The single line a bad-input command printed; fails when there is more or a traceback."""
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@dataclass(frozen=True)
class Ran:
    root: Path
    done: subprocess.CompletedProcess[str]


def run_sample(root: Path) -> Ran:
    """The sample project at ``root`` after one ``tracker run -- -q``, its plugin loaded as
    installed: made once per test process by the ``ran`` fixture (tests/conftest.py)."""
    make_project(root)
    return Ran(root, tracker(root, "run", "--", "-q", autoload=True))


@pytest.fixture
def project(ran: Ran, tmp_path: Path) -> Path:
    """A copy of the run sample project (its git repository and store included), to change."""
    return Path(shutil.copytree(ran.root, tmp_path / "shop", symlinks=True))


# --- the recorded run -------------------------------------------------------------------------

@pytest.mark.slow
def test_exit_code_is_pytests_and_the_summary_names_the_run(ran):
    assert ran.done.returncode == 1, ran.done.stderr
    assert pytest_in(ran.root, "-q").returncode == ran.done.returncode
    summary = ran.done.stderr.strip().splitlines()[-1]
    assert summary.startswith("tracker: run 1 recorded: 1 failed, 11 passed, 1 xfailed, "
                              "1 skipped in ")
    assert "coverage 84.4% (default)" in summary
    assert "Traceback" not in ran.done.stderr


@pytest.mark.slow
def test_every_outcome_kind_is_recorded_per_node_id(ran):
    with open_store(ran.root) as store:
        assert store.runs_count() == 1
        run = store.latest_run()
    assert run is not None
    assert {o.nodeid: o.outcome for o in run.outcomes} == EXPECTED
    assert len(run.outcomes) == len(EXPECTED)  # each case once
    by_id = {o.nodeid: o for o in run.outcomes}
    assert by_id["tests/test_cart.py::test_discount_bug"].message == \
        "AssertionError: assert 90 == 80"
    assert by_id["tests/test_cart.py::test_skipped"].message == "not today"
    assert by_id["tests/test_cart.py::test_known_bug"].message == "known bug"
    assert all(o.duration >= 0 for o in run.outcomes)
    assert run.exit_code == 1 and run.source == "pytest" and run.args == ("-q",)
    assert run.finished > run.started
    assert run.collection_errors == ()


@pytest.mark.slow
def test_markers_fixtures_and_plan_items_are_recorded(ran):
    with open_store(ran.root) as store:
        run = store.latest_run()
    by_id = {o.nodeid: o for o in run.outcomes}
    assert "slow" in by_id["tests/test_cart.py::test_big_cart"].markers
    for name in ("test_checkout_ok", "test_checkout_half"):  # the class's pytestmark
        assert "checkout" in by_id[f"tests/test_cart.py::TestCheckout::{name}"].markers
    lookup = by_id["tests/sub/test_catalog.py::test_lookup"]
    assert "catalog" in lookup.markers  # the module's pytestmark
    assert "catalog" in lookup.fixtures  # from the subfolder's conftest.py
    assert "n" in by_id["tests/test_cart.py::test_quantity[2]"].fixtures
    assert "parametrize" in by_id["tests/test_cart.py::test_quantity[2]"].markers
    assert by_id["tests/test_cart.py::test_rules"].plan_items == ("cart-rules",)
    assert [o.nodeid for o in run.outcomes if o.plan_items] == ["tests/test_cart.py::test_rules"]
    assert "catalog" not in by_id["tests/test_cart.py::test_total_empty"].fixtures


@pytest.mark.slow
def test_the_run_knows_its_commit_and_its_files(ran):
    head = git(ran.root, "rev-parse", "HEAD").strip()
    with open_store(ran.root) as store:
        run = store.latest_run()
    assert run.commit == head and run.dirty is False
    assert set(run.file_hashes) >= {"tests/test_cart.py", "tests/sub/test_catalog.py",
                                    "src/shop/cart.py"}


@pytest.mark.slow
def test_coverage_of_the_source_is_recorded_and_tests_are_not_measured(ran):
    with open_store(ran.root) as store:
        run = store.latest_run()
    files = {f.path: f for f in run.coverage}
    cart = files["src/shop/cart.py"]
    assert cart.statements > 10 and cart.branches > 0
    assert cart.missing == (27, 28, 29)  # never_called's body
    assert 0 < cart.missing_branches < cart.branches
    assert not [p for p in files if p.startswith("tests/") or p.endswith("conftest.py")]
    assert set(files) == {"src/shop/__init__.py", "src/shop/cart.py"}


@pytest.mark.slow
def test_the_store_passes_sqlites_integrity_check(project):
    with sqlite3.connect(default_store_path(project)) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("SELECT count(*) FROM outcomes").fetchone()[0] == len(EXPECTED)
    db.close()


# --- statuses and metrics from the run --------------------------------------------------------

@pytest.mark.slow
def test_statuses_are_earned_from_the_run(ran):
    items = items_by_id(status_json(ran.root))
    assert {i: v["status"] for i, v in items.items()} == {
        "cart-basics": "done", "cart-discount": "failing", "slow-tests": "done",
        "cart-rules": "done", "catalog": "in progress", "review": "claimed",
        "config": "done",
    }
    basics = items["cart-basics"]
    # cart.py: 20 statements, the 4 ``def`` run at import; test_cart.py runs 13 of the other
    # 16 (the module docstring runs at import too, but is no statement)
    assert basics["reason"] == ("4 tests, all passing; targets covered 84.4%, by its own tests "
                                "81.2%")
    assert basics["tests"] == {"linked": 4, "passed": 4, "failed": 0, "skipped": 0,
                               "not_run": 0, "failing": []}
    assert basics["targets"]["coverage"] == pytest.approx(84.375)
    failing = items["cart-discount"]
    assert "test_discount_bug" in failing["reason"]
    assert failing["tests"]["failing"] == ["tests/test_cart.py::test_discount_bug"]
    assert items["catalog"]["reason"] == "2 of 10 tests"
    assert items["slow-tests"]["reason"] == "1 test, passing"  # by marker
    assert items["cart-rules"]["reason"] == "1 test, passing"  # by the test's plan marker
    assert items["review"]["reason"] == "unverified: nothing links it to evidence"


@pytest.mark.slow
def test_metrics_have_current_values_and_met_flags(ran):
    data = status_json(ran.root)
    metrics = {m["id"]: m for m in data["metrics"]}
    assert metrics["cov"]["current"] == pytest.approx(84.375) and metrics["cov"]["met"] is True
    assert metrics["count"]["current"] == len(EXPECTED) and metrics["count"]["met"] is True
    assert 50 < metrics["rate"]["current"] < 95 and metrics["rate"]["met"] is False
    assert metrics["slow"]["current"] == pytest.approx(100 / 14) and metrics["slow"]["met"]
    assert 0 < metrics["time"]["current"] < 300 and metrics["time"]["met"] is True
    assert metrics["cov"]["trend"] == [pytest.approx(84.375)]
    assert data["run"]["counts"] == {"error": 0, "failed": 1, "xpassed": 0, "passed": 11,
                                     "xfailed": 1, "skipped": 1}


@pytest.mark.parametrize(("written", "value"), [
    ("src/shop/cart.py", 50.0), ("./src/shop/cart.py", 50.0), (".github/tool.py", 100.0),
    ("./.github/tool.py", 100.0), ("github/tool.py", None),
])
def test_coverage_file_metrics_take_the_path_as_written(written, value):
    run = RunRecord(started=dt.datetime(2026, 3, 5, tzinfo=dt.UTC),
                    finished=dt.datetime(2026, 3, 5, tzinfo=dt.UTC),
                    coverage=(FileCoverage("src/shop/cart.py", 4, (1, 2)),
                              FileCoverage(".github/tool.py", 2)))
    assert measure_value(Measure("coverage.file", written), run) == value
    glob = Measure("coverage.files", written.replace("tool", "*").replace("cart", "*"))
    assert measure_value(glob, run) == value


@pytest.mark.slow
def test_without_coverage_targets_are_not_measured(project):
    done = tracker(project, "run", "--no-coverage", "--", "-q")
    assert done.returncode == 1, done.stderr
    assert "coverage" not in done.stderr.strip().splitlines()[-1]
    with open_store(project) as store:
        run = store.latest_run()
    assert run.coverage == () and len(run.outcomes) == len(EXPECTED)
    data = status_json(project)
    basics = items_by_id(data)["cart-basics"]
    assert basics["status"] == "in progress"
    assert basics["reason"] == "coverage of targets not measured"
    cov = {m["id"]: m for m in data["metrics"]}["cov"]
    assert (cov["current"], cov["met"], cov["display"]) == (
        None, None, "not measured in the latest run")


@pytest.mark.slow
def test_render_shows_the_run_evidence(ran):
    done = call_cli("render", "--today", TODAY, cwd=ran.root)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert ("✔ done: 4 tests, all passing; targets covered 84.4%, by its own tests 81.2%"
            in text)
    assert "✘ failing: 1 of 1 failing: test_discount_bug" in text
    assert "- [x] `cart-rules`" in text and "- [ ] `cart-discount`" in text
    assert "**Evidence:** repository files and a test run of this code" in text


@pytest.mark.slow
def test_a_changed_test_file_makes_its_item_stale_until_run_again(project):
    before = git(project, "rev-parse", "HEAD").strip()
    with (project / "tests/sub/test_catalog.py").open("a", encoding="utf-8") as f:
        f.write("# touched\n")
    items = items_by_id(status_json(project))
    assert items["catalog"]["status"] == "stale"
    assert items["catalog"]["stale_files"] == ["tests/sub/test_catalog.py"]
    assert "tests/sub/test_catalog.py" in items["catalog"]["reason"]
    assert items["cart-basics"]["status"] == "done"  # its files did not change

    again = tracker(project, "run", "--", "-q")
    assert again.returncode == 1, again.stderr
    items = items_by_id(status_json(project))
    assert items["catalog"]["status"] == "in progress" and items["catalog"]["stale_files"] == []
    with open_store(project) as store:
        assert store.runs_count() == 2
        run = store.latest_run()
    assert run.commit == before and run.dirty is True  # a tracked file differs from HEAD


@pytest.mark.slow
def test_xdist_run_records_the_same_outcomes_and_measures_the_workers(ran, project):
    with open_store(ran.root) as store:
        serial = store.latest_run()
    done = tracker(project, "run", "--", "-p", "xdist", "-n", "2", "-q")
    assert done.returncode == 1, done.stderr
    assert "bringing up nodes" in done.stdout  # really distributed by xdist
    said = done.stdout + done.stderr
    # the controller runs no tests: coverage.py must not call that a failure to measure
    assert "CoverageWarning" not in said and "No data was collected" not in said
    assert ".tracker/runs" not in said  # no line names the scratch report, deleted after
    with open_store(project) as store:
        parallel = store.latest_run()
    assert parallel.id == 2 and parallel.args == ("-p", "xdist", "-n", "2", "-q")

    def facts(run):
        return {(o.nodeid, o.outcome, o.markers, o.plan_items) for o in run.outcomes}

    assert facts(parallel) == facts(serial)
    assert len(parallel.outcomes) == len(EXPECTED)
    cart = {f.path: f for f in parallel.coverage}["src/shop/cart.py"]
    assert cart == {f.path: f for f in serial.coverage}["src/shop/cart.py"]


@pytest.mark.slow
def test_cov_after_the_separator_chooses_what_is_measured(tmp_path):
    root = make_project(tmp_path / "shop")
    write(root, "tools/__init__.py", "")
    write(root, "tools/helper.py", "def double(x):\n    return x * 2\n")
    write(root, "tests/test_tools.py", """
        from tools.helper import double


        def test_double():
            assert double(2) == 4
    """)
    pyproject = (root / "pyproject.toml").read_text().replace('["src"]', '["src", "."]')
    (root / "pyproject.toml").write_text(pyproject)
    assert "coverage" not in pyproject

    def measured(*args: str) -> tuple[set[str], str]:
        done = tracker(root, "run", "--", "-q", *args)
        assert done.returncode == 1, done.stderr  # pytest-cov is absent: its options are ours
        with open_store(root) as store:
            return {f.path for f in store.latest_run().coverage}, done.stderr

    files, stderr = measured("--cov=src", "--cov-report=term-missing")
    assert files == {"src/shop/__init__.py", "src/shop/cart.py"}
    assert "(--cov)" in stderr.strip().splitlines()[-1]
    files, _ = measured("--cov", "tools", "--cov-branch")
    assert files == {"tools/__init__.py", "tools/helper.py"}
    files, _ = measured("--cov=.")
    assert files == {"src/shop/__init__.py", "src/shop/cart.py", "tools/__init__.py",
                     "tools/helper.py"}  # never the tests nor conftest.py
    with open_store(root) as store:
        assert [r.args for r in (store.run(i) for i in (1, 2, 3))] == [
            ("-q", "--cov=src", "--cov-report=term-missing"), ("-q", "--cov", "tools",
                                                                "--cov-branch"),
            ("-q", "--cov=.")]


# --- bad input: exit 2, one line, earlier runs intact -------------------------------------------

@pytest.mark.slow
def test_arguments_pytest_rejects_record_nothing(project):
    before = runs_of(project)
    done = tracker(project, "run", "--", "--no-such-option")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "unrecognized arguments: --no-such-option" in done.stderr  # pytest's own message
    ours = [line for line in done.stderr.splitlines() if "pytest did not start" in line]
    assert ours == ["pytest did not start (exit 4): see its message above; "
                    "fix the arguments after --"]
    assert done.stderr.strip().splitlines()[-1] == ours[0]
    assert runs_of(project) == before
    assert list((project / ".tracker" / "runs").iterdir()) == []  # no scratch left behind


@pytest.mark.slow
def test_a_suite_that_cannot_be_collected_is_recorded_with_pytests_exit_code(project):
    before = runs_of(project)
    write(project, "tests/sub/test_catalog.py", "def test_broken(:\n    pass\n")
    done = tracker(project, "run", "--", "-q")
    assert done.returncode == 2  # pytest's: interrupted by a collection error
    assert "Traceback (most recent call last)" not in done.stderr
    summary = done.stderr.strip().splitlines()[-1]
    assert summary.startswith("tracker: run 2 recorded: no tests in ")
    assert "1 collection error, first: tests/sub/test_catalog.py: SyntaxError" in summary
    after = runs_of(project)
    assert after[1:] == before and len(after) == 2
    with open_store(project) as store:
        run = store.latest_run()
    assert run.exit_code == 2 and run.outcomes == ()
    assert [e.nodeid for e in run.collection_errors] == ["tests/sub/test_catalog.py"]

    status = call_cli("status", "--today", TODAY, cwd=project)
    assert status.returncode == 0, status.stderr
    assert "cannot be collected: tests/sub/test_catalog.py: SyntaxError" in status.stdout
    items = items_by_id(status_json(project))
    assert items["catalog"]["status"] == "failing"
    assert items["catalog"]["reason"].startswith(
        "cannot be collected: tests/sub/test_catalog.py: SyntaxError")
    # the session was interrupted before running anything: like a subset run, it leaves the
    # earlier run's results standing for the files that did not change since
    assert items["cart-basics"]["status"] == "done"
    assert status_json(project)["run"]["collection_errors"] == [
        {"nodeid": "tests/sub/test_catalog.py", "message": run.collection_errors[0].message}]


def _damage(path: Path, how: str) -> None:
    if how == "random bytes":
        data = b"\x00garbage" + os.urandom(4096)
    else:  # a real SQLite header, its pages overwritten
        data = path.read_bytes()
        data = data[:100] + os.urandom(len(data) - 100)
    path.write_bytes(data)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["random bytes", "damaged pages"])
def test_a_corrupt_store_is_refused_and_left_as_it_is(project, how):
    db = default_store_path(project)
    _damage(db, how)
    data = db.read_bytes()
    files = sorted(p.name for p in db.parent.glob("tracker.db*"))
    phrase = ("is not a tracker store" if how == "random bytes"
              else "is a damaged SQLite database")
    for command in (("run", "--", "-q"), ("status",)):
        done = tracker(project, *command)
        assert done.returncode == 2, (command, done.stderr)
        line = one_line_error(done)
        assert str(db) in line and phrase in line and "move it away or delete it" in line
        assert done.stdout == ""  # the suite never ran
    assert db.read_bytes() == data
    assert sorted(p.name for p in db.parent.glob("tracker.db*")) == files  # no journal or WAL


@pytest.mark.slow
def test_a_store_from_a_newer_tracker_is_refused(project):
    db = default_store_path(project)
    before = runs_of(project)
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA user_version = 999")
    connection.close()
    data = db.read_bytes()
    for command in (("run", "--", "-q"), ("status",)):
        done = tracker(project, *command)
        assert done.returncode == 2, (command, done.stderr)
        line = one_line_error(done)
        assert "written by a newer tracker (store version 999" in line
        assert line.endswith("upgrade tracker")
    assert db.read_bytes() == data
    with sqlite3.connect(db) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    connection.close()
    assert runs_of(project) == before


@pytest.mark.slow
def test_an_ingest_into_a_store_locked_too_long_is_kept_not_lost(project):
    """As with `tracker run` (tests/test_locked_store.py): the ingested run is kept aside and
    the next command that records runs records it; one line, exit 2, no traceback."""
    junit = write(project, "junit.xml", '<testsuite><testcase classname="a" name="t"/>'
                                        "</testsuite>\n")
    before = runs_of(project)
    holder = sqlite3.connect(default_store_path(project), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        done = run_cli("ingest", "--junit", str(junit), cwd=project,
                       env={**clean_env(), "TRACKER_LOCK_WAIT": "1"})
    finally:
        holder.close()
    assert runs_of(project) == before
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "is locked by another process" in last and "the next `tracker run` records it" in last
    assert list((project / ".tracker" / "pending").glob("run-*")), "kept aside, not lost"


@pytest.mark.slow
def test_in_a_terminal_a_failed_xdist_run_points_to_its_log(project):
    """#13.13: under -n 2 in a terminal, a progress line, then pytest's failure summary and
    the summary line naming .tracker/last-run.log, which holds pytest's whole output."""
    from .test_hostile_output import in_pty

    code, output = in_pty(["run", "--", "-p", "xdist", "-n", "2"], project)
    text = output.decode("utf-8", errors="replace")
    assert code == 1, text
    assert "CoverageWarning" not in text and ".tracker/runs" not in text
    summary = next(line for line in text.splitlines() if "recorded:" in line)
    assert summary.rstrip().endswith("pytest's output: .tracker/last-run.log"), summary
    log = (project / ".tracker" / "last-run.log").read_text(encoding="utf-8")
    assert "short test summary info" in log and "FAILED" in log


def test_a_coverage_setting_coverage_py_refuses_is_named_in_one_line(tmp_path):
    """coverage.py refuses a ``[paths]`` entry whose first path has a wildcard (pyjwt's
    ``source = ["*/site-packages", "jwt"]``) only when the data is read, after the tests:
    one line saying so and where such settings live, exit 2, and no half run stored."""
    root = make_project(tmp_path / "shop")
    write(root, "pyproject.toml", PYPROJECT + """
        [tool.coverage.paths]
        source = ["*/site-packages", "src"]
        """)
    git(root, "commit", "-qam", "paths")
    done = tracker(root, "run", "--", "-q")
    assert done.returncode == 2
    (line,) = [x for x in done.stderr.splitlines() if "coverage.py" in x]
    assert "must not contain wildcards: '*/site-packages'" in line
    assert "pyproject.toml" in line and "nothing was recorded" in line
    assert "Traceback" not in done.stderr
    path = default_store_path(root)
    if path.exists():
        with Store.open(path) as store:
            assert store.runs() == []
