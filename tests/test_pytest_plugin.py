"""tracker's pytest plugin (``--tracker-report``) and reading its report back (reportlog)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from tracker.evidence import pytest_plugin, reportlog
from tracker.evidence.reportlog import ReportError, ReportLog, ReportTail, read_report
from tracker.evidence.results import OUTCOMES, CollectionError, TestOutcome

pytest_plugins = ["pytester"]

REPORT = "report.jsonl"

SAMPLE_CONFTEST = """
    import pytest

    @pytest.fixture
    def resource():
        return 42

    @pytest.fixture
    def broken():
        raise RuntimeError("setup exploded")

    @pytest.fixture
    def bad_teardown():
        yield 1
        raise RuntimeError("teardown exploded")
"""

SAMPLE_TESTS = """
    import pytest

    pytestmark = pytest.mark.moduletag

    def test_pass(resource):
        assert resource == 42

    def test_fail():
        assert 1 == 2

    def test_error(broken):
        pass

    def test_teardown_error(bad_teardown):
        pass

    def test_fail_and_teardown_error(bad_teardown):
        raise ValueError("call broke")

    @pytest.mark.skip(reason="not today")
    def test_skip():
        pass

    def test_skip_inside():
        pytest.skip("decided at run time")

    @pytest.mark.xfail(reason="known bug", strict=False)
    def test_xfail():
        assert False

    @pytest.mark.xfail(reason="fixed already", strict=False)
    def test_xpass():
        pass

    @pytest.mark.parametrize("n", [1, 2, 3])
    def test_param(n):
        assert n != 3

    @pytest.mark.plan("item-a", "item-b")
    def test_planned(tmp_path, resource):
        assert tmp_path.is_dir()

    class TestGroup:
        pytestmark = [pytest.mark.grouptag, pytest.mark.plan("item-c")]

        def test_in_class(self):
            pass

        @pytest.mark.plan("item-a")
        def test_in_class_planned(self):
            pass
"""

SUB_CONFTEST = """
    import pytest

    @pytest.fixture
    def subfix():
        return "sub"
"""

SUB_TESTS = """
    def test_sub(subfix):
        assert subfix == "sub"
"""

M = "test_sample.py::"
#: nodeid → (outcome, message)
EXPECTED = {
    M + "test_pass": ("passed", None),
    M + "test_fail": ("failed", "assert 1 == 2"),
    M + "test_error": ("error", "RuntimeError: setup exploded"),
    M + "test_teardown_error": ("error", "RuntimeError: teardown exploded"),
    M + "test_fail_and_teardown_error": ("error", "RuntimeError: teardown exploded"),
    M + "test_skip": ("skipped", "not today"),
    M + "test_skip_inside": ("skipped", "decided at run time"),
    M + "test_xfail": ("xfailed", "known bug"),
    M + "test_xpass": ("xpassed", "fixed already"),
    M + "test_param[1]": ("passed", None),
    M + "test_param[2]": ("passed", None),
    M + "test_param[3]": ("failed", "assert 3 != 3"),
    M + "test_planned": ("passed", None),
    M + "TestGroup::test_in_class": ("passed", None),
    M + "TestGroup::test_in_class_planned": ("passed", None),
    "sub/test_sub.py::test_sub": ("passed", None),
}


@pytest.fixture
def sample(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(SAMPLE_CONFTEST)
    pytester.makepyfile(test_sample=SAMPLE_TESTS)
    sub = pytester.mkpydir("sub")
    (sub / "conftest.py").write_text(textwrap.dedent(SUB_CONFTEST))
    (sub / "test_sub.py").write_text(textwrap.dedent(SUB_TESTS))
    return pytester


def _unrelated_plugins() -> tuple[str, ...]:
    """``-p no:NAME`` for each plugin installed from an entry point that is neither ours nor
    xdist (hypothesis, snapshots, asyncio...): the samples use none of them, and loading
    them would cost a second per run. tracker and xdist still load as installed."""
    ours = {"tracker", "xdist", "xdist.looponfail"}
    names = sorted({ep.name for ep in entry_points(group="pytest11")} - ours)
    return tuple(arg for name in names for arg in ("-p", f"no:{name}"))


UNRELATED = _unrelated_plugins()


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:randomly", *UNRELATED, *args, timeout=120)


def events_of(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def by_nodeid(events: list[dict]) -> dict[str, dict]:
    tests = [e for e in events if e["event"] == "test"]
    by_id = {e["nodeid"]: e for e in tests}
    assert len(by_id) == len(tests), "a test was reported twice"
    return by_id


def without_durations(events: list[dict]) -> list[dict]:
    out = [{k: v for k, v in e.items() if k != "duration"} for e in events if e["event"] == "test"]
    return sorted(out, key=lambda e: e["nodeid"])


# --- import hygiene ---------------------------------------------------------------------------


def test_importing_the_plugin_stays_light():
    code = textwrap.dedent(
        """
        import sys
        import tracker.evidence.pytest_plugin
        heavy = {"textual", "git", "coverage", "sqlite3", "yaml", "ruamel", "click", "rich"}
        loaded = {name.partition(".")[0] for name in sys.modules}
        ours = {n for n in sys.modules if n == "tracker" or n.startswith("tracker.")}
        allowed = {"tracker", "tracker.evidence", "tracker.evidence.pytest_plugin",
                   "tracker.evidence.plugin_outcomes", "tracker.evidence.results",
                   "tracker.pickling"}
        assert not heavy & loaded, sorted(heavy & loaded)
        assert ours <= allowed, sorted(ours - allowed)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_plugin_and_reader_agree_on_the_format_version():
    assert pytest_plugin.REPORT_VERSION == reportlog.REPORT_VERSION


