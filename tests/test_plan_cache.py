"""The cache of loaded plans: used only for the exact text it was built from, never harmful."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tracker import pickle_cache
from tracker.plan import cache
from tracker.plan.load import load_plan, load_plan_text

from .helpers import run_cli, write

ITEMS = "".join(f"      - {{id: item-{n}, text: Item number {n}}}\n" for n in range(400))
PLAN = "title: Cached\nphases:\n  - id: '1'\n    title: One\n    items:\n" + ITEMS


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    path = write(tmp_path, "plan.yaml", PLAN)
    assert len(PLAN) >= cache.MIN_TEXT_CHARS  # big enough to be cached
    return path


def entry(path: Path) -> Path:
    return cache.cache_file(path.parent, "plan.yaml")


def test_a_second_load_reads_the_cached_result(plan, monkeypatch):
    first = load_plan(plan, display="plan.yaml")
    assert entry(plan).is_file()
    built = []
    monkeypatch.setattr("tracker.plan.load._build",
                        lambda *a: built.append(a) or pytest.fail("built again"))
    second = load_plan(plan, display="plan.yaml")
    assert not built
    assert second.plan == first.plan and second.problems == first.problems
    assert len(second.plan.phases[0].items) == 400


def test_an_edited_plan_is_loaded_again(plan):
    load_plan(plan, display="plan.yaml")
    plan.write_text(PLAN.replace("Item number 7}", "Item seven}"), encoding="utf-8")
    again = load_plan(plan, display="plan.yaml")
    assert again.plan.item("item-7").text == "Item seven"


def test_problems_are_cached_with_the_plan(plan):
    plan.write_text(PLAN + "bogus_key: 1\n", encoding="utf-8")
    first = load_plan(plan, display="plan.yaml")
    second = load_plan(plan, display="plan.yaml")
    assert [str(p) for p in second.problems] == [str(p) for p in first.problems]
    assert any("bogus_key" in str(p) for p in second.problems)


@pytest.mark.parametrize("damage", [b"", b"not a pickle at all", None])
def test_a_damaged_entry_is_ignored_and_replaced(plan, damage):
    expected = load_plan(plan, display="plan.yaml")
    path = entry(plan)
    data = path.read_bytes()
    path.write_bytes(damage if damage is not None else data[:40] + b"\x00" * (len(data) - 40))
    again = load_plan(plan, display="plan.yaml")
    assert again.plan == expected.plan
    assert path.read_bytes() == data  # written anew, whole


def test_an_entry_of_other_code_is_not_used(plan, monkeypatch):
    load_plan(plan, display="plan.yaml")
    monkeypatch.setattr(cache, "_code_stamp", lambda: "another checkout")
    calls = []
    real = cache._read
    monkeypatch.setattr(cache, "_read", lambda p, k: calls.append(real(p, k)) or calls[-1])
    load_plan(plan, display="plan.yaml")
    assert calls == [None]


def test_a_data_folder_that_cannot_be_made_still_loads(plan):
    (plan.parent / ".tracker").write_text("a file where the folder would be\n")
    result = load_plan(plan, display="plan.yaml")  # even root cannot make a folder here
    assert result.plan is not None and len(result.plan.phases[0].items) == 400
    assert (plan.parent / ".tracker").read_text() == "a file where the folder would be\n"


def test_small_plans_are_not_cached(tmp_path):
    path = write(tmp_path, "plan.yaml", "title: Small\n")
    assert load_plan(path).plan is not None
    assert not (tmp_path / ".tracker").exists()


def test_the_data_folder_ignores_itself(plan):
    load_plan(plan, display="plan.yaml")
    ignore = plan.parent / ".tracker" / ".gitignore"
    assert ignore.read_text(encoding="utf-8").splitlines()[-1] == "*"


EVERY_PART = """\
title: Every part
created: 2026-03-02
review: {next: 2026-03-16, every: 2w}
phases:
  - id: '1'
    title: One
    weeks: 1-2
    items:
      - id: a
        text: A
        tests: [tests/test_a.py, {keyword: "a and not b"}, {marker: slow}]
        files: [{file: setup.cfg, contains: "x+", regex: true}]
        targets: [src/a.py]
        expect: {min_tests: 1}
        status: done
