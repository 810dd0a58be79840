"""``tracker run``: the project's pytest under coverage.py, recorded as one run in the store.

The suite runs in a subprocess exactly as the project runs it (its pytest configuration,
plugins and ``addopts`` apply), with our plugin writing every result to a JSON Lines report
that is followed while the run goes on. Nothing is stored until the run is complete: an
interrupted or failed start leaves the store as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tracker.evidence.coverage_data import (
    CoverageError,
    CoverageSettings,
    read_run_data,
    resolve_settings,
    split_pytest_cov,
)
from tracker.evidence.pytest_config import read_pytest_config
from tracker.evidence.watchdog import GATE_ENV
from tracker.evidence.worker_coverage import ENV as WORKER_COVERAGE_ENV
from tracker.evidence.worker_coverage import settings_env
from tracker.lifeline import PROCESS_GROUP, Lifeline, stop
from tracker.scratch import run_folder, runs_dir

if TYPE_CHECKING:  # what is needed only once pytest runs is imported then, off the path to
    # its start: reading the report, hashing, git (the user waits for pytest's start)
    from tracker.evidence.reportlog import ReportError, ReportLog, ReportTail
    from tracker.evidence.results import FileCoverage, RunRecord
    from tracker.plan.model import CoverageConfig, Plan

#: The plugin's option to record a coverage context per test file (test_contexts.OPTION, not
#: imported: that module imports pytest, which this process never needs).
CONTEXTS_OPTION = "--tracker-contexts"

#: pytest exit codes that mean the suite never ran: internal error, usage error.
_DID_NOT_START = {3, 4}

Listener = Callable[[dict[str, Any]], None]


class RunError(Exception):
    """The run could not be made or recorded; the message is one line."""


class NothingRan(RunError):
    """pytest finished without running a test (``--collect-only``, every test deselected):
    there is no evidence to record. ``exit_code`` is pytest's."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class RunCancelled(Exception):
    """The run was stopped on request; nothing is to be recorded."""


@dataclass(frozen=True)
class RunOutcome:
    """What a finished run produced."""

    record: RunRecord
    exit_code: int
    settings: CoverageSettings | None
    log: Path | None  #: pytest's captured output, when it was captured


def wants_contexts(plan: Plan) -> bool:
    """Whether a run for ``plan`` records which test file ran which lines: when some item
    has targets, whose coverage by its own tests the document shows (and ``own_coverage``
    may require). A plan without targets does not pay for contexts."""
    return any(item.targets for _, item in plan.items())


