"""History over git: ``tracker history`` on a long history, and backfill keyed by trees.

``history-5000-commits`` (goal: ratio <= 3.0): ``python -m tracker history --json`` on a
generated repository of 5,000 commits with 300 recorded runs, against one ``git log
--name-status`` over the same repository (the least any tool reading which files each commit
changed must pay). The history is one git pass plus the store's summaries.

``backfill-50-commits`` (goal: no pytest run beyond one per distinct tree): ``tracker backfill
-j 2`` over 50 commits of a small project whose relevant trees take 10 distinct values (the
other 40 commits change only documentation), then the same backfill again. The value is the
number of pytest runs beyond the 10 the first needs, plus the runs of the second (which must
run none); the detail prints both counts.

Run on its own: ``python benchmarks/bench_history.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
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
from plangen import GIT_ENV  # noqa: E402

from tracker.evidence.results import FileCoverage, RunRecord, TestOutcome  # noqa: E402
from tracker.paths import default_store_path  # noqa: E402
from tracker.store import Store  # noqa: E402

COMMITS = 5_000
RUNS = 300
MODULES = 300
T0 = 1_767_225_600  # 2026-01-01, UTC



def _fast_import(rng: random.Random) -> str:
    """A fast-import stream: 5,000 commits on main (every 100th a merge of a side commit),
    three files changed per commit, a rename every 50."""
    out: list[str] = []
    mark = 0
    src = [f"src/app/mod_{n:03d}.py" for n in range(MODULES)]
    tests = [f"tests/test_mod_{n:03d}.py" for n in range(MODULES)]
    content = {p: f'"""{p}."""\n' for p in src}
    content.update({p: f'"""{p}."""\n\n\ndef test_first():\n    pass\n' for p in tests})
    live = list(content)
    plan = ['title: Bench history', 'created: 2026-01-01', 'phases:', '  - id: "1"',
            '    title: One', '    items:']
    for n in range(30):
        plan += [f"      - id: item-{n}", f"        text: Item {n}",
                 f"        tests: [tests/test_mod_{n * 7:03d}.py]",
                 f"        targets: [src/app/mod_{n * 7:03d}.py]"]
    content["plan.yaml"] = "\n".join(plan) + "\n"
    content["pyproject.toml"] = ('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
                                 'pythonpath = ["src"]\n')

    def blob(text: str) -> int:
        nonlocal mark
        mark += 1
        data = text.encode()
        out.append(f"blob\nmark :{mark}\ndata {len(data)}\n{text}\n")
        return mark

    def commit(ref: str, n: int, changes: list[tuple[str, ...]], parents: list[str]) -> str:
        nonlocal mark
        marks = {c[1]: blob(content[c[1]]) for c in changes if c[0] == "M"}
        mark += 1
        message = f"change {n}"
        out.append(f"commit {ref}\nmark :{mark}\n"
                   f"author bench <bench@example.invalid> {T0 + n * 600} +0000\n"
                   f"committer bench <bench@example.invalid> {T0 + n * 600} +0000\n"
                   f"data {len(message)}\n{message}\n")
        for i, parent in enumerate(parents):
            out.append(f"{'from' if i == 0 else 'merge'} {parent}\n")
        for change in changes:
            out.append(f"M 100644 :{marks[change[1]]} {change[1]}\n" if change[0] == "M"
                       else f"R {change[1]} {change[2]}\n")
        out.append("\n")
        return f":{mark}"

    main = commit("refs/heads/main", 0, [("M", p) for p in content], [])
    side = main
    for n in range(1, COMMITS):
        changes: list[tuple[str, ...]] = []
        for path in rng.sample(live, 3):
            content[path] += (f"\n\ndef test_v{n}():\n    assert {n}\n" if "tests/" in path
                              else f"V{n} = {n}\n")
            changes.append(("M", path))
        if n % 50 == 0:
            old = rng.choice([p for p in live if not p.startswith(("tests/test_mod_0",
                                                                  "src/app/mod_0"))])
            new = old.replace(".py", f"_r{n}.py")
            live[live.index(old)] = new
            content[new] = content.pop(old)
            changes.append(("R", old, new))
        if n % 100 == 0:  # a side branch commit, merged by this one
            side_path = f"tests/test_side_{n}.py"
            content[side_path] = f"def test_side_{n}():\n    pass\n"
            side = commit("refs/heads/side", n, [("M", side_path)], [main])
            live.append(side_path)  # the merge's tree holds it, as the side commit's does
            main = commit("refs/heads/main", n, [*changes, ("M", side_path)], [main, side])
        else:
            main = commit("refs/heads/main", n, changes, [main])
    return "".join(out)


def _history_repo(root: Path) -> Path:
    repo = root / "history"
    repo.mkdir()
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, env=env, check=True,
                   input=_fast_import(random.Random(5)).encode())
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo, env=env, check=True)
    line = subprocess.run(["git", "rev-list", "--first-parent", "HEAD"], cwd=repo, env=env,
                          check=True, capture_output=True, text=True).stdout.split()
    rng = random.Random(6)
    with Store.open(default_store_path(repo)) as store:
        for i, sha in enumerate(sorted(rng.sample(line, RUNS), key=line.index, reverse=True)):
            start = dt.datetime.fromtimestamp(T0, dt.UTC) + dt.timedelta(hours=i)
            outcomes = tuple(TestOutcome(f"tests/test_mod_{n:03d}.py::test_first",
                                         "failed" if rng.random() < 0.02 else "passed", 0.01)
                             for n in range(0, MODULES, 3))
            coverage = tuple(FileCoverage(f"src/app/mod_{n:03d}.py", 40,
                                          tuple(range(1, rng.randrange(2, 30))))
                             for n in range(0, MODULES, 3))
            store.add_run(RunRecord(started=start, finished=start + dt.timedelta(seconds=30),
                                    commit=sha, dirty=i % 25 == 0, outcomes=outcomes,
                                    coverage=coverage))
    return repo


def history_5000(options: Options) -> Result:
    work = Path(tempfile.mkdtemp(prefix="bench-history-"))
    try:
        repo = _history_repo(work)
        check = run_checked([python(), "-m", "tracker", "history", "--json"], repo, python_env())
        rows = check.stdout.count('"run":')
        timings = interleaved([python(), "-m", "tracker", "history", "--json"],
                              ["git", "log", "--name-status"], cwd=repo, runs=options.runs,
                              env=python_env(work / "pycache"))
        if options.keep:
            print(f"    kept {repo}")
        return Result("history-5000-commits", timings.ratio, 3.0,
                      f"history {timings.subject_median:.3f}s, git log "
                      f"{timings.floor_median:.3f}s, median of {len(timings.subject)}; "
                      f"{rows} runs listed", timings.describe())
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)


_CALC = "def add(a, b):\n    return a + b\n"


def _backfill_repo(root: Path) -> tuple[Path, str]:
    """A project and 50 commits after its first: every fifth changes code, the rest docs."""
    repo = root / "calc"
    (repo / "src").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "docs").mkdir()
    (repo / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
                                         'pythonpath = ["src"]\n[tool.coverage.run]\n'
                                         'source = ["src"]\n', encoding="utf-8")
    (repo / "plan.yaml").write_text("title: Calc\ncreated: 2026-01-01\nphases: []\n",
                                    encoding="utf-8")
    (repo / "src" / "calc.py").write_text(_CALC, encoding="utf-8")
    (repo / "tests" / "test_calc.py").write_text(
        "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
        encoding="utf-8")
    env = {**os.environ, **GIT_ENV}

    def commit(n: int) -> str:
        stamp = f"@{T0 + n * 600} +0000"
        for args in (["add", "-A"], ["commit", "-q", "-m", f"commit {n}"]):
            subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                           env={**env, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True,
                              capture_output=True, text=True).stdout.strip()

    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, env=env, check=True)
    base = commit(0)
    for n in range(50):
        if n % 5 == 0:  # 10 distinct relevant trees
            with (repo / "src" / "calc.py").open("a", encoding="utf-8") as handle:
                handle.write(f"\n\ndef f{n}(x):\n    return x + {n}\n")
        else:
            (repo / "docs" / f"note_{n}.md").write_text(f"Note {n}.\n", encoding="utf-8")
        commit(n + 1)
    return repo, base


def backfill_50(options: Options) -> Result:
    work = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    try:
        repo, base = _backfill_repo(work)
        env = python_env(work / "pycache")
        cmd = [python(), "-m", "tracker", "backfill", f"{base}..HEAD", "-j", "2"]
        started = time.perf_counter()
        first = _pytest_runs(run_checked(cmd, repo, env).stderr)
        seconds = time.perf_counter() - started
        second = _pytest_runs(run_checked(cmd, repo, env).stderr)
        if options.keep:
            print(f"    kept {repo}")
        extra = abs(first - 10) + second
        return Result("backfill-50-commits", float(extra), 1.0,
                      f"50 commits, 10 distinct trees: the first backfill ran pytest {first} "
                      f"times in {seconds:.1f}s, the second {second} times",
                      unit=" extra runs")
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)


def _pytest_runs(stderr: str) -> int:
    found = re.search(r"ran pytest (\d+) times?", stderr)
    if found is None:
        raise BenchError(f"no summary line in: {stderr.strip()[-200:]}")
    return int(found.group(1))


BENCHMARKS = [
    Benchmark("history-5000-commits", 3.0,
              "tracker history --json over 5,000 commits and 300 runs vs git log --name-status",
              history_5000),
    Benchmark("backfill-50-commits", 1.0,
              "backfill of 50 commits with 10 distinct trees: pytest runs beyond 10, plus "
              "those of a second backfill", backfill_50, unit=" extra runs"),
]


if __name__ == "__main__":
    for bench in BENCHMARKS:
        print(bench.run(Options(runs=5)).line())
