"""``tracker backfill``: the history nobody recorded, reconstructed by running past commits.

For each commit of a range (first parents, oldest first) that has no whole-suite run of its
own, the suite runs with coverage in a temporary worktree (:mod:`tracker.history.worktrees`),
one process per job (:mod:`tracker.history.backfill_job`), ``jobs`` at a time. Commits whose
relevant trees are identical share one key (:mod:`tracker.history.treekey`) and one run; a key
judged before (:mod:`tracker.history.backfill_index`) never runs again, so a second backfill
of the same range runs nothing and a stopped one resumes. Each commit's run is stored in the
local store with its commit, and with ``note`` attached to the commit as a git note. It is a
pytest run like any other (its source says ``pytest``: the judge reads its pytest arguments,
markers and fixtures as such); the index knows which runs backfill made. A commit that cannot
be judged (objects missing, tests that cannot be collected, a module the environment lacks)
is recorded with its reason, and the rest goes on.

The store is written from the calling thread only; worker threads only start processes and
read their results.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tracker.evidence.layering import is_partial_run
from tracker.evidence.note_format import decode_line
from tracker.evidence.results import RunRecord
from tracker.history.backfill_index import BackfillIndex
from tracker.history.notes import NotesError, git_run
from tracker.history.run_notes import note_run
from tracker.history.treekey import DEFAULT_PATTERNS, KeySpec, TreeKeyError, tree_keys
from tracker.history.worktrees import WorktreeError, Worktrees, import_paths
from tracker.paths import data_dir, make_dirs
from tracker.store import Store

#: How often the progress line is redrawn while nothing finishes, in seconds.
TICK = 0.5


class BackfillError(Exception):
    """The backfill cannot start (a bad range, not a repository); one line saying why."""


@dataclass(frozen=True)
class Options:
    """What to backfill and how."""

    revisions: tuple[str, ...]  #: a git revision range: ``A..B``, ``C^!``
    pytest_args: tuple[str, ...] = ()
    jobs: int = 1
    note: bool = False  #: also attach each run to its commit as a git note
    patterns: tuple[str, ...] = DEFAULT_PATTERNS  #: the files that make a key
    coverage: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())  #: the plan's source, omit
    retry: bool = False  #: judge again the keys that could not be judged before
    plan: str = "plan.yaml"  #: the plan file, relative to the plan's folder (never in a key)


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a backfill is, for a progress line."""

    done: int  #: jobs finished
    total: int  #: jobs to run
    running: tuple[str, ...]  #: commits being run now
    eta: float | None  #: seconds left, once a job has finished


@dataclass
class Report:
    """What a backfill did."""

    commits: int = 0  #: in the range
    recorded: int = 0  #: skipped: they had a whole-suite run of their own
    backfilled: int = 0  #: skipped: an earlier backfill stored their run
    keys: int = 0  #: distinct keys among the others
    pytest_runs: int = 0  #: times the suite was run
    stored: int = 0  #: runs stored, one per commit
    reused: int = 0  #: of those, copied from a key's earlier run (no pytest)
    noted: int = 0
    unjudged: list[tuple[str, str]] = field(default_factory=list)  #: (commit, why)
    warnings: list[str] = field(default_factory=list)
    interrupted: bool = False


@dataclass(frozen=True, slots=True)
class _Job:
    key: str
    commits: tuple[str, ...]  #: oldest first; the first one runs


@dataclass(frozen=True, slots=True)
class _Done:
    job: _Job
    line: str | None = None
    reason: str | None = None
    seconds: float = 0.0
    cancelled: bool = False
    ran: bool = True  #: the suite was started (False: the commit could not be checked out)


def backfill(root: Path, store: Store, options: Options,
             progress: Callable[[Progress], None] | None = None) -> Report:
    """Backfill ``options.revisions`` for the plan's folder ``root``; see the module doc.

    Raises BackfillError before anything runs when the range cannot be read. Ctrl-C stops
    the jobs, removes the worktrees and returns the report with ``interrupted`` set.
    """
    top, prefix = _top(root)
    commits = _commits(top, options.revisions)
    report = Report(commits=len(commits))
    summaries = {s.id: s for s in store.runs()}
    whole = {s.commit for s in summaries.values() if s.commit and not s.dirty
             and not is_partial_run(s)}
    index = BackfillIndex(root)
    store_run = _Storer(top, store, index, options.note, report)
    todo = []
    for sha, tree in commits:
        done = summaries.get(index.runs.get(sha, -1))
        if done is not None and done.commit == sha:  # backfilled before, still stored
            report.backfilled += 1
            if options.note and done.note_key is None:
                store_run.note_stored(done.id, sha)
        elif sha in whole:
            report.recorded += 1
        else:
            todo.append((sha, tree))
    spec = KeySpec(options.patterns, prefix, options.pytest_args, options.coverage,
                   ignored=(prefix + options.plan,))
    keys = tree_keys(top, [tree for _, tree in todo], spec)
    groups: dict[str, list[str]] = {}
    for sha, tree in todo:
        key = keys[tree]
        if isinstance(key, TreeKeyError):
            index.judged(f"commit:{sha}", sha, reason=str(key))
            key = f"commit:{sha}"
        index.commits[sha] = key
        groups.setdefault(key, []).append(sha)
    report.keys = len(groups)
    jobs = []
    for key, shas in groups.items():
        judged = index.results.get(key)
        line = index.line(key) if judged is not None and judged.status == "ran" else None
        if judged is None or (judged.status == "ran" and line is None) or (
                options.retry and judged.status == "unjudged" and not key.startswith("commit:")):
            jobs.append(_Job(key, tuple(shas)))
        else:
            fresh = key.startswith("commit:")  # its trees were just found missing again
            store_run.settle(key, shas, line, judged.reason, ran_now=shas[0] if fresh else None)
    index.save()
    if jobs:
        _run_jobs(top, prefix, root, jobs, options, store_run, report, progress)
    return report