# --- inactive by default ----------------------------------------------------------------------


@pytest.mark.slow
def test_inactive_without_the_option(pytester: pytest.Pytester):
    pytester.makeconftest(
        """
        def pytest_runtest_logreport(report):
            if hasattr(report, "tracker") or report.user_properties:
                with open("annotated.txt", "a") as f:
                    f.write(report.nodeid + "\\n")
        """
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.plan("item-a")
        def test_one():
            pass
        """
    )
    result = run(pytester, "--strict-markers")
    result.assert_outcomes(passed=1)
    assert not any(p.is_file() and p.suffix in (".jsonl", ".txt")
                   for p in pytester.path.rglob("*")), sorted(pytester.path.rglob("*"))
    assert not [x for x in result.outlines if x.startswith("tracker:")], result.outlines
    # switched on, the plugin records the test (in one process, without annotating reports)
    run(pytester, "--strict-markers", f"--tracker-report={REPORT}").assert_outcomes(passed=1)
    [test] = read_report(pytester.path / REPORT).outcomes
    assert test.plan_items == ("item-a",)


@pytest.mark.slow
def test_strict_markers_accept_plan(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.plan("item-a", "item-b")
        def test_one():
            pass

        @pytest.mark.plan("item-c")
        class TestTwo:
            def test_two(self):
                pass
        """
    )
    run(pytester, "--strict-markers").assert_outcomes(passed=2)
    result = run(pytester, "--strict-markers", f"--tracker-report={REPORT}")
    result.assert_outcomes(passed=2)
    tests = by_nodeid(events_of(pytester.path / REPORT))
    assert tests["test_strict_markers_accept_plan.py::test_one"]["plan_items"] == [
        "item-a", "item-b"]
    assert tests["test_strict_markers_accept_plan.py::TestTwo::test_two"]["plan_items"] == [
        "item-c"]


def test_the_plan_marker_is_documented(pytester: pytest.Pytester):
    result = pytester.runpytest(*UNRELATED, "--markers")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["@pytest.mark.plan([*]item_ids): link this test to items of the testing plan*"]
    )


# --- recording --------------------------------------------------------------------------------