metrics: [{id: m, title: M, measure: tests.count, target: ">= 1"}]
risks: [{risk: R}]
approvals: [{role: Lead}]
related: [docs/a.md]
coverage: {source: [src]}
"""


def test_the_code_stamp_covers_every_module_a_load_imports(tmp_path):
    """An edit to any module the loader uses must invalidate the cache, so each is stamped."""
    script = ("import sys\nfrom tracker.plan.load import load_plan_text\n"
              f"assert not load_plan_text({EVERY_PART!r}, 'p.yaml').problems\n"
              "print('\\n'.join(sorted(m.__file__ for n, m in sys.modules.items()\n"
              "      if n == 'tracker' or n.startswith('tracker.'))))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.split()
    package = Path(cache.__file__).resolve().parent.parent
    imported = {Path(f).resolve().relative_to(package).as_posix() for f in out}
    assert "evidence/keyword.py" in imported  # the plan above reaches every part
    assert imported <= set(cache.LOADING_FILES), imported - set(cache.LOADING_FILES)
    assert all((package / name).is_file() for name in cache.LOADING_FILES)


def _wait_for(path: Path) -> bool:
    """Whether ``path`` shows up within a minute (the detached writer is not waited for)."""
    deadline = time.monotonic() + 60
    while not path.is_file():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


WARNED = PLAN.replace("Item number 0}", "Item number 0, tests: [tests/test_gone.py]}")


@pytest.mark.parametrize(("text", "strict", "status"), [
    (PLAN, False, 0), (WARNED, True, 1), (PLAN + "bogus_key: 1\n", False, 2)])
def test_the_program_writes_the_cache_after_its_output_and_whole(plan, monkeypatch, text,
                                                                 strict, status):
    """``tracker`` leaves the pickling to a child it does not wait for, and then exits at
    once: its output and exit status are those of a run that reads the cache, and the entry
    appears afterwards, valid."""
    plan.write_text(text, encoding="utf-8")
    args = ("check", "plan.yaml", *(["--strict"] if strict else []))
    cold = run_cli(*args, cwd=plan.parent)
    assert cold.returncode == status, cold.stderr
    assert "Traceback" not in cold.stderr
    path = entry(plan)
    assert _wait_for(path)
    expected = load_plan_text(text, "plan.yaml")  # no root: built here, not read
    monkeypatch.setattr("tracker.plan.load._build", lambda *a: pytest.fail("built again"))
    again = load_plan(plan, display="plan.yaml")
    assert again.plan == expected.plan and again.problems == expected.problems
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []
    warm = run_cli(*args, cwd=plan.parent)  # reads the entry: nothing is left to write
    assert (warm.returncode, warm.stdout, warm.stderr) == (
        cold.returncode, cold.stdout, cold.stderr)


def test_noted_writes_wait_for_the_detached_writer(plan):
    with pickle_cache.deferred_writes() as pending:
        first = load_plan(plan, display="plan.yaml")
    assert not entry(plan).exists()  # only noted
    assert list(pending) == [entry(plan)]
    pickle_cache.write_detached(pending)
    assert _wait_for(entry(plan))
    assert load_plan(plan, display="plan.yaml").plan == first.plan


def test_a_long_running_command_stops_deferring(plan):
    """The terminal UI calls write_now: what was noted is written, and so is what follows."""
    with pickle_cache.deferred_writes() as pending:
        load_plan(plan, display="plan.yaml")
        pickle_cache.write_now()
        assert entry(plan).is_file() and not pending
        entry(plan).unlink()
        plan.write_text(PLAN + "# edited\n", encoding="utf-8")
        load_plan(plan, display="plan.yaml")
        assert entry(plan).is_file() and not pending  # written at once, not noted


@pytest.mark.parametrize("how", ["no fork", "fork fails", "threads run"])
def test_without_a_safe_fork_the_entries_are_written_inline(plan, monkeypatch, how):
    """Windows has no fork, a full process table refuses one, and a forked copy of a threaded
    process may inherit a lock held forever: then the write happens before returning."""
    if how == "no fork":
        monkeypatch.delattr(os, "fork", raising=False)
    elif how == "fork fails":
        def refuse() -> int:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        monkeypatch.setattr(os, "fork", refuse)
    else:
        import threading

        monkeypatch.setattr(threading, "active_count", lambda: 2)
    with pickle_cache.deferred_writes() as pending:
        first = load_plan(plan, display="plan.yaml")
    pickle_cache.write_detached(pending)
    assert entry(plan).is_file()  # written before write_detached returned
    assert load_plan(plan, display="plan.yaml").plan == first.plan
