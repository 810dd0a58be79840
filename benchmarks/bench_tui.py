"""The terminal UI's speed: the first complete screen, and how fast a finished test shows.

* ``tui-first-screen``: wall time of a fresh interpreter that opens the app on a generated
  2,000-item plan with a stored run of its tests, headless, until the first screen has been
  drawn and the app has quit (through ``make_app`` and ``run_until_quit``, as ``tracker``
  does), divided by the same for a minimal Textual app that shows one Static. Goal <= 2.5.
* ``tui-live-delay``: median delay between a test finishing (pytest's
  ``pytest_runtest_logfinish`` in the generated project) and its item's label changing in
  the app's tree, over a live run of 500 quick tests. Goal <= 0.25 s.
* ``tui-live-2000``: the same delay on the 2,000-item plan of ``tui-first-screen`` (one run
  of its 1,000 tests recorded, then all of them run again live): the 90th percentile, goal
  <= 0.15 s, the median beside it. What a big plan costs each finished test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from harness import REPO, BenchError, Benchmark, Options, Result, interleaved, python, python_env
from plangen import Shape, make_workspace

TODAY = "2026-03-20"
FIRST_GOAL = 2.5
DELAY_GOAL = 0.25
BIG_DELAY_GOAL = 0.15

#: Opens the app headless and quits as soon as the first screen is complete.
SUBJECT_CODE = textwrap.dedent(f"""
    import datetime as dt
    from pathlib import Path
    from tracker.tui.launch import make_app, run_until_quit

    async def first_screen(pilot):
        await pilot.pause()
        pilot.app.exit()

    app = make_app(Path("plan.yaml"), dt.date.fromisoformat("{TODAY}"), watch=False)
    run_until_quit(app, headless=True, size=(120, 40), auto_pilot=first_screen)
""")

FLOOR_CODE = textwrap.dedent("""
    from textual.app import App
    from textual.widgets import Static

    class One(App):
        def compose(self):
            yield Static("hello")

    async def first_screen(pilot):
        await pilot.pause()
        pilot.app.exit()

    One().run(headless=True, size=(120, 40), auto_pilot=first_screen)
""")


def _store_a_run(root: Path, env: dict[str, str]) -> None:
    """Record one run of the generated suite, so the screen shows real evidence."""
    done = subprocess.run([python(), "-m", "tracker", "run", "--show-output", "--", "-q",
                           "-p", "no:cacheprovider"], cwd=root, env=env, capture_output=True,
                          text=True, check=False)
    if not (root / ".tracker" / "tracker.db").is_file():
        raise BenchError(f"tracker run recorded nothing: {done.stderr.strip()[-300:]}")


def first_screen(options: Options) -> Result:
    base = Path(tempfile.mkdtemp(prefix="tracker-bench-tui-"))
    try:
        root = base / "repo"
        root.mkdir()
        ws = make_workspace(root, Shape(items=2000, phases=8))
        env = python_env(pycache=base / "pycache")
        _store_a_run(root, env)
        subject = [python(), "-c", SUBJECT_CODE]
        floor = [python(), "-c", FLOOR_CODE]
        timings = interleaved(subject, floor, cwd=root, runs=options.runs, env=env)
        detail = (f"first screen {timings.subject_median:.3f}s, minimal app "
                  f"{timings.floor_median:.3f}s, median of {len(timings.subject)}; "
                  f"{ws.items} items")
        return Result("tui-first-screen", timings.ratio, FIRST_GOAL, detail,
                      timings.describe())
    finally:
        if options.keep:
            print(f"# tui-first-screen: workspace kept at {base / 'repo'}")
        else:
            shutil.rmtree(base, ignore_errors=True)


LIVE_CONFTEST = """
import json, time

def pytest_runtest_logfinish(nodeid, location):
    with open("finish-times.jsonl", "a") as out:
        out.write(json.dumps({"nodeid": nodeid, "t": time.time()}) + "\\n")
"""

LIVE_TESTS = """
import time
import pytest

@pytest.mark.plan("{item}")
@pytest.mark.parametrize("n", range(50))
def test_quick(n):
    time.sleep(0.004)
"""

#: Runs the app with a live run and writes when each item's label changed.
DELAY_CODE = textwrap.dedent(f"""
    import datetime as dt, json, time
    from pathlib import Path
    from tracker.tui.launch import make_app
    from tracker.tui.widgets.plan_tree import PlanTree

    changes = {{}}
    app = make_app(Path("plan.yaml"), dt.date.fromisoformat("{TODAY}"), watch=False)
    original = PlanTree.relabel

    def relabel(self, assessment, items=None):
        original(self, assessment, items)
        now = time.time()
        for ia in assessment.items:
            if ia.tally is not None and (items is None or ia.item.id in items):
                for o in ia.tally.outcomes:
                    changes.setdefault(o.nodeid, now)

    PlanTree.relabel = relabel

    async def drive(pilot):
        await pilot.pause()
        await pilot.press("r")
        for _ in range(1200):
            await pilot.pause(0.05)
            if app.live is None and app.run_label:
                break
        pilot.app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=drive)
    Path("label-times.json").write_text(json.dumps(changes))
