"""``tracker ingest``: JUnit XML and coverage.py data written by real runs, and bad input.

The sample project of test_run.py is run once per module by its own pytest (JUnit XML under
coverage.py, as a CI job would); ingesting that must give the node ids and outcomes that
``tracker run`` records for the same project (the session's run of it, conftest.py ``ran``).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tracker.evidence.results import RunRecord

from .helpers import call_cli, write
from .test_run import (
    EXPECTED,
    Ran,
    clean_env,
    items_by_id,
    make_project,
    one_line_error,
    open_store,
    pytest_in,
    runs_of,
    status_json,
    tracker,
)


@dataclass(frozen=True)
class Artifacts:
    root: Path  #: the sample project
    junit: Path  #: JUnit XML of its pytest run under coverage.py
    data: Path  #: that run's .coverage
    report: Path  #: its ``coverage json`` report
    pytest_exit: int
    recorded: RunRecord  #: what ``tracker run`` recorded for the same suite


def coverage_cmd(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coverage", *args], cwd=root, env=clean_env(),
                          text=True, capture_output=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory, ran: Ran) -> Artifacts:
    base = tmp_path_factory.mktemp("ingest")
    root = make_project(base / "shop")
    out = base / "artifacts"
    out.mkdir()
    junit, data, report = out / "junit.xml", out / ".coverage", out / "coverage.json"
    ran_cov = coverage_cmd(root, "run", "--branch", f"--data-file={data}", "-m", "pytest",
                           "-q", "-p", "no:cacheprovider", f"--junitxml={junit}")
    assert ran_cov.returncode == 1, ran_cov.stdout + ran_cov.stderr
    done = coverage_cmd(root, "json", f"--data-file={data}", "-o", str(report))
    assert done.returncode == 0, done.stderr
    assert ran.done.returncode == 1, ran.done.stderr
    with open_store(ran.root) as store:
        run = store.latest_run()
    return Artifacts(root, junit, data, report, ran_cov.returncode, run)


@pytest.fixture
def project(artifacts: Artifacts) -> Iterator[Path]:
    """The sample project with an empty store (coverage data names its absolute paths, so
    the project is not copied; ingesting changes nothing but the store)."""
    yield artifacts.root
    shutil.rmtree(artifacts.root / ".tracker", ignore_errors=True)


def ingest(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return tracker(root, "ingest", *args)


def sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_junit_node_ids_and_outcomes_are_those_tracker_run_records(artifacts, project):
    recorded = artifacts.recorded
    done = ingest(project, "--junit", str(artifacts.junit))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"tracker: run 1 recorded from {artifacts.junit}: 14 tests")
    with open_store(project) as store:
        run = store.latest_run()
    assert {o.nodeid for o in run.outcomes} == {o.nodeid for o in recorded.outcomes}
    assert {(o.nodeid, o.outcome) for o in run.outcomes} == set(EXPECTED.items())
    assert run.source == "junit" and run.exit_code == artifacts.pytest_exit == 1
    assert run.coverage == ()
    failed = next(o for o in run.outcomes if o.outcome == "failed")
    assert "assert 90 == 80" in failed.message
    assert set(run.file_hashes) == {"tests/test_cart.py", "tests/sub/test_catalog.py"}


@pytest.mark.slow
def test_xunit1_junit_with_file_attributes_gives_the_same_node_ids(artifacts, project, tmp_path):
    junit = tmp_path / "xunit1.xml"
    ran = pytest_in(project, "-q", "-o", "junit_family=xunit1", f"--junitxml={junit}")
    assert ran.returncode == 1 and 'file="tests/test_cart.py"' in junit.read_text()
    done = ingest(project, "--junit", str(junit))
    assert done.returncode == 0, done.stderr
    with open_store(project) as store:
        run = store.latest_run()
    assert {(o.nodeid, o.outcome) for o in run.outcomes} == set(EXPECTED.items())


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["json report", "data file"])
def test_coverage_json_and_data_file_are_both_accepted(artifacts, project, kind):
    measured = {f.path: f for f in artifacts.recorded.coverage}
    given = artifacts.report if kind == "json report" else artifacts.data
    done = ingest(project, "--junit", str(artifacts.junit), "--coverage", str(given))
    assert done.returncode == 0, done.stderr
    assert "files of coverage" in done.stdout
    with open_store(project) as store:
        run = store.latest_run()
    files = {f.path: f for f in run.coverage}
    # the same measurement of the source as tracker run's (coverage run --branch)
    assert files["src/shop/cart.py"] == measured["src/shop/cart.py"]
    assert "src/shop/cart.py" in run.file_hashes
    items = items_by_id(status_json(project))
    assert items["cart-basics"]["targets"]["coverage"] == pytest.approx(84.375)
    assert items["cart-basics"]["status"] == "done"


@pytest.mark.slow
def test_statuses_after_ingest_reflect_the_outcomes(artifacts, project):
    done = ingest(project, "--junit", str(artifacts.junit), "--coverage", str(artifacts.report))
    assert done.returncode == 0, done.stderr
    data = status_json(project)
    statuses = {i: v["status"] for i, v in items_by_id(data).items()}
    assert statuses == {"cart-basics": "done", "cart-discount": "failing",
                        "slow-tests": "done", "cart-rules": "done", "catalog": "in progress",
                        "review": "claimed", "config": "done"}
    discount = items_by_id(data)["cart-discount"]
    assert discount["tests"]["failing"] == ["tests/test_cart.py::test_discount_bug"]
    assert data["run"]["source"] == "junit"
    assert data["run"]["counts"]["xfailed"] == 1 and data["run"]["counts"]["skipped"] == 1


@pytest.mark.slow
def test_a_data_file_is_combined_with_its_parts_and_left_untouched(artifacts, project,
                                                                    tmp_path):
    """``--coverage .coverage`` with parallel parts beside it (a CI artifact folder)."""
    folder = tmp_path / "ci"
    folder.mkdir()
    ran = coverage_cmd(project, "run", "--branch", f"--data-file={folder / '.coverage'}",
                       "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_cart.py")
    assert ran.returncode == 1, ran.stderr
    ran = coverage_cmd(project, "run", "--branch", f"--data-file={folder / '.coverage.w1'}",
                       "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/sub")
    assert ran.returncode == 0, ran.stderr
    before = {p.name: sha1(p) for p in folder.iterdir()}
    assert set(before) == {".coverage", ".coverage.w1"}
    done = ingest(project, "--junit", str(artifacts.junit), "--coverage",
                  str(folder / ".coverage"))
    assert done.returncode == 0, done.stderr
    assert {p.name: sha1(p) for p in folder.iterdir()} == before  # nothing consumed or rewritten
    with open_store(project) as store:
        paths = {f.path for f in store.latest_run().coverage}
    assert {"tests/test_cart.py", "tests/sub/test_catalog.py", "src/shop/cart.py"} <= paths


@pytest.mark.slow
def test_parallel_parts_are_read_without_their_combined_file(artifacts, project, tmp_path):
    """``parallel = true`` (as pyjwt, attrs and many others configure coverage.py) leaves
    only ``NAME.host.pid.x`` parts until ``coverage combine``: ``--coverage NAME`` reads
    them, for each shard, instead of "cannot read it (No such file or directory)"."""
    shards = {"a": "tests/test_cart.py", "b": "tests/sub"}
    for name, path in shards.items():
        ran = coverage_cmd(project, "run", "--branch", "--parallel-mode",
                           f"--data-file={tmp_path / name}.cov", "-m", "pytest", "-q",
                           "-p", "no:cacheprovider", path)
        assert ran.returncode in (0, 1), ran.stderr
        assert not (tmp_path / f"{name}.cov").exists()
    done = ingest(project, "--junit", str(artifacts.junit), "--coverage",
                  str(tmp_path / "a.cov"), "--coverage", str(tmp_path / "b.cov"))
    assert done.returncode == 0, done.stderr
    with open_store(project) as store:
        paths = {f.path for f in store.latest_run().coverage}
    assert {"tests/test_cart.py", "tests/sub/test_catalog.py", "src/shop/cart.py"} <= paths
    missing = ingest(project, "--junit", str(artifacts.junit), "--coverage",
                     str(tmp_path / "a.cov"), "--coverage", str(tmp_path / "c.cov"))
    assert missing.returncode == 2
    assert f"{tmp_path / 'c.cov'}: no such file, nor parallel parts (c.cov.*)" in \
        one_line_error(missing)


def test_junit_from_another_language_keeps_its_class_names(tmp_path):
    write(tmp_path, "plan.yaml", """
        title: Java shop
        phases:
          - id: "1"
            title: One
            items:
              - {id: a, text: A, files: [plan.yaml]}
    """)
    junit = write(tmp_path, "TEST-com.shop.CartTest.xml", """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites>
          <testsuite name="com.shop.CartTest" tests="5" failures="1" errors="1" skipped="1">
            <testcase classname="com.shop.CartTest" name="testAdd" time="0.012"/>
            <testcase classname="com.shop.CartTest" name="testRemove" time="0.3">
              <failure message="expected:&lt;1&gt; but was:&lt;2&gt;"
                       type="java.lang.AssertionError">stack</failure>
            </testcase>
            <testcase classname="com.shop.CartTest" name="testLater">
              <skipped message="not ready"/>
            </testcase>
            <testcase classname="com.shop.CartTest" name="testTeardown" time="0.1"/>
            <testcase classname="com.shop.CartTest" name="testTeardown" time="0.1">
              <error message="cleanup failed"/>
            </testcase>
            <system-out>noise</system-out>
          </testsuite>
        </testsuites>
    """)
    done = ingest(tmp_path, "--junit", str(junit))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"tracker: run 1 recorded from {junit}: 4 tests"
    with open_store(tmp_path) as store:
        run = store.latest_run()
    assert [(o.nodeid, o.outcome, o.message) for o in run.outcomes] == [
        ("com.shop.CartTest::testAdd", "passed", None),
        ("com.shop.CartTest::testRemove", "failed", "expected:<1> but was:<2>"),
        ("com.shop.CartTest::testLater", "skipped", "not ready"),
        ("com.shop.CartTest::testTeardown", "error", "cleanup failed"),  # the worse one
    ]
    assert run.outcomes[1].duration == pytest.approx(0.3)
    assert run.exit_code == 1 and run.commit is None  # not a git repository


# --- bad input --------------------------------------------------------------------------------

GOOD = '<testsuite><testcase classname="tests.test_a" name="test_ok"/></testsuite>\n'

BAD_JUNIT = {
    "not xml": ("this is not XML\n", "not well-formed XML"),
    "empty": ("", "not well-formed XML"),
    "wrong root": ('<report><testcase classname="a" name="t"/></report>\n',
                   "root element <report> is not <testsuites> or <testsuite>"),
    "no name": ('<testsuite><testcase classname="a"/></testsuite>\n',
                "a <testcase> has no name attribute"),
    "time abc": ('<testsuite><testcase classname="a" name="t" time="abc"/></testsuite>\n',
                 "has time='abc', not a number"),
    "time nan": ('<testsuite><testcase classname="a" name="t" time="nan"/></testsuite>\n',
                 "has time='nan', not a number"),
    "time -1": ('<testsuite><testcase classname="a" name="t" time="-1"/></testsuite>\n',
                "has time='-1', not a number"),
}


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A project with a plan and one ingested run."""
    write(tmp_path, "plan.yaml", """
        title: Small
        phases:
          - id: "1"
            title: One
            items:
              - {id: a, text: A, tests: [tests/test_a.py]}
    """)
    write(tmp_path, "tests/test_a.py", "def test_ok():\n    pass\n")
    good = write(tmp_path, "good.xml", GOOD)
    done = call_cli("ingest", "--junit", str(good), cwd=tmp_path)  # setup, in this process
    assert done.returncode == 0, done.stderr
    return tmp_path


