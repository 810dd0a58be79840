"""``tracker sync`` and ``tracker store rebuild`` on real repositories: clones exchanging runs
through a bare "remote" with real ``git push``/``git fetch``, pushes at the same moment, a
shallow clone, a real ``tracker run`` travelling to another clone, and errors as one line.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.history.notes import NOTES_REF, append_line, merge_notes, ref_value
from tracker.history.notes_remote import private_ref, sync_notes
from tracker.history.run_notes import import_notes, note_run
from tracker.store import Store, default_store_path

from .helpers import git, run_cli, write
from .test_run import clean_env, make_project
from .test_run import tracker as tracker_run
from .test_run_notes import a_run, make_repo, note_lines


def tracker(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``tracker ARGS`` in a subprocess, as a user would run it."""
    return run_cli(*args, cwd=cwd, env=clean_env())


@dataclasses.dataclass
class World:
    remote: Path  #: a bare repository
    a: Path  #: two clones of it
    b: Path
    shas: list[str]  #: its commits, oldest first


def clone(remote: Path, where: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(remote), str(where)], check=True,
                   capture_output=True)
    git(where, "remote", "set-url", "origin", "../remote.git")  # the world can be copied
    return where


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> World:
    top = tmp_path_factory.mktemp("sync-world")
    seed = top / "seed"
    seed.mkdir()
    shas = make_repo(seed)
    subprocess.run(["git", "clone", "-q", "--bare", str(seed), str(top / "remote.git")],
                   check=True)
    shutil.rmtree(seed)
    return World(top / "remote.git", clone(top / "remote.git", top / "a"),
                 clone(top / "remote.git", top / "b"), shas)


@pytest.fixture
def world(world_template: World, tmp_path: Path) -> World:
    top = tmp_path / "world"
    shutil.copytree(world_template.remote.parent, top, symlinks=True)
    return World(top / "remote.git", top / "a", top / "b", world_template.shas)


def stored(root: Path) -> Store:
    return Store.open(default_store_path(root))


def test_two_clones_exchange_runs_without_losing_any(world):
    note_run(world.a, a_run(world.shas[2], 1))
    note_run(world.b, a_run(world.shas[2], 2))  # the same commit, noted on both sides
    note_run(world.b, a_run(world.shas[0], 3))
    first = sync_notes(world.a, "origin")
    assert (first.fetched, first.pushed) == (0, True)
    second = sync_notes(world.b, "origin")
    assert (second.fetched, second.pushed) == (1, True)
    assert sync_notes(world.a, "origin").fetched == 2
    for clone_root in (world.a, world.b):
        assert len(note_lines(clone_root, world.shas[2])) == 2
        with stored(clone_root) as store:
            assert import_notes(clone_root, store).imported == 3
    assert ref_value(world.a, NOTES_REF) == ref_value(world.b, NOTES_REF) \
        == ref_value(world.remote, NOTES_REF)


def test_notes_already_here_are_not_merged_again(world):
    """Their notes already in ours, the same or older: the ref stays as it is. Reached by
    chance when two clones sync at once; here on purpose, so every run covers it."""
    note_run(world.a, a_run(world.shas[1], 1))
    sync_notes(world.a, "origin")
    sync_notes(world.b, "origin")
    theirs = private_ref("origin")
    assert ref_value(world.b, theirs) == ref_value(world.b, NOTES_REF)
    assert not merge_notes(world.b, theirs)  # the same notes
    note_run(world.b, a_run(world.shas[2], 2))
    ours = ref_value(world.b, NOTES_REF)
    assert not merge_notes(world.b, theirs)  # theirs are an ancestor of ours
    assert ref_value(world.b, NOTES_REF) == ours


def test_the_command_says_what_it_did_and_names_bad_notes(world):
    note_run(world.a, a_run(world.shas[1], 1))
    git(world.a, "notes", "--ref", NOTES_REF, "add", "-m", "\x1b[31mgarbage", world.shas[0])
    done = tracker(world.a, "sync")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("tracker: synced runs with origin: no new notes, pushed; imported "
                           "1 new run, skipped 1 bad note\n")
    assert done.stderr == (f"tracker: warning: skipped 1 line of the note on "
                           f"{world.shas[0][:12]}: line 1: does not start with its key\n")
    quiet = tracker(world.a, "sync")  # the bad note was read and warned of once
    assert quiet.stderr == "" and "imported 0 new runs" in quiet.stdout
    again = tracker(world.b, "sync", "--no-push")
    assert "fetched the notes of 2 commits, not pushed (--no-push); imported 1 new run" \
        in again.stdout
    note_run(world.b, a_run(world.shas[1], 2))
    assert tracker(world.b, "sync", "--no-push").returncode == 0
    assert len(note_lines(world.remote, world.shas[1])) == 1  # not pushed


