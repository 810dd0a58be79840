"""The on-disk cache of the static test scan: used when valid, never trusted when not.

Every test compares against what a fresh parse gives, because the cache's one rule is that it
must never change an answer: hits, files that changed, damaged or foreign cache files and
folders that cannot be written all end in the same workspace evidence.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from tracker.evidence import fileindex as fileindex_module
from tracker.evidence.pytest_config import PytestConfig
from tracker.evidence.scancache import FORMAT, ScanCache, cache_path, settled
from tracker.evidence.testscan import scan_source
from tracker.evidence.workspace import gather_workspace
from tracker.plan.load import load_plan
from tracker.plan.model import Plan

from .helpers import write

TESTS = """
import pytest

pytestmark = pytest.mark.network

@pytest.mark.plan("a")
@pytest.mark.parametrize("x", [1, 2, 3])
def test_prop(x, tmp_path):
    assert x

class TestRetry:
    @pytest.mark.slow
    def test_once(self, benchmark):
        assert benchmark
"""

PLAN = """\
title: T
phases:
  - id: p
    title: P
    items:
      - id: a
        text: A
        tests: ["tests/test_client.py::TestRetry", {marker: slow}, {keyword: "prop or once"}]
      - id: b
        text: B
        tests: [tests/unit]
"""

AN_HOUR_AGO = time.time() - 3600


def settle(root: Path) -> None:
    """Date every file an hour back: freshly written files are (rightly) never cached."""
    for path in root.rglob("*"):
        if ".tracker" not in path.parts:
            os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write(tmp_path, "tests/test_client.py", TESTS)
    write(tmp_path, "tests/unit/test_small.py", "def test_a():\n    assert 1\n")
    write(tmp_path, "plan.yaml", PLAN)
    settle(tmp_path)
    return tmp_path


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the workspace parses (rather than takes from the cache), in order."""
    parsed: list[str] = []

    def counting(source: str | bytes, relpath: str, config: PytestConfig):  # type: ignore[no-untyped-def]
        parsed.append(relpath)
        return scan_source(source, relpath, config)

    monkeypatch.setattr(fileindex_module, "scan_source", counting)
    return parsed


def plan_of(root: Path) -> Plan:
    result = load_plan(root / "plan.yaml")
    assert result.plan is not None, result.problems
    return result.plan


def evidence(root: Path) -> tuple[object, ...]:
    """Everything the workspace shows, in a form that compares by value."""
    ws = gather_workspace(plan_of(root), root)
    return (ws.items, ws.tests, ws.problems)


def test_a_second_run_parses_nothing_and_answers_the_same(repo: Path, parses: list[str]):
    first = evidence(repo)
    assert sorted(parses) == ["tests/test_client.py", "tests/unit/test_small.py"]
    assert cache_path(repo).is_file()
    parses.clear()
    assert evidence(repo) == first
    assert parses == []


def test_a_changed_file_is_parsed_again(repo: Path, parses: list[str]):
    evidence(repo)
    write(repo, "tests/unit/test_small.py", "def test_a():\n    pass\n\ndef test_b():\n    pass\n")
    os.utime(repo / "tests/unit/test_small.py", (AN_HOUR_AGO + 60, AN_HOUR_AGO + 60))
    parses.clear()
    ws = gather_workspace(plan_of(repo), repo)
    assert parses == ["tests/unit/test_small.py"]
    assert ws.items["b"].links[0].tests == ("tests/unit/test_small.py::test_a",
                                            "tests/unit/test_small.py::test_b")


def test_a_file_changed_moments_ago_is_not_cached_yet(repo: Path, parses: list[str]):
    """A second change could hide in the same timestamp tick: such files are parsed every
    time until they have been left alone for a while."""
    fresh = repo / "tests/unit/test_small.py"
    now_ns = time.time_ns() + 1  # not a whole second
    os.utime(fresh, ns=(now_ns, now_ns))
    evidence(repo)
    parses.clear()
    evidence(repo)
    assert parses == ["tests/unit/test_small.py"]
    os.utime(fresh, ns=(now_ns - 10**9, now_ns - 10**9))
    evidence(repo)
    parses.clear()
    evidence(repo)
    assert parses == []


NOW_NS = 1_800_000_000_500_000_000  # half past a second


