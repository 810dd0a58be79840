"""What runs deselected, stored once per distinct set (schema version 7), on real SQLite files.

A subset run of a big suite deselects almost all of it; these tests pin that runs of one
selection share one set, that the set reads back exactly, that a store written by the old
schema (one row a deselected test) migrates, and that unused sets go with their runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from tracker import store_schema
from tracker.evidence.results import CollectionError, RunRecord, TestOutcome
from tracker.store import SCHEMA_VERSION, Store, StoreError, default_store_path

T0 = dt.datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)


def subset_run(deselected: tuple[str, ...], n: int = 0, **fields: object) -> RunRecord:
    """A run of three tests that deselected ``deselected`` (every seventh marked slow)."""
    markers = {nodeid: ("slow", "db") if i % 14 == 0 else ("slow",)
               for i, nodeid in enumerate(deselected) if i % 7 == 0}
    return RunRecord(
        started=T0 + dt.timedelta(hours=n), finished=T0 + dt.timedelta(hours=n, seconds=2),
        args=("-m", "smoke"), outcomes=tuple(TestOutcome(f"tests/test_smoke.py::test_{i}",
                                                         "passed") for i in range(3)),
        deselected=deselected, deselected_markers=markers, **fields)  # type: ignore[arg-type]


def big_suite(tests: int) -> tuple[str, ...]:
    return tuple(f"tests/pkg_{i % 30}/test_mod_{i // 50:04d}.py::TestThing::test_case_{i}"
                 f"[param-{i % 7}]" for i in range(tests))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return default_store_path(tmp_path)


def stored_bytes(path: Path) -> int:
    """The store's content in bytes, WAL included (pages in use, as SQLite counts them)."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        free = db.execute("PRAGMA freelist_count").fetchone()[0]
        return int((pages - free) * db.execute("PRAGMA page_size").fetchone()[0])


def sets_in(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return int(db.execute("SELECT count(*) FROM deselected_sets").fetchone()[0])


def test_runs_of_one_selection_store_the_deselected_tests_once(path):
    deselected = big_suite(5000)
    with Store.open(path) as store:
        store.add_run(subset_run(deselected, 1))
        first = stored_bytes(path)
        for n in (2, 3):
            before = stored_bytes(path)
            store.add_run(subset_run(deselected, n))
            assert stored_bytes(path) - before <= 16 * 1024, "a repeated set adds a reference"
        assert sets_in(path) == 1
        assert first < 5000 * 20, "the set is compressed: under 20 bytes a deselected test"
        for run_id in (1, 3):
            run = store.run(run_id)
            assert run.deselected == deselected
            assert run.deselected_markers == subset_run(deselected).deselected_markers
        store.add_run(subset_run(deselected[1:], 4))  # another selection: another set
        assert sets_in(path) == 2


def test_awkward_node_ids_read_back_exactly_and_in_order(path):
    deselected = ("tests/b.py::test_x", "tests/a.py::test_y[a::b]", "tests/b.py::test_z",
                  "tests/caf\udce9.py::test_bytes", "tests/odd.py", "tests/ü.py::T::t[日本-✓]",
                  "tests/b.py::test_x")
    run = subset_run(deselected, collection_skips=(CollectionError("tests/s.py", "no db"),))
    with Store.open(path) as store:
        stored = store.run(store.add_run(run))
    assert stored.deselected == deselected
    assert stored.deselected_markers == run.deselected_markers
    assert stored.collection_skips == run.collection_skips


def test_a_set_goes_with_the_last_run_that_refers_to_it(path):
    with Store.open(path) as store:
        store.keep_whole = 2
        first = store.add_run(subset_run(big_suite(10), 1))
        second = store.add_run(subset_run(big_suite(10), 2))
        store.delete_run(first)
        assert sets_in(path) == 1, "the second run still refers to it"
        store.delete_run(second)
        assert sets_in(path) == 0
        for n in range(3, 6):  # pruning: only the newest two keep what they deselected
            store.add_run(subset_run(big_suite(10 + n), n))
        assert sets_in(path) == 2


def write_v6_store(path: Path) -> None:
    """A store as schema version 6 wrote it: a row in not_run for every deselected test."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        store_schema._migrate(db, 6, path)
        for run_id in (1, 2, 3):
            db.execute("INSERT INTO runs (id, started, finished, dirty, args, exit_code,"
                       " source) VALUES (?, ?, ?, 0, '[\"-m\", \"smoke\"]', 0, 'pytest')",
                       (run_id, f"2024-05-0{run_id}T00:00:00.000000+00:00",
                        f"2024-05-0{run_id}T00:00:01.000000+00:00"))
            db.execute("INSERT INTO outcomes VALUES (?, 0, 'tests/t.py::a', 'passed', 0.5,"
                       " NULL, NULL, NULL, NULL)", (run_id,))
        rows = [(0, "tests/t.py::b", "deselected", '["slow"]'),
                (1, "tests/caf\udce9.py::c".encode("utf-8", "surrogatepass"), "deselected",
                 None),
                (2, "tests/s.py", "skipped", "needs a database")]
        for run_id in (1, 2):  # the same selection twice
            db.executemany("INSERT INTO not_run VALUES (?, ?, ?, ?, ?)",
                           [(run_id, *row) for row in rows])


def test_a_store_of_the_old_schema_moves_its_deselected_rows_into_sets(path):
    write_v6_store(path)
    with Store.open(path) as store:
        for run_id in (1, 2):
            run = store.run(run_id)
            assert run.deselected == ("tests/t.py::b", "tests/caf\udce9.py::c")
            assert run.deselected_markers == {"tests/t.py::b": ("slow",)}
            assert run.collection_skips == (CollectionError("tests/s.py", "needs a database"),)
        assert store.run(3).deselected == () and store.run(3).outcomes
    assert sets_in(path) == 1
    with contextlib.closing(sqlite3.connect(path)) as db:
        kinds = {kind for (kind,) in db.execute("SELECT kind FROM not_run")}
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert kinds == {"skipped"}


def test_a_damaged_set_is_said_in_one_line(path):
    with Store.open(path) as store:
        run_id = store.add_run(subset_run(big_suite(10)))
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("UPDATE deselected_sets SET data = x'00ff'")
        db.commit()
    with Store.open(path) as store, pytest.raises(StoreError) as caught:
        store.run(run_id)
    assert "damaged" in str(caught.value) and "\n" not in str(caught.value)
