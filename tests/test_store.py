"""The run store, on real SQLite files: exact round trips, whole-or-nothing writes, refusals.

Some tests look into the file with plain ``sqlite3`` (row counts, pragmas, a version 1 store
written by hand): those are checks of what is on disk, not a second way of using the store.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import store as store_module
from tracker import store_open, store_rows, store_schema
from tracker.evidence.results import (
    OUTCOMES,
    CollectionError,
    FileCoverage,
    RunRecord,
    TestOutcome,
)
from tracker.store import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    Store,
    StoreError,
    default_store_path,
)

from .helpers import obeying_modes

T0 = dt.datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)
TABLES = ("runs", "outcomes", "coverage", "collection_errors", "run_files")


def make_run(outcomes=(), coverage=(), **fields) -> RunRecord:
    fields.setdefault("started", T0)
    fields.setdefault("finished", T0 + dt.timedelta(seconds=3.25))
    return RunRecord(outcomes=tuple(outcomes), coverage=tuple(coverage), **fields)


def full_run() -> RunRecord:
    """Every outcome kind, awkward node ids, coverage with missing lines, every field set."""
    outcomes = (
        TestOutcome("tests/test_a.py::test_ok", "passed", 0.25, markers=("slow", "plan"),
                    fixtures=("tmp_path", "monkeypatch"), plan_items=("P1.2",)),
        TestOutcome("tests/test_a.py::test_fail", "failed", 1.5,
                    message="AssertionError: assert 1 == 2"),
        TestOutcome("tests/test_a.py::test_err", "error", message="fixture 'db' not found"),
        TestOutcome("tests/test_a.py::test_skip", "skipped", message="needs network"),
        TestOutcome("tests/test_a.py::test_xf", "xfailed", 0.001, message="known bug #12"),
        TestOutcome("tests/test_a.py::test_xp", "xpassed", 1e-9),
        TestOutcome("tests/test_ü.py::test_param[naïve-✓-日本]", "passed",
                    plan_items=("P2.1", "P2.2")),
        TestOutcome("tests/test_a.py::TestX::test_m[a[b]-c::d]", "passed"),
        TestOutcome("tests/test_a.py::test_q[\"'; DROP TABLE runs; --\"]", "passed"),
        TestOutcome("tests/test_a.py::test_odd[🐍-\u200b-\x00-tab\t]", "skipped", message=""),
        TestOutcome("tests/test_a.py::test_ok", "passed"),  # repeated ids are kept, in order
        # a file name with bytes that are not UTF-8, as Python's surrogateescape keeps them
        TestOutcome("tests/caf\udce9.py::test_x", "failed", message="b'\\xe9' \udce9"),
    )
    coverage = (
        FileCoverage("tracker/a.py", 120, (3, 4, 5, 6, 10, 12, 13, 99), branches=30,
                     missing_branches=4, missing_arcs=((2, 3), (9, 10), (11, -1), (98, 99))),
        FileCoverage("tracker/b.py", 10),
        FileCoverage("tracker/ünï code.py", 0),
        FileCoverage("tracker/odd.py", 50, (40, 2, 3, 3, 1), branches=2, missing_branches=2),
    )
    return make_run(
        outcomes, coverage, commit="0123456789abcdef0123456789abcdef01234567", dirty=True,
        args=("-q", "-k", "not slow", "tests/ü"), exit_code=1, source="junit",
        started=dt.datetime(2024, 5, 1, 14, 0, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        finished=T0 + dt.timedelta(minutes=3),
        collection_errors=(CollectionError("tests/test_broken.py",
                                           "SyntaxError: invalid syntax"),),
        file_hashes={"tracker/a.py": "a" * 40, "tracker/ünï code.py": "b" * 40,
                     "tests/caf\udce9.py": "c" * 40},
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return default_store_path(tmp_path)


@pytest.fixture
def store(path: Path) -> Iterator[Store]:
    with Store.open(path) as opened:
        yield opened


def row_counts(path: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def pragma(path: Path, name: str) -> object:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(f"PRAGMA {name}").fetchall()


def assert_one_line(error: StoreError, *phrases: str) -> None:
    message = str(error)
    assert "\n" not in message and message.strip() == message
    for phrase in phrases:
        assert phrase in message


# --- opening ---------------------------------------------------------------------------------

def test_default_store_path(tmp_path):
    assert default_store_path(tmp_path) == tmp_path / ".tracker" / "tracker.db"


def test_open_creates_the_folder_and_an_identified_wal_store(path):
    assert not path.parent.exists()
    with Store.open(path) as store:
        assert store.runs_count() == 0
        assert store.latest_run() is None
        assert store.runs() == []
        assert pragma(path, "journal_mode") == [("wal",)]
    assert pragma(path, "application_id") == [(APPLICATION_ID,)]
    assert pragma(path, "user_version") == [(SCHEMA_VERSION,)]


def test_an_empty_file_becomes_a_store(path):
    path.parent.mkdir()
    path.touch()
    with Store.open(path) as store:
        store.add_run(make_run())
    assert pragma(path, "application_id") == [(APPLICATION_ID,)]


def test_two_stores_on_one_file_see_each_other(path):
    with Store.open(path) as writer, Store.open(path) as reader:
        run_id = writer.add_run(full_run())
        assert reader.latest_run() == dataclasses.replace(full_run(), id=run_id)


# --- round trips -----------------------------------------------------------------------------

def test_round_trip_is_exact(path):
    run = full_run()
    with Store.open(path) as store:
        run_id = store.add_run(run)
        assert store.run(run_id) == dataclasses.replace(run, id=run_id)
    with Store.open(path) as store:  # and from the file, in a new connection
        back = store.run(run_id)
    assert back == dataclasses.replace(run, id=run_id)
    assert back.outcomes == run.outcomes  # order and repeats kept
    assert back.coverage[3].missing == (40, 2, 3, 3, 1)
    for moment in (back.started, back.finished):
        assert moment.tzinfo is not None and moment.utcoffset() == dt.timedelta(0)
    assert back.started == dt.datetime(2024, 5, 1, 12, 0, 0, 5, tzinfo=dt.UTC)


def test_times_are_stored_as_iso_8601_utc_text(store, path):
    store.add_run(full_run())
    with contextlib.closing(sqlite3.connect(path)) as db:
        started, finished = db.execute("SELECT started, finished FROM runs").fetchone()
    assert started == "2024-05-01T12:00:00.000005+00:00"
    assert finished == "2024-05-01T12:03:00.123456+00:00"


def test_a_naive_time_is_taken_as_utc(store):
    naive = dt.datetime(2024, 1, 2, 3, 4, 5)
    run_id = store.add_run(make_run(started=naive, finished=naive))
    assert store.run(run_id).started == naive.replace(tzinfo=dt.UTC)


def test_missing_lines_are_stored_as_ranges(store, path):
    store.add_run(make_run(coverage=[FileCoverage("a.py", 20, (1, 2, 3, 4, 7, 9, 10))]))
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT missing FROM coverage").fetchone() == ("1-4,7,9-10",)


lines = st.lists(st.integers(min_value=-3, max_value=5000), max_size=60).map(tuple)


@given(lines)
def test_line_encoding_is_lossless(numbers):
    assert store_rows._decode_lines(store_rows._encode_lines(numbers)) == numbers


# Any text, lone surrogates included (st.text() alone never makes them).
chars = st.characters(categories=("L", "M", "N", "P", "S", "Z", "Cc", "Cf", "Cs"))


def texts(min_size: int = 0, max_size: int = 20) -> st.SearchStrategy[str]:
    return st.text(chars, min_size=min_size, max_size=max_size)


names = st.lists(texts(max_size=12), max_size=3).map(tuple)
outcomes = st.builds(TestOutcome, nodeid=texts(min_size=1, max_size=40),
                     outcome=st.sampled_from(OUTCOMES), duration=st.floats(allow_nan=False),
                     markers=names, fixtures=names, plan_items=names,
                     message=st.none() | texts(max_size=40))
sizes = st.integers(min_value=0, max_value=10**6)
files = st.builds(FileCoverage, path=texts(min_size=1, max_size=30), statements=sizes,
                  missing=st.lists(st.integers(1, 10**5), max_size=30).map(tuple),
                  branches=sizes, missing_branches=sizes)
moments = st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2200, 1, 1),
                       timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-7)),
                                                  dt.timezone(dt.timedelta(hours=5.5))]))
runs = st.builds(RunRecord, started=moments, finished=moments,
                 commit=st.none() | texts(max_size=40), dirty=st.booleans(),
                 args=st.lists(texts(max_size=10), max_size=4).map(tuple),
                 exit_code=st.integers(-(2**31), 2**31), source=texts(max_size=8),
                 outcomes=st.lists(outcomes, max_size=8).map(tuple),
                 coverage=st.lists(files, max_size=4).map(tuple),
                 collection_errors=st.lists(st.builds(CollectionError, texts(), texts()),
                                            max_size=2).map(tuple),
                 file_hashes=st.dictionaries(texts(max_size=20), texts(max_size=40),
                                             max_size=3))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs)
def test_any_run_round_trips(tmp_path_factory, run):
    with Store.open(default_store_path(tmp_path_factory.getbasetemp() / "any")) as store:
        run_id = store.add_run(run)
        back = store.run(run_id)
        summary = store.runs(limit=1)[0]
    assert back == dataclasses.replace(run, id=run_id)
    assert summary.counts == run.counts()
    assert summary.coverage_total == run.coverage_total()


# --- reading ---------------------------------------------------------------------------------

def test_latest_run_is_the_newest_optionally_of_a_commit(store):
    first = store.add_run(make_run(commit="aaa"))
    second = store.add_run(make_run(commit="bbb"))
    third = store.add_run(make_run(commit="aaa", exit_code=2))
    assert store.latest_run().id == third
    assert store.latest_run("aaa") == make_run(commit="aaa", exit_code=2, id=third)
    assert store.latest_run("bbb").id == second
    assert store.latest_run("ccc") is None
    store.delete_run(third)
    assert store.latest_run("aaa").id == first
    assert store.runs_count() == 2


def test_runs_summarise_counts_and_coverage_in_sql(store):
    records = [
        full_run(),
        make_run([TestOutcome(f"t.py::t{i}", "passed") for i in range(5)]
                 + [TestOutcome("t.py::x", "xfailed")]),
        make_run(coverage=[FileCoverage("empty.py", 0)], commit="c"),
        make_run(coverage=[FileCoverage("a.py", 10, (1, 2)),
                           FileCoverage("b.py", 30, (5,), branches=8, missing_branches=3)]),
    ]
    ids = [store.add_run(r) for r in records]
    summaries = store.runs()
    assert [s.id for s in summaries] == ids[::-1]  # newest first
    for summary, record in zip(summaries, records[::-1], strict=True):
        assert summary.counts == record.counts()
        assert summary.test_count == len(record.outcomes)
        assert summary.coverage_total == record.coverage_total()
        assert (summary.started, summary.finished, summary.commit, summary.dirty,
                summary.exit_code, summary.source) == (
            record.started, record.finished, record.commit, record.dirty, record.exit_code,
            record.source)
    by_id = {s.id: s for s in summaries}
    assert by_id[ids[0]].counts == {"error": 1, "failed": 2, "xpassed": 1, "passed": 5,
                                    "xfailed": 1, "skipped": 2}
    assert by_id[ids[1]].coverage_total is None
    assert by_id[ids[2]].coverage_total == 100.0
    assert by_id[ids[3]].coverage_total == pytest.approx(100 * (8 + 29 + 5) / 48)
    assert [s.id for s in store.runs(limit=2)] == ids[:1:-1]
    assert store.runs(limit=0) == []
    store.delete_run(ids[3])
    assert [s.id for s in store.runs(limit=2)] == [ids[2], ids[1]]


def test_the_store_counts_every_outcome_kind():
    assert store_rows._COUNTED == OUTCOMES  # a new kind needs a migration adding its column


def test_missing_runs_are_reported(store):
    store.add_run(make_run())
    with pytest.raises(StoreError) as error:
        store.run(99)
    assert_one_line(error.value, "no run 99")
    with pytest.raises(StoreError) as error:
        store.delete_run(99)
    assert_one_line(error.value, "no run 99")


# --- writing and deleting --------------------------------------------------------------------

def test_delete_removes_every_row_and_ids_are_never_reused(store, path):
    first = store.add_run(full_run())
    second = store.add_run(full_run())
    one_run = {t: n // 2 for t, n in row_counts(path).items()}
    store.delete_run(second)
    assert row_counts(path) == one_run
    assert store.add_run(make_run()) == second + 1
    assert store.run(first) == dataclasses.replace(full_run(), id=first)


def test_integrity_after_writes_and_deletes(store, path):
    ids = [store.add_run(full_run()) for _ in range(5)]
    store.delete_run(ids[1])
    store.delete_run(ids[4])
    store.add_run(make_run([TestOutcome(f"t.py::t{i}", "passed") for i in range(3000)]))
    assert pragma(path, "integrity_check") == [("ok",)]
    assert pragma(path, "foreign_key_check") == []


class Unstorable:
    """Coverage of a file whose ``missing`` lines blow up half-way through a write."""

    path = "late.py"
    statements = 3
    branches = 0
    missing_branches = 0

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    @property
    def missing(self) -> tuple[int, ...]:
        raise self.exc


@pytest.mark.parametrize("bad_run, raised", [
    pytest.param(make_run([TestOutcome(f"t.py::t{i}", "passed") for i in range(600)]
                          + [TestOutcome("t.py::bad", "failed", message=object())]  # type: ignore
                          + [TestOutcome(f"t.py::u{i}", "passed") for i in range(400)]),
                 sqlite3.Error, id="value-sqlite-cannot-store"),
    pytest.param(make_run([TestOutcome(f"t.py::t{i}", "passed") for i in range(1000)],
                          [FileCoverage("a.py", 3), Unstorable(KeyboardInterrupt())]),
                 KeyboardInterrupt, id="interrupted-during-coverage"),
    pytest.param(make_run([TestOutcome(f"t.py::t{i}", "passed") for i in range(900)]
                          + [TestOutcome("t.py::odd", "rerun")]),
                 ValueError, id="unknown-outcome"),
])
def test_a_failed_write_leaves_no_partial_run(store, path, bad_run, raised):
    first = store.add_run(full_run())
    before = row_counts(path)
    with pytest.raises(raised):
        store.add_run(bad_run)
    assert row_counts(path) == before
    assert store.runs_count() == 1
    assert store.latest_run() == dataclasses.replace(full_run(), id=first)
    assert store.add_run(make_run()) == first + 1  # the failed run used up nothing
    assert pragma(path, "integrity_check") == [("ok",)]


KILLED_WRITER = textwrap.dedent("""
    import datetime as dt, sys, time
    from pathlib import Path
    from tracker.evidence.results import RunRecord, TestOutcome
    from tracker.store import Store

    class Stall:  # coverage whose missing lines never come: the writer is mid-transaction
        path, statements, branches, missing_branches = "stall.py", 1, 0, 0
        @property
        def missing(self):
            print("writing", flush=True)
            time.sleep(120)
            return ()

    outcomes = tuple(TestOutcome(f"tests/test_big.py::test_{i}[p-{i}]", "passed", 0.5)
                     for i in range(100_000))
    now = dt.datetime.now(dt.UTC)
    store = Store.open(Path(sys.argv[1]))
    store._db.execute("PRAGMA cache_size = -256")  # small cache: rows spill to the WAL early
    store.add_run(RunRecord(now, now, outcomes=outcomes, coverage=(Stall(),)))
