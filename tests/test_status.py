"""``tracker status``: the text summary, ``--all``, the ``--require`` gate and the JSON form,
judged on a real recorded run of the sample project of test_run.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import write
from .test_run import TODAY, items_by_id, make_project, status_json, tracker


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project with one recorded run (read only: no test changes it)."""
    project = make_project(tmp_path_factory.mktemp("status") / "shop")
    done = tracker(project, "run", "--", "-q")
    assert done.returncode == 1, done.stderr
    return project


def status(root: Path, *args: str):  # type: ignore[no-untyped-def]
    return tracker(root, "status", "--today", TODAY, *args)


@pytest.mark.slow
def test_text_lists_the_items_not_done_with_their_reasons(root):
    done = status(root)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Shop | Testing Plan: Phase 1 of 3 in progress (as of 2026-03-05)"
    assert lines[1].startswith("Evidence: run of ")
    assert lines[1].endswith(": 1 failed, 11 passed, 1 xfailed, 1 skipped")
    assert "  ✘ cart-discount  failing: 1 of 1 failing: test_discount_bug" in lines
    assert "  ◐ catalog        in progress: 2 of 10 tests" in lines
    assert "  ? review         claimed: unverified: nothing links it to evidence" in lines
    assert "Phase 3: Setup  ██████████ 100%  1/1  due 2026-04-05" in lines
    for done_item in ("cart-basics", "slow-tests", "cart-rules", "config"):
        assert done_item not in done.stdout
    assert "  Pass rate: 91.7%  target >= 95  NOT MET" in lines
    assert "  Coverage: 84.4%  target >= 50  met" in lines


@pytest.mark.slow
def test_all_lists_the_done_items_too(root):
    done = status(root, "--all")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert ("  ✔ cart-basics    done: 4 tests, all passing; targets covered 84.4%, by its own "
            "tests 81.2%") in lines
    assert "  ✔ slow-tests     done: 1 test, passing" in lines
    assert "  ✔ cart-rules     done: 1 test, passing" in lines
    assert "  ✔ config         done: the file check holds" in lines
    assert "  ✘ cart-discount  failing: 1 of 1 failing: test_discount_bug" in lines
    assert len([line for line in lines if line.startswith("  ") and "  " in line[4:]]) >= 7


@pytest.mark.slow
@pytest.mark.parametrize(("required", "code", "said"), [
    (("1",), 1, ["required but not done: phase 1: 3 of 4 done"]),
    (("cart-discount",), 1, ["required but not done: cart-discount: failing: 1 of 1 failing: "
                             "test_discount_bug"]),
    (("3",), 0, []),
    (("cart-basics", "3", "config"), 0, []),
    (("3", "2", "catalog"), 1, ["required but not done: phase 2: 0 of 2 done",
                                "required but not done: catalog: in progress: 2 of 10 tests"]),
])
def test_require_is_a_gate(root, required, code, said):
    args = [arg for ident in required for arg in ("--require", ident)]
    done = status(root, *args)
    assert done.returncode == code, done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("required")] == said
    assert done.stdout.startswith("Shop | Testing Plan")


@pytest.mark.slow
def test_require_of_an_unknown_id_is_bad_input(root):
    done = status(root, "--require", "1", "--require", "nope")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == \
        "--require nope: no phase or item has this id; check plan.yaml"
    assert "Traceback" not in done.stderr
    assert done.stdout == "", "the one line alone, not after a screen of status"


