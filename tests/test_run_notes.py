"""Runs as git notes in one repository: noting, importing, bad notes, rebuilding the store.

Real git repositories in tmp dirs and real SQLite stores; notes are edited by hand with git
itself, as a person (or an attacker with push rights) would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.evidence import note_format, note_parts
from tracker.evidence.note_format import NoteRefused
from tracker.evidence.results import FileCoverage, RunRecord, TestOutcome
from tracker.history import run_notes
from tracker.history.notes import NOTES_REF, NotesError, append_line, read_notes
from tracker.history.run_notes import import_notes, note_run, rebuild_store
from tracker.store import RunRefused, Store, StoreError, default_store_path

from .helpers import git, obeying_modes, write

T0 = dt.datetime(2026, 3, 5, 12, 0, 0, 250000, tzinfo=dt.UTC)


def make_repo(root: Path, commits: int = 3) -> list[str]:
    """A repository with ``commits`` commits; their ids, oldest first."""
    git(root, "init", "-q")
    shas = []
    for n in range(commits):
        write(root, "src/app.py", f"VALUE = {n}\n")
        git(root, "add", "-A")
        git(root, "commit", "-qm", f"commit {n}")
        shas.append(git(root, "rev-parse", "HEAD").strip())
    return shas


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("notes-template") / "repo"
    root.mkdir()
    return root, make_repo(root)


@pytest.fixture
def repo(template: tuple[Path, list[str]], tmp_path: Path) -> tuple[Path, list[str]]:
    root, shas = template
    copy = tmp_path / "repo"
    shutil.copytree(root, copy, symlinks=True)
    return copy, shas


def a_run(commit: str, n: int = 0, nodeid: str | None = None, **fields: object) -> RunRecord:
    """Run ``n``: a few outcomes and some coverage, started ``n`` minutes after T0."""
    start = T0 + dt.timedelta(minutes=n)
    outcomes = (TestOutcome(nodeid or f"tests/test_a.py::test_{n}", "passed", 0.25,
                            markers=("slow",), fixtures=("tmp_path",), plan_items=("P1",)),
                TestOutcome("tests/test_a.py::test_fails", "failed", 0.5, message="boom"))
    fields.setdefault("coverage", (FileCoverage("src/app.py", 10, (4, 5), 4, 1, ((3, 5),)),))
    return RunRecord(started=start, finished=start + dt.timedelta(seconds=3), commit=commit,
                     args=("-q",), exit_code=1, outcomes=outcomes,
                     file_hashes={"src/app.py": "a" * 40}, **fields)  # type: ignore[arg-type]


def note_lines(root: Path, commit: str) -> list[str]:
    text = git(root, "notes", "--ref", NOTES_REF, "show", commit)
    return [line for line in text.split("\n") if line]


def test_each_run_is_one_line_and_noting_it_again_changes_nothing(repo):
    root, shas = repo
    first = note_run(root, a_run(shas[2], 1))
    second = note_run(root, a_run("HEAD", 2))  # a name is resolved to the commit's id
    again = note_run(root, a_run(shas[2], 1))
    assert again == first
    lines = note_lines(root, shas[2])
    assert lines == [first.text, second.text]
    assert all(line.isascii() for line in lines)


def test_a_dirty_run_is_refused_and_nothing_is_written(repo):
    root, shas = repo
    with pytest.raises(NoteRefused, match="dirty tree"):
        note_run(root, a_run(shas[2], dirty=True))
    with pytest.raises(NotesError, match="not a commit"):
        note_run(root, a_run("f" * 40))
    assert read_notes(root, 2**20) == []


def test_import_stores_each_run_once_in_any_order(repo, tmp_path):
    root, shas = repo
    with Store.open(tmp_path / "local.db") as local:  # a run recorded here, then noted
        run_id = local.add_run(a_run(shas[0], 0))
        assert local.set_note_key(run_id, note_run(root, a_run(shas[0], 0)).key)
        note_run(root, a_run(shas[1], 2))
        assert import_notes(root, local).imported == 1  # only the run noted elsewhere
        assert import_notes(root, local).imported == 0
        assert local.runs_count() == 2
    with Store.open(tmp_path / "fresh.db") as fresh:
        note_run(root, a_run(shas[2], 1))
        result = import_notes(root, fresh)
        assert (result.imported, result.known, result.notes, result.bad) == (3, 0, 3, ())
        # stored oldest first: ids follow the runs' times, not the notes' order
        assert [s.started for s in fresh.runs()] == sorted(
            (s.started for s in fresh.runs()), reverse=True)
        note_run(root, a_run(shas[2], 9))
        again = import_notes(root, fresh)  # only the note that changed is read again
        assert (again.imported, again.known, again.notes) == (1, 1, 1)
        stored = fresh.latest_run()
        assert stored is not None and stored.coverage == a_run(shas[2], 9).coverage
        assert stored.outcomes == a_run(shas[2], 9).outcomes


def test_a_note_edited_into_garbage_is_skipped_with_a_warning_naming_its_commit(repo, tmp_path):
    root, shas = repo
    note_run(root, a_run(shas[0], 0))
    kept = note_run(root, a_run(shas[1], 1))
    edited = note_run(root, a_run(shas[1], 3)).text.replace('"passed"', '"failed"')
    note_run(root, a_run(shas[2], 2))
    git(root, "notes", "--ref", NOTES_REF, "add", "-f", "-m", "{not json at all", shas[0])
    git(root, "notes", "--ref", NOTES_REF, "add", "-f", "-m", f"{kept.text}\n{edited}", shas[1])
    with Store.open(tmp_path / "s.db") as store:
        result = import_notes(root, store)
        assert result.imported == 2 and store.note_keys() >= {kept.key}
    assert len(result.bad) == 2
    assert result.bad[0].startswith(f"skipped 1 line of the note on {shas[0][:12]}: line 1: ")
    assert f"{shas[1][:12]}: line 2: its content does not match its key" in result.bad[1]


def test_an_oversized_note_is_skipped_unread(repo, tmp_path, monkeypatch):
    root, shas = repo
    big = note_run(root, a_run(shas[0], 0, coverage=tuple(
        FileCoverage(f"src/m{i}.py", 100, tuple(range(1, 100, 2))) for i in range(40))))
    note_run(root, a_run(shas[1], 1))
    monkeypatch.setattr(run_notes, "MAX_NOTE_BYTES", len(big.text) - 1)
    with Store.open(tmp_path / "s.db") as store:
        result = import_notes(root, store)
    assert result.imported == 1
    assert result.bad == (f"skipped the note on {shas[0][:12]}: its note is larger than 0 MB",)


def test_escape_sequences_and_markup_in_test_ids_are_stored_as_written(repo, tmp_path):
    root, shas = repo
    hostile = "tests/test_a.py::test_x[\x1b[2J\x1b]0;pwned\x07-[red]x[/red]-<b>|</b>]"
    line = note_run(root, a_run(shas[2], 1, nodeid=hostile))
    shown = git(root, "notes", "--ref", NOTES_REF, "show", shas[2])
    assert "\x1b" not in shown and "\x07" not in shown  # `git notes show` sends no escapes
    with Store.open(tmp_path / "s.db") as store:
        import_notes(root, store)
        stored = store.latest_run()
    assert stored is not None and stored.outcomes[0].nodeid == hostile
    assert line.key in shown


def test_all_notes_are_read_by_one_git_process(repo, tmp_path, monkeypatch):
    root, shas = repo
    for n in range(30):
        append_line(root, shas[n % 3], f'{{"key":"{n:064x}","x":{n}}}', f"{n:064x}")
    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    notes = read_notes(root, 2**20)
    assert sorted(len(n.text.split("\n")) for n in notes if n.text) == [11, 11, 11]
    assert trace.read_text().count("git cat-file --batch") == 1


def test_runs_noted_at_the_same_time_by_several_processes_all_stay(repo):
    root, shas = repo
    script = ("import sys, datetime as dt; from pathlib import Path\n"
              "from tests.test_run_notes import a_run\n"
              "from tracker.history.run_notes import note_run\n"
              "note_run(Path(sys.argv[1]), a_run(sys.argv[2], int(sys.argv[3])))\n")
    here = Path(__file__).resolve().parents[1]
    procs = [subprocess.Popen([sys.executable, "-c", script, str(root), shas[2], str(n)],
                              cwd=here) for n in range(6)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 6
    assert len(note_lines(root, shas[2])) == 6


# --- rebuilding the store ----------------------------------------------------------------

def noted_project(root: Path, shas: list[str]) -> Path:
    for n, sha in enumerate(shas):
        note_run(root, a_run(sha, n))
    return default_store_path(root)


def test_a_damaged_store_is_moved_aside_and_rebuilt_from_the_notes(repo):
    root, shas = repo
    path = noted_project(root, shas)
    with Store.open(path) as store:
        store.add_run(a_run(shas[0], 7, dirty=True))  # only this store knows it
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema page, overwritten
    path.write_bytes(bytes(data))
    done = rebuild_store(root, path, now=T0)
    assert done.moved_to == path.with_name("tracker.db.broken-20260305T120000Z")
    assert done.moved_to.read_bytes() == bytes(data), "kept as it was, never deleted"
    assert done.damage and done.imported.imported == 3
    with Store.open(path) as store:
        assert store.runs_count() == 3 and store.damage() is None


def test_a_lost_store_is_recreated_and_a_sound_one_needs_force(repo):
    root, shas = repo
    path = noted_project(root, shas)
    assert rebuild_store(root, path, now=T0).moved_to is None  # nothing was there
    with pytest.raises(StoreError, match="--force"):
        rebuild_store(root, path, now=T0)
    done = rebuild_store(root, path, now=T0, force=True)
    assert done.moved_to is not None and done.moved_to.name.startswith("tracker.db.replaced-")
    assert done.damage is None and done.imported.imported == 3


def test_a_subset_runs_thousands_of_deselected_tests_come_back_from_its_note(repo, tmp_path):
    """A -m run deselecting more than note_sets.COMPACT_ABOVE tests is noted compactly (since
    format version 2): imported into a fresh store it is the run the local store holds, deselected
    ids in order and their markers, so every judgement made from it is the same."""
    root, shas = repo
    ids = tuple(f"tests/test_{i % 9}.py::TestT::test_{i}[p{i % 4}]" for i in range(2500))
    run = a_run(shas[0], 0, deselected=ids,
                deselected_markers=dict.fromkeys(ids[::7], ("slow",)))
    with Store.open(tmp_path / "local.db") as local:
        local.add_run(run)
        here = local.latest_run()
    line = note_run(root, run)
    assert '"version":3' in line.text and '"deselected_z":' in line.text
    with Store.open(tmp_path / "fresh.db") as fresh:
        assert import_notes(root, fresh).imported == 1
        there = fresh.latest_run()
    assert here is not None and there is not None
    assert dataclasses.replace(there, id=here.id) == here
    assert there.deselected == ids and there.deselected_markers == run.deselected_markers


# --- version 3 lines: imported undecoded, decoded when read ------------------------------

def lying_line(run: RunRecord) -> str:
    """``run``'s version 3 line with a header claiming every test passed and a correct key:
    what anyone with push rights can write."""
    data = json.loads(note_format.encode_run(run, "0.1.0").text)
    del data["key"]
    coverage, tests = data.pop("coverage_part"), data.pop("tests_part")
    counts = data["summary"]["counts"]
    counts["passed"], counts["failed"] = counts["passed"] + counts["failed"], 0
    rest = note_parts.lay_out(data, coverage, tests)
    key = hashlib.sha256(("{" + rest).encode()).hexdigest()
    return f'{{"key":"{key}",{rest}'


def test_a_noted_run_is_stored_as_its_parts_and_read_back_whole(repo, tmp_path):
    """The import decodes nothing but the header: the run read back is the run noted, and
    pruning drops its tests, then its coverage, as for any run."""
    root, shas = repo
    runs = [a_run(shas[n], n) for n in range(3)]
    for run in runs:
        note_run(root, run)
    with Store.open(tmp_path / "s.db") as store:
        assert import_notes(root, store).imported == 3
        assert store.run(3) == dataclasses.replace(runs[2], id=3)
        newest = store.runs()[0]
        assert (newest.counts["failed"], newest.test_count, newest.coverage_total) == (
            1, 2, runs[2].coverage_total())
        store.keep_whole, store.keep_coverage = 1, 2
        store.prune()
        with pytest.raises(StoreError, match="pruned"):
            store.run(2)
        assert store.coverage(2) == runs[1].coverage  # kept while within keep_coverage
        assert store.coverage(1) == ()  # past it: only the summary row is left
        assert [s.pruned for s in store.runs()] == [False, True, True]
        assert store.runs()[2].counts["passed"] == 1  # the summary stays


def test_old_and_new_lines_import_together_once(repo, tmp_path):
    root, shas = repo
    old = a_run(shas[0], 0)
    append_line(root, shas[0], note_format.encode_run(old, "0.1.0", version=2).text,
                "k" * 64)
    note_run(root, a_run(shas[1], 1))
    with Store.open(tmp_path / "s.db") as store:
        assert import_notes(root, store).imported == 2
        assert import_notes(root, store).imported == 0
        assert store.run(1) == dataclasses.replace(old, id=1)
        assert store.run(2).outcomes == a_run(shas[1], 1).outcomes


def test_a_note_whose_header_lies_is_refused_when_read_and_removed(repo, tmp_path):
    """A line whose summary says more passed than its tests show is imported (its header holds
    together) but refused the first time it is read whole: one warning naming the commit, the
    run removed, so nothing shows its figures any more; importing again does not bring it
    back."""
    root, shas = repo
    note_run(root, a_run(shas[0], 0))
    append_line(root, shas[1], lying_line(a_run(shas[1], 1)), "l" * 64)
    with Store.open(tmp_path / "s.db") as store:
        assert import_notes(root, store).imported == 2
        assert store.runs()[0].counts["failed"] == 0  # the header's word, until read
        with pytest.raises(RunRefused, match=f"noted on {shas[1][:12]} .*summary does not "
                                             "match its tests.*; it is removed from the store$"):
            store.run(2)
        assert [s.id for s in store.runs()] == [1] and store.runs_count() == 1
        assert list(store.refused) == [2]
        assert store.latest_run() == store.run(1)
        assert import_notes(root, store).imported == 0
    with Store.open(tmp_path / "s.db") as store:
        assert store.runs_count() == 1  # removed from the file, not only hidden


def test_a_refused_run_is_left_out_where_the_store_cannot_be_written(repo, tmp_path):
    root, shas = repo
    append_line(root, shas[1], lying_line(a_run(shas[1], 1)), "l" * 64)
    path = tmp_path / "s.db"
    with Store.open(path) as store:
        import_notes(root, store)
    path.chmod(0o444)

    def read() -> None:
        with Store.open(path, read_only=True) as store:
            with pytest.raises(RunRefused, match="it is left out .the store could not be "
                                                 "written, so the next command that reads the "
                                                 "run says this again.$") as said:
                store.run(1)
            assert "removed" not in str(said.value)
            assert store.runs() == [] and store.summaries_of([shas[1]]) == []
            assert store.coverage(1) == ()
    try:
        obeying_modes(read)  # as root too: the file's mode binds
    finally:
        path.chmod(0o644)
    with Store.open(path) as store:
        assert store.runs_count() == 1, "it could not be removed: only left out"


def test_runs_the_import_itself_pushes_out_are_stored_without_their_tests(repo, tmp_path):
    """An import knows which of its runs the newer ones prune at once: those are stored as
    pruning leaves them (summary and coverage), never with their tests part."""
    root, shas = repo
    runs = [a_run(shas[n], n) for n in range(3)]
    for run in runs:
        note_run(root, run)
    with Store.open(tmp_path / "s.db") as store:
        store.keep_whole = 1
        assert import_notes(root, store).imported == 3
        assert [s.pruned for s in store.runs()] == [False, True, True]
        assert store.run(3) == dataclasses.replace(runs[2], id=3)
        with pytest.raises(StoreError, match="pruned"):
            store.run(1)
        assert store.coverage(1) == runs[0].coverage
        assert [s.counts["failed"] for s in store.runs()] == [1, 1, 1]