@pytest.mark.slow
def test_records_every_event_of_a_serial_run(sample: pytest.Pytester):
    result = run(sample, f"--tracker-report={REPORT}")
    result.assert_outcomes(passed=8, failed=3, errors=3, skipped=2, xfailed=1, xpassed=1)
    result.stdout.fnmatch_lines([f"tracker: recorded {len(EXPECTED)} tests to {REPORT}"])
    events = events_of(sample.path / REPORT)

    start, collected, *body, finish = events
    assert start["event"] == "start"
    assert start["version"] == 1
    assert start["rootdir"] == str(sample.path)
    assert f"--tracker-report={REPORT}" in start["args"]
    assert isinstance(start["pid"], int) and start["pid"] != os.getpid()
    assert abs(start["time"] - time.time()) < 600
    assert collected == {"event": "collected", "count": len(EXPECTED)}
    assert finish["event"] == "finish"
    assert finish["exitstatus"] == 1
    assert finish["duration"] >= 0
    assert {e["event"] for e in body} == {"test"}

    tests = by_nodeid(body)
    assert set(tests) == set(EXPECTED)
    for nodeid, (outcome, message) in EXPECTED.items():
        event = tests[nodeid]
        assert set(event) == {"event", "nodeid", "outcome", "duration", "markers", "fixtures",
                              "plan_items", "message"}
        assert (event["outcome"], event["message"]) == (outcome, message), nodeid
        assert isinstance(event["duration"], float) and event["duration"] >= 0

    def markers(name: str) -> list[str]:
        return tests[name]["markers"]

    def fixtures(name: str) -> set[str]:
        return set(tests[name]["fixtures"])

    assert markers(M + "test_pass") == ["moduletag"]
    assert markers(M + "test_skip") == ["skip", "moduletag"]
    assert markers(M + "test_xfail") == ["xfail", "moduletag"]
    assert markers(M + "test_param[2]") == ["parametrize", "moduletag"]
    assert markers(M + "test_planned") == ["plan", "moduletag"]
    assert set(markers(M + "TestGroup::test_in_class")) == {"grouptag", "plan", "moduletag"}
    assert markers(M + "TestGroup::test_in_class_planned").count("plan") == 1
    assert markers("sub/test_sub.py::test_sub") == []

    assert {"resource"} <= fixtures(M + "test_pass")
    assert {"tmp_path", "resource"} <= fixtures(M + "test_planned")
    assert {"broken"} <= fixtures(M + "test_error")
    assert {"bad_teardown"} <= fixtures(M + "test_teardown_error")
    assert {"n"} <= fixtures(M + "test_param[1]")
    assert {"subfix"} <= fixtures("sub/test_sub.py::test_sub")
    assert not {"resource", "subfix", "tmp_path"} & fixtures(M + "test_fail")

    assert tests[M + "test_planned"]["plan_items"] == ["item-a", "item-b"]
    assert tests[M + "TestGroup::test_in_class"]["plan_items"] == ["item-c"]
    assert tests[M + "TestGroup::test_in_class_planned"]["plan_items"] == ["item-a", "item-c"]
    assert all(not tests[n]["plan_items"] for n in EXPECTED if "plan" not in markers(n))

    # and the reader gives the same as values
    log = read_report(sample.path / REPORT)
    assert log.finished and log.exitstatus == 1 and not log.truncated
    assert log.collected == len(EXPECTED)
    assert log.rootdir == str(sample.path)
    assert log.collection_errors == []
    assert {o.nodeid: (o.outcome, o.message) for o in log.outcomes} == EXPECTED
    planned = next(o for o in log.outcomes if o.nodeid == M + "test_planned")
    assert isinstance(planned, TestOutcome)
    assert planned.plan_items == ("item-a", "item-b")
    assert "tmp_path" in planned.fixtures
    assert log.counts() == {"error": 3, "failed": 2, "xpassed": 1, "passed": 7, "xfailed": 1,
                            "skipped": 2}


@pytest.mark.slow
def test_xdist_gives_the_same_test_events(sample: pytest.Pytester):
    pytest.importorskip("xdist")
    run(sample, "--tracker-report=serial.jsonl")
    result = run(sample, "-p", "xdist", "-n", "2", "--tracker-report=xdist.jsonl")
    result.assert_outcomes(passed=8, failed=3, errors=3, skipped=2, xfailed=1, xpassed=1)
    result.stdout.fnmatch_lines([f"tracker: recorded {len(EXPECTED)} tests to xdist.jsonl"])
    serial = events_of(sample.path / "serial.jsonl")
    xdist = events_of(sample.path / "xdist.jsonl")

    by_nodeid(xdist)  # no duplicates
    assert without_durations(xdist) == without_durations(serial)
    # the annotation really crossed from the workers
    assert by_nodeid(xdist)[M + "test_planned"]["plan_items"] == ["item-a", "item-b"]
    kinds = [e["event"] for e in xdist]
    assert kinds[0] == "start" and kinds[-1] == "finish"
    assert kinds.count("collected") == 1
    assert next(e for e in xdist if e["event"] == "collected")["count"] == len(EXPECTED)
    assert xdist[-1]["exitstatus"] == 1