def build_command(root: Path, pytest_args: list[str], report: Path, data_file: Path | None,
                  settings: CoverageSettings | None, contexts: bool = False) -> list[str]:
    """The command line of the run: coverage run … -m pytest … --tracker-report REPORT
    (and ``--tracker-contexts`` with ``contexts``, when coverage is measured)."""
    load = (["-p", "tracker.evidence.pytest_plugin"]
            if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") else [])  # else: entry point
    load += ["-p", "tracker.evidence.watchdog"]  # loaded before collection, which it watches
    measured = data_file is not None and settings is not None
    own = [CONTEXTS_OPTION] if contexts and measured else []
    pytest_part = ["-m", "pytest", *load, f"--tracker-report={report}", "--tracker-scratch",
                   *own, *pytest_args]  # --tracker-scratch: the report is read, then removed
    if data_file is None or settings is None:
        return [sys.executable, *pytest_part]
    # Not --parallel-mode: pytest's own process writes DATA_FILE itself, as the floor
    # (``coverage run -m pytest``) does; a parallel file is hashed and renamed at exit,
    # which costs a run with contexts tens of milliseconds. xdist workers write parts
    # (DATA_FILE.*), which reading the data combines into it.
    cmd = [sys.executable, "-m", "coverage", "run", "--branch", f"--data-file={data_file}"]
    if settings.source:
        cmd.append("--source=" + ",".join(settings.source))
    if settings.omit:
        cmd.append("--omit=" + ",".join(settings.omit))
    if isinstance(settings.config_file, str):
        cmd.append(f"--rcfile={settings.config_file}")
    return [*cmd, *pytest_part]


def run_suite(root: Path, pytest_args: list[str], *, plan_coverage: CoverageConfig,
              measure: bool = True, output: IO[str] | None = None,
              listener: Listener | None = None, poll_seconds: float = 0.1,
              cancel: threading.Event | None = None, contexts: bool = False,
              alongside: Callable[[], None] | None = None,
              gate: Callable[[], None] | None = None) -> RunOutcome:
    """Run the suite, follow its report, and return the complete run (not yet stored).

    ``gate`` is called once pytest has started, before it may go on: pytest's start-up
    (the interpreter, coverage.py, pytest's own imports) overlaps the caller's last checks
    (``tracker run`` reads the store's newest run), and waits at its watchdog for their
    outcome. If ``gate`` raises, pytest ends there without a word or a test run, and the
    exception propagates.

    ``alongside`` is called in this thread once pytest has started, for the caller's own
    work that need not wait for the tests nor hold them up (``tracker run`` records runs kept
    earlier): pytest's start-up is what a user waits for. If it
    raises, pytest is stopped and the exception propagates.

    ``contexts``: also record which test file ran which lines (when coverage is measured),
    for the items' own coverage.

    ``output`` receives pytest's own output (None: inherit the terminal). ``listener`` is
    called with each report event as it arrives, for progress displays. Setting ``cancel``
    stops pytest and raises RunCancelled.
    """
    config = read_pytest_config(root)
    cov_args = split_pytest_cov(pytest_args)
    args = list(cov_args.remaining)
    addopts_cov = split_pytest_cov(list(config.addopts))
    if importlib.util.find_spec("pytest_cov") is not None and (cov_args.seen or
                                                                 addopts_cov.seen):
        args.insert(0, "--no-cov")  # we measure; pytest-cov would start a second tracer
    if not cov_args.sources and addopts_cov.sources:
        cov_args = addopts_cov
    settings = resolve_settings(root, plan_coverage.source, plan_coverage.omit, cov_args,
                                config.testpaths, config.python_files) if measure else None
    with contextlib.ExitStack() as stack:  # whatever happens, the run's scratch files go
        try:
            scratch = stack.enter_context(run_folder(root))
        except OSError as exc:
            raise RunError(f"cannot make the run's scratch folder in {runs_dir(root)} "
                           f"({exc.strerror}): check the permissions") from exc
        return _run(root, pytest_args, args, settings, scratch, output, listener,
                    poll_seconds, cancel, contexts, alongside, gate)


def _run(root: Path, pytest_args: list[str], args: list[str],
         settings: CoverageSettings | None, scratch: Path, output: IO[str] | None,
         listener: Listener | None, poll_seconds: float,
         cancel: threading.Event | None, contexts: bool,
         alongside: Callable[[], None] | None,
         gate: Callable[[], None] | None = None) -> RunOutcome:
    """The run itself, its scratch files in ``scratch``: see :func:`run_suite`."""
    report = scratch / "report.jsonl"
    data_file = scratch / ".coverage" if settings is not None else None
    env = dict(os.environ)
    for name in ("COVERAGE_PROCESS_START", "COVERAGE_PROCESS_CONFIG"):  # a measured parent's:
        env.pop(name, None)  # pytest is measured by tracker's own settings, once
    if settings is not None and data_file is not None:
        env[WORKER_COVERAGE_ENV] = settings_env(str(data_file), list(settings.source),
                                                list(settings.omit), settings.config_file)
    started = dt.datetime.now(dt.UTC)
    cmd = build_command(root, args, report, data_file, settings, contexts)
    follower = _Follower(root, report, listener, poll_seconds, warm=settings is not None)
    try:
        exit_code = _wait(cmd, root, env, output, follower, poll_seconds, cancel, alongside,
                          gate)
    except BaseException:  # cancelled, interrupted, or ``alongside`` failed: pytest stopped
        follower.stop()
        raise
    finished = dt.datetime.now(dt.UTC)
    from tracker.evidence.hashes import conftests_above, file_hashes
    from tracker.evidence.pytest_args import is_partial
    from tracker.evidence.reportlog import ReportError
    from tracker.evidence.results import RunRecord

    try:
        log = follower.finish()
    except ReportError as exc:
        if exit_code in _DID_NOT_START or not report.exists():
            raise RunError(f"pytest did not start (exit {exit_code}): see its message above; "
                           "fix the arguments after --") from exc
        raise RunError(str(exc)) from exc
    _check_complete(log, exit_code)
    coverage: tuple[FileCoverage, ...] = ()
    lines: dict[str, dict[str, tuple[int, ...]]] = {}
    if settings is not None and data_file is not None:
        try:
            coverage, lines = read_run_data(
                data_file, root, settings, measured_only=is_partial(pytest_args),
                test_files={o.file for o in log.outcomes} if contexts else None)
        except CoverageError as exc:
            where = (settings.config_file if isinstance(settings.config_file, str) else
                     "the project's coverage settings (.coveragerc, setup.cfg, tox.ini or "
                     "pyproject.toml)")
            raise RunError(f"coverage.py could not read this run's data: {exc}, from {where}; "
                           "nothing was recorded: fix the setting and run again") from exc
    hashes = follower.hashes
    tested = {o.file for o in log.outcomes}
    later = (tested | {f.path for f in coverage} | conftests_above(root, tested)
             | {e.nodeid.split("::", 1)[0] for e in log.collection_errors}) - hashes.keys()
    hashes.update(file_hashes(root, later))
    commit, dirty = follower.head
    record = RunRecord(
        started=started, finished=finished, commit=commit, dirty=dirty,
        args=tuple(pytest_args), exit_code=exit_code, source="pytest",
        outcomes=tuple(log.outcomes), coverage=coverage,
        collection_errors=tuple(log.collection_errors),
        file_hashes=dict(sorted(hashes.items())),
        deselected=tuple(dict.fromkeys(log.deselected)),
        deselected_markers=dict(log.deselected_markers),
        collection_skips=tuple(log.collection_skips), test_file_lines=lines,
    )
    return RunOutcome(record, exit_code, settings, None)


def _check_complete(log: ReportLog, exit_code: int) -> None:
    """Raise unless the session finished and tested something: a run that did not is no
    evidence, and recording it would hide what earlier runs proved."""
    if not log.finished:
        if not (log.outcomes or log.collection_errors):
            if exit_code in _DID_NOT_START:
                raise RunError(f"pytest stopped with an internal or usage error "
                               f"(exit {exit_code}): see its message above")
            raise NothingRan("nothing recorded: pytest ran no session (--help, --version?); "
                             "earlier runs still count", exit_code)
        last = f" after {log.outcomes[-1].nodeid}" if log.outcomes else ""
        raise RunError(f"pytest exited (code {exit_code}) before its session finished{last}: "
                       "a crash or os._exit() in a test? Nothing recorded; run that test alone "
                       "to see it")
    if not (log.outcomes or log.collection_errors or log.collection_skips):
        why = (f"all {len(log.deselected)} collected tests were deselected"
               if log.deselected else "no tests were collected" if log.collected == 0
               else "no tests ran (--collect-only, --help?)")
        raise NothingRan(f"nothing recorded: {why}; earlier runs still count", exit_code)


class _Follower(threading.Thread):
    """Reads the report while pytest writes it, so that little is left to read at the end.

    The process that started pytest has nothing else to do while the tests run, and the
    machine usually has a core to spare: this thread folds report events into the log as
    they come (passing each to the listener, for progress displays), hashes each test file
    once its tests report (the content they ran against), and imports what reading the
    coverage data needs; and asks git which commit is tested, first, while pytest starts up.
    The last events are read by :meth:`finish`, once pytest has exited.
    """

    def __init__(self, root: Path, report: Path, listener: Listener | None,
                 poll_seconds: float, *, warm: bool) -> None:
        super().__init__(name="tracker-report", daemon=True)
        self.root = root
        self.report = report
        self.tail: ReportTail | None = None  #: made by the thread, off pytest's start
        self.listener = listener
        self.poll_seconds = poll_seconds
        self.warm = warm
        self.hashes: dict[str, str] = {}  #: test files hashed as their results came in
        self.head: tuple[str | None, bool] = (None, False)  #: commit tested, tree dirty
        self.error: ReportError | None = None
        self._done = threading.Event()

    def run(self) -> None:
        self._open()
        from tracker.history.gitcli import head_state

        self.head = head_state(self.root)
        if self.warm:
            _warm_imports()
        while not self._done.wait(self.poll_seconds):
            if self.error is None:
                self._read()

    def _open(self) -> ReportTail:
        if self.tail is None:
            from tracker.evidence.reportlog import ReportTail

            self.tail = ReportTail(self.report, base=str(self.root))
        return self.tail

    def _read(self) -> None:
        from tracker.evidence.reportlog import ReportError

        try:
            events = self._open().poll()
        except ReportError as exc:  # raised again by finish(), after pytest is done
            self.error = exc
            return
        self._take(events)

    def _take(self, events: list[dict[str, Any]]) -> None:
        fresh: set[str] = set()
        for event in events:
            if self.listener is not None:
                self.listener(event)
            if event.get("event") == "test":
                fresh.add(str(event.get("nodeid", "")).split("::", 1)[0])
        fresh -= self.hashes.keys()
        if fresh:
            from tracker.evidence.hashes import file_hashes

            self.hashes.update(file_hashes(self.root, fresh))

    def stop(self) -> None:
        """End following without reading further (the run was cancelled)."""
        self._done.set()
        if self.is_alive():
            self.join()

    def finish(self) -> ReportLog:
        """The whole report, once pytest has exited. Raises ReportError as read_report."""
        self.stop()
        if self.error is not None:
            raise self.error
        tail = self._open()
        self._take(tail.finish())
        return tail.log


def _warm_imports() -> None:
    """Import, while the tests run, the modules that reading coverage data needs after."""
    try:
        import coverage.jsonreport  # noqa: F401
        import coverage.results  # noqa: F401
    except ImportError:  # reported where coverage is really used
        pass


def _wait(cmd: list[str], root: Path, env: dict[str, str], output: IO[str] | None,
          follower: _Follower, poll_seconds: float,
          cancel: threading.Event | None = None,
          alongside: Callable[[], None] | None = None,
          gate: Callable[[], None] | None = None) -> int:
    """Run ``cmd`` with ``follower`` reading its report, calling ``alongside`` meanwhile; its
    exit code.

    The child gets a lifeline and a process group of its own (:mod:`tracker.lifeline`), so
    that it stops with tracker however tracker ends.
    """
    lifeline = Lifeline()
    child_env = {**env, **lifeline.env()}
    if gate is not None and lifeline.fds:
        child_env[GATE_ENV] = "1"
    elif gate is not None:  # no lifeline (Windows), so no gate: check first
        gate()
        gate = None
    try:
        try:
            proc = subprocess.Popen(cmd, cwd=root, env=child_env,
                                    stdout=output, stderr=output, stdin=subprocess.DEVNULL,
                                    pass_fds=lifeline.fds, process_group=PROCESS_GROUP)
        except OSError as exc:
            raise RunError(f"cannot start {cmd[0]}: {exc.strerror}") from exc
        lifeline.started()
        follower.start()
        if gate is not None:
            try:
                gate()
            except BaseException:
                lifeline.close()  # pytest, waiting at its gate, ends without a word
                _reap(proc)
                raise
            lifeline.open_gate()
        try:
            if alongside is not None:
                try:
                    alongside()
                except KeyboardInterrupt:
                    raise  # stopped below
                except BaseException:
                    stop(proc)
                    raise
            if cancel is None:
                return proc.wait()  # woken the moment pytest exits
            while True:
                try:
                    return proc.wait(timeout=poll_seconds)
                except subprocess.TimeoutExpired:
                    pass
                if cancel.is_set():
                    stop(proc)
                    raise RunCancelled("cancelled")
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM/SIGHUP under signals_interrupt
            stop(proc)
            raise
    finally:
        lifeline.close()


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Wait for a child told to stop at its gate (it gets there within its start-up);
    stopped the hard way if it does not end (it never reached the gate)."""
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:  # pragma: no cover - a child that never gets there
        stop(proc)