""")


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_writer_leaves_only_the_earlier_runs(path):
    with Store.open(path) as store:
        earlier = [store.add_run(full_run()), store.add_run(make_run(commit="x"))]
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = writer.stdout.readline()
        assert line == b"writing\n", writer.stderr.read().decode()
        wal = path.with_name(path.name + "-wal")
        assert wal.stat().st_size > 1_000_000  # the uncommitted rows did reach the disk
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.kill()
        writer.communicate()
    assert writer.returncode == -signal.SIGKILL
    with Store.open(path) as store:
        assert [s.id for s in store.runs()] == earlier[::-1]
        assert store.run(earlier[0]) == dataclasses.replace(full_run(), id=earlier[0])
        assert pragma(path, "integrity_check") == [("ok",)]
        assert store.add_run(make_run()) == earlier[-1] + 1
    assert row_counts(path)["outcomes"] == len(full_run().outcomes)


# --- refusals: the file is left exactly as it was ------------------------------------------------

def _junk(path: Path) -> None:
    path.write_bytes(b"plan notes, not a database\n" * 100)


def _sqlite_header_only(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + bytes(20))


def _damaged_store(path: Path) -> None:
    with Store.open(path) as store:
        store.add_run(full_run())
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xab" * (4096 - 100)  # the schema's page
    path.write_bytes(bytes(data))


def _foreign_db(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
        db.execute("INSERT INTO notes VALUES ('mine')")
        db.commit()


def _foreign_wal_db(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY)")  # a table name like ours
        db.commit()


def _versioned_empty_db(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA user_version = 7")


def _newer_store(path: Path) -> None:
    with Store.open(path) as store:
        store.add_run(full_run())
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")


def _folder(path: Path) -> None:
    path.mkdir()
    (path / "inside.txt").write_text("keep me")


@pytest.mark.parametrize("make, phrases", [
    (_junk, ["is not a tracker store (not an SQLite database)", "move it away or delete it"]),
    (_sqlite_header_only, ["not an SQLite database", "move it away or delete it"]),
    (_damaged_store, ["damaged", "move it away or delete it"]),
    (_foreign_db, ["another program", "not a tracker store", "move it away"]),
    (_foreign_wal_db, ["another program", "not a tracker store"]),
    (_versioned_empty_db, ["another program"]),
    (_newer_store, [f"version {SCHEMA_VERSION + 1}", "newer tracker", "upgrade tracker"]),
    (_folder, ["is a folder", "move it away"]),
])
def test_refused_files_are_left_untouched(path, make: Callable[[Path], None], phrases):
    path.parent.mkdir()
    make(path)
    before = snapshot(path.parent)
    with pytest.raises(StoreError) as error:
        Store.open(path)
    assert_one_line(error.value, str(path), *phrases)
    assert snapshot(path.parent) == before


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file under ``folder`` with its bytes (None for a folder)."""
    return {str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes()
            for p in sorted(folder.rglob("*"))}


