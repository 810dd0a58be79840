"""tracker's pytest plugin: links tests to plan items and records outcomes when asked.

Loaded into every pytest run of every project that installs tracker (entry point
``pytest11``), so importing it must stay cheap: no Textual, no GitPython, nothing of ours but
this module, :mod:`tracker.evidence.plugin_outcomes` (what a test's reports say) and
:mod:`tracker.evidence.results` (plain values, no I/O); :mod:`tracker.evidence.test_contexts`
only when asked to record coverage contexts.

Without ``--tracker-report`` the plugin only registers the ``plan`` marker. With
``--tracker-report=PATH`` the controlling process writes a JSON Lines report to PATH, one event
per line, flushed line by line so a UI can follow the file while the tests run. On pytest-xdist
workers only the report annotation runs: markers, fixtures and plan items are known only where
the item lives, so they travel to the controller as the ``tracker`` attribute of each report.

Events (``version`` 1)::

    {"event": "start", "version": 1, "rootdir": "...", "args": [...], "pid": 123, "time": 1.7e9}
    {"event": "collected", "count": 12}
    {"event": "test", "nodeid": "...", "outcome": "passed", "duration": 0.01,
     "markers": [...], "fixtures": [...], "plan_items": [...], "message": null}
    {"event": "collect_error", "nodeid": "...", "message": "..."}
    {"event": "collect_skip", "nodeid": "...", "message": "..."}   (module-level skip)
    {"event": "deselected", "nodeids": ["...", ...],               (-m, -k, --deselect)
     "markers": {"nodeid": ["slow", ...], ...}}                    (those that have any)
    {"event": "finish", "exitstatus": 0, "duration": 1.5}

Readers skip events they do not know, so new kinds of event keep the version.

Read it back with :mod:`tracker.evidence.reportlog`.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import IO, Any

import pytest

from tracker.evidence.plugin_outcomes import (
    failure_message,
    skip_reason,
    verdict,
    worker_of,
)

MARKER_HELP = "plan(*item_ids): link this test to items of the testing plan (tracker)"

#: Version of the report format, written in the ``start`` event.
REPORT_VERSION = 1

#: Name of the attribute the annotation puts on every test report (JSON-serialisable dict).
REPORT_ATTRIBUTE = "tracker"

_PHASES = ("setup", "call", "teardown")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tracker", "tracker (testing plan evidence)")
    group.addoption(
        "--tracker-report",
        action="store",
        dest="tracker_report",
        metavar="PATH",
        default=None,
        help="write each test's outcome, markers, fixtures and plan items to PATH "
        "as JSON Lines, for tracker to read.",
    )
    group.addoption(
        "--tracker-contexts",
        action="store_true",
        dest="tracker_contexts",
        default=False,
        help="record which test file ran which lines (a coverage.py dynamic context per "
        "test file), under coverage.",
    )
    group.addoption(
        "--tracker-scratch",
        action="store_true",
        dest="tracker_scratch",
        default=False,
        help="the report is tracker run's scratch file, removed after the run: do not name "
        "it in the closing line.",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``plan`` marker so ``--strict-markers`` suites accept it; start recording
    when ``--tracker-report`` is given."""
    config.addinivalue_line("markers", MARKER_HELP)
    value = config.getoption("tracker_report", None)
    if not value:
        return
    if hasattr(config, "workerinput"):  # an xdist worker: the controller records
        config.pluginmanager.register(ItemAnnotator(), "tracker-annotator")
        config.pluginmanager.register(WorkerSide(config), "tracker-worker")
        if os.environ.get("TRACKER_COVERAGE"):
            from tracker.evidence import worker_coverage

            cov = worker_coverage.start()
            if cov is not None:
                config.stash[_worker_cov_key] = cov
        _switch_contexts(config)
        return
    if os.environ.get("TRACKER_COVERAGE") and config.getoption("numprocesses", None):
        from tracker.evidence import worker_coverage

        worker_coverage.quiet_controller()  # its tests run in the workers, measured there
    _switch_contexts(config)
    recorder = ReportRecorder.open(config, value)
    config.stash[_recorder_key] = recorder
    config.pluginmanager.register(recorder, "tracker-recorder")


def _switch_contexts(config: pytest.Config) -> None:
    """Record a coverage context per test file in this process, when asked to and measured."""
    if config.getoption("tracker_contexts", False):
        from tracker.evidence.test_contexts import ContextSwitcher

        switcher = ContextSwitcher.running()
        if switcher is not None:
            config.pluginmanager.register(switcher, "tracker-contexts")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    # A worker's measurement is saved here, not at unconfigure: once the session is over
    # the worker tells the controller so, and the controller may end it before it unconfigures.
    _stop_worker_coverage(session.config)