@pytest.mark.parametrize(("mtime_ns", "expected"), [
    (NOW_NS - 50_000_000, False),  # nanosecond clock: 50 ms is within a tick or so
    (NOW_NS - 150_000_000, True),
    (1_800_000_000_000_000_000, False),  # whole seconds (FAT, HFS+): 0.5 s is too recent
    (1_799_999_998_000_000_000, True),  # 2.5 s
])
def test_the_settle_time_follows_the_file_systems_clock(mtime_ns: int, expected: bool):
    assert settled(mtime_ns, NOW_NS) is expected


@pytest.mark.parametrize("damage", [
    b"",
    b"{",
    b"\xff\xfe not json",
    b"[1, 2, 3]",
    b'{"format": 1, "key": "wrong", "files": {}}',
    b"[" * 100_000,
], ids=["empty", "truncated", "binary", "a-list", "foreign-key", "deeply-nested"])
def test_a_damaged_cache_file_is_ignored_and_replaced(repo: Path, parses: list[str],
                                                      damage: bytes):
    expected = evidence(repo)
    cache_path(repo).write_bytes(damage)
    parses.clear()
    assert evidence(repo) == expected
    assert sorted(parses) == ["tests/test_client.py", "tests/unit/test_small.py"]
    json.loads(cache_path(repo).read_text(encoding="utf-8"))  # written anew, whole


def damaged_entries(entry: list[object]) -> list[object]:
    """Well-formed JSON with something wrong in one file's entry, one way per value."""
    test = entry[4][0]  # type: ignore[index]
    wrong_tests = [test[:7], [1, *test[1:]], [test[0], "Test", *test[2:]],
                   [*test[:2], "3", *test[3:]], [*test[:3], [7], *test[4:]],
                   [*test[:6], 1.5, test[7]], [*test[:7], 1]]
    return [None, "entry", entry[:4], [*entry[:2], 7, *entry[3:]],
            [*entry[:3], "1", entry[4]], [*entry[:4], "tests"], [*entry[:4], [None]],
            *([*entry[:4], [t]] for t in wrong_tests)]


def test_every_damaged_entry_is_reparsed(repo: Path, parses: list[str]):
    expected = evidence(repo)
    stored = json.loads(cache_path(repo).read_text(encoding="utf-8"))
    relpath = "tests/test_client.py"
    for damaged in damaged_entries(stored["files"][relpath]):
        stored["files"][relpath] = damaged
        cache_path(repo).write_text(json.dumps(stored), encoding="utf-8")
        parses.clear()
        assert evidence(repo) == expected, damaged
        assert parses == [relpath], damaged


def test_another_tracker_or_python_or_collection_setting_starts_afresh(repo: Path,
                                                                       parses: list[str]):
    expected = evidence(repo)
    stored = json.loads(cache_path(repo).read_text(encoding="utf-8"))
    for i, other in enumerate(["0.0.1", "2.7.18 (default)", ["Check"], ["check"]]):
        key = list(stored["key"])
        key[i] = other
        cache_path(repo).write_text(json.dumps({**stored, "key": key}), encoding="utf-8")
        parses.clear()
        assert evidence(repo) == expected
        assert len(parses) == 2


def test_a_folder_that_cannot_be_created_only_costs_the_cache(repo: Path, parses: list[str]):
    (repo / ".tracker").write_text("not a folder", encoding="utf-8")
    expected = evidence(repo)
    parses.clear()
    assert evidence(repo) == expected
    assert len(parses) == 2
    assert (repo / ".tracker").read_text(encoding="utf-8") == "not a folder"


def test_an_unreadable_cache_is_a_miss(repo: Path, parses: list[str]):
    expected = evidence(repo)
    cache_path(repo).unlink()
    cache_path(repo).mkdir()  # a folder where the file should be: cannot be read or replaced
    parses.clear()
    assert evidence(repo) == expected
    assert len(parses) == 2


def test_deleted_files_leave_the_cache(repo: Path):
    evidence(repo)
    (repo / "tests/unit/test_small.py").unlink()
    write(repo, "tests/test_new.py", "def test_n():\n    pass\n")
    settle(repo)
    evidence(repo)
    stored = json.loads(cache_path(repo).read_text(encoding="utf-8"))
    assert sorted(stored["files"]) == ["tests/test_client.py", "tests/test_new.py"]