def test_a_rejected_push_is_fetched_merged_and_retried(world):
    hook = world.remote / "hooks" / "update"
    write(hook.parent, hook.name, """
        #!/bin/sh
        # the first push is refused, as when another job pushed a moment before
        [ -e "$GIT_DIR/refused-once" ] && exit 0
        touch "$GIT_DIR/refused-once"
        exit 1
    """)
    hook.chmod(0o755)
    note_run(world.a, a_run(world.shas[2], 1))
    result = sync_notes(world.a, "origin")
    assert (result.pushed, result.attempts) == (True, 2)
    assert ref_value(world.remote, NOTES_REF) == ref_value(world.a, NOTES_REF)


@pytest.mark.slow
def test_syncs_at_the_same_moment_from_two_clones_keep_both_runs(world):
    for round_ in range(3):
        note_run(world.a, a_run(world.shas[2], 10 * round_ + 1))
        note_run(world.b, a_run(world.shas[2], 10 * round_ + 2))
        procs = [subprocess.Popen([sys.executable, "-m", "tracker", "sync"], cwd=root,
                                  env=clean_env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
                 for root in (world.a, world.b)]
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
    sync_notes(world.a, "origin")
    assert len(note_lines(world.remote, world.shas[2])) == 6
    assert len(note_lines(world.a, world.shas[2])) == 6


@pytest.mark.slow
def test_a_shallow_clone_syncs_notes_of_commits_it_does_not_have(world, tmp_path):
    for n, sha in enumerate(world.shas):
        note_run(world.a, a_run(sha, n))
    sync_notes(world.a, "origin")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{world.remote}",
                    str(shallow)], check=True, capture_output=True)
    assert git(shallow, "rev-parse", "--is-shallow-repository").strip() == "true"
    done = tracker(shallow, "sync")
    assert done.returncode == 0, done.stderr
    assert "fetched the notes of 3 commits" in done.stdout and "imported 3 new runs" in done.stdout
    note_run(shallow, a_run(world.shas[2], 9))
    assert tracker(shallow, "sync").returncode == 0
    assert len(note_lines(world.remote, world.shas[2])) == 2
    with stored(shallow) as store:
        assert {r.commit for r in (store.run(s.id) for s in store.runs())} == set(world.shas)