def _stop_worker_coverage(config: pytest.Config) -> None:
    cov = config.stash.get(_worker_cov_key, None)
    if cov is not None:
        from tracker.evidence import worker_coverage

        del config.stash[_worker_cov_key]
        worker_coverage.stop(cov)


def pytest_unconfigure(config: pytest.Config) -> None:
    _stop_worker_coverage(config)  # a session that never finished (a usage error)
    recorder = config.stash.get(_recorder_key, None)
    if recorder is not None:
        recorder.close()
        del config.stash[_recorder_key]


# --- on the process that runs the item (worker or serial) ------------------------------------


class ItemAnnotator:
    """Puts what is known only next to the item (markers, fixtures, plan items) on its
    reports, where xdist carries it to the controller."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]
                                  ) -> Any:
        report = yield
        info = item.stash.get(_info_key, None)
        if info is None:
            info = item.stash[_info_key] = item_info(item)
        setattr(report, REPORT_ATTRIBUTE, info)
        return report


class WorkerSide:
    """What an xdist worker knows that no test report carries: the tests it deselected.

    They travel to the controller in ``workeroutput``, xdist's channel for such data.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        output = getattr(self.config, "workeroutput", None)
        if output is not None:
            output.setdefault(WORKER_DESELECTED, []).extend(
                [item.nodeid, _marker_names(item)] for item in items)


#: Key of the deselected tests (node id, marker names) in an xdist worker's ``workeroutput``.
WORKER_DESELECTED = "tracker_deselected"


def _marker_names(item: pytest.Item) -> list[str]:
    """A test's marker names, also those given to one case (``pytest.param(marks=...)``):
    a ``{marker: slow}`` link names the deselected slow cases too."""
    return list(dict.fromkeys(mark.name for mark in item.iter_markers()))


def item_info(item: pytest.Item) -> dict[str, list[str]]:
    """Markers (deduplicated, closest first), fixtures and plan item ids of a test item."""
    markers: list[str] = []
    plan_items: list[str] = []
    for mark in item.iter_markers():
        if mark.name not in markers:
            markers.append(mark.name)
        if mark.name == "plan":
            for arg in mark.args:
                if isinstance(arg, str) and arg not in plan_items:
                    plan_items.append(arg)
    fixtures = [str(name) for name in getattr(item, "fixturenames", ())]
    return {"markers": markers, "fixtures": fixtures, "plan_items": plan_items}


# --- on the controller ------------------------------------------------------------------------