@pytest.mark.slow
def test_collection_errors_are_recorded(pytester: pytest.Pytester):
    pytester.makepyfile(
        test_ok="def test_ok():\n    pass\n",
        test_syntax="def oops(:\n    pass\n",
        test_import="import no_such_module_for_tracker\n",
    )
    result = run(pytester, f"--tracker-report={REPORT}")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    events = events_of(pytester.path / REPORT)
    errors = {e["nodeid"]: e["message"] for e in events if e["event"] == "collect_error"}
    assert errors == {
        "test_syntax.py": "SyntaxError: invalid syntax",
        "test_import.py": "ModuleNotFoundError: No module named 'no_such_module_for_tracker'",
    }
    assert not [e for e in events if e["event"] == "test"]
    assert events[-1] == {**events[-1], "event": "finish", "exitstatus": 2}

    log = read_report(pytester.path / REPORT)
    assert CollectionError("test_syntax.py", "SyntaxError: invalid syntax") in (
        log.collection_errors)

    run(pytester, "--continue-on-collection-errors", f"--tracker-report={REPORT}")
    events = events_of(pytester.path / REPORT)
    assert len([e for e in events if e["event"] == "collect_error"]) == 2
    assert list(by_nodeid(events)) == ["test_ok.py::test_ok"]