""")


def live_delay(options: Options) -> Result:
    base = Path(tempfile.mkdtemp(prefix="tracker-bench-live-"))
    try:
        root = base / "live"
        (root / "tests").mkdir(parents=True)
        items = [f"item-{i}" for i in range(10)]
        plan = ["title: Live delay", "phases:", "  - id: '1'", "    title: One", "    items:"]
        plan += [f"      - {{id: {i}, text: Item {i}}}" for i in items]
        (root / "plan.yaml").write_text("\n".join(plan) + "\n")
        (root / "conftest.py").write_text(LIVE_CONFTEST)
        for n, item in enumerate(items):
            (root / "tests" / f"test_live_{n}.py").write_text(LIVE_TESTS.format(item=item))
        (root / "pyproject.toml").write_text(
            "[tool.pytest.ini_options]\naddopts = '-p no:cacheprovider'\n")
        env = python_env(pycache=base / "pycache")
        done = subprocess.run([python(), "-c", DELAY_CODE], cwd=root, env=env,
                              capture_output=True, text=True, check=False, timeout=600)
        if done.returncode != 0 or not (root / "label-times.json").is_file():
            raise BenchError(f"the live run failed: {done.stderr.strip()[-400:]}")
        delays = _delays(root)
        if len(delays) < 450:
            raise BenchError(f"only {len(delays)} of 500 tests reached the tree")
        median = delays[len(delays) // 2]
        p90 = delays[int(len(delays) * 0.9)]
        detail = (f"median {median * 1000:.0f} ms, 90th percentile {p90 * 1000:.0f} ms, "
                  f"over {len(delays)} tests")
        return Result("tui-live-delay", median, DELAY_GOAL, detail, unit="s")
    finally:
        shutil.rmtree(base, ignore_errors=True)


#: Runs the app on the 2,000-item plan with a live run of the whole suite; writes when each
#: live result first reached a relabelled item.
BIG_DELAY_CODE = textwrap.dedent(f"""
    import datetime as dt, json, time
    from pathlib import Path
    from tracker.tui.app import TrackerApp
    from tracker.tui.launch import make_app
    from tracker.tui.widgets.plan_tree import PlanTree

    changes = {{}}
    app = make_app(Path("plan.yaml"), dt.date.fromisoformat("{TODAY}"), watch=False)
    original = PlanTree.relabel

    def relabel(self, assessment, items=None):
        original(self, assessment, *([] if items is None else [items]))
        now, live = time.time(), app.live
        if live is None:
            return
        for ia in assessment.items:
            if ia.tally is not None and (items is None or ia.item.id in items):
                for o in ia.tally.outcomes:
                    if live.outcomes.get(o.nodeid) is o:  # this run's result, not the last
                        changes.setdefault(o.nodeid, now)

    PlanTree.relabel = relabel
    spent = []  # seconds each live update took: judging, relabelling, the details
    show_live = getattr(TrackerApp, "show_live", None)

    def timed_show_live(self, live):
        start = time.perf_counter()
        judged = show_live(self, live)
        spent.append(time.perf_counter() - start)
        return judged

    if hasattr(TrackerApp, "show_live"):  # (older versions judged in drain_events)
        TrackerApp.show_live = timed_show_live

    async def drive(pilot):
        await pilot.pause()
        await pilot.press("r")
        for _ in range(6000):
            await pilot.pause(0.05)
            if app.live is None and app.run_label:
                break
        pilot.app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=drive)
    Path("label-times.json").write_text(json.dumps(changes))
    Path("update-times.json").write_text(json.dumps(spent))
""")


def _delays(root: Path) -> list[float]:
    """Seconds from each test finishing to its result first showing, sorted."""
    finished = {}
    for line in (root / "finish-times.jsonl").read_text().splitlines():
        event = json.loads(line)
        finished[event["nodeid"]] = event["t"]
    shown = json.loads((root / "label-times.json").read_text())
    return sorted(shown[n] - t for n, t in finished.items() if n in shown)


def live_delay_big(options: Options) -> Result:
    base = Path(tempfile.mkdtemp(prefix="tracker-bench-live-2000-"))
    try:
        root = base / "repo"
        root.mkdir()
        ws = make_workspace(root, Shape(items=2000, phases=8))
        (root / "conftest.py").write_text(LIVE_CONFTEST)
        env = python_env(pycache=base / "pycache")
        _store_a_run(root, env)
        (root / "finish-times.jsonl").unlink(missing_ok=True)
        done = subprocess.run([python(), "-c", BIG_DELAY_CODE], cwd=root, env=env,
                              capture_output=True, text=True, check=False, timeout=1200)
        if done.returncode != 0 or not (root / "label-times.json").is_file():
            raise BenchError(f"the live run failed: {done.stderr.strip()[-400:]}")
        delays = _delays(root)
        if len(delays) < 300:
            raise BenchError(f"only {len(delays)} linked tests reached the tree")
        median = delays[len(delays) // 2]
        p90 = delays[int(len(delays) * 0.9)]
        spent = sorted(json.loads((root / "update-times.json").read_text())) or [0.0]
        detail = (f"90th percentile {p90 * 1000:.0f} ms, median {median * 1000:.0f} ms, "
                  f"over {len(delays)} linked tests of {ws.tests}; {ws.items} items")
        extra = (f"{len(spent)} updates of the screen while the run went: median "
                 f"{spent[len(spent) // 2] * 1000:.0f} ms each (judging, relabelling, the "
                 f"details), the slowest {spent[-1] * 1000:.0f} ms",)
        return Result("tui-live-2000", p90, BIG_DELAY_GOAL, detail, extra, unit="s")
    finally:
        shutil.rmtree(base, ignore_errors=True)


BENCHMARKS = [
    Benchmark("tui-first-screen", FIRST_GOAL,
              "first complete screen of a 2,000-item plan vs. a minimal Textual app",
              first_screen),
    Benchmark("tui-live-delay", DELAY_GOAL,
              "median delay from a test finishing to its item changing in the tree",
              live_delay, unit="s"),
    Benchmark("tui-live-2000", BIG_DELAY_GOAL,
              "90th percentile delay from a test finishing to its item changing, "
              "2,000-item plan", live_delay_big, unit="s"),
]

if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    for bench in BENCHMARKS:
        print(bench.run(Options(runs=5)).line())
