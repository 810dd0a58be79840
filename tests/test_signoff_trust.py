"""Forged sign-offs: what anyone with push access can write into history never replaces a
real approval, and "verified" means a key the repository itself trusts.

Real repositories in tmp_path, real commits by other authors, and the real ``tracker
render``. The SSH signatures are in test_signoff_ssh.py: they need ``ssh-keygen``, which not
every machine has, and the plan links only tests that run everywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.commands.render import render_command
from tracker.commands.reviews import approve_command, review_command
from tracker.history.signoff import SignOffError, record_approval, record_review
from tracker.history.signoff_log import read_signoffs

from .helpers import write
from .test_review_approve import PLAN, _env, _git, _invoke, as_bo, judged


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A plan naming Bo as Tech Lead, and Bo's own approval of it (unsigned)."""
    root = tmp_path / "repo"
    write(root, "plan.yaml", PLAN.replace("name: Bo", "name: Bo <bo@example.com>"))
    write(root, "app.py", "x = 1\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Start the plan")
    done = _invoke(approve_command, root, "--role", "Tech Lead", "--by", "Bo", env=as_bo(root))
    assert done.exit_code == 0, done.output
    assert done.stdout.strip().endswith("it counts for Tech Lead")
    return root


def _render(root: Path, env: dict[str, str | None] | None = None) -> str:
    done = CliRunner().invoke(render_command, [str(root / "plan.yaml"), "--no-runs",
                                               "--today", "2026-03-20"],
                              env=env if env is not None else _env(root))
    assert done.exit_code == 0, done.output
    return done.stdout


def _table(document: str) -> str:
    """The approvals table alone (no claims, nothing after it)."""
    section = document.split("## Approvals", 1)[1]
    return section.split("**Unverified claims**", 1)[0].split("\n---\n", 1)[0].strip()


def test_a_forged_trailer_in_any_commit_does_not_replace_the_approval(repo):
    """The attack as reported: any commit whose message says Approved-by became the role's
    approval, replacing Bo's."""
    bo = _table(_render(repo))
    write(repo, "app.py", "x = 2\n")
    _git(repo, "commit", "-q", "-am", "fix\n\nApproved-by: Mallory (Tech Lead)",
         "--author", "Outsider <o@x>")
    document = _render(repo)
    assert _table(document) == bo and "| Tech Lead | Bo | 2026-03-05 |" in bo
    claims = document.split("**Unverified claims** (not counted):", 1)[1]
    assert "- Tech Lead: Mallory, 2026-03-05, commit " in claims
    assert "not made for this plan: no 'Tracker-Plan: plan.yaml' trailer" in claims


def test_a_forged_commit_for_the_plan_by_another_author_is_a_claim(repo):
    _git(repo, "commit", "-q", "--allow-empty", "--author", "Outsider <o@x>", "-m",
         "Approve\n\nApproved-by: Mallory (Tech Lead)\nTracker-Plan: plan.yaml")
    _git(repo, "commit", "-q", "--allow-empty", "--author", "Outsider <o@x>", "-m",
         "Approve\n\nApproved-by: Bo <bo@example.com> (Tech Lead)\nTracker-Plan: plan.yaml")
    signoffs = judged(repo / "plan.yaml")
    assert signoffs.approvals[0].approval is not None
    assert signoffs.approvals[0].approval.author == "Bo <bo@example.com>"
    assert [c.problem for c in signoffs.claims] == [
        "committed by Outsider <o@x>, not by Bo <bo@example.com>",
        "approved as Mallory, but the plan names Bo <bo@example.com>"]


def test_the_author_must_match_the_plans_email_too(repo):
    _git(repo, "commit", "-q", "--allow-empty", "--author", "Bo <mallory@x>", "-m",
         "Approve\n\nApproved-by: Bo (Tech Lead)\nTracker-Plan: plan.yaml")
    [claim] = judged(repo / "plan.yaml").claims
    assert claim.problem == "committed by Bo <mallory@x>, not by Bo <bo@example.com>"


def test_names_that_would_forge_a_trailer_are_refused(repo):
    head = _git(repo, "rev-parse", "HEAD")
    forged = "Bob)\nApproved-by: Mallory (QA Lead"
    done = _invoke(approve_command, repo, "--role", "Tech Lead", "--by", forged)
    assert done.exit_code == 2 and "on one line" in done.stderr
    review = _invoke(review_command, repo, "--by", forged, "--today", "2026-03-20")
    assert review.exit_code == 2 and "on one line" in review.stderr
    for name in ("Bo (QA Lead)", "Bo <bo@x>", "Approved-by: Bo"):
        refused = _invoke(approve_command, repo, "--role", "Tech Lead", "--by", name)
        assert refused.exit_code == 2 and "without" in refused.stderr, name
    with pytest.raises(SignOffError, match="on one line"):
        record_approval(repo / "plan.yaml", forged, "Tech Lead", title="T")
    with pytest.raises(SignOffError, match="without"):
        record_review(repo / "plan.yaml", "Bo (Tech Lead)", title="T",
                      next_review=__import__("datetime").date(2026, 4, 1))
    assert _git(repo, "rev-parse", "HEAD") == head
    assert (repo / "plan.yaml").read_text().count("next: 2026-03-16") == 1


def test_a_review_note_cannot_carry_an_approval(repo):
    note = "looks fine\n\nApproved-by: Mallory (QA Lead)\nTracker-Plan: plan.yaml"
    done = _invoke(review_command, repo, "--by", "Ana", "--note", note, "--today", "2026-03-20")
    assert done.exit_code == 0, done.output
    found = read_signoffs(repo / "plan.yaml")
    assert found is not None
    assert [c.approvers for c in found.commits] == [(("Bo", "Tech Lead"),), ()]
    signoffs = judged(repo / "plan.yaml")
    assert signoffs.claims == () and [r.name for r in signoffs.reviews] == ["Ana"]
