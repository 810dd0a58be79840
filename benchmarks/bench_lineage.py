"""render-from-notes-5000: the document judged from runs noted over a long history.

A team's clone holds runs imported from git notes: many commits, many runs, the nearest one a
few commits below HEAD. Judging HEAD then means reading HEAD's first-parent history and
choosing the runs on it. This benchmark measures what that costs where users wait: ``tracker
render`` on the 2,000-item plan of plangen.py, in a repository of 5,000 first-parent commits
whose store holds 200 runs imported from notes (spread over the history, the newest at
HEAD~2), against the same render in a clone of the same repository whose store holds one run
recorded locally at HEAD. Both are whole processes. Goal: at most 1.5 times the floor.

Run on its own: ``python benchmarks/bench_lineage.py``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # measure this checkout's tracker, however this file is run
    sys.path.insert(0, str(REPO))

from harness import (  # noqa: E402  (this file's folder)
    BenchError,
    Benchmark,
    Options,
    Result,
    interleaved,
    python,
    python_env,
    run_checked,
)
from plangen import Shape, make_workspace  # noqa: E402
from plangen import git as _git  # noqa: E402

NAME = "render-from-notes-5000"
GOAL = 1.5
COMMITS = 5000
NOTED_RUNS = 200
TODAY = "2026-03-20"


def grow_history(root: Path, commits: int) -> list[str]:
    """Add ``commits`` first-parent commits that touch only docs (one git fast-import), and
    return the whole first-parent line, HEAD first."""
    stream = []
    for n in range(commits):
        body = f"change {n}\n"
        stamp = 1772000000 + n * 60
        stream += ["commit refs/heads/main",
                   f"committer bench <bench@example.invalid> {stamp} +0000",
                   f"data {len(f'docs {n}')}", f"docs {n}"]
        if n == 0:
            stream.append("from refs/heads/main^0")
        stream += ["M 644 inline docs/changes.md", f"data {len(body)}", body]
    _git(root, "fast-import", "--quiet", stdin="\n".join(stream) + "\n")
    _git(root, "reset", "-q", "--hard", "main")
    return _git(root, "rev-list", "--first-parent", "HEAD").split()


def a_run(root: Path, commit: str, when: dt.datetime):  # -> RunRecord
    """Every test of the workspace passed at ``commit``, as `tracker run` would record it."""
    from tracker.evidence.hashes import file_hashes
    from tracker.evidence.results import RunRecord, TestOutcome
    from tracker.evidence.workspace import gather_workspace
    from tracker.plan.load import load_plan

    plan = load_plan(root / "plan.yaml").plan
    assert plan is not None
    tests = gather_workspace(plan, root).tests
    outcomes = tuple(TestOutcome(nodeid, "passed", 0.01) for nodeid in sorted(tests))
    files = {o.file for o in outcomes} | {"tests/conftest.py"}
    return RunRecord(started=when, finished=when + dt.timedelta(seconds=30), commit=commit,
                     outcomes=outcomes, file_hashes=file_hashes(root, files))


def prepare(base: Path) -> tuple[Path, Path, str]:
    """The noted repository, the locally recorded clone, and a description."""
    from tracker.history.run_notes import note_run, rebuild_store
    from tracker.paths import default_store_path
    from tracker.store import Store

    noted = base / "noted"
    noted.mkdir()
    ws = make_workspace(noted, Shape(items=2000, phases=8))
    line = grow_history(noted, COMMITS - 1)
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    step = (len(line) - 3) // NOTED_RUNS
    for n, commit in enumerate(reversed(line[2::step][:NOTED_RUNS])):
        note_run(noted, a_run(noted, commit, start + dt.timedelta(minutes=n)))
    rebuild_store(noted, default_store_path(noted), now=dt.datetime.now(dt.UTC), force=True)
    local = base / "local"
    _git(base, "clone", "-q", "--local", str(noted), str(local))
    with Store.open(default_store_path(local)) as store:
        store.add_run(a_run(local, line[0], start))
    return noted, local, (f"{ws.items} items, {ws.tests} tests; {len(line)} first-parent "
                          f"commits; {NOTED_RUNS} noted runs, the newest at HEAD~2")


def command() -> list[str]:
    return [python(), "-m", "tracker", "render", "plan.yaml", "--today", TODAY]


def run(options: Options) -> Result:
    if shutil.which("git") is None:
        raise BenchError("git is not installed")
    base = Path(tempfile.mkdtemp(prefix="tracker-bench-lineage-"))
    try:
        noted, local, what = prepare(base)
        env = python_env(pycache=base / "pycache")
        for root in (noted, local):  # both must render, and judge every test as run
            done = run_checked(command(), root, env)
            if "not yet run" in done.stdout:
                raise BenchError(f"{root.name}: items judged without the runs")
        timings = interleaved(command(), command(), cwd=noted, runs=options.runs, env=env,
                              floor_cwd=local)
        detail = (f"from notes {timings.subject_median:.3f}s, from the local run "
                  f"{timings.floor_median:.3f}s, median of {len(timings.subject)}")
        return Result(NAME, timings.ratio, GOAL, detail, (what, *timings.describe()))
    finally:
        if options.keep:
            print(f"# {NAME}: repositories kept under {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


CHANGES_NAME = "render-changes-warm-5000"
CHANGES_GOAL = 0.75
#: The caches a render of what items changed keeps (tracker.history.log_cache, runs_history).
CHANGE_CACHES = (".tracker/cache/gitlog.pickle", ".tracker/cache/flaky.pickle")


def cold_command() -> list[str]:
    """The render with the git log and flaky caches removed first: git's 5,000 commits
    walked again and the whole runs read again, as after a new commit and a new run."""
    script = f"rm -f {' '.join(CHANGE_CACHES)}; exec \"$@\""
    return ["sh", "-c", script, "sh", *command()]


def run_changes(options: Options) -> Result:
    """A warm render (the git log and the flaky record cached for this HEAD and these runs)
    against the same render with those caches removed: what the cache saves."""
    if shutil.which("git") is None:
        raise BenchError("git is not installed")
    base = Path(tempfile.mkdtemp(prefix="tracker-bench-changes-"))
    try:
        noted, _, what = prepare(base)
        env = python_env(pycache=base / "pycache")
        done = run_checked(command(), noted, env)
        changed = sum(1 for line in done.stdout.splitlines() if " · changed: " in line)
        if not changed:
            raise BenchError("the document shows no item's change")
        timings = interleaved(command(), cold_command(), cwd=noted, runs=options.runs,
                              env=env)
        detail = (f"warm {timings.subject_median:.3f}s, caches removed "
                  f"{timings.floor_median:.3f}s, median of {len(timings.subject)}")
        return Result(CHANGES_NAME, timings.ratio, CHANGES_GOAL, detail,
                      (what, f"{changed} items say what they changed", *timings.describe()))
    finally:
        shutil.rmtree(base, ignore_errors=True)


BENCHMARKS = [
    Benchmark(NAME, GOAL, "render judged from 200 noted runs on a 5,000-commit history vs. "
              "from one local run", run),
    Benchmark(CHANGES_NAME, CHANGES_GOAL, "render with items' deltas, trend and flaky tests, "
              "cached by HEAD and runs, vs. the same render walking git and reading runs",
              run_changes),
]

if __name__ == "__main__":
    opts = Options(runs=5, verbose=True, keep=False)
    result = run(opts)
    print(result.line())
    for extra in result.extra:
        print("   ", extra)
