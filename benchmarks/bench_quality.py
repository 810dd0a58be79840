"""The test-quality scan against the static test scan, over 1,000 test files.

``quality-scan-1000`` (goal: ratio <= 2.0): the time to read the quality of every test of
1,000 generated test files (:func:`tracker.evidence.quality.read_quality`: parse, then walk
each test's body) divided by the time of the existing static scan of the same files
(:func:`tracker.evidence.testscan.scan_source`: parse, then collect the tests), both in this
process, from source text already in memory, interleaved run by run (the order alternating),
median of the runs. Both are what a cold cache costs; a warm one reads neither.

The files (fixed seed) hold 10 tests each: test classes and functions, asserts strong and
weak, ``pytest.raises``, helper calls, ``patch`` decorators, ``patch.object`` and
``monkeypatch.setattr``, ``MagicMock``, async tests, parametrized tests. Run on its own:
``python benchmarks/bench_quality.py``.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # measure this checkout's tracker, however this file is run
    sys.path.insert(0, str(REPO))

from harness import Benchmark, Options, Result  # noqa: E402  (this file's folder)

from tracker.evidence.pytest_config import PytestConfig  # noqa: E402
from tracker.evidence.quality import read_quality  # noqa: E402
from tracker.evidence.testscan import scan_source  # noqa: E402

NAME = "quality-scan-1000"
GOAL = 2.0
FILES = 1_000

_BODIES = [
    "    result = cart.total([{n}, 2])\n    assert result == {n} + 2\n",
    "    result = cart.total([{n}])\n    assert result\n    assert result is not None\n",
    "    with pytest.raises(ValueError):\n        cart.total(None)\n    check_total({n})\n",
    "    sender = MagicMock()\n    sender({n})\n    sender.assert_called()\n"
    "    assert len(sender.mock_calls) > 0\n",
    "    monkeypatch.setattr(cart, 'tax', lambda: {n})\n"
    "    with patch.object(Cart, 'save') as save:\n        Cart().save()\n"
    "        save.assert_called_once_with()\n",
    "    for i in range({n}):\n        if i % 2:\n            assert cart.total([i]) == i\n"
    "        else:\n            assert cart.total([i, i]) == 2 * i\n",
]


def make_file(rnd: random.Random, index: int) -> str:
    lines = ["import pytest", "from unittest.mock import MagicMock, patch",
             "from shop import cart", "from shop.cart import Cart", "",
             "def check_total(value):", "    assert value >= 0", ""]
    for t in range(10):
        body = rnd.choice(_BODIES).format(n=rnd.randint(1, 9))
        indent = ""
        if t == 5:
            lines.append(f"class TestGroup{index}:")
            indent = "    "
        head = f"def test_case_{index}_{t}("
        args = "self, monkeypatch" if indent else "monkeypatch"
        if rnd.random() < 0.2:
            lines.append(f"{indent}@patch('shop.cart.total')")
            args += ", total"
        if rnd.random() < 0.15:
            lines.append(f"{indent}@pytest.mark.parametrize('x', [1, 2, 3])")
            args += ", x"
        if rnd.random() < 0.1:
            head = "async " + head
        lines.append(f"{indent}{head}{args}):")
        lines.extend(indent + line for line in body.rstrip("\n").split("\n"))
        lines.append("")
    return "\n".join(lines) + "\n"


def bench(options: Options) -> Result:
    rnd = random.Random(17)
    config = PytestConfig()
    sources = [(f"tests/pkg{i % 20}/test_mod_{i}.py", make_file(rnd, i)) for i in range(FILES)]
    tests = {rel: scan_source(text, rel, config).tests for rel, text in sources}
    count = sum(len(t) for t in tests.values())

    def static() -> float:
        start = time.perf_counter()
        for rel, text in sources:
            scan_source(text, rel, config)
        return time.perf_counter() - start

    def quality() -> float:
        start = time.perf_counter()
        for rel, text in sources:
            read_quality(text, tests[rel])
        return time.perf_counter() - start

    static(), quality()  # warm-up
    floor: list[float] = []
    subject: list[float] = []
    for i in range(options.runs):
        pairs = ((quality, subject), (static, floor))
        for run, out in pairs if i % 2 == 0 else reversed(pairs):
            out.append(run())
    ratio = statistics.median(subject) / statistics.median(floor)
    return Result(NAME, ratio, GOAL,
                  f"quality {statistics.median(subject):.3f}s, static scan "
                  f"{statistics.median(floor):.3f}s, {FILES:,} files, {count:,} tests, "
                  f"median of {options.runs}",
                  extra=(f"quality runs: {' '.join(f'{t:.3f}' for t in subject)}",
                         f"static runs:  {' '.join(f'{t:.3f}' for t in floor)}"))


BENCHMARKS = [
    Benchmark(NAME, GOAL, "test-quality scan of 1,000 test files against the static scan "
                          "of the same files", bench),
]


if __name__ == "__main__":
    print(bench(Options(runs=5)).line())
