"""Shared pieces of the benchmarks: options, results, and timing subprocesses fairly.

A benchmark is a :class:`Benchmark` (name, goal, function) listed in the ``BENCHMARKS`` list of
a ``bench_*.py`` module next to this file; ``run.py`` finds those modules by name. The function
takes the :class:`Options` and returns a :class:`Result`.

Timings are ratios against a floor measured on the same machine, in the same way, interleaved
with the subject, so that the goal does not depend on how fast the machine is or how busy it
happens to be. The exception is an in-process budget with a unit (``Result.unit``, e.g. seconds
for the store's write), which is an absolute value against an absolute goal.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: The repository root: benchmarks always measure this checkout's ``tracker``.
REPO = Path(__file__).resolve().parent.parent

#: Never fewer timed runs than this, even with --quick: a median of fewer is noise.
MIN_RUNS = 5


@dataclass(frozen=True)
class Options:
    """How run.py was asked to run the benchmarks."""

    runs: int = 7
    verbose: bool = False
    keep: bool = False  #: keep generated workspaces (their paths are printed) for profiling


def goal_text(goal: float, unit: str = "") -> str:
    """``goal<=2.0`` for a ratio, ``goal<0.5s`` for a value in ``unit``."""
    return f"goal<{float(goal)}{unit}" if unit else f"goal<={float(goal)}"


@dataclass(frozen=True)
class Result:
    """One benchmark's outcome: a measured ratio against an upper goal.

    With a ``unit`` (such as ``"s"``), ``ratio`` holds an absolute measurement in that unit
    instead, and the goal is a budget it must stay under (strictly): ``value=0.091s goal<0.5s``.
    """

    name: str
    ratio: float  #: the measured ratio, or with ``unit`` the measured value
    goal: float  #: the ratio must be at most this (the value, below it)
    detail: str = ""
    extra: tuple[str, ...] = ()  #: more lines, printed with --verbose
    unit: str = ""  #: empty for a ratio

    @property
    def passed(self) -> bool:
        return self.ratio < self.goal if self.unit else self.ratio <= self.goal

    def line(self, width: int = 0) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        measured = (f"value={self.ratio:.3f}{self.unit}" if self.unit
                    else f"ratio={self.ratio:.2f}")
        text = (f"{self.name:<{width}}  {measured}  {goal_text(self.goal, self.unit)}  "
                f"{verdict}")
        return f"{text}  ({self.detail})" if self.detail else text


@dataclass(frozen=True)
class Benchmark:
    """A named measurement with its goal; ``run`` does the work."""

    name: str
    goal: float
    summary: str
    run: Callable[[Options], Result]
    unit: str = ""  #: as Result.unit: empty when the goal is a ratio


class BenchError(Exception):
    """The benchmark could not measure (a command failed, a tool is missing)."""


@dataclass
class Timings:
    """Wall times of a subject command and its floor, interleaved."""

    subject: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    #: CPU seconds (user + system) of each run's whole process tree, in the same order: on a
    #: shared machine, wall time includes waiting for the CPU, while this counts only work
    subject_cpu: list[float] = field(default_factory=list)
    floor_cpu: list[float] = field(default_factory=list)

    @property
    def subject_median(self) -> float:
        return statistics.median(self.subject)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor)

    @property
    def ratio(self) -> float:
        return self.subject_median / self.floor_median

    @property
    def paired_ratio(self) -> float:
        """The median of each round's subject ÷ floor: the two ran back to back, under about
        the same load, so this is less sensitive to load that changes between rounds."""
        return statistics.median(s / f for s, f in zip(self.subject, self.floor, strict=True))

    def paired(self) -> tuple[str, ...]:
        lines = [f"paired ratio (median of per-round ratios): {self.paired_ratio:.3f}"]
        if self.subject_cpu and self.floor_cpu:
            subject, floor = (statistics.median(self.subject_cpu),
                              statistics.median(self.floor_cpu))
            lines.append(f"CPU time (user+sys, process tree): subject {subject:.3f}s, floor "
                         f"{floor:.3f}s, ratio {subject / floor:.3f}")
        return tuple(lines)

    def describe(self) -> tuple[str, ...]:
        return (f"subject runs: {' '.join(f'{t:.3f}' for t in self.subject)}",
                f"floor runs:   {' '.join(f'{t:.3f}' for t in self.floor)}")


def python_env(pycache: Path | None = None) -> dict[str, str]:
    """The environment for child interpreters: this checkout first on the import path.

    Bytecode is cached as in real use (an inherited PYTHONDONTWRITEBYTECODE would make every
    run recompile every module); with ``pycache``, the cache goes there instead of into the
    source tree. Variables that slow Python down (dev mode, profilers, tracing) are dropped.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHONPROFILE", "PYTHONTRACEMALLOC", "COVERAGE_"))}
    for name in ("PYTHONDEVMODE", "PYTHONDONTWRITEBYTECODE", "PYTHONMALLOC", "PYTHONASYNCIODEBUG",
                 "PYTHONINSPECT", "PYTHONVERBOSE"):
        env.pop(name, None)
    if pycache is not None:
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def run_checked(cmd: Sequence[str], cwd: Path, env: dict[str, str] | None = None,
                ) -> subprocess.CompletedProcess[str]:
    """Run once, capturing output; BenchError when it fails."""
    done = subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise BenchError(f"{' '.join(cmd[:4])} ... exited {done.returncode}: {tail}")
    return done


def time_once(cmd: Sequence[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall time of one run of ``cmd`` with its output thrown away."""
    return time_and_cpu(cmd, cwd, env)[0]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_and_cpu(cmd: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system, of the command and every descendant it waited
    for) of one run of ``cmd`` with its output thrown away."""
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(list(cmd), cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise BenchError(f"{' '.join(cmd[:4])} ... exited {done.returncode}")
    return elapsed, _children_cpu() - cpu


def interleaved(subject: Sequence[str], floor: Sequence[str], *, cwd: Path, runs: int,
                env: dict[str, str] | None = None, warmup: int = 1,
                before: Callable[[], None] | None = None,
                floor_cwd: Path | None = None) -> Timings:
    """Time ``subject`` and ``floor`` alternately, ``runs`` times each, after a warm-up.

    The warm-up fills the OS file cache and the bytecode cache, so every timed run starts the
    way a person's second run would.

    The order flips every round (subject first, then floor first) so that neither command
    always runs right after the other's disk or CPU activity.

    ``before``, when given, is called (untimed) before every run of either command, e.g. to
    remove files a command leaves behind. ``floor_cwd``: where the floor runs, when it is
    the same command in another workspace.
    """
    env = env if env is not None else python_env()

    def once(cmd: Sequence[str]) -> tuple[float, float]:
        if before is not None:
            before()
        where = floor_cwd if cmd is floor and floor_cwd is not None else cwd
        return time_and_cpu(cmd, where, env)

    for _ in range(warmup):
        once(subject)
        once(floor)
    timings = Timings()
    for i in range(max(runs, MIN_RUNS)):
        order = ((subject, timings.subject, timings.subject_cpu),
                 (floor, timings.floor, timings.floor_cpu))
        for cmd, wall, cpu in order if i % 2 == 0 else reversed(order):
            seconds, cpu_seconds = once(cmd)
            wall.append(seconds)
            cpu.append(cpu_seconds)
    return timings


def python() -> str:
    """The interpreter every benchmark runs: the one running run.py."""
    return sys.executable