@pytest.mark.parametrize("case", sorted(BAD_JUNIT))
def test_bad_junit_is_refused_with_one_line(small, case):
    text, phrase = BAD_JUNIT[case]
    bad = write(small, "bad.xml", text)
    before = runs_of(small)
    done = ingest(small, "--junit", str(bad))
    assert done.returncode == 2
    line = one_line_error(done)
    assert line.startswith(f"{bad}:") and phrase in line
    assert runs_of(small) == before


def test_a_missing_junit_file_is_refused(small):
    done = ingest(small, "--junit", "nowhere.xml")
    assert done.returncode == 2
    assert one_line_error(done) == "nowhere.xml: no such file"


BAD_COVERAGE = {
    "random bytes": (b"\x00\x01garbage" * 100, "file is not a database"),
    "json without files": (b'{"meta": {}}', "not a coverage.py JSON report (no 'files' mapping)"),
    "json entry shape": (b'{"files": {"a.py": {"summary": {}}}}',
                         "file entry 'a.py' has an unknown shape"),
    "broken json": (b'{"files": ', "Expecting value"),
}


@pytest.mark.parametrize("case", sorted(BAD_COVERAGE))
def test_bad_coverage_is_refused_with_one_line(small, case):
    data, phrase = BAD_COVERAGE[case]
    bad = small / "bad.coverage"
    bad.write_bytes(data)
    before = runs_of(small)
    done = ingest(small, "--junit", "good.xml", "--coverage", str(bad))
    assert done.returncode == 2
    line = one_line_error(done)
    assert line.startswith(f"{bad}: ") and phrase in line
    assert line.count(str(bad)) <= 2  # said once, plus at most coverage.py's own mention
    assert not line.startswith(f"{bad}: {bad}")
    assert runs_of(small) == before
    assert bad.read_bytes() == data