@pytest.mark.slow
def test_collection_errors_under_xdist_are_recorded_once(pytester: pytest.Pytester):
    pytest.importorskip("xdist")
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n", test_syntax="def oops(:\n")
    run(pytester, "-p", "xdist", "-n", "2", f"--tracker-report={REPORT}")
    events = events_of(pytester.path / REPORT)
    errors = [e for e in events if e["event"] == "collect_error"]
    assert [e["nodeid"] for e in errors] == ["test_syntax.py"]
    assert "SyntaxError" in errors[0]["message"]


@pytest.mark.slow
def test_a_test_that_kills_its_xdist_worker_is_recorded_once(pytester: pytest.Pytester):
    pytest.importorskip("xdist")
    pytester.makepyfile(
        """
        import os
        import pytest

        @pytest.mark.plan("item-x")
        def test_crash():
            os._exit(3)

        def test_fine():
            pass
        """
    )
    run(pytester, "-p", "xdist", "-n", "2", f"--tracker-report={REPORT}")
    tests = by_nodeid(events_of(pytester.path / REPORT))
    crash = tests["test_a_test_that_kills_its_xdist_worker_is_recorded_once.py::test_crash"]
    assert crash["outcome"] == "failed"
    assert "crashed" in crash["message"]
    assert crash["plan_items"] == ["item-x"]  # from the setup report that made it across
    assert len(tests) == 2


@pytest.mark.slow
def test_junit_xml_is_not_polluted(sample: pytest.Pytester):
    run(sample, f"--tracker-report={REPORT}", "--junitxml=junit.xml")
    xml = (sample.path / "junit.xml").read_text()
    assert "<property" not in xml
    assert "item-a" not in xml


@pytest.mark.slow
@pytest.mark.parametrize("where", ["afile/report.jsonl", "adir"])
def test_an_unwritable_path_is_a_usage_error(pytester: pytest.Pytester, where: str):
    pytester.makepyfile("def test_ok():\n    pass\n")
    (pytester.path / "afile").write_text("a file, not a directory")
    (pytester.path / "adir").mkdir()
    result = run(pytester, f"--tracker-report={where}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1, result.stderr.str()
    assert errors[0].startswith(f"ERROR: --tracker-report: cannot write {where}: ")
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_write_failure_mid_run_does_not_break_the_tests(pytester: pytest.Pytester):
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = run(pytester, "--tracker-report=/dev/full")
    result.assert_outcomes(passed=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["tracker: could not write /dev/full: *; the report is incomplete"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


@pytest.mark.slow
def test_the_report_can_be_followed_while_pytest_runs(pytester: pytest.Pytester):
    """Each event is flushed as it happens: the first test is visible while the second one
    still waits for a go-ahead file."""
    go = pytester.path / "go"
    pytester.makepyfile(
        f"""
        import pathlib, time

        def test_first():
            pass

        def test_second():
            deadline = time.monotonic() + 60
            while not pathlib.Path({str(go)!r}).exists():
                assert time.monotonic() < deadline, "never told to go on"
                time.sleep(0.02)
        """
    )
    report = pytester.path / REPORT
    tail = ReportTail(report)
    assert tail.poll() == []  # nothing there yet
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *UNRELATED,
         f"--tracker-report={report}"],
        cwd=pytester.path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        seen: list[dict] = []
        deadline = time.monotonic() + 60
        while not any(e["event"] == "test" for e in seen):
            assert time.monotonic() < deadline and proc.poll() is None, "no live test event"
            seen += tail.poll()
            time.sleep(0.02)
        assert [e["event"] for e in seen] == ["start", "collected", "test"]
        assert not tail.log.finished
        assert [o.nodeid for o in tail.log.outcomes] == [
            "test_the_report_can_be_followed_while_pytest_runs.py::test_first"]
        go.touch()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    rest = tail.poll()
    assert [e["event"] for e in rest] == ["test", "finish"]
    assert tail.log.finished and tail.log.exitstatus == 0
    assert tail.log.counts()["passed"] == 2


# --- reportlog --------------------------------------------------------------------------------


def line(**event) -> str:
    return json.dumps(event) + "\n"


START = line(event="start", version=1, rootdir="/r", args=["-q"], pid=7, time=1_700_000_000.5)
TEST_A = line(event="test", nodeid="t.py::a", outcome="passed", duration=0.5, markers=["plan"],
              fixtures=["tmp_path"], plan_items=["i-1"], message=None)
TEST_B = line(event="test", nodeid="t.py::b[1]", outcome="failed", duration=1,
              markers=[], fixtures=[], plan_items=[], message="assert 0")
FINISH = line(event="finish", exitstatus=1, duration=2.5)


def test_read_report_gives_values(tmp_path: Path):
    path = tmp_path / REPORT
    path.write_text(
        START + line(event="collected", count=2) + TEST_A
        + line(event="collect_error", nodeid="u.py", message="SyntaxError: bad")
        + line(event="something_newer", data=1) + TEST_B + FINISH
    )
    log = read_report(path)
    assert log == ReportLog(
        outcomes=[
            TestOutcome("t.py::a", "passed", 0.5, ("plan",), ("tmp_path",), ("i-1",), None),
            TestOutcome("t.py::b[1]", "failed", 1.0, (), (), (), "assert 0"),
        ],
        collection_errors=[CollectionError("u.py", "SyntaxError: bad")],
        collected=2, exitstatus=1, finished=True, rootdir="/r", args=("-q",), pid=7,
        started=log.started, duration=2.5, truncated=False, version=1,
    )
    assert log.started is not None and log.started.timestamp() == 1_700_000_000.5
    assert log.started.utcoffset().total_seconds() == 0
    assert list(log.counts()) == list(OUTCOMES)
    assert log.counts()["failed"] == 1


def test_read_report_tolerates_a_truncated_last_line(tmp_path: Path):
    path = tmp_path / REPORT
    path.write_text(START + TEST_A + TEST_B[:25])
    log = read_report(path)
    assert log.truncated and not log.finished and log.exitstatus is None
    assert [o.nodeid for o in log.outcomes] == ["t.py::a"]


def test_read_report_takes_a_complete_unterminated_last_line(tmp_path: Path):
    path = tmp_path / REPORT
    path.write_text(START + TEST_A + FINISH.rstrip("\n"))
    log = read_report(path)
    assert log.finished and not log.truncated


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "empty, not a tracker report"),
        ("hello world\nsecond line\n", ":1: not a tracker report"),
        ("no newline at all", ":1: not a tracker report"),
        ("[1, 2]\n", ":1: not a tracker report"),
        ('{"$report_type": "SessionStart", "pytest_version": "8"}\n',
         ":1: not a tracker report"),
        (TEST_A, ":1: not a tracker report (no start event)"),
        (line(event="start", version=99), ":1: report format 99 is newer"),
        (line(event="start"), ":1: not a tracker report (bad version None)"),
        (START + "{oops\n" + FINISH, ":2: malformed line (not JSON)"),
        (START + line(event="test", nodeid="x", outcome="rerun"), ":2: unknown outcome 'rerun'"),
        (START + line(event="test", outcome="passed"), ":2: test event without 'nodeid'"),
        (START + line(event="test", nodeid="x", outcome="passed", markers="plan"),
         ":2: test event with bad 'markers'"),
        (START + line(event="collected", count="3"), ":2: collected event with bad 'count'"),
        (START + START, ":2: a second start event"),
        (b"\xff\xfe\x00binary\n", ":1: not a tracker report"),
    ],
)
def test_read_report_rejects_what_is_not_a_report(tmp_path: Path, content, expected: str):
    path = tmp_path / REPORT
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(ReportError) as info:
        read_report(path)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_read_report_of_a_missing_file(tmp_path: Path):
    with pytest.raises(ReportError, match="no such report file"):
        read_report(tmp_path / "nope.jsonl")