class _Storer:
    """Stores the runs of finished keys, for every commit of the key, in the calling thread."""

    def __init__(self, top: Path, store: Store, index: BackfillIndex, note: bool,
                 report: Report) -> None:
        self.top, self.store, self.index, self.note = top, store, index, note
        self.report = report

    def settle(self, key: str, shas: Sequence[str], line: str | None, reason: str | None,
               ran_now: str | None) -> None:
        """Store ``line``'s run for each commit of ``shas`` (or record why none can be).
        ``ran_now``: the commit it ran at in this backfill (its run is not a copy)."""
        if line is None:
            why = reason or "unknown"
            if ran_now is None:
                why += " (found before; --retry tries again)"
            self.report.unjudged.extend((sha, why) for sha in shas)
            return
        record = decode_line(line)
        for sha in shas:
            run_id = self._store(dataclasses.replace(record, commit=sha))
            if run_id is not None:
                self.index.runs[sha] = run_id
                self.report.stored += 1
                self.report.reused += sha != ran_now

    def _store(self, record: RunRecord) -> int | None:
        """Store (and note) one run: its id; None when the store had it (from its note)."""
        if self.note:
            try:
                line = note_run(self.top, record)
            except NotesError as exc:
                self.report.warnings.append(f"{(record.commit or '')[:10]}: not noted: {exc}")
            else:
                self.report.noted += 1
                return self.store.add_noted_run(record, line.key)
        return self.store.add_run(record)

    def note_stored(self, run_id: int, sha: str) -> None:
        """Note the run an earlier backfill stored for ``sha`` without noting it."""
        line = self.index.line(self.index.commits.get(sha, ""))
        if line is None:
            return
        try:
            noted = note_run(self.top, dataclasses.replace(decode_line(line), commit=sha))
        except NotesError as exc:
            self.report.warnings.append(f"{sha[:10]}: not noted: {exc}")
            return
        self.store.set_note_key(run_id, noted.key)
        self.report.noted += 1


def _top(root: Path) -> tuple[Path, str]:
    done = git_run(root, "rev-parse", "--show-toplevel", "--show-prefix")
    if done.returncode != 0:
        raise BackfillError(f"{root} is not in a git repository: there is no history to run")
    top, prefix = (done.stdout.split("\n") + ["", ""])[:2]
    return Path(top), prefix


def _commits(top: Path, revisions: Sequence[str]) -> list[tuple[str, str]]:
    """``(commit, root tree)`` of the range, first parents only, oldest first."""
    for rev in revisions:
        if rev.startswith("-"):
            raise BackfillError(f"{rev!r}: give a revision range, not an option")
    if not any(".." in rev or rev.startswith("^") or rev.endswith(("^!", "^@", "^-"))
               for rev in revisions):
        raise BackfillError(f"{' '.join(revisions)!r} is one revision, which would mean its "
                            "whole history: give a range (A..B, or C^! for one commit)")
    done = git_run(top, "log", "--first-parent", "--reverse", "--format=%H %T", *revisions,
                   "--")
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["git log failed"])[0]
        raise BackfillError(f"{' '.join(revisions)!r} is not a revision range of this "
                            f"repository ({first})")
    return [(line[:40], line[41:].strip()) for line in done.stdout.splitlines() if line.strip()]


def _run_jobs(top: Path, prefix: str, root: Path, jobs: list[_Job], options: Options,
              storer: _Storer, report: Report,
              progress: Callable[[Progress], None] | None) -> None:
    """Run ``jobs`` on ``options.jobs`` threads; store each result as it comes."""
    pending: queue.Queue[_Job] = queue.Queue()
    for job in jobs:
        pending.put(job)
    finished: queue.Queue[_Done] = queue.Queue()
    cancel = threading.Event()
    logs = data_dir(root) / "backfill" / "logs"
    make_dirs(logs)
    with Worktrees(top) as worktrees:
        runner = _JobRunner(worktrees, prefix, logs, options, cancel)
        threads = [threading.Thread(target=runner.loop, args=(pending, finished), daemon=True)
                   for _ in range(max(1, min(options.jobs, len(jobs))))]
        for thread in threads:
            thread.start()
        durations: list[float] = []
        done = 0
        try:
            while done < len(jobs):
                _show(progress, done, len(jobs), runner, durations, options.jobs)
                try:
                    result = finished.get(timeout=TICK)
                except queue.Empty:
                    continue
                done += 1
                if result.cancelled:
                    continue
                report.pytest_runs += result.ran
                if result.ran:
                    durations.append(result.seconds)
                _settle(storer, result)
        except KeyboardInterrupt:
            report.interrupted = True
            cancel.set()
            runner.interrupt()
            for thread in threads:
                thread.join()
            while not finished.empty():  # jobs that finished while stopping are kept
                result = finished.get()
                if not result.cancelled:
                    report.pytest_runs += result.ran
                    _settle(storer, result)
        finally:
            storer.index.save()


