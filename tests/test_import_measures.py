"""``tracker import`` maps sentences that name a measure of the test source to it.

The sentences below are written in the manner of real hand-kept plans (claims of work on
weak assertions, over-mocking, async marks, singleton resets), in our own words: the test
must give the same answer in every clone, so it reads nothing outside the repository. The
note after each item is a claim and is left out, as the importer leaves it out.
"""

from __future__ import annotations

import pytest

from tracker.importer.checklist import Checkbox, claim_and_note
from tracker.importer.convert import import_markdown
from tracker.importer.infer import Repository, infer_links
from tracker.plan.load import load_plan_text

from .helpers import write

#: a checklist as teams write it, every box ticked, each with a note justifying the claim
CHECKLIST = [
    "Tighten the 14 weak assertions in the API tests (rewrote them to compare values)",
    "Fix over-mocking in test_uploader.py (now patches only the HTTP client)",
    "Put the asyncio mark on all async tests (done for every module)",
    "Drop the repeated singleton resets between tests (one autouse fixture now)",
    "Simplify complex test setup in the worker tests (split into helpers)",
    "Move shared objects into centralized fixtures (conftest.py holds them)",
    "Add retry tests for the uploader (12 new tests)",
]


@pytest.fixture(scope="module")
def items() -> list[str]:
    """The checklist's item texts, their notes cut off as the importer cuts them."""
    return [claim_and_note(Checkbox(0, "done", line))[0] for line in CHECKLIST]


def one(texts: list[str], *words: str) -> str:
    found = [t for t in texts if all(w.lower() in t.lower() for w in words)]
    assert len(found) == 1, (words, found)
    return found[0]


def test_sentences_that_name_a_measure_are_mapped(items):
    weak = infer_links(one(items, "weak assertions"), None)
    assert weak.expect == {"max_weak_assertions": 0}
    assert weak.tests == ["**/test_*.py"]
    mocking = infer_links(one(items, "over-mocking"), None)
    assert mocking.expect == {"max_target_patches": 0}
    assert mocking.tests == ["**/test_uploader.py"]
    assert mocking.targets == ["**/uploader.py"]
    marks = infer_links(one(items, "asyncio", "async tests"), None)
    assert marks.expect == {"max_async_unmarked": 0}


def test_sentences_that_do_not_name_what_to_measure_stay_manual(items):
    for words in (("singleton",), ("complex",), ("centralized fixtures",)):
        found = infer_links(one(items, *words), None)
        assert (found.expect, found.files, found.tests) == ({}, [], []), words


def test_a_note_justifying_a_claim_is_not_read(items):
    """"(12 new tests)" justifies a claim: it neither links tests nor sets a count."""
    found = infer_links(one(items, "retry tests"), None)
    assert found.expect == {}


def test_every_item_imports_to_a_valid_plan(items):
    document = "# Plan\n\n## Phase 1: All\n\n" + "".join(f"- [ ] {t}\n" for t in items)
    result = import_markdown(document, "plan.md", None)
    loaded = load_plan_text(result.text, "plan.yaml")
    assert loaded.errors == [], loaded.errors
    measured = [i for _, i in (loaded.plan.items() if loaded.plan else []) if i.expect.quality]
    assert len(measured) == 3


@pytest.mark.parametrize(("text", "expect", "files"), [
    ("Remove duplicated `Registry._instance = None` resets", {},
     [{"glob": "tests/**/*.py", "contains": "Registry._instance = None", "max": 1}]),
    ("Remove `time.sleep(` from the tests", {},
     [{"glob": "tests/**/*.py", "lacks": "time.sleep("}]),
    ("Bring the complexity of src/cart.py below 8", {"max_complexity": 7}, []),
    ("Keep complexity of pricing.py at most 10", {"max_complexity": 10}, []),
    ("Give every test in test_cart.py an assertion: none without assertions",
     {"max_no_assertion": 0}, []),
])
def test_sentences_naming_what_to_measure(text, expect, files):
    found = infer_links(text, None)
    assert (found.expect, found.files) == (expect, files)


def test_with_the_repository_only_what_exists_is_measured(tmp_path):
    write(tmp_path, "tests/test_cart.py", "def test_a():\n    pass\n")
    write(tmp_path, "src/shop/cart.py", "def total():\n    pass\n")
    repo = Repository(tmp_path)
    kept = infer_links("Fix over-mocking in test_cart.py", repo)
    assert (kept.expect, kept.targets) == ({"max_target_patches": 0}, ["**/cart.py"])
    gone = infer_links("Fix over-mocking in test_orders.py", repo)
    assert gone.expect == {}
    assert any("no orders.py" in why for why in gone.unlinked) or gone.dropped