@pytest.mark.parametrize(("setup", "message"), [
    ("no-remote", "tracker sync: no remote named 'origin' (remotes: none)"),
    ("unreachable", "tracker sync: cannot fetch notes from origin: "),
    ("not-a-repo", "is not in a git repository"),
])
def test_errors_are_one_line_and_exit_2(setup, message, tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    if setup != "not-a-repo":
        make_repo(root, commits=1)
    if setup == "unreachable":
        git(root, "remote", "add", "origin", str(tmp_path / "gone.git"))
    done = tracker(root, "sync")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_store_rebuild_moves_a_damaged_store_aside(world):
    note_run(world.a, a_run(world.shas[1], 1))
    path = default_store_path(world.a)
    path.parent.mkdir()
    path.write_bytes(b"not a database at all")
    done = tracker(world.a, "store", "rebuild")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("from the notes of 1 commit: 1 run imported\n")
    moved = next(path.parent.glob("tracker.db.broken-*"))
    assert moved.read_bytes() == b"not a database at all"
    assert f"moved the damaged store to {moved}" in done.stderr
    refused = tracker(world.a, "store", "rebuild")
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert refused.stderr.count("\n") == 1


# --- a real run travels to another clone -----------------------------------------------

@pytest.fixture(scope="session")
def sample_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample project of test_run.py pushed to a bare remote, run for real in one clone
    (tracker run --note: pytest under coverage, the run noted) and synced."""
    top = tmp_path_factory.mktemp("sample-world")
    make_project(top / "seed")
    subprocess.run(["git", "clone", "-q", "--bare", str(top / "seed"), str(top / "remote.git")],
                   check=True)
    ci, dev = clone(top / "remote.git", top / "ci"), clone(top / "remote.git", top / "dev")
    done = tracker_run(ci, "run", "--note", "--show-output")
    assert done.returncode == 1, done.stderr  # the sample has failing tests
    assert done.stderr.splitlines()[-1].startswith("tracker: run 1 noted on commit ")
    assert tracker(ci, "sync").returncode == 0
    return ci, dev


@pytest.mark.slow
def test_a_real_run_noted_in_ci_is_judged_the_same_in_another_clone(sample_world):
    ci, dev = sample_world
    done = tracker(dev, "sync")
    assert done.returncode == 0 and "imported 1 new run" in done.stdout, done.stderr
    with stored(ci) as there, stored(dev) as here:
        original, imported = there.latest_run(), here.latest_run()
        assert original is not None and imported is not None
        assert import_notes(ci, there).imported == 0  # noted there: not imported twice
        assert there.runs_count() == 1
    assert imported.coverage == original.coverage
    assert any(f.missing_arcs for f in imported.coverage)  # branches travel as arcs
    rounded = tuple(dataclasses.replace(o, duration=round(o.duration, 6))
                    for o in original.outcomes)
    assert dataclasses.replace(imported, id=None) == dataclasses.replace(
        original, id=None, outcomes=rounded)
    here_status = tracker_run(dev, "status", "--json")
    there_status = tracker_run(ci, "status", "--json")
    assert here_status.stdout == there_status.stdout


def test_run_note_refuses_a_dirty_tree_before_running_anything(sample_world, tmp_path):
    ci, _ = sample_world
    work = tmp_path / "work"
    shutil.copytree(ci, work, symlinks=True)
    shutil.rmtree(work / ".tracker")
    write(work, "src/shop/cart.py", "# changed\n")
    done = tracker_run(work, "run", "--note", "--show-output")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("--note: tracked files differ from commit ")
    assert done.stderr.count("\n") == 1
    assert not default_store_path(work).exists(), "no tests were run"


def test_ingest_notes_the_union_of_shards_reports(sample_world, tmp_path):
    _, dev = sample_world
    work = tmp_path / "work"
    shutil.copytree(dev, work, symlinks=True)
    shutil.rmtree(work / ".tracker", ignore_errors=True)
    for n, (path, name, failure) in enumerate([("tests/test_cart.py", "test_total_items", ""),
                                               ("tests/sub/test_catalog.py", "test_size",
                                                "<failure message='boom'/>")]):
        module = path[:-3].replace("/", ".")
        write(work, f"shard{n}.xml", f"""
            <testsuites><testsuite name="pytest">
            <testcase classname="{module}" name="{name}" time="0.5">{failure}</testcase>
            </testsuite></testsuites>
        """)
    done = tracker_run(work, "ingest", "--junit", "shard0.xml", "--junit", "shard1.xml",
                       "--note")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "tracker: run 1 recorded from 2 reports: 2 tests\n"
    assert done.stderr.startswith("tracker: run 1 noted on commit ")
    line = note_lines(work, "HEAD")[-1]
    assert '"id":"tests/sub/test_catalog.py::test_size","message":"boom","outcome":"failed"' \
        in line


@pytest.mark.parametrize("argv", [["sync"], ["store", "rebuild", "--force"]])
def test_the_note_commands_import_neither_textual_nor_gitpython(world, argv):
    probe = ("import json, sys\nfrom tracker.cli import main\ncode = main(sys.argv[1:])\n"
             "print(json.dumps(sorted(m for m in sys.modules\n"
             "                        if m.split('.')[0] in {'textual', 'rich', 'git'})))\n")
    done = subprocess.run([sys.executable, "-c", probe, *argv], cwd=world.a, text=True,
                          capture_output=True, env=clean_env(), check=False)
    assert done.stdout.splitlines()[-1] == "[]", done.stderr


def test_a_synced_run_whose_note_lies_is_refused_once_by_the_first_judgement(world):
    """Version 3 runs are imported undecoded; the first command that reads one whole finds
    that its header claims what its tests do not show, warns once naming the commit, and
    judges without it (the run is gone from the store: the next command says nothing)."""
    from .test_run_notes import lying_line

    note_run(world.a, a_run(world.shas[1], 1))
    append_line(world.a, world.shas[2], lying_line(a_run(world.shas[2], 2)), "l" * 64)
    assert tracker(world.a, "sync").returncode == 0
    done = tracker(world.b, "sync", "--no-push")
    assert "imported 2 new runs" in done.stdout and done.stderr == "", done.stderr
    write(world.b, "plan.yaml", """
        title: Synced
        phases:
          - id: "1"
            title: One
            items:
              - {id: all, text: All, tests: [tests/]}
        """)
    first = tracker(world.b, "status")
    assert first.returncode == 0, first.stderr
    assert first.stderr.count("skipped the run noted on") == 1
    assert f"noted on {world.shas[2][:12]} (run 2): its summary does not match its tests" \
        in first.stderr
    second = tracker(world.b, "status")
    assert second.stdout == first.stdout and "skipped" not in second.stderr
    with stored(world.b) as store:
        assert [s.commit for s in store.runs()] == [world.shas[1]]