def _settle(storer: _Storer, result: _Done) -> None:
    job = result.job
    sha = job.commits[0]
    storer.index.judged(job.key, sha, line=result.line, reason=result.reason)
    storer.settle(job.key, job.commits, result.line, result.reason, ran_now=sha)
    storer.index.save()


def _show(progress: Callable[[Progress], None] | None, done: int, total: int,
          runner: _JobRunner, durations: list[float], parallel: int) -> None:
    if progress is None:
        return
    eta = None
    if durations:
        left = total - done
        eta = sum(durations) / len(durations) * math.ceil(left / max(1, min(parallel, left)))
    progress(Progress(done, total, tuple(sorted(runner.running.values())), eta))


class _JobRunner:
    """Runs jobs: a worktree, a process running the suite in it, the worktree removed."""

    def __init__(self, worktrees: Worktrees, prefix: str, logs: Path, options: Options,
                 cancel: threading.Event) -> None:
        self.worktrees, self.prefix, self.logs = worktrees, prefix, logs
        self.options, self.cancel = options, cancel
        self.running: dict[int, str] = {}  #: thread id → short commit
        self._procs: dict[int, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    def loop(self, pending: queue.Queue[_Job], finished: queue.Queue[_Done]) -> None:
        while not self.cancel.is_set():
            try:
                job = pending.get_nowait()
            except queue.Empty:
                return
            try:
                done = self.run(job)
            except Exception as exc:  # every job must report, or the caller waits forever
                done = _Done(job, reason=f"backfill failed: {type(exc).__name__}: {exc}",
                             ran=False, cancelled=self.cancel.is_set())
            finished.put(done)

    def run(self, job: _Job) -> _Done:
        sha = job.commits[0]
        me = threading.get_ident()
        self.running[me] = sha[:10]
        try:
            try:
                path = self.worktrees.add(sha)
            except WorktreeError as exc:  # Ctrl-C kills git too: that is no reason to keep
                return _Done(job, reason=str(exc), ran=False, cancelled=self.cancel.is_set())
            try:
                return self._in(path, job)
            finally:
                self.worktrees.remove(path)
        finally:
            self.running.pop(me, None)

    def _in(self, path: Path, job: _Job) -> _Done:
        if self.cancel.is_set():  # stopped while the worktree was made: start nothing
            return _Done(job, cancelled=True)
        sha = job.commits[0]
        scratch = path.parent
        request = {
            "root": str(path / self.prefix), "commit": sha,
            "args": list(self.options.pytest_args), "measure": True,
            "source": list(self.options.coverage[0]), "omit": list(self.options.coverage[1]),
            "pythonpath": import_paths(self.worktrees.top, path),
            "log": str(self.logs / f"{sha}.log"), "result": str(scratch / "result.json"),
        }
        (scratch / "request.json").write_text(json.dumps(request), encoding="utf-8")
        started = time.monotonic()
        with open(scratch / "job.err", "wb") as err:
            # not in the worktree: ``-m`` puts the folder first on the job's sys.path, and a
            # past commit of tracker itself must not be the tracker that runs the job
            proc = subprocess.Popen(
                [sys.executable, "-m", "tracker.history.backfill_job",
                 str(scratch / "request.json")],
                cwd=self.worktrees.base, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
            with self._lock:  # Ctrl-C before this line is seen here, after it by interrupt()
                self._procs[threading.get_ident()] = proc
                stopped = self.cancel.is_set()
            if stopped:
                with contextlib.suppress(OSError):
                    proc.send_signal(signal.SIGINT)
            try:
                code = proc.wait()
            finally:
                with self._lock:
                    self._procs.pop(threading.get_ident(), None)
        if self.cancel.is_set():  # stopped part-way, or finishing as it was stopped: not kept
            return _Done(job, cancelled=True)
        try:
            result = json.loads((scratch / "result.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            tail = (scratch / "job.err").read_text("utf-8", "replace").strip().splitlines()
            return _Done(job, reason=f"the job stopped (exit {code}): "
                                     f"{tail[-1] if tail else 'no message'}",
                         seconds=time.monotonic() - started)
        return _Done(job, line=result.get("line"), reason=result.get("reason"),
                     seconds=float(result.get("seconds", time.monotonic() - started)))

    def interrupt(self) -> None:
        """Ask every running job to stop, as Ctrl-C in a terminal would."""
        with self._lock:
            procs = list(self._procs.values())
        for proc in procs:
            with contextlib.suppress(OSError):  # it ended meanwhile
                proc.send_signal(signal.SIGINT)
