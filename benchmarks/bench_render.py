"""`tracker render` and `tracker check` on a 2,000-item plan, against reading the YAML alone.

Subject: ``python -m tracker render plan.yaml --today 2026-03-20`` (stdout to /dev/null), or
``python -m tracker check plan.yaml``, in a generated workspace (see plangen.py). Floor: a
fresh interpreter that only loads the same plan.yaml with PyYAML's C loader. Both are whole
processes, start-up included, because that is what a person or a CI job waits for.

Warm (``render-2000-items``: goal at most twice the floor): the caches hold this plan, as after
any earlier command. Cold (``render-2000-items-cold``, ``check-2000-items-cold``: goals 1.6 and
1.5, issue 16): plan.yaml was just edited before every timed run of either command (one
comment line changes, so the plan cache misses), as after an edit or in a fresh clone.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from harness import (
    BenchError,
    Benchmark,
    Options,
    Result,
    interleaved,
    python,
    python_env,
    run_checked,
)
from plangen import COMMIT_DATE, Shape, make_workspace

NAME = "render-2000-items"
GOAL = 2.0
COLD_GOALS = {"render": 1.6, "check": 1.5}
TODAY = "2026-03-20"
COMMIT_DAY = COMMIT_DATE[:10]
FLOOR_CODE = "import yaml; yaml.load(open('plan.yaml','rb'), Loader=yaml.CSafeLoader)"


def render_command() -> list[str]:
    return [python(), "-m", "tracker", "render", "plan.yaml", "--today", TODAY]


def check_command() -> list[str]:
    return [python(), "-m", "tracker", "check", "plan.yaml"]


def edit_plan(plan: Path) -> Callable[[], None]:
    """A function that changes plan.yaml's text a little each time it is called (a comment
    at its end), so that no cache holds the plan a command is about to read."""
    original = plan.read_text(encoding="utf-8")
    count = 0

    def edit() -> None:
        nonlocal count
        count += 1
        plan.write_text(f"{original}# edited {count}\n", encoding="utf-8")

    return edit


def floor_command() -> list[str]:
    return [python(), "-c", FLOOR_CODE]


def run(options: Options) -> Result:
    base = Path(tempfile.mkdtemp(prefix="tracker-bench-render-"))
    try:
        return _measure(base, options)
    finally:
        if options.keep:
            print(f"# {NAME}: workspace kept at {base / 'repo'}")
        else:
            shutil.rmtree(base, ignore_errors=True)


def _measure(base: Path, options: Options) -> Result:
    if shutil.which("git") is None:
        raise BenchError("git is not installed: the plan's Updated date comes from git")
    root = base / "repo"
    root.mkdir()
    ws = make_workspace(root, Shape(items=2000, phases=8))
    env = python_env(pycache=base / "pycache")
    # one checked run first: the render must succeed, cleanly, with the date from git
    done = run_checked(render_command(), root, env)
    head = "\n".join(done.stdout.splitlines()[:40])
    if COMMIT_DAY not in head:
        raise BenchError(f"the document's header does not show the commit day {COMMIT_DAY}: "
                         "is the Updated date still read from git?")
    warnings = [line for line in done.stderr.splitlines() if line.strip()]
    timings = interleaved(render_command(), floor_command(), cwd=root, runs=options.runs,
                          env=env)
    runs = len(timings.subject)
    detail = (f"render {timings.subject_median:.3f}s, floor {timings.floor_median:.3f}s, "
              f"median of {runs}")
    extra = (f"plan.yaml: {ws.items} items, {ws.plan_bytes / 1024:.0f} KiB; "
             f"{ws.tests} tests in the workspace; document {len(done.stdout) / 1024:.0f} KiB; "
             f"{len(warnings)} warning line(s) on stderr",
             *timings.describe())
    return Result(NAME, timings.ratio, GOAL, detail, extra)


def cold(command: str) -> Callable[[Options], Result]:
    """The cold benchmark of ``command`` (render or check)."""
    name = f"{command}-2000-items-cold"

    def measure(options: Options) -> Result:
        base = Path(tempfile.mkdtemp(prefix=f"tracker-bench-{command}-cold-"))
        try:
            root = base / "repo"
            root.mkdir()
            ws = make_workspace(root, Shape(items=2000, phases=8))
            env = python_env(pycache=base / "pycache")
            subject = render_command() if command == "render" else check_command()
            run_checked(subject, root, env)
            timings = interleaved(subject, floor_command(), cwd=root, runs=options.runs,
                                  env=env, before=edit_plan(ws.plan))
            detail = (f"{command} {timings.subject_median:.3f}s, floor "
                      f"{timings.floor_median:.3f}s, plan edited before each run, median of "
                      f"{len(timings.subject)}")
            return Result(name, timings.ratio, COLD_GOALS[command], detail,
                          timings.describe())
        finally:
            shutil.rmtree(base, ignore_errors=True)

    return measure


BENCHMARKS = [
    Benchmark(NAME, GOAL, "tracker render on a 2,000-item plan vs. loading its YAML", run),
    Benchmark("render-2000-items-cold", COLD_GOALS["render"],
              "tracker render of a 2,000-item plan just edited vs. loading its YAML",
              cold("render")),
    Benchmark("check-2000-items-cold", COLD_GOALS["check"],
              "tracker check of a 2,000-item plan just edited vs. loading its YAML",
              cold("check")),
]