def test_tail_returns_complete_events_and_buffers_partial_lines(tmp_path: Path):
    path = tmp_path / REPORT
    tail = ReportTail(path)
    assert tail.poll() == []  # not written yet
    with open(path, "w") as f:
        def write(text: str) -> None:
            f.write(text)
            f.flush()

        write(START[:10])
        assert tail.poll() == []
        write(START[10:] + TEST_A[:20])
        assert [e["event"] for e in tail.poll()] == ["start"]
        assert tail.log.outcomes == []
        write(TEST_A[20:] + TEST_B)
        assert [e["nodeid"] for e in tail.poll()] == ["t.py::a", "t.py::b[1]"]
        assert tail.poll() == []
        assert len(tail.log.outcomes) == 2 and not tail.log.finished
        write(FINISH)
        assert tail.poll() == [json.loads(FINISH)]
        assert tail.log.finished


def test_tail_starts_over_when_the_file_is_rewritten(tmp_path: Path):
    path = tmp_path / REPORT
    path.write_text(START + TEST_A + TEST_B)
    tail = ReportTail(path)
    assert len(tail.poll()) == 3
    path.unlink()
    assert tail.poll() == []
    path.write_text(START)  # a new run, shorter so far
    assert [e["event"] for e in tail.poll()] == ["start"]
    assert tail.log.outcomes == []


def test_tail_raises_for_a_file_that_is_not_a_report(tmp_path: Path):
    path = tmp_path / REPORT
    path.write_text("just some text\n")
    with pytest.raises(ReportError, match="not a tracker report"):
        ReportTail(path).poll()


def test_node_ids_are_rebased_onto_the_plans_folder_in_every_event(tmp_path: Path):
    """A plan in ``svc/`` of a repository whose pytest rootdir is its top."""
    path = tmp_path / REPORT
    path.write_text(
        line(event="start", version=1, rootdir=str(tmp_path), args=[], pid=7, time=1.0)
        + line(event="test", nodeid="svc/t.py::a", outcome="passed", duration=0.1,
               markers=[], fixtures=[], plan_items=[], message=None)
        + line(event="deselected", nodeids=["svc/t.py::s[2]", "svc/t.py::s[3]"],
               markers={"svc/t.py::s[2]": ["slow"]})
        + line(event="collect_skip", nodeid="svc/u.py", message="needs numpy")
        + FINISH)
    tail = ReportTail(path, base=str(tmp_path / "svc"))
    tail.finish()
    log = tail.log
    assert [o.nodeid for o in log.outcomes] == ["t.py::a"]
    assert log.deselected == ["t.py::s[2]", "t.py::s[3]"]
    assert log.deselected_markers == {"t.py::s[2]": ("slow",)}
    assert [e.nodeid for e in log.collection_skips] == ["u.py"]
