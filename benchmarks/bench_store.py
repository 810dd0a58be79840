"""The run store's speed: writing one big run, and reading as the history grows.

``bench()`` returns one row per measurement, ``(name, value, goal, passed, detail)``:

* ``store-write-20k``: seconds to write one run of 20,000 outcomes and 2,000 coverage files
  (with their 2,000 file hashes) into a store that already holds runs; median of 5 writes.
  Goal: under 0.5 s, so that recording a run never shows next to pytest's own time.
* ``store-history-200``: the time of ``runs()`` + ``latest_run()`` with 200 runs stored,
  divided by the same with 1 run stored (runs of 1,000 outcomes and 100 files). Goal: at most
  1.5, i.e. listing runs for trends does not re-read every run's outcomes.

The inputs are generated from a fixed seed. ``BENCHMARKS`` lists both for ``run.py``
(``store-write-20k`` as a value in seconds, ``store-history-200`` as a ratio), each one
computing only its own row. Run on its own: ``python benchmarks/bench_store.py``.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # measure this checkout's tracker, however this file is run
    sys.path.insert(0, str(REPO))

from harness import BenchError, Benchmark, Options, Result  # noqa: E402  (this file's folder)

from tracker.evidence.results import (  # noqa: E402
    OUTCOMES,
    CollectionError,
    FileCoverage,
    RunRecord,
    TestOutcome,
)
from tracker.store import Store  # noqa: E402

Row = tuple[str, float, str, bool, str]

WRITE_GOAL = 0.5  #: seconds
HISTORY_GOAL = 1.5  #: ratio, 200 runs against 1
WRITES = 5
HISTORY_RUNS = 200
READ_REPEATS = 15

_FIXTURES = ((), ("tmp_path",), ("tmp_path", "monkeypatch"), ("capsys",),
             ("store", "tmp_path", "request"))
_START = dt.datetime(2026, 3, 1, 9, 0, 0, 250000, tzinfo=dt.UTC)


def make_run(tests: int, files: int, seed: int = 0) -> RunRecord:
    """A realistic run: mostly passing, parametrized ids, some markers, failures with messages,
    coverage with blocks of missing lines, and a sha1 for every measured file."""
    rnd = random.Random(seed)
    outcomes = []
    for i in range(tests):
        kind = rnd.choices(OUTCOMES, weights=(1, 3, 1, 85, 3, 7))[0]
        outcomes.append(TestOutcome(
            nodeid=f"tests/pkg{i % 40}/test_module_{i // 100}.py::TestThing::test_case_{i}"
                   f"[param-{i % 7}-ü]",
            outcome=kind, duration=rnd.random() / 50,
            markers=("slow",) if i % 13 == 0 else (),
            fixtures=_FIXTURES[i % len(_FIXTURES)],
            plan_items=(f"P{i % 9}.{i % 5}",) if i % 4 == 0 else (),
            message=None if kind == "passed" else f"AssertionError: assert {i} == {i + 1}"))
    coverage = []
    for j in range(files):
        statements = rnd.randint(20, 400)
        missing: list[int] = []
        while len(missing) < statements // 8:  # missing lines come in blocks
            start = rnd.randint(1, statements)
            missing.extend(range(start, min(start + rnd.randint(1, 6), statements + 1)))
        coverage.append(FileCoverage(f"src/pkg{j % 40}/module_{j}.py", statements,
                                     tuple(sorted(set(missing))), branches=statements // 3,
                                     missing_branches=statements // 20))
    return RunRecord(
        started=_START + dt.timedelta(minutes=seed), finished=_START + dt.timedelta(
            minutes=seed, seconds=93.5),
        commit=f"{rnd.getrandbits(160):040x}", dirty=seed % 3 == 0, args=("-q", "tests"),
        exit_code=1, outcomes=tuple(outcomes), coverage=tuple(coverage),
        collection_errors=(CollectionError("tests/test_broken.py", "SyntaxError"),),
        file_hashes={f.path: f"{rnd.getrandbits(160):040x}" for f in coverage})


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bench_write(folder: Path) -> Row:
    run = make_run(20_000, 2_000)
    with Store.open(folder / "write.db") as store:
        store.add_run(make_run(200, 20, seed=1))  # not the very first write into the file
        times = [_timed(lambda: store.add_run(run)) for _ in range(WRITES)]
    median = statistics.median(times)
    size = (folder / "write.db").stat().st_size / (WRITES + 1) / 2**20
    detail = (f"median of {WRITES}: {' '.join(f'{t:.3f}' for t in times)} s; "
              f"{len(run.outcomes)} outcomes, {len(run.coverage)} files; ~{size:.1f} MiB a run")
    return ("store-write-20k", median, f"< {WRITE_GOAL} s", median < WRITE_GOAL, detail)


def bench_history(folder: Path) -> Row:
    stores = {}
    for count in (1, HISTORY_RUNS):
        store = Store.open(folder / f"history-{count}.db")
        for seed in range(count):
            store.add_run(make_run(1_000, 100, seed=seed))
        stores[count] = store
    try:
        def read(store: Store) -> None:
            assert len(store.runs()) == store.runs_count()
            assert store.latest_run() is not None

        times: dict[int, list[float]] = {count: [] for count in stores}
        for store in stores.values():  # warm up: caches, first queries
            read(store)
        for i in range(READ_REPEATS):  # interleaved, order flipped every round
            order = list(stores.items()) if i % 2 == 0 else list(stores.items())[::-1]
            for count, store in order:
                times[count].append(_timed(lambda store=store: read(store)))
    finally:
        for store in stores.values():
            store.close()
    one, many = (statistics.median(times[c]) for c in (1, HISTORY_RUNS))
    ratio = many / one
    detail = (f"runs()+latest_run(): {many * 1000:.2f} ms with {HISTORY_RUNS} runs, "
              f"{one * 1000:.2f} ms with 1 (runs of 1000 outcomes, 100 files; "
              f"median of {READ_REPEATS})")
    return ("store-history-200", ratio, f"<= {HISTORY_GOAL}", ratio <= HISTORY_GOAL, detail)


SUBSET_GOAL = 0.5  #: MB (2**20 bytes) a subset run may add to the store
SUITE_TESTS = 62_000
SUBSET_TESTS = 427


def _stored_bytes(path: Path) -> int:
    """The store's content in bytes, WAL included: the pages in use, as SQLite counts them."""
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as db:
        used = (db.execute("PRAGMA page_count").fetchone()[0]
                - db.execute("PRAGMA freelist_count").fetchone()[0])
        return int(used * db.execute("PRAGMA page_size").fetchone()[0])


