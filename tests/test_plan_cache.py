"""The cache of loaded plans: used only for the exact text it was built from, never harmful."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.plan import cache
from tracker.plan.load import load_plan

from .helpers import write

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
