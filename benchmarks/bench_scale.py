"""plan-scale: `tracker check` and `tracker render` on plans of 2,000, 50,000 and 100,000 items.

A plan of 100,000 items was refused as "an alias bomb?" (the cap counted every node); it must
check and render, at a cost linear in its size. Each size is a plangen.py workspace (its test
files and sources stay the same size: the plan grows). One timed run of each command per size,
cold (no cache holds the plan), as a whole process. The line reports the time per item at
50,000 divided by the time per item at 2,000 (goal: at most 1.5, issue 16), and the detail
the time and peak memory (the child's maximum resident set) of every command at every size.
The test files' scan cache is warm (one untimed check first): the plan is what grows.

Run on its own: ``python benchmarks/bench_scale.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from harness import BenchError, Benchmark, Options, Result, python, python_env  # noqa: E402
from plangen import Shape, make_workspace  # noqa: E402

NAME = "plan-scale"
GOAL = 1.5
SIZES = (2_000, 50_000, 100_000)
TODAY = "2026-03-20"


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident megabytes of one run of ``cmd`` (which must succeed).

    Each command runs in its own child of a fresh helper process, so that RUSAGE_CHILDREN
    holds that command's peak alone."""
    probe = ("import resource, subprocess, sys, time\n"
             "t = time.perf_counter()\n"
             "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
             "stderr=subprocess.PIPE, text=True)\n"
             "t = time.perf_counter() - t\n"
             "if done.returncode not in (0, 1): sys.exit(done.stderr[-500:])\n"
             "print(t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    done = subprocess.run([python(), "-c", probe, *cmd], cwd=cwd, env=env, text=True,
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"{' '.join(cmd[2:4])} failed: {done.stderr.strip()[-300:]}")
    seconds, kilobytes = done.stdout.split()
    return float(seconds), int(kilobytes) / 1024


def run(options: Options) -> Result:
    if shutil.which("git") is None:
        raise BenchError("git is not installed")
    base = Path(tempfile.mkdtemp(prefix="tracker-bench-scale-"))
    try:
        env = python_env(pycache=base / "pycache")
        per_item: dict[int, float] = {}
        lines = []
        for size in SIZES:
            root = base / f"plan-{size}"
            root.mkdir()
            make_workspace(root, Shape(items=size, phases=max(8, size // 2000)))
            cache = root / ".tracker" / "cache"
            timed([python(), "-m", "tracker", "check", "plan.yaml"], root, env)  # scan cache
            results = []
            for command in (["check", "plan.yaml"], ["render", "plan.yaml", "--today", TODAY]):
                for entry in cache.glob("plan-*"):  # cold for the plan: as just edited
                    entry.unlink()
                seconds, megabytes = timed([python(), "-m", "tracker", *command], root, env)
                results.append((command[0], seconds, megabytes))
            per_item[size] = sum(s for _, s, _ in results) / size
            lines.append(f"{size:>7,} items: " + ", ".join(
                f"{name} {s:.2f} s, {mb:.0f} MB" for name, s, mb in results))
        ratio = per_item[50_000] / per_item[2_000]
        detail = (f"per item at 50,000 / at 2,000; 100,000 items: "
                  f"{lines[-1].split(': ', 1)[1]}")
        return Result(NAME, ratio, GOAL, detail, tuple(lines))
    finally:
        shutil.rmtree(base, ignore_errors=True)


BENCHMARKS = [
    Benchmark(NAME, GOAL, "check and render of 2,000 to 100,000-item plans: linear cost, "
              "time and memory", run),
]

if __name__ == "__main__":
    result = run(Options(runs=5, verbose=True, keep=False))
    print(result.line())
    for extra in result.extra:
        print("   ", extra)