class ReportRecorder:
    """Writes the JSON Lines report; lives on the controller only."""

    def __init__(self, config: pytest.Config, file: IO[bytes], shown_path: str) -> None:
        self.config = config
        self.file: IO[bytes] | None = file  #: unbuffered: one write() a line, no flush
        self.shown_path = shown_path
        self.tests = 0
        self.failure: str | None = None  #: why writing stopped mid-run, if it did
        self._started = time.perf_counter()
        self._collected = False
        self._pending: dict[tuple[Any, str], list[pytest.TestReport]] = {}
        self._collect_reports: set[tuple[str, str, str]] = set()  #: (kind, nodeid, message)
        self._deselected: set[str] = set()
        #: markers, fixtures and plan items of tests run in this process, by node id
        self._info: dict[str, dict[str, list[str]]] = {}

    @classmethod
    def open(cls, config: pytest.Config, value: str) -> ReportRecorder:
        path = config.invocation_params.dir / Path(value).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            file = open(path, "wb", buffering=0)  # noqa: SIM115 - kept open
        except OSError as exc:
            reason = exc.strerror or exc.__class__.__name__
            raise pytest.UsageError(
                f"--tracker-report: cannot write {value}: {reason}"
            ) from None
        recorder = cls(config, file, value)
        recorder.write(
            {
                "event": "start",
                "version": REPORT_VERSION,
                "rootdir": str(config.rootpath),
                "args": [str(a) for a in config.invocation_params.args],
                "pid": os.getpid(),
                "time": time.time(),
            }
        )
        return recorder

    def write(self, event: dict[str, Any]) -> None:
        if self.file is None:
            return
        # One system call a line, so that a reader never waits for a buffer to fill (and a
        # test that ends the process loses no finished test's line), at a few
        # microseconds a test: no text layer, no separate flush.
        line = (json.dumps(event) + "\n").encode()
        try:
            while line:  # a regular file takes it all at once; a short write: the rest
                written = self.file.write(line)
                if not written:
                    raise OSError(0, "nothing written")
                line = line[written:]
        except OSError as exc:  # disk full, file system gone: stop recording, keep testing
            self.failure = exc.strerror or exc.__class__.__name__
            self.close()

    def close(self) -> None:
        file, self.file = self.file, None
        if file is not None:
            try:
                file.close()
            except OSError as exc:
                self.failure = self.failure or exc.strerror or exc.__class__.__name__

    # collection

    def _write_collected(self, count: int) -> None:
        if not self._collected:
            self._collected = True
            self.write({"event": "collected", "count": count})

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._write_collected(len(session.items))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        # Called once per worker; they all collect the same ids, the first one counts.
        self._write_collected(len(ids))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            kind, message = "collect_error", failure_message(report.longrepr)
        elif report.skipped:  # pytest.skip(allow_module_level=True), importorskip
            kind, message = "collect_skip", skip_reason(report.longrepr)
        else:
            return
        message = message or ("collection failed" if kind == "collect_error" else "skipped")
        key = (kind, report.nodeid, message)
        if key in self._collect_reports:  # xdist: every worker reports the same
            return
        self._collect_reports.add(key)
        self.write({"event": kind, "nodeid": report.nodeid, "message": message})

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self._write_deselected([(item.nodeid, _marker_names(item)) for item in items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", None) or {}
        self._write_deselected([(str(n), [str(m) for m in marks])
                                for n, marks in output.get(WORKER_DESELECTED, ())])

    def _write_deselected(self, tests: list[tuple[str, list[str]]]) -> None:
        fresh = {n: marks for n, marks in tests if n not in self._deselected}
        if fresh:  # xdist: every worker deselects the same tests
            self._deselected.update(fresh)
            self.write({"event": "deselected", "nodeids": list(fresh),
                        "markers": {n: marks for n, marks in fresh.items() if marks}})

    # tests

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> None:
        # Tests run here (no xdist): note what only the item knows, once, after its setup
        # (markers a fixture adds count). Returns None: pytest's own hook makes the report.
        if call.when == "setup":
            self._info[item.nodeid] = item_info(item)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        key = (worker_of(report), report.nodeid)
        if report.when not in _PHASES:  # xdist's report for a test that crashed its worker
            earlier = self._pending.pop(key, [])
            self._emit(report.nodeid, [*earlier, report])
            return
        if report.outcome not in ("passed", "failed", "skipped"):  # e.g. "rerun": try again
            self._pending.pop(key, None)
            return
        reports = self._pending.setdefault(key, [])
        reports.append(report)
        if report.when == "teardown":
            del self._pending[key]
            self._emit(report.nodeid, reports)

    def _emit(self, nodeid: str, reports: list[pytest.TestReport]) -> None:
        outcome, message = verdict(reports)
        if outcome is None:
            return
        info = self._info.pop(nodeid, None) or {}
        for report in reports:  # under xdist the worker's annotation came with the reports
            info = getattr(report, REPORT_ATTRIBUTE, None) or info
        self.tests += 1
        self.write(
            {
                "event": "test",
                "nodeid": nodeid,
                "outcome": outcome,
                "duration": round(sum(float(r.duration or 0.0) for r in reports), 6),
                "markers": list(info.get("markers", ())),
                "fixtures": list(info.get("fixtures", ())),
                "plan_items": list(info.get("plan_items", ())),
                "message": message,
            }
        )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # Tests cut short (interrupted, worker lost) count only when they already failed.
        for (_, nodeid), reports in list(self._pending.items()):
            if any(r.failed for r in reports):
                self._emit(nodeid, reports)
        self._pending.clear()
        self.write(
            {
                "event": "finish",
                "exitstatus": int(session.exitstatus),
                "duration": round(time.perf_counter() - self._started, 6),
            }
        )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.failure is not None:
            terminalreporter.write_line(
                f"tracker: could not write {self.shown_path}: {self.failure}; "
                "the report is incomplete", red=True)
        elif not self.config.getoption("tracker_scratch"):  # tracker reads it, then deletes it
            terminalreporter.write_line(
                f"tracker: recorded {self.tests} tests to {self.shown_path}"
            )


_recorder_key = pytest.StashKey[ReportRecorder]()
_info_key = pytest.StashKey[dict[str, Any]]()
_worker_cov_key = pytest.StashKey[Any]()
