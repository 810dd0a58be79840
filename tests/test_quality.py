"""Test quality and target complexity, read from a sample project's source and judged.

The sample (tests/fixtures/quality) holds one test per weak-assertion and mock pattern and
a module whose functions have known McCabe complexities; nothing in it is imported.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tracker.evidence.complexity import complexity_of
from tracker.evidence.pytest_config import PytestConfig
from tracker.evidence.quality import read_quality
from tracker.evidence.testscan import scan_source

from .helpers import call_cli, write

SAMPLE = Path(__file__).parent / "fixtures" / "quality"
PATTERNS = "tests/test_patterns.py"


def quality_of_sample():
    source = (SAMPLE / PATTERNS).read_text(encoding="utf-8")
    scanned = scan_source(source, PATTERNS, PytestConfig())
    return {nodeid.rsplit("::", 1)[1]: q for nodeid, q in read_quality(source,
                                                                        scanned.tests).items()}


def test_each_pattern_is_read_from_the_syntax_tree():
    found = quality_of_sample()
    summary = {name: (q.assertions, [kind for _, kind in q.weak], q.mocks, q.patched,
                      q.is_async) for name, q in found.items()}
    assert summary == {
        "test_strong": (3, [], 0, (), False),  # assert, pytest.raises, check_* helper
        "test_bare_truthiness": (1, ["bare truthiness"], 0, (), False),
        "test_is_not_none": (1, ["is not None"], 0, (), False),
        "test_len_positive": (1, ["len(x) > 0"], 0, (), False),
        "test_called_without_arguments": (1, ["assert_called() without arguments"], 1, (),
                                          False),
        "test_no_assertion": (0, [], 0, (), False),
        "test_patches_the_target": (1, [], 3, ("shop.cart.Cart.save", "shop.cart.discount",
                                               "shop.cart.total"), False),
        "test_patches_an_import_only": (1, ["bare truthiness"], 1, ("shop.cart.json.dumps",),
                                        False),
        "test_async_unmarked": (1, [], 0, (), True),
        "test_async_marked": (1, [], 0, (), True),
        "test_unittest_style": (3, ["bare truthiness", "is not None"], 0, (), False),
    }


def test_complexity_of_the_sample_module():
    found = complexity_of((SAMPLE / "src/shop/cart.py").read_text(encoding="utf-8"))
    assert [(f.name, f.complexity) for f in found] == [
        ("total", 1), ("discount", 3), ("checkout", 6), ("Cart.add", 2), ("Cart.save", 1)]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("quality")
    shutil.copytree(SAMPLE, root, dirs_exist_ok=True)
    write(root, "plan.yaml", """
title: Quality
phases:
  - id: "1"
    title: Quality
    items:
      - id: weak
        text: Strengthen the weak assertions
        tests: [tests/test_patterns.py]
        expect: {max_weak_assertions: 0, max_no_assertion: 0, min_assertions_per_test: 2}
      - id: mocking
        text: Stop patching the cart itself
        tests: [tests/test_patterns.py]
        targets: [src/shop/cart.py]
        expect: {max_target_patches: 0, max_mocks_per_test: 0.25}
      - id: async
        text: Mark the async tests
        tests: ["tests/test_patterns.py::test_async_unmarked",
                "tests/test_patterns.py::test_async_marked"]
        expect: {max_async_unmarked: 0}
      - id: simple
        text: Keep the cart simple
        targets: [src/shop/cart.py]
        expect: {max_complexity: 4}
      - id: simple-enough
        text: The cart is simple enough
        targets: [src/shop/cart.py]
        expect: {max_complexity: 6}
metrics:
  - {id: weak-all, title: Weak assertions, measure: quality.weak_assertions, target: "<= 0"}
  - {id: per-test, title: Assertions per test, measure: quality.assertions_per_test,
     target: ">= 1"}
  - {id: bare, title: Tests without assertion, measure: quality.no_assertion}
  - {id: mocks, title: Mocks per test, measure: quality.mocks_per_test}
  - {id: async-all, title: Unmarked async tests, measure: quality.async_unmarked}
  - {id: complex, title: Worst function, measure: "complexity.max(glob=src/**/*.py)",
     target: "<= 5"}
  - {id: none, title: Nothing, measure: "complexity.max(glob=lib/**/*.py)"}
