"""`tracker hooks install`: reminder hooks that never block git and never replace others."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.commands.reviews import HOOK_MARKER, HOOKS, hook_script, hooks_command

from .helpers import write

PLAN = """\
title: Hooked plan
created: 2026-01-05
review: {next: 2026-01-19, every: 14d, reviewers: [Ana]}
"""


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.com",
            "HOME": str(root), "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CEILING_DIRECTORIES": str(root.parent)}


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, env=_env(root), text=True,
                          capture_output=True, check=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, "docs/plan.yaml", PLAN)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "start")
    return root


def _install(plan: Path):
    return CliRunner().invoke(hooks_command, ["install", "--plan", str(plan)])


def test_install_writes_executable_marked_hooks(repo):
    done = _install(repo / "docs" / "plan.yaml")
    assert done.exit_code == 0, done.output
    for name in HOOKS:
        hook = repo / ".git" / "hooks" / name
        assert f"installed {hook}" in done.stdout
        text = hook.read_text()
        assert text.startswith("#!/bin/sh\n" + HOOK_MARKER)
        assert "remind --plan docs/plan.yaml --quiet || true" in text
        assert text.rstrip().endswith("exit 0")
        assert os.access(hook, os.X_OK)
    again = _install(repo / "docs" / "plan.yaml")
    assert again.exit_code == 0 and again.stdout.count("updated ") == 2


def test_install_refuses_a_foreign_hook_and_says_how_to_chain(repo):
    foreign = write(repo, ".git/hooks/post-merge", "#!/bin/sh\necho mine\n")
    done = _install(repo / "docs" / "plan.yaml")
    assert done.exit_code == 2
    assert str(foreign) in done.stderr and "tracker did not write it" in done.stderr
    assert "add this line to it: tracker remind --plan docs/plan.yaml --quiet || true" \
        in done.stderr
    assert foreign.read_text() == "#!/bin/sh\necho mine\n"
    assert not (repo / ".git" / "hooks" / "post-checkout").exists()  # all or nothing


def test_install_honours_core_hooks_path(repo):
    _git(repo, "config", "core.hooksPath", ".githooks")
    done = _install(repo / "docs" / "plan.yaml")
    assert done.exit_code == 0, done.output
    assert (repo / ".githooks" / "post-merge").is_file()


def test_install_outside_git_or_without_a_plan(tmp_path, repo):
    plan = write(tmp_path / "plain", "plan.yaml", PLAN)
    done = CliRunner().invoke(hooks_command, ["install", "--plan", str(plan)],
                              env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert done.exit_code == 2 and "not in a git work tree" in done.stderr
    missing = _install(repo / "plan.yaml")
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    assert not (repo / ".git" / "hooks" / "post-merge").exists()


def test_hook_never_blocks_git_even_on_a_broken_plan(repo):
    assert _install(repo / "docs" / "plan.yaml").exit_code == 0
    write(repo, "docs/plan.yaml", "title: [broken\n")
    _git(repo, "commit", "-qam", "break it")
    _git(repo, "checkout", "-q", "-b", "other")  # runs post-checkout; check=True: exit 0
    hook = repo / ".git" / "hooks" / "post-merge"
    done = subprocess.run([str(hook), "0"], cwd=repo, env=_env(repo), capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0


def test_post_checkout_ignores_file_checkouts(tmp_path):
    script = write(tmp_path, "post-checkout",
                   hook_script("post-checkout", "plan.yaml", str(tmp_path / "no-python")))
    done = subprocess.run(["sh", str(script), "a", "b", "0"], cwd=tmp_path, capture_output=True,
                          text=True, check=False, env={"PATH": "/usr/bin:/bin"})
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


@pytest.mark.slow
def test_hook_prints_due_reminders_after_checkout(repo):
    assert _install(repo / "docs" / "plan.yaml").exit_code == 0
    done = _git(repo, "checkout", "-b", "feature")
    assert "Review overdue by" in done.stdout + done.stderr