@contextlib.contextmanager
def read_only(target: Path) -> Iterator[None]:
    """Make ``target`` unwritable by mode; open it with :func:`obeying_modes`, which file
    modes bind even as root, so the test runs the same way for every user."""
    mode = target.stat().st_mode
    target.chmod(mode & ~0o222)
    try:
        yield
    finally:
        target.chmod(mode)


@pytest.mark.parametrize("locked", ["file", "folder", "folder-new-store"])
def test_a_read_only_location_is_refused(path, locked):
    path.parent.mkdir()
    if locked != "folder-new-store":
        with Store.open(path) as store:
            store.add_run(full_run())
    before = snapshot(path.parent)
    with read_only(path if locked == "file" else path.parent):
        with pytest.raises(StoreError) as error:
            obeying_modes(lambda: Store.open(path))
        after = snapshot(path.parent)
    assert_one_line(error.value, str(path), "read-only")
    assert after == before


def test_a_locked_store_is_reported_after_the_timeout(path):
    with Store.open(path) as store:
        store.add_run(full_run())
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
        with Store.open(path, timeout=0.2) as store:
            assert store.runs_count() == 1  # readers do not wait for writers
            with pytest.raises(StoreError) as error:
                store.add_run(make_run())
            assert_one_line(error.value, str(path), "locked", "0.2 s", "retry")
            other.execute("ROLLBACK")
            assert store.add_run(make_run()) == 2
        other.execute("PRAGMA locking_mode = EXCLUSIVE")  # now it holds the file itself
        other.execute("BEGIN EXCLUSIVE")
        before = snapshot(path.parent)
        with pytest.raises(StoreError) as error:
            Store.open(path, timeout=0.2)
        assert_one_line(error.value, str(path), "locked")
        assert snapshot(path.parent) == before
    finally:
        other.close()