def test_a_cached_scan_equals_a_fresh_one(repo: Path):
    config = PytestConfig()
    source = (repo / "tests/test_client.py").read_bytes()
    fresh = scan_source(source, "tests/test_client.py", config)
    stamp = (len(source), AN_HOUR_AGO_NS)
    cache = ScanCache(cache_path(repo), config)
    cache.put("tests/test_client.py", stamp, fresh)
    cache.save({"tests/test_client.py"})
    again = ScanCache.load(repo, config)
    assert again.get("tests/test_client.py", stamp) == fresh
    assert again.get("tests/test_client.py", (stamp[0] + 1, stamp[1])) is None
    assert again.get("tests/other.py", stamp) is None


def test_syntax_errors_are_cached_as_such(repo: Path, parses: list[str]):
    write(repo, "tests/test_broken.py", "def test_x(:\n    pass\n")
    settle(repo)
    write(repo, "plan.yaml", PLAN + "      - {id: c, text: C, tests: [tests/test_broken.py]}\n")
    first = gather_workspace(plan_of(repo), repo).items["c"].links[0].problem
    parses.clear()
    assert gather_workspace(plan_of(repo), repo).items["c"].links[0].problem == first
    assert parses == []
    assert first is not None and "syntax error" in first


def test_globs_never_match_trackers_own_folder(repo: Path):
    write(repo, "plan.yaml", PLAN + "      - {id: g, text: G, files: [{glob: '**/*.json'}]}\n")
    evidence(repo)
    assert cache_path(repo).is_file()
    ws = gather_workspace(plan_of(repo), repo)
    assert ws.items["g"].checks[0].count == 0


AN_HOUR_AGO_NS = int(AN_HOUR_AGO * 1e9)


UNITTESTS = """
import unittest

import pytest


@pytest.mark.plan("a")
class Contract:
    def test_shared(self):
        pass


class ClientCase(Contract, unittest.TestCase):
    def test_post(self):
        pass


class TestHttp(Contract):
    pass
"""


@pytest.mark.parametrize("fmt", [FORMAT - 1, FORMAT])
def test_entries_of_an_older_scan_are_not_trusted(repo: Path, parses: list[str], fmt: int):
    """A cache written before the scan learnt unittest classes and inherited tests lacks
    them: its format is older, so it is ignored (the current format's entries are trusted,
    which is why the format must change whenever what a scan finds does)."""
    write(repo, "tests/unit/test_small.py", UNITTESTS)
    settle(repo)
    expected = evidence(repo)
    stored = json.loads(cache_path(repo).read_text(encoding="utf-8"))
    relpath = "tests/unit/test_small.py"
    stored["files"][relpath][4] = []  # what the first scan found here: no test
    cache_path(repo).write_text(json.dumps({**stored, "format": fmt}), encoding="utf-8")
    parses.clear()
    again = evidence(repo)
    if fmt < FORMAT:
        assert again == expected
        assert sorted(parses) == ["tests/test_client.py", relpath]
    else:
        assert parses == []
        assert again != expected


def test_a_cached_unittest_and_inherited_scan_equals_a_fresh_one(repo: Path):
    config = PytestConfig()
    fresh = scan_source(UNITTESTS, "tests/test_http.py", config)
    assert [t.nodeid.split("::", 1)[1] for t in fresh.tests] == [
        "ClientCase::test_post", "ClientCase::test_shared", "TestHttp::test_shared"]
    stamp = (len(UNITTESTS), AN_HOUR_AGO_NS)
    cache = ScanCache(cache_path(repo), config)
    cache.put("tests/test_http.py", stamp, fresh)
    cache.save({"tests/test_http.py"})
    assert ScanCache.load(repo, config).get("tests/test_http.py", stamp) == fresh


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_never_read_nor_cached(repo: Path):
    fifo = repo / "tests/test_pipe.py"
    os.mkfifo(fifo)
    write(repo, "plan.yaml", PLAN + "      - {id: c, text: C, tests: ['tests/*.py']}\n")
    settle(repo)
    thread = threading.Thread(target=evidence, args=(repo,), daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # let the blocked reader go
        thread.join(10)
        pytest.fail("reading the workspace blocked on a FIFO")
    stored = json.loads(cache_path(repo).read_text(encoding="utf-8"))
    assert sorted(stored["files"]) == ["tests/test_client.py", "tests/unit/test_small.py"]
