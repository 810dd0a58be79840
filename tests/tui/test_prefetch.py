"""The first snapshot taken in a forked child: the same snapshot, or the parent takes it.

Each case runs in a fresh interpreter, as ``tracker`` does: whether a process may fork
depends on its threads, which a test runner's process does not promise.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ..helpers import measured, write
from .conftest import TODAY

#: the context under which the fresh interpreters' lines are counted (see helpers.measured)
THIS_FILE = Path(__file__).relative_to(Path(__file__).parents[2]).as_posix()

PROBE = """
import datetime as dt, json, os, sys, threading
from pathlib import Path
from tracker.tui import prefetch
from tracker.tui.snapshot import take_snapshot

plan = Path(sys.argv[1])
today = dt.date.fromisoformat(sys.argv[2])
prefetch.spare_core = lambda: True  # the test machine's load must not decide
{setup}
pending = prefetch.PendingSnapshot(plan, today)
textual_before = "textual" in sys.modules
snapshot = pending.result()
here = take_snapshot(plan, today)
print(json.dumps({{
    "forked": pending.forked, "from_child": pending.from_child,
    "same": snapshot == here, "items": len(snapshot.assessment.items) if snapshot.assessment
    else None, "problems": [str(p) for p in snapshot.problems],
    "textual_before": textual_before, "children_left": _children(),
}}))
"""

CHILDREN = """
def _children():
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return 0
    return 1
"""


def probe(plan: Path, setup: str = "") -> dict:
    code = measured(CHILDREN + PROBE.format(setup=textwrap.dedent(setup)), THIS_FILE)
    done = subprocess.run([sys.executable, "-c", code, str(plan), TODAY.isoformat()],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


pytestmark = pytest.mark.skipif(sys.platform in ("win32", "darwin"),
                                reason="the child is forked only where fork is safe")


def test_the_childs_snapshot_is_the_one_the_parent_would_take(project):
    got = probe(project / "plan.yaml")
    assert got["forked"] and got["from_child"]
    assert got["same"], "the child's snapshot differs from one taken in the parent"
    assert got["items"] and got["items"] > 3
    assert not got["textual_before"], "Textual must be imported while the child works"
    assert got["children_left"] == 0, "the child was not reaped"


def test_a_broken_plan_comes_back_with_its_problems(tmp_path):
    plan = write(tmp_path, "plan.yaml", "title: Broken\nphases: [\n")
    got = probe(plan)
    assert got["from_child"] and got["same"]
    assert got["items"] is None
    assert any("plan.yaml:" in p for p in got["problems"]), got["problems"]


def test_a_child_that_fails_leaves_the_parent_to_take_it(project):
    got = probe(project / "plan.yaml", """
        def _fail(fd, plan_path, today):
            os._exit(3)
        prefetch._send_snapshot = _fail
    """)
    assert got["forked"] and not got["from_child"]
    assert got["same"] and got["items"]
    assert got["children_left"] == 0


def test_a_child_that_sends_garbage_leaves_the_parent_to_take_it(project):
    got = probe(project / "plan.yaml", """
        def _garbage(fd, plan_path, today):
            os.write(fd, b"not a pickle")
            os._exit(0)
        prefetch._send_snapshot = _garbage
    """)
    assert got["forked"] and not got["from_child"]
    assert got["same"] and got["items"]


def test_no_child_is_forked_while_other_threads_run(project):
    got = probe(project / "plan.yaml", """
        stop = threading.Event()
        threading.Thread(target=stop.wait, daemon=True).start()
    """)
    assert not got["forked"] and not got["from_child"]
    assert got["same"] and got["items"]


def test_the_factory_opens_the_plan_and_quits_with_the_apps_code(project):
    code = textwrap.dedent(f"""
        import datetime as dt, gc, sys
        from pathlib import Path
        from tracker.tui import prefetch
        from tracker.tui.launch import make_app, run_until_quit

        prefetch.spare_core = lambda: True  # the test machine's load must not decide

        async def quit_with_a_code(pilot):
            await pilot.pause()
            pilot.app.exit(return_code=7)

        app = make_app(Path({str(project / "plan.yaml")!r}),
                       dt.date.fromisoformat({TODAY.isoformat()!r}), watch=False)
        items = len(app.snapshot.assessment.items)
        code = run_until_quit(app, headless=True, size=(80, 24), auto_pilot=quit_with_a_code)
        print(items, code, gc.get_freeze_count() > 0)
    """)
    done = subprocess.run([sys.executable, "-c", measured(code, THIS_FILE)],
                          capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    items, code, frozen = done.stdout.split()
    assert int(items) > 3 and code == "7" and frozen == "True"


@pytest.mark.parametrize(("cores", "load", "spare"), [
    ({0, 1}, 0.3, True), ({0, 1}, 1.0, True), ({0, 1}, 1.6, False), ({0}, 0.0, False),
    (set(range(8)), 5.5, True), (set(range(8)), 7.5, False),
])
def test_a_child_is_forked_only_with_a_core_to_spare(monkeypatch, cores, load, spare):
    from tracker.tui import prefetch

    monkeypatch.setattr(prefetch.os, "sched_getaffinity", lambda pid: cores, raising=False)
    monkeypatch.setattr(prefetch.os, "getloadavg", lambda: (load, load, load))
    assert prefetch.spare_core() is spare
