"""plan.yaml's ``runs: {note: true}``: noting as the project's default, on real runs.

The sample project of test_run.py, committed to a real git repository, run for real by
``tracker run`` (pytest under coverage) in a subprocess; notes read back with git itself.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tracker.store import Store, default_store_path

from .helpers import call_cli, git, write
from .test_run import make_project
from .test_run import tracker as tracker_run
from .test_run_notes import note_lines

NOTE_BY_DEFAULT = "runs:\n  note: true\n"


@pytest.fixture(scope="session")
def noting_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project whose committed plan makes noting the default."""
    root = make_project(tmp_path_factory.mktemp("note-default") / "project")
    plan = root / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8") + NOTE_BY_DEFAULT, encoding="utf-8")
    git(root, "commit", "-qam", "note every run")
    return root


@pytest.fixture
def project(noting_template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(noting_template, root, symlinks=True)
    return root


def notes_count(root: Path) -> int:
    done = subprocess.run(["git", "notes", "--ref", "tracker", "list"], cwd=root, text=True,
                          capture_output=True, check=False)
    return len(done.stdout.splitlines())


def runs_stored(root: Path) -> int:
    with Store.open(default_store_path(root)) as store:
        return store.runs_count()


@pytest.mark.slow
def test_a_run_of_committed_code_is_noted_without_being_asked(project):
    done = tracker_run(project, "run", "--show-output")
    assert done.returncode == 1, done.stderr  # pytest's own code: the sample has failures
    assert done.stderr.splitlines()[-1].startswith("tracker: run 1 noted on commit ")
    assert len(note_lines(project, "HEAD")) == 1


@pytest.mark.slow
def test_a_dirty_tree_is_run_and_recorded_but_not_noted_and_not_an_error(project):
    write(project, "src/shop/cart.py", (project / "src/shop/cart.py").read_text() + "# wip\n")
    done = tracker_run(project, "run", "--show-output")
    assert done.returncode == 1, done.stderr  # as without notes: pytest's code, not 2
    last = done.stderr.splitlines()[-1]
    assert last.startswith("tracker: run 1 recorded but not noted: the run was on a dirty tree")
    assert notes_count(project) == 0
    assert runs_stored(project) == 1


@pytest.mark.slow
def test_no_note_turns_the_default_off_and_note_still_insists(project):
    done = tracker_run(project, "run", "--no-note", "--show-output")
    assert done.returncode == 1 and "noted" not in done.stderr, done.stderr
    assert notes_count(project) == 0
    write(project, "README.md", "wip\n")
    git(project, "add", "README.md")  # a tracked change: the tree is dirty
    refused = tracker_run(project, "run", "--note", "--show-output")
    assert refused.returncode == 2
    assert refused.stderr.startswith("--note: tracked files differ from commit ")


def test_ingest_follows_the_default(project):
    write(project, "report.xml", """
        <testsuites><testsuite name="pytest">
        <testcase classname="tests.test_cart" name="test_total_items" time="0.5"/>
        </testsuite></testsuites>
    """)
    git(project, "add", "report.xml")
    git(project, "commit", "-qm", "report")
    done = call_cli("ingest", "--junit", "report.xml", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "noted on commit" in done.stderr
    assert len(note_lines(project, "HEAD")) == 1


@pytest.mark.parametrize(("written", "message"), [
    ("runs: {note: yes please}\n", "plan.yaml:{line}:14: 'note' of runs must be true or false"),
    ("runs: {notes: true}\n", "plan.yaml:{line}:8: unknown key 'notes' in runs: did you mean "
                              "'note'?"),
    ("runs: [note]\n", "plan.yaml:{line}:7: runs must be a mapping of keys (note), not a list"),
])
def test_a_wrong_runs_setting_is_one_line_naming_file_line_and_column(project, written,
                                                                       message):
    plan = project / "plan.yaml"
    text = plan.read_text(encoding="utf-8").replace(NOTE_BY_DEFAULT, written)
    plan.write_text(text, encoding="utf-8")
    line = text.count("\n", 0, text.index("runs:")) + 1
    done = call_cli("check", cwd=project)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == message.format(line=line)


@pytest.mark.slow
def test_backfill_follows_the_default(project):
    done = tracker_run(project, "backfill", "HEAD~1^!")
    assert done.returncode == 0, done.stderr
    assert "noted 1" in done.stderr
    assert len(note_lines(project, "HEAD~1")) == 1
