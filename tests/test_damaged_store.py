"""A store that cannot be used is said the same way by every command: one line, exit 2, the
way out named; never a traceback, never a suite run for nothing. A read-only store still
serves the commands that only read."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from tracker.evidence.results import RunRecord, TestOutcome
from tracker.paths import default_store_path
from tracker.store import Store

from .helpers import git, modes_bind_child, run_cli

SAMPLE = Path(__file__).parent / "fixtures" / "sample"
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
COMMANDS = (("status",), ("render",), ("run", "--no-coverage"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", ".tracker"))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "sample")
    head = git(root, "rev-parse", "HEAD").strip()
    with Store.open(default_store_path(root)) as store:
        store.add_run(RunRecord(started=T0, finished=T0, commit=head, args=("-q",), outcomes=(
            TestOutcome("tests/test_payments.py::test_declined_card", "passed"),)))
    return root


def damage(root: Path, sql: str, *params: object) -> None:
    db = sqlite3.connect(default_store_path(root))
    db.execute(sql, params)
    db.commit()
    db.close()


@pytest.mark.parametrize(("sql", "params"), [
    ("UPDATE runs SET started = 'garbage'", ()),
    ("UPDATE runs SET args = '[not json'", ()),
    ("UPDATE runs SET args = ?", (b"\xff\xfe not text",)),
    ("DROP TABLE not_run", ()),
])
def test_a_damaged_store_is_one_line_for_every_command(project, sql, params):
    damage(project, sql, *params)
    for argv in COMMANDS:
        done = run_cli(*argv, cwd=project)
        assert done.returncode == 2, (argv, done.stderr)
        assert "Traceback" not in done.stderr, (argv, done.stderr)
        line = done.stderr.strip().splitlines()[-1]
        assert "is damaged" in line and "tracker store rebuild" in line, (argv, line)
        assert "passed" not in done.stderr, f"{argv}: the suite ran before the store was read"


@pytest.mark.parametrize("kind", ["folder", "dangling symlink", "device"])
def test_what_is_not_a_store_is_said_the_same_by_every_command(project, kind):
    path = default_store_path(project)
    path.unlink()
    if kind == "folder":
        path.mkdir()
    elif kind == "dangling symlink":
        path.symlink_to(project / "nowhere.db")
    else:
        path.symlink_to(os.devnull)
    said = set()
    for argv in COMMANDS:
        done = run_cli(*argv, cwd=project)
        assert done.returncode == 2, (argv, done.stdout, done.stderr)
        said.add(done.stderr.strip().splitlines()[-1].removeprefix(
            "the run finished but could not be recorded: "))
    assert len(said) == 1, said
    assert not (project / "nowhere.db").exists(), "nothing was created through the link"


def test_a_read_only_store_serves_the_commands_that_read(project):
    path = default_store_path(project)
    for name in os.listdir(path.parent):
        os.chmod(path.parent / name, 0o444)
    os.chmod(path.parent, 0o555)
    try:
        before = path.read_bytes()
        done = run_cli("status", "--json", cwd=project, preexec_fn=modes_bind_child())
        assert done.returncode in (0, 1), done.stderr
        assert '"passed": 1' in done.stdout
        assert path.read_bytes() == before
    finally:
        os.chmod(path.parent, 0o755)


def test_the_read_only_opening_reads_without_writing(project):
    """What a user who may not write the store gets (tested directly: root may write all)."""
    path = default_store_path(project)
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        extra.unlink(missing_ok=True)
    before = path.read_bytes()
    store = Store._immutable(path, 5.0)
    try:
        assert [s.counts["passed"] for s in store.runs()] == [1]
    finally:
        store.close()
    assert path.read_bytes() == before
    assert not path.with_name(path.name + "-wal").exists()


def test_a_newest_run_that_cannot_be_read_stops_tracker_before_the_suite(project):
    """``tracker run`` reads the newest stored run while pytest starts up, and pytest waits
    at its gate (the watchdog, before conftest files) for the verdict: when that read fails,
    pytest ends there without a word (no signal in the middle of its start-up, whose fatal
    error would print over the one line), no test runs, nothing is recorded, no scratch
    file is left."""
    damage(project, "UPDATE runs SET args = '[not json'")
    (project / "conftest.py").write_text(
        "import time\nfrom pathlib import Path\n\n"
        "Path('conftest-loaded.txt').write_text('pytest went past its gate')\n\n\n"
        "def pytest_configure(config):\n"
        "    time.sleep(90)  # stopped by tracker long before this ends\n", encoding="utf-8")
    (project / "tests" / "test_ran.py").write_text(
        "from pathlib import Path\n\n\n"
        "def test_leaves_a_mark():\n"
        "    Path('ran.txt').write_text('the suite ran')\n", encoding="utf-8")
    done = run_cli("run", "--", "-q", cwd=project)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout == "", done.stdout  # pytest's output is passed through: none
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert "is damaged" in line and "tracker store rebuild" in line, line
    assert not (project / "ran.txt").exists(), "the suite ran on after the store was refused"
    assert not (project / "conftest-loaded.txt").exists(), "pytest did not wait at its gate"
    assert not list((project / ".tracker" / "runs").glob("*")), "scratch files left behind"
    db = sqlite3.connect(default_store_path(project))
    try:
        assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    finally:
        db.close()
