"""Following a report cheaply: a live view polls the report every few milliseconds, so a poll
that finds the file as it was only stats it; anything else is read as before."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tracker.evidence.reportlog import ReportTail


def line(**event: object) -> str:
    return json.dumps(event) + "\n"


START = line(event="start", version=1, rootdir="/r", args=[], pid=7, time=1_700_000_000.5)
TEST_A = line(event="test", nodeid="t.py::a", outcome="passed", markers=[], fixtures=[],
              plan_items=[])
TEST_B = line(event="test", nodeid="t.py::b", outcome="failed", markers=[], fixtures=[],
              plan_items=[])


def test_a_poll_of_an_unchanged_report_finds_nothing_and_growth_is_read(tmp_path: Path):
    path = tmp_path / "report.jsonl"
    path.write_text(START + TEST_A)
    tail = ReportTail(path)
    assert [e["event"] for e in tail.poll()] == ["start", "test"]
    assert tail.poll() == [] and tail.poll() == []
    with open(path, "a") as f:
        f.write(TEST_B)
    assert [e["nodeid"] for e in tail.poll()] == ["t.py::b"]


def test_a_report_replaced_by_one_of_the_same_length_is_read_from_its_start(tmp_path: Path):
    """A new run's report, as long as the last one so far: the file's identity differs."""
    path = tmp_path / "report.jsonl"
    path.write_text(START + TEST_A)
    tail = ReportTail(path)
    assert len(tail.poll()) == 2
    fresh = tmp_path / "new.jsonl"
    fresh.write_text(START + TEST_B)  # made while the old one exists: another inode
    assert fresh.stat().st_size == path.stat().st_size
    os.replace(fresh, path)
    assert [e.get("nodeid") for e in tail.poll()] == [None, "t.py::b"]
    assert [o.nodeid for o in tail.log.outcomes] == ["t.py::b"]
