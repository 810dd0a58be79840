"""The size of a run as a git note: what every clone fetches for every commit CI noted.

``notes-size-6k``: the note text of one run of 6,000 tests with coverage of 400 source files,
in megabytes (2**20 bytes). Goal: under 2 MB. The run is generated from a fixed seed to look
like a real suite's: node ids of parametrized tests in classes, markers on some tests,
fixtures on most, plan items on a quarter, failure and skip messages, deselected cases with
their markers, a collection error and skip, per-file coverage with blocks of missing lines and
the missing branch arcs, which lines each of the 300 test files ran (the items' own coverage)
and the hashes of every test and source file. The detail also shows
the line zlib-compressed (as git stores the blob) and the time to encode and decode it.

Run on its own: ``python benchmarks/bench_notes.py``.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # measure this checkout's tracker, however this file is run
    sys.path.insert(0, str(REPO))

from harness import Benchmark, Options, Result  # noqa: E402  (this file's folder)

from tracker.evidence.note_format import decode_note, encode_run  # noqa: E402
from tracker.evidence.results import (  # noqa: E402
    OUTCOMES,
    CollectionError,
    FileCoverage,
    RunRecord,
    TestOutcome,
)

GOAL_MB = 2.0
TESTS = 6_000
SOURCES = 400
TEST_FILES = 300

_FIXTURES = ((), ("tmp_path",), ("tmp_path", "monkeypatch"), ("capsys",), ("client", "db"),
             ("store", "tmp_path", "request"), ("client",), ("settings", "db", "caplog"))
_MARKERS = (("slow",), ("integration",), ("slow", "network"), ("parametrize",))
_WORDS = ("order", "payment", "refund", "invoice", "retry", "timeout", "cart", "user",
          "session", "token", "price", "discount", "report", "export", "import", "schema")
_START = dt.datetime(2026, 3, 1, 9, 0, 0, 250000, tzinfo=dt.UTC)


def _sha(rnd: random.Random) -> str:
    return f"{rnd.getrandbits(160):040x}"


def make_run(tests: int = TESTS, sources: int = SOURCES, seed: int = 0) -> RunRecord:
    """A realistic big run, reproducible from ``seed``."""
    rnd = random.Random(seed)
    files = [f"tests/{rnd.choice(_WORDS)}/test_{rnd.choice(_WORDS)}_{n}.py"
             for n in range(TEST_FILES)]
    outcomes = []
    for i in range(tests):
        kind = rnd.choices(OUTCOMES, weights=(1, 3, 1, 85, 3, 7))[0]
        name = f"test_{rnd.choice(_WORDS)}_{rnd.choice(_WORDS)}_{i}"
        if i % 3 == 0:
            name = f"Test{rnd.choice(_WORDS).title()}::{name}"
        if i % 4 == 0:
            name += f"[{rnd.choice(_WORDS)}-{i % 7}]"
        message = None if kind == "passed" else (
            f"AssertionError: assert {rnd.randint(0, 999)} == {rnd.randint(0, 999)}"
            if kind in ("failed", "error") else f"needs {rnd.choice(_WORDS)} service")
        outcomes.append(TestOutcome(
            nodeid=f"{files[i % TEST_FILES]}::{name}", outcome=kind,
            duration=rnd.expovariate(50), markers=_MARKERS[i % 4] if i % 9 == 0 else (),
            fixtures=_FIXTURES[i % len(_FIXTURES)],
            plan_items=(f"{rnd.choice(_WORDS)}-tests",) if i % 4 == 0 else (), message=message))
    coverage = []
    for j in range(sources):
        statements = rnd.randint(20, 400)
        missing: set[int] = set()
        while len(missing) < statements // 8:  # missing lines come in blocks
            start = rnd.randint(1, statements)
            missing.update(range(start, min(start + rnd.randint(1, 6), statements + 1)))
        branches = statements // 3
        arcs = sorted({(line, line + rnd.choice((1, 2, 5, -line - 1)))
                       for line in rnd.sample(range(1, statements + 1), branches // 6)})
        coverage.append(FileCoverage(f"src/app/{rnd.choice(_WORDS)}/module_{j}.py", statements,
                                     tuple(sorted(missing)), branches, len(arcs), tuple(arcs)))
    hashes = {path: _sha(rnd) for path in sorted({*files, *(f.path for f in coverage),
                                                   "conftest.py", "tests/conftest.py"})}
    deselected = tuple(f"{files[n % TEST_FILES]}::test_slow_{n}" for n in range(60))
    return RunRecord(test_file_lines=_test_file_lines(rnd, files, coverage),
        started=_START, finished=_START + dt.timedelta(seconds=412.5), commit=_sha(rnd),
        args=("-q", "-m", "not slow", "-p", "no:cacheprovider"), exit_code=1, source="pytest",
        outcomes=tuple(outcomes), coverage=tuple(coverage),
        collection_errors=(CollectionError("tests/test_broken.py",
                                           "ImportError: cannot import name 'gone'"),),
        collection_skips=(CollectionError("tests/test_windows.py", "Windows only"),),
        file_hashes=hashes, deselected=deselected,
        deselected_markers=dict.fromkeys(deselected, ("slow",)))


def _test_file_lines(rnd: random.Random, files: list[str], coverage: list[FileCoverage],
                     ) -> dict[str, dict[str, tuple[int, ...]]]:
    """Which lines each test file ran, as ``tracker run`` records them: every test file runs
    blocks of lines (function bodies) in 4 to 8 source files; the ``""`` entry holds every
    source file's lines run at import (``def``, ``class``, imports: a tenth, scattered)."""
    out: dict[str, dict[str, tuple[int, ...]]] = {"": {}}
    for f in coverage:
        missing = set(f.missing)
        out[""][f.path] = tuple(sorted({rnd.randint(1, f.statements)
                                        for _ in range(f.statements // 10)} - missing))
    for test in files:
        ran: dict[str, tuple[int, ...]] = {}
        for f in rnd.sample(coverage, rnd.randint(4, 8)):
            lines: set[int] = set()
            for _ in range(rnd.randint(3, 10)):
                start = rnd.randint(1, f.statements)
                lines.update(range(start, min(start + rnd.randint(2, 12), f.statements + 1)))
            ran[f.path] = tuple(sorted(lines - set(f.missing)))
        out[test] = ran
    return out


def measure() -> tuple[float, str]:
    """The note's size in MB, and what else is worth knowing about it."""
    run = make_run()
    start = time.perf_counter()
    line = encode_run(run, "0.1.0")
    encoded = time.perf_counter() - start
    start = time.perf_counter()
    read = decode_note(line.text)
    decoded = time.perf_counter() - start
    assert len(read.runs) == 1 and not read.problems, read.problems
    assert len(read.runs[0].run.outcomes) == TESTS
    size = len(line.text.encode("ascii")) / 2**20
    packed = len(zlib.compress(line.text.encode("ascii"))) / 2**20
    return size, (f"{TESTS} tests, {SOURCES} measured files: {size:.2f} MB of note text, "
                  f"{packed:.2f} MB as git stores it (zlib); encode {encoded * 1000:.0f} ms, "
                  f"decode {decoded * 1000:.0f} ms")


def _run(options: Options) -> Result:
    size, detail = measure()
    return Result("notes-size-6k", size, GOAL_MB, detail, unit="MB")


def measure_subset() -> tuple[float, str]:
    """The note of a 427-test ``-m`` run of a 62,000-test suite (bench_store's), in MB."""
    import dataclasses

    from bench_store import SUITE_TESTS, _subset_of
    from bench_store import make_run as make_suite_run

    run = dataclasses.replace(_subset_of(make_suite_run(SUITE_TESTS, 400, seed=7), 1),
                              dirty=False)
    start = time.perf_counter()
    line = encode_run(run, "0.1.0")
    encoded = time.perf_counter() - start
    start = time.perf_counter()
    read = decode_note(line.text)
    decoded = time.perf_counter() - start
    assert not read.problems and read.runs[0].run.deselected == run.deselected, read.problems
    size = len(line.text.encode("ascii")) / 2**20
    return size, (f"{len(run.outcomes)} tests ran, {len(run.deselected):,} deselected: "
                  f"{size:.2f} MB of note text (5.08 MB as a list, format version 1); "
                  f"encode {encoded * 1000:.0f} ms, decode {decoded * 1000:.0f} ms")


def _run_subset(options: Options) -> Result:
    size, detail = measure_subset()
    return Result("notes-subset-62k", size, GOAL_MB, detail, unit="MB")


BENCHMARKS = [
    Benchmark("notes-size-6k", GOAL_MB,
              "MB of git note text for one run of 6,000 tests with coverage of 400 files",
              _run, unit="MB"),
    Benchmark("notes-subset-62k", GOAL_MB,
              "MB of git note text for a 427-test -m run of a 62,000-test suite",
              _run_subset, unit="MB"),
]


def main() -> int:
    size, detail = measure()
    print(f"notes-size-6k  {size:.3f} MB  goal < {GOAL_MB} MB  "
          f"{'PASS' if size < GOAL_MB else 'FAIL'}  ({detail})")
    size, detail = measure_subset()
    print(f"notes-subset-62k  {size:.3f} MB  goal < {GOAL_MB} MB  "
          f"{'PASS' if size < GOAL_MB else 'FAIL'}  ({detail})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