def _subset_of(whole: RunRecord, seed: int) -> RunRecord:
    """A ``-m smoke`` run of ``whole``'s suite: SUBSET_TESTS ran, every other test deselected
    (their markers kept, as pytest reports them)."""
    rnd = random.Random(1)  # the same selection every time: the same -m
    chosen = set(rnd.sample(range(len(whole.outcomes)), SUBSET_TESTS))
    ran = tuple(o for i, o in enumerate(whole.outcomes) if i in chosen)
    deselected = tuple(o.nodeid for i, o in enumerate(whole.outcomes) if i not in chosen)
    markers = {o.nodeid: o.markers for i, o in enumerate(whole.outcomes)
               if i not in chosen and o.markers}
    start = _START + dt.timedelta(hours=seed)
    return RunRecord(started=start, finished=start + dt.timedelta(seconds=4), commit=whole.commit,
                     args=("-m", "smoke"), outcomes=ran, deselected=deselected,
                     deselected_markers=markers,
                     file_hashes={o.file: "0" * 40 for o in ran})


def bench_subset(folder: Path) -> Row:
    whole = make_run(SUITE_TESTS, 400, seed=7)
    path = folder / "subset.db"
    added = []
    with Store.open(path) as store:
        store.add_run(whole)  # the suite's whole run, as a project records it first
        for seed in range(1, 4):
            before = _stored_bytes(path)
            store.add_run(_subset_of(whole, seed))
            added.append((_stored_bytes(path) - before) / 2**20)
    value = added[0]
    detail = (f"a {SUBSET_TESTS}-test -m run of a {SUITE_TESTS:,}-test suite adds "
              f"{added[0]:.3f} MB, the same selection again "
              f"{' and '.join(f'{a * 1024:.0f} KiB' for a in added[1:])}")
    return ("store-subset-run-62k", value, f"< {SUBSET_GOAL} MB", value < SUBSET_GOAL, detail)


def _in_temp_folder(measure: Callable[[Path], Row], keep: bool = False) -> Row:
    """One measurement in a fresh temporary folder, removed afterwards unless ``keep``."""
    folder = Path(tempfile.mkdtemp(prefix="tracker-bench-store-"))
    try:
        return measure(folder)
    finally:
        if keep:
            print(f"# store: folder kept at {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def bench() -> list[Row]:
    """Every store measurement, each in a fresh temporary folder."""
    return [_in_temp_folder(measure) for measure in (bench_write, bench_history, bench_subset)]


def main() -> int:
    for name, value, goal, passed, detail in bench():
        print(f"{name}  {value:.3f}  goal {goal}  {'PASS' if passed else 'FAIL'}  ({detail})")
    return 0


def _runner(measure: Callable[[Path], Row], goal: float, unit: str = "",
            ) -> Callable[[Options], Result]:
    """A run.py benchmark function: one of the measurements above, as a Result."""
    def run(options: Options) -> Result:
        name, value, _, passed, detail = _in_temp_folder(measure, keep=options.keep)
        result = Result(name, value, goal, detail, unit=unit)
        if result.passed != passed:  # the row and the line must never disagree
            raise BenchError(f"verdicts differ for {name}: {value} against {goal}")
        return result
    return run


BENCHMARKS = [
    Benchmark("store-write-20k", WRITE_GOAL,
              "seconds to store one run of 20,000 outcomes and 2,000 measured files",
              _runner(bench_write, WRITE_GOAL, "s"), unit="s"),
    Benchmark("store-history-200", HISTORY_GOAL,
              "runs() + latest_run() with 200 runs stored vs. with 1 stored",
              _runner(bench_history, HISTORY_GOAL)),
    Benchmark("store-subset-run-62k", SUBSET_GOAL,
              "MB a 427-test -m run of a 62,000-test suite adds to the store",
              _runner(bench_subset, SUBSET_GOAL, "MB"), unit="MB"),
]


if __name__ == "__main__":
    sys.exit(main())