@pytest.mark.slow
def test_json_has_the_documented_fields(root):
    data = status_json(root)
    assert data["format"] == 1 and data["today"] == TODAY
    assert data["plan"] == {"title": "Shop | Testing Plan", "path": "plan.yaml",
                            "status": "Phase 1 of 3 in progress"}
    items = items_by_id(data)
    for item in data["items"]:
        assert {"id", "status", "reason", "tests", "phase", "targets"} <= set(item)
        assert {"linked", "passed", "failed"} <= set(item["tests"])
    assert items["cart-discount"]["tests"]["failed"] == 1
    assert items["cart-basics"]["tests"] == {"linked": 4, "passed": 4, "failed": 0,
                                             "skipped": 0, "not_run": 0, "failing": []}
    assert items["review"]["claim"] == "done"
    phases = {p["id"]: p for p in data["phases"]}
    assert {(p["id"], p["done"], p["total"], p["complete"]) for p in data["phases"]} == {
        ("1", 3, 4, False), ("2", 0, 2, False), ("3", 1, 1, True)}
    assert phases["1"]["due"] == "2026-03-15" and phases["1"]["state"] == "in progress"
    metrics = {m["id"]: m for m in data["metrics"]}
    assert set(metrics) == {"cov", "count", "rate", "slow", "time"}
    for metric in data["metrics"]:
        assert {"id", "current", "target", "met"} <= set(metric)
        assert isinstance(metric["current"], float) and isinstance(metric["met"], bool)
    assert [metrics["count"][k] for k in ("current", "target", "met")] == [14.0, ">= 5", True]
    assert [metrics["rate"][k] for k in ("target", "met")] == [">= 95", False]
    assert data["run"]["exit_code"] == 1 and data["run"]["collection_errors"] == []
    assert data["warnings"] == ["plan.yaml:32:9: warning: item 'review' is claimed done with "
                                "no evidence: link tests or files to prove it"]


def test_without_a_run_tests_are_found_but_not_proven(tmp_path):
    project = make_project(tmp_path / "shop")
    done = status(project, "--all")
    assert done.returncode == 0, done.stderr
    assert "Evidence: repository files; no test run recorded (run `tracker run`)" in done.stdout
    assert "  ◐ cart-discount  in progress: 1 test found, not yet run" in done.stdout
    assert "  ✔ config         done: the file check holds" in done.stdout
    data = status_json(project)
    assert data["run"] is None
    discount = items_by_id(data)["cart-discount"]
    assert discount["tests"]["linked"] == 1 and discount["tests"]["passed"] is None
    assert {m["id"]: (m["current"], m["met"]) for m in data["metrics"]}["cov"] == (None, None)


ESCAPES = r"""
    title: "Plan \e]0;pwned\a \e[31mred\e[0m [bold red]rich[/]"
    phases:
      - id: "1"
        title: "Phase \e[5mblink\e[0m [blink]x[/blink]"
        items:
          - id: skipped-one
            text: "Item \e[2J\e[31mred [red]markup[/red]"
            status: skipped
            note: "note \e]0;title\a \e[31mred\e[0m [b]bold[/b]"
          - id: missing
            text: "Other \e[5m"
            files: [{path: "nowhere \e[31m"}]
    metrics:
      - {id: m, title: "Metric \e[1mbold\e[0m", measure: tests.count, target: ">= 1",
         baseline: "\e]8;;http://x\a10"}
"""


def test_user_text_cannot_style_the_terminal(tmp_path):
    write(tmp_path, "plan.yaml", ESCAPES)
    shown = status(tmp_path, "--all")
    assert shown.returncode == 0, shown.stderr
    gate = status(tmp_path, "--require", "skipped-one", "--require", "missing")
    assert gate.returncode == 1
    as_json = status(tmp_path, "--json")
    assert as_json.returncode == 0, as_json.stderr
    for done in (shown, gate, as_json):
        for stream in (done.stdout, done.stderr):
            assert "\x1b" not in stream and "\x07" not in stream
    assert "Plan red [bold red]rich[/]: Not started" in shown.stdout  # markup shown as typed
    assert "  – skipped-one  skipped: note red [b]bold[/b]" in shown.stdout
    assert "Phase 1: Phase blink [blink]x[/blink]" in shown.stdout
    assert "  Metric bold: not yet measured  baseline 10  target >= 1" in shown.stdout
    assert "required but not done: skipped-one: skipped: note red [b]bold[/b]" in gate.stderr
    data = json.loads(as_json.stdout)  # the JSON keeps the text exactly, escaped by JSON
    assert items_by_id(data)["skipped-one"]["text"] == "Item \x1b[2J\x1b[31mred [red]markup[/red]"