""")
    return root


@pytest.fixture(scope="module")
def status(project) -> dict:
    done = call_cli("status", "--json", cwd=project)
    assert done.returncode in (0, 1), done
    return json.loads(done.stdout)


def item(status: dict, item_id: str) -> dict:
    return next(i for i in status["items"] if i["id"] == item_id)


def finding(status: dict, item_id: str, key: str) -> dict:
    return next(f for f in item(status, item_id)["quality"] if f["measure"] == key)


def test_weak_assertions_are_named_with_their_lines(status):
    weak = finding(status, "weak", "max_weak_assertions")
    assert (weak["value"], weak["met"], weak["offenders_total"]) == (7, False, 7)
    assert weak["offenders"][0] == "tests/test_patterns.py::test_bare_truthiness " \
                                   "(line 25: bare truthiness)"
    none = finding(status, "weak", "max_no_assertion")
    assert none["offenders"] == ["tests/test_patterns.py::test_no_assertion"]
    per_test = finding(status, "weak", "min_assertions_per_test")
    assert per_test["value"] == pytest.approx(14 / 11)
    reason = item(status, "weak")["reason"]
    assert "7 weak assertions (at most 0): tests/test_patterns.py::test_bare_truthiness " \
           "(line 25: bare truthiness)" in reason
    assert "and 4 more" in reason


def test_patching_the_targets_own_functions_is_over_mocking(status):
    patches = finding(status, "mocking", "max_target_patches")
    assert patches["offenders"] == [
        "tests/test_patterns.py::test_patches_the_target patches shop.cart.Cart.save",
        "tests/test_patterns.py::test_patches_the_target patches shop.cart.discount",
        "tests/test_patterns.py::test_patches_the_target patches shop.cart.total"]
    mocks = finding(status, "mocking", "max_mocks_per_test")
    assert mocks["value"] == pytest.approx(5 / 11)
    assert mocks["offenders"][0] == "tests/test_patterns.py::test_patches_the_target (3)"


def test_async_tests_without_the_mark(status):
    unmarked = finding(status, "async", "max_async_unmarked")
    assert unmarked["offenders"] == ["tests/test_patterns.py::test_async_unmarked"]
    assert "1 async test without the asyncio mark (at most 0): tests/test_patterns.py::" \
           "test_async_unmarked" in item(status, "async")["reason"]


def test_auto_mode_needs_no_mark(project, tmp_path):
    shutil.copytree(project, tmp_path, dirs_exist_ok=True)
    shutil.rmtree(tmp_path / ".tracker", ignore_errors=True)
    write(tmp_path, "pytest.ini", "[pytest]\nasyncio_mode = auto\n")
    data = json.loads(call_cli("status", "--json", cwd=tmp_path).stdout)
    assert finding(data, "async", "max_async_unmarked")["met"] is True


def test_complexity_names_the_worst_functions(status):
    simple = item(status, "simple")
    assert simple["status"] == "in progress"
    assert simple["reason"] == ("6 complexity (at most 4): src/shop/cart.py::checkout (6)")
    enough = item(status, "simple-enough")
    assert (enough["status"], enough["reason"]) == ("done", "6 complexity (at most 6)")


def test_plan_wide_measures(status):
    values = {m["id"]: m["current"] for m in status["metrics"]}
    assert values == {"weak-all": 7, "per-test": pytest.approx(14 / 11), "bare": 1,
                      "mocks": pytest.approx(5 / 11), "async-all": 1, "complex": 6,
                      "none": None}
    shown = {m["id"]: m["display"] for m in status["metrics"]}
    assert (shown["per-test"], shown["complex"], shown["none"]) == (
        "1.27", "6", "no function in the files the glob matches")
    met = {m["id"]: m["met"] for m in status["metrics"]}
    assert (met["weak-all"], met["per-test"], met["complex"]) == (False, True, False)


def test_the_document_and_the_cache(project):
    done = call_cli("render", "-o", "doc.md", cwd=project)
    assert done.returncode == 0, done
    document = (project / "doc.md").read_text(encoding="utf-8")
    assert "expect: at most 4 complexity" in document
    assert "6 complexity (at most 4): src/shop/cart.py::checkout (6)" in document
    cache = json.loads((project / ".tracker" / "cache" / "quality.json").read_text())
    assert set(cache["complexity"]) == {"src/shop/__init__.py", "src/shop/cart.py"}
    assert "tests/test_patterns.py" in cache["tests"]


def test_a_damaged_cache_is_read_again(project, tmp_path):
    shutil.copytree(project, tmp_path, dirs_exist_ok=True)
    call_cli("status", "--json", cwd=tmp_path)  # fills the cache, whichever test ran before
    cache = tmp_path / ".tracker" / "cache" / "quality.json"
    data = json.loads(cache.read_text())
    for entry in data["tests"].values():
        for values in entry[2].values():
            values[1] = "not a list"
    for entry in data["complexity"].values():
        entry[2] = [["checkout", 1, "six"]]
    cache.write_text(json.dumps(data))
    again = json.loads(call_cli("status", "--json", cwd=tmp_path).stdout)
    assert finding(again, "weak", "max_weak_assertions")["value"] == 7
    assert item(again, "simple")["reason"].startswith("6 complexity")


@pytest.mark.parametrize(("expect", "message"), [
    ("{max_weak_assertions: -1}", "'max_weak_assertions' of expect of item 'a' must be at least 0"),
    ("{max_complexity: 0}", "'max_complexity' of expect of item 'a' must be at least 1"),
    ("{min_assertions_per_test: many}", "'min_assertions_per_test' of expect of item 'a' must "
                                        "be a number, not text 'many'"),
    ("{max_mocks: 1}", "unknown key 'max_mocks' in expect of item 'a': did you mean "
                       "'max_mocks_per_test'?"),
])
def test_thresholds_that_cannot_hold_are_refused_at_their_line(expect, message):
    from tracker.plan.load import load_plan_text

    text = ("title: T\nphases:\n  - id: '1'\n    title: P\n    items:\n"
            f"      - id: a\n        text: A\n        expect: {expect}\n")
    result = load_plan_text(text, "plan.yaml")
    assert [str(p).split(": ", 1)[1] for p in result.errors] == [message]
    assert result.errors[0].location.line == 8


@pytest.mark.parametrize(("config", "auto"), [
    ("[tool.pytest.ini_options]\nasyncio_mode = 'auto'\n", True),
    ("[tool.pytest.ini_options]\naddopts = '-q --asyncio-mode=auto'\n", True),
    ("[tool.pytest.ini_options]\nasyncio_mode = 'auto'\naddopts = '--asyncio-mode strict'\n",
     False),
    ("[tool.pytest.ini_options]\naddopts = '-q'\n", False),
])
def test_the_asyncio_mode_is_read_from_the_pytest_config(tmp_path, config, auto):
    from tracker.evidence.pytest_config import read_pytest_config

    write(tmp_path, "pyproject.toml", config)
    assert read_pytest_config(tmp_path).asyncio_auto is auto


def test_the_cache_answers_for_an_unchanged_file(project, tmp_path):
    """A cached entry is what is read while the file keeps its size and mtime: forging one
    (which no real run does) shows up in the answer; touching the file drops it."""
    shutil.copytree(project, tmp_path, dirs_exist_ok=True)
    call_cli("status", "--json", cwd=tmp_path)  # fills the cache, whichever test ran before
    cache = tmp_path / ".tracker" / "cache" / "quality.json"
    data = json.loads(cache.read_text())
    entry = data["tests"][PATTERNS][2]
    entry[f"{PATTERNS}::test_bare_truthiness"][1] = []  # its weak assertion, forgotten
    cache.write_text(json.dumps(data))
    forged = json.loads(call_cli("status", "--json", cwd=tmp_path).stdout)
    assert finding(forged, "weak", "max_weak_assertions")["value"] == 6
    path = tmp_path / PATTERNS
    path.write_text(path.read_text() + "\n")
    fresh = json.loads(call_cli("status", "--json", cwd=tmp_path).stdout)
    assert finding(fresh, "weak", "max_weak_assertions")["value"] == 7
