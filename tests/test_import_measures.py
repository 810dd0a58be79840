"""``tracker import`` maps sentences that name a measure of the test source to it.

The seed plan the project replaces (``../shared/seed/``) is read at test time, never copied:
its checklist's sentences go through the importer's inference exactly as an import would
(the note after each is a claim and is left out, as the importer leaves it out).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.importer.checklist import Checkbox, claim_and_note
from tracker.importer.convert import import_markdown
from tracker.importer.infer import Repository, infer_links
from tracker.plan.load import load_plan_text

from .helpers import write

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / \
    "backend-testing-improvement-plan.txt"


@pytest.fixture(scope="module")
def seed_items() -> list[str]:
    """The seed checklist's item texts, their notes cut off as the importer cuts them."""
    if not SEED.is_file():
        pytest.skip(f"the seed plan is not beside the repository ({SEED})")
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = lines.index("Implementation Checklist")
    texts = []
    for line in lines[start:]:
        if line.strip() == "Success Metrics":
            break
        if line.strip().startswith("•"):
            text, _, _ = claim_and_note(Checkbox(0, "done", line.strip()[1:].strip()))
            texts.append(text)
    assert len(texts) > 20
    return texts


def one(texts: list[str], *words: str) -> str:
    found = [t for t in texts if all(w.lower() in t.lower() for w in words)]
    assert len(found) == 1, (words, found)
    return found[0]


def test_seed_sentences_that_name_a_measure_are_mapped(seed_items):
    weak = infer_links(one(seed_items, "weak assertions"), None)
    assert weak.expect == {"max_weak_assertions": 0}
    assert weak.tests == ["**/test_*.py"]
    mocking = infer_links(one(seed_items, "over-mocking"), None)
    assert mocking.expect == {"max_target_patches": 0}
    assert mocking.tests == ["**/test_download_manager.py"]
    assert mocking.targets == ["**/download_manager.py"]
    marks = infer_links(one(seed_items, "asyncio", "async tests"), None)
    assert marks.expect == {"max_async_unmarked": 0}


def test_seed_sentences_that_do_not_name_what_to_measure_stay_manual(seed_items):
    for words in (("singleton",), ("complex",), ("centralized fixtures",)):
        found = infer_links(one(seed_items, *words), None)
        assert (found.expect, found.files, found.tests) == ({}, [], []), words


def test_every_seed_item_still_imports_to_a_valid_plan(seed_items):
    document = "# Plan\n\n## Phase 1: All\n\n" + "".join(f"- [ ] {t}\n" for t in seed_items)
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