# --- migrations ------------------------------------------------------------------------------

def write_v1_store(path: Path) -> None:
    """A store as the first schema version wrote it, rows and all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        store_schema._migrate(db, 1, path)
        db.execute("INSERT INTO runs VALUES (1, '2024-05-01T12:00:00.000000+00:00',"
                   " '2024-05-01T12:01:00.500000+00:00', 'abc', 1, '[\"-q\"]', 1, 'pytest')")
        db.executemany("INSERT INTO outcomes VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)", [
            (0, "t.py::a", "passed", 0.5, '["slow"]', None, '["P1"]', None),
            (1, "t.py::b[ü]", "failed", 1.0, None, '["tmp_path"]', None, "boom"),
            (2, "t.py::c", "passed", 0.0, None, None, None, None),
        ])
        db.execute("INSERT INTO coverage VALUES (1, 0, 'a.py', 10, '2-4,9', 4, 6, 2)")
        db.execute("INSERT INTO collection_errors VALUES (1, 0, 'bad.py', 'SyntaxError')")
        db.execute("INSERT INTO run_files VALUES (1, 'a.py', 'f00d')")
        db.execute("INSERT INTO runs (id, started, finished, dirty, args, exit_code, source)"
                   " VALUES (2, '2024-05-02T00:00:00.000000+00:00',"
                   " '2024-05-02T00:00:01.000000+00:00', 0, '[]', 0, 'junit')")


V1_RUN = RunRecord(
    started=dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC),
    finished=dt.datetime(2024, 5, 1, 12, 1, 0, 500000, tzinfo=dt.UTC),
    commit="abc", dirty=True, args=("-q",), exit_code=1, source="pytest",
    outcomes=(TestOutcome("t.py::a", "passed", 0.5, markers=("slow",), plan_items=("P1",)),
              TestOutcome("t.py::b[ü]", "failed", 1.0, fixtures=("tmp_path",), message="boom"),
              TestOutcome("t.py::c", "passed")),
    coverage=(FileCoverage("a.py", 10, (2, 3, 4, 9), branches=6, missing_branches=2),),
    collection_errors=(CollectionError("bad.py", "SyntaxError"),),
    file_hashes={"a.py": "f00d"}, id=1)


def test_a_version_1_store_is_upgraded_with_its_data(path):
    write_v1_store(path)
    assert pragma(path, "user_version") == [(1,)]
    with Store.open(path) as store:
        assert store.run(1) == V1_RUN
        newest, oldest = store.runs()
        assert oldest.counts == V1_RUN.counts() and oldest.test_count == 3
        assert oldest.coverage_total == V1_RUN.coverage_total() == pytest.approx(100 * 10 / 16)
        assert newest.test_count == 0 and newest.coverage_total is None
        assert store.latest_run("abc") == V1_RUN
        assert store.add_run(make_run()) == 3
    assert pragma(path, "user_version") == [(SCHEMA_VERSION,)]
    assert pragma(path, "integrity_check") == [("ok",)]


def test_a_version_5_store_learns_which_note_blobs_it_imported(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        store_schema._migrate(db, 5, path)  # as the first release with notes wrote it
        db.execute("INSERT INTO runs (id, started, finished, dirty, args, exit_code, source,"
                   " note_key) VALUES (1, '2024-05-02T00:00:00.000000+00:00',"
                   " '2024-05-02T00:00:01.000000+00:00', 0, '[]', 0, 'pytest', ?)", ("a" * 64,))
    with Store.open(path) as store:
        assert store.imported_blobs() == frozenset() and store.note_keys() == {"a" * 64}
        store.mark_imported_blobs(["b1", "b2", "b1"])
        assert store.imported_blobs() == {"b1", "b2"}
    assert pragma(path, "user_version") == [(SCHEMA_VERSION,)] == [(9,)]


def test_a_failing_migration_changes_nothing(path, monkeypatch):
    write_v1_store(path)
    broken = (*store_schema._MIGRATIONS, ("CREATE TABLE later (x)", "SELECT no_such_column"))
    monkeypatch.setattr(store_schema, "_MIGRATIONS", broken)
    for module in (store_schema, store_module, store_open):
        monkeypatch.setattr(module, "SCHEMA_VERSION", len(broken))
    with pytest.raises(sqlite3.OperationalError):
        Store.open(path)
    monkeypatch.undo()
    assert pragma(path, "user_version") == [(1,)]  # not even version 2 was kept
    with Store.open(path) as store:
        assert store.run(1) == V1_RUN
    with contextlib.closing(sqlite3.connect(path)) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert "later" not in tables


# --- runs noted in git ----------------------------------------------------------------------

def test_a_noted_run_is_stored_once_whatever_the_order(store):
    key, other = "a" * 64, "b" * 64
    first = store.add_noted_run(full_run(), key)
    assert first is not None and store.add_noted_run(full_run(), key) is None
    local = store.add_run(make_run())  # a local run, noted afterwards: its import is a repeat
    assert store.set_note_key(local, other) and store.add_noted_run(make_run(), other) is None
    assert store.note_keys() == {key, other} and store.runs_count() == 2
    assert {s.id: s.note_key for s in store.runs()} == {first: key, local: other}
    assert store.set_note_key(first, key) and not store.set_note_key(local, key)
    with pytest.raises(StoreError, match="note key"):
        store.add_run(make_run(), note_key=key)
    assert store.runs_count() == 2


def test_the_runs_of_a_commit_are_listed_newest_first_without_pruned_ones(store):
    store.keep_whole = 2
    ids = [store.add_run(make_run(commit="c" * 40)) for _ in range(3)]
    store.add_run(make_run(commit="d" * 40))
    assert [r.id for r in store.runs_of_commit("c" * 40)] == [ids[2]]  # the others: pruned
    assert store.runs_of_commit("e" * 40) == []


def test_a_store_moved_aside_takes_its_wal_along(path):
    with Store.open(path) as store:
        store.add_run(full_run())
        moved = store_module.move_aside(path, "broken", dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC))
        assert moved.name == "tracker.db.broken-20260305T120000Z"
        assert not path.exists() and not path.with_name("tracker.db-wal").exists()
    with Store.open(moved) as store:
        assert store.run(1) == dataclasses.replace(full_run(), id=1)
        assert store.damage() is None


# --- pruning ---------------------------------------------------------------------------------

def numbered_run(n: int, tests: int = 3) -> RunRecord:
    """Run ``n`` of a series: ``tests`` outcomes, one failing when n is odd, and coverage."""
    outcomes = [TestOutcome(f"tests/test_a.py::test_{i}", "passed", 0.01) for i in range(tests)]
    if n % 2:
        outcomes[0] = dataclasses.replace(outcomes[0], outcome="failed", message="boom")
    return make_run(outcomes, (FileCoverage("a.py", 10, tuple(range(1, n % 10 + 1))),),
                    started=T0 + dt.timedelta(hours=n),
                    finished=T0 + dt.timedelta(hours=n, seconds=5),
                    commit=f"{n:040x}", file_hashes={"tests/test_a.py": f"{n:040x}"},
                    deselected=("tests/test_a.py::test_slow",))


def test_old_runs_keep_their_summaries_and_lose_their_rows(store, path):
    store.keep_whole, store.keep_coverage = 3, 5
    ids = [store.add_run(numbered_run(n)) for n in range(1, 9)]
    summaries = store.runs()
    assert [s.id for s in summaries] == ids[::-1], "every run is still listed"
    for n, summary in zip(range(8, 0, -1), summaries, strict=True):
        run = numbered_run(n)
        assert summary.counts == run.counts() and summary.test_count == 3
        assert summary.coverage_total == pytest.approx(run.coverage_total())
        assert summary.commit == run.commit
    for run_id in ids[-3:]:
        assert store.run(run_id).outcomes, "the newest runs stay whole"
    with pytest.raises(StoreError) as caught:
        store.run(ids[0])
    assert_one_line(caught.value, f"run {ids[0]}", "pruned", "totals")
    assert store.coverage(ids[-5]) and not store.coverage(ids[-6])
    with contextlib.closing(sqlite3.connect(path)) as db:
        kept = {table: {r for (r,) in db.execute(f"SELECT DISTINCT run_id FROM {table}")}
                for table in ("outcomes", "run_files", "coverage")}
        kept["deselected"] = {r for (r,) in db.execute(
            "SELECT id FROM runs WHERE deselected_set IS NOT NULL")}
        sets = db.execute("SELECT count(*) FROM deselected_sets").fetchone()[0]
    assert kept["outcomes"] == kept["deselected"] == kept["run_files"] == set(ids[-3:])
    assert sets == 1, "the runs deselected the same test: one set, shared"
    assert kept["coverage"] == set(ids[-5:])
    assert pragma(path, "integrity_check") == [("ok",)]


def test_pruning_keeps_what_the_evidence_reads():
    from tracker.evidence import gather, layering

    assert layering.MAX_LAYERS <= store_module.KEEP_WHOLE, "subset runs laid over the latest"
    history = gather.gather.__kwdefaults__["history"]
    assert history <= store_module.KEEP_COVERAGE, "coverage deltas and trends look this far"


def test_a_pruned_store_stops_growing(path):
    with Store.open(path) as store:
        store.keep_whole, store.keep_coverage = 4, 4
        for n in range(12):
            store.add_run(numbered_run(n, tests=1500))
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        early = path.stat().st_size
        for n in range(12, 40):
            store.add_run(numbered_run(n, tests=1500))
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        late = path.stat().st_size
    assert late <= early * 1.15, (early, late)


def test_prune_on_its_own_applies_new_limits(store):
    ids = [store.add_run(numbered_run(n)) for n in range(6)]
    assert store.prune() == 0, "fewer runs than are kept: nothing to do"
    store.keep_whole = 2
    assert store.prune() == 4
    assert store.prune() == 0
    assert [r.id for r in (store.run(i) for i in ids[-2:])] == ids[-2:]


def test_deselected_tests_keep_their_markers(store):
    run = make_run([TestOutcome("t.py::a", "passed")],
                   deselected=("t.py::s[2]", "t.py::s[3]", "t.py::plain"),
                   deselected_markers={"t.py::s[2]": ("slow", "net"), "t.py::s[3]": ("ü",)})
    assert store.run(store.add_run(run)).deselected_markers == run.deselected_markers
