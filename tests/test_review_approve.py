"""`tracker review` and `tracker approve`: plan.yaml edited in place, sign-offs kept in git."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.commands.reviews import approve_command, review_command
from tracker.history.signoff import (
    Signature,
    SignOffKind,
    latest_approvals,
    parse_approval,
    past_reviews,
    read_signoffs,
    split_trailers,
)
from tracker.plan.edit import EditError, review_next_span, set_review_next
from tracker.plan.load import load_plan

from .helpers import write

PLAN = """\
# Team testing plan: edited by hand, keep the comments
title: Checkout plan   # the name people know
created: 2026-03-02
review:
  # when we look at it again
  next: 2026-03-16   # keep this comment
  every: 2w
  reviewers: [Ana, "Bo"]
phases:
  - id: "1"
    title:   Odd   spacing
    weeks: 1-2
    items:
      - {id: x, text: "Quoted",   owner: Ana}   # flow item
approvals:
  - role: Tech Lead
    name: Bo
  - {role: QA Lead}
"""

DATE = "2026-03-05T12:00:00+00:00"


def _env(root: Path, **extra: str | None) -> dict[str, str | None]:
    """A fixed identity and dates, and no user or system git config (HOME is the tmp dir)."""
    env: dict[str, str | None] = {
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_AUTHOR_DATE": DATE, "GIT_COMMITTER_DATE": DATE, "HOME": str(root),
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CEILING_DIRECTORIES": str(root.parent), "EMAIL": None,
    }
    env.update(extra)
    return env


def _git(root: Path, *args: str, **extra: str | None) -> str:
    env = {k: v for k, v in {**_os_env(), **_env(root, **extra)}.items() if v is not None}
    return subprocess.run(["git", *args], cwd=root, env=env, text=True, capture_output=True,
                          check=True).stdout


def _os_env() -> dict[str, str]:
    import os

    return dict(os.environ)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, "plan.yaml", PLAN)
    write(root, "README.md", "hello\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Start the plan")
    return root


def _invoke(command, root: Path, *args: str, env: dict[str, str | None] | None = None):
    return CliRunner().invoke(command, ["--plan", str(root / "plan.yaml"), *args],
                              env=env if env is not None else _env(root))


def _head(root: Path) -> str:
    return _git(root, "rev-parse", "HEAD").strip()


# -- review -----------------------------------------------------------------------------------


def test_review_sets_next_and_keeps_every_other_line(repo):
    before = (repo / "plan.yaml").read_text().splitlines()
    done = _invoke(review_command, repo, "--by", "Ana", "--note", "Phase 1 on track",
                   "--today", "2026-03-20")
    assert done.exit_code == 0, done.output
    after = (repo / "plan.yaml").read_text().splitlines()
    assert len(after) == len(before)
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert changed == [("  next: 2026-03-16   # keep this comment",
                        "  next: 2026-04-03   # keep this comment")]
    assert "next review 2026-04-03" in done.stdout
    plan = load_plan(repo / "plan.yaml").plan
    assert plan is not None and plan.review is not None
    assert plan.review.next == dt.date(2026, 4, 3)


def test_review_commits_plan_alone_with_trailer(repo):
    write(repo, "README.md", "staged change\n")
    write(repo, "notes.txt", "unstaged, untracked\n")
    _git(repo, "add", "README.md")
    done = _invoke(review_command, repo, "--by", "Ana", "--note", "Looked at phase 1",
                   "--today", "2026-03-20")
    assert done.exit_code == 0, done.output
    assert _git(repo, "show", "--format=", "--name-only", "HEAD").split() == ["plan.yaml"]
    message = _git(repo, "log", "-1", "--format=%B")
    assert message.startswith('Review testing plan "Checkout plan"; next review 2026-04-03\n')
    assert "\n\nLooked at phase 1\n\nReviewed-by: Ana\nTracker-Plan: plan.yaml\n" in message
    # the user's staged change is still staged, and nothing shows plan.yaml as changed
    assert _git(repo, "diff", "--cached", "--name-only").split() == ["README.md"]
    assert _git(repo, "status", "--porcelain", "--", "plan.yaml") == ""
    # the review is dated as of --today
    assert _git(repo, "log", "-1", "--format=%as") == "2026-03-20\n"
    reviews = past_reviews(read_signoffs(repo / "plan.yaml"))
    assert [(r.name, r.date, r.note) for r in reviews] == [
        ("Ana", dt.date(2026, 3, 20), "Looked at phase 1")]


def test_review_uses_repository_identity_else_the_name(repo):
    no_identity = _env(repo, GIT_AUTHOR_NAME=None, GIT_AUTHOR_EMAIL=None,
                       GIT_COMMITTER_NAME=None, GIT_COMMITTER_EMAIL=None)
    done = _invoke(review_command, repo, "--by", "Ana Lima", env=no_identity)
    assert done.exit_code == 0, done.output
    assert _git(repo, "log", "-1", "--format=%an <%ae>|%cn") == "Ana Lima <>|Ana Lima\n"
    _git(repo, "config", "user.name", "Repo Person")
    _git(repo, "config", "user.email", "repo@example.com")
    done = _invoke(review_command, repo, "--by", "Ana Lima", env=no_identity)
    assert done.exit_code == 0, done.output
    assert _git(repo, "log", "-1", "--format=%an <%ae>") == "Repo Person <repo@example.com>\n"
    assert "Reviewed-by: Ana Lima" in _git(repo, "log", "-1", "--format=%B")


def test_review_adds_next_when_missing(repo):
    write(repo, "plan.yaml", PLAN.replace("  next: 2026-03-16   # keep this comment\n", ""))
    _git(repo, "commit", "-qam", "no next yet")
    done = _invoke(review_command, repo, "--by", "Bo", "--today", "2026-03-20")
    assert done.exit_code == 0, done.output
    text = (repo / "plan.yaml").read_text()
    assert "  # when we look at it again\n  next: 2026-04-03\n  every: 2w\n" in text


def _unchanged(repo: Path, head: str, text: str) -> None:
    assert (repo / "plan.yaml").read_text() == text
    assert _head(repo) == head


@pytest.mark.parametrize("edit, message", [
    (("every: 2w", "every: fortnight"), "cannot read interval 'fortnight'"),
    (("  every: 2w\n", ""), "review has no 'every'"),
    (("created: 2026-03-02", "created: 2026-05-02"), "before the plan was created"),
])
def test_review_refuses_bad_plans(repo, edit, message):
    write(repo, "plan.yaml", PLAN.replace(*edit))
    text, head = (repo / "plan.yaml").read_text(), _head(repo)
    done = _invoke(review_command, repo, "--by", "Ana", "--today", "2026-03-20")
    assert done.exit_code == 2
    assert message in done.stderr and "Traceback" not in done.output
    _unchanged(repo, head, text)


def test_review_refuses_a_next_before_created(repo):
    text, head = (repo / "plan.yaml").read_text(), _head(repo)
    done = _invoke(review_command, repo, "--by", "Ana", "--today", "2026-01-01")
    assert done.exit_code == 2
    assert "the new review date would make the plan invalid" in done.stderr
    assert "before the plan was created" in done.stderr
    _unchanged(repo, head, text)


def test_review_without_git_repository(tmp_path):
    root = tmp_path / "plain"
    plan = write(root, "plan.yaml", PLAN)
    done = _invoke(review_command, root, "--by", "Ana", "--today", "2026-03-20")
    assert done.exit_code == 2
    assert "not in a git repository" in done.stderr and "git init" in done.stderr
    assert plan.read_text() == PLAN


def test_review_read_only_plan(repo):
    plan = repo / "plan.yaml"
    plan.chmod(0o444)
    head = _head(repo)
    try:
        done = _invoke(review_command, repo, "--by", "Ana", "--today", "2026-03-20")
    finally:
        mode = plan.stat().st_mode
        plan.chmod(0o644)
    assert done.exit_code == 2
    assert "read-only" in done.stderr
    assert mode & 0o777 == 0o444
    _unchanged(repo, head, PLAN)


def test_review_restores_plan_when_commit_fails(repo):
    hook = write(repo, ".git/hooks/pre-commit", "#!/bin/sh\necho 'no commits today' >&2\nexit 1\n")
    hook.chmod(0o755)
    head = _head(repo)
    done = _invoke(review_command, repo, "--by", "Ana", "--today", "2026-03-20")
    assert done.exit_code == 2
    assert "the review was not recorded and the plan is unchanged" in done.stderr
    assert "no commits today" in done.stderr
    _unchanged(repo, head, PLAN)


def test_review_of_a_plan_in_a_subfolder_and_a_repository_without_commits(tmp_path):
    root = tmp_path / "fresh"
    write(root, "docs/testing/plan.yaml", PLAN)
    write(root, "other.txt", "staged\n")
    _git(root, "init", "-q")
    _git(root, "add", "other.txt")
    done = CliRunner().invoke(review_command, ["--plan", str(root / "docs/testing/plan.yaml"),
                                               "--by", "Ana", "--today", "2026-03-20"],
                              env=_env(root))
    assert done.exit_code == 0, done.output
    assert _git(root, "show", "--format=%B", "--name-only", "HEAD").endswith(
        "Tracker-Plan: docs/testing/plan.yaml\n\n\ndocs/testing/plan.yaml\n")
    assert _git(root, "status", "--porcelain") == "A  other.txt\n"
    [review] = read_signoffs(root / "docs/testing/plan.yaml")
    assert review.name == "Ana"


def test_signoffs_wait_for_a_merge_in_progress(repo):
    _git(repo, "checkout", "-q", "-b", "side")
    write(repo, "README.md", "side\n")
    _git(repo, "commit", "-qam", "side")
    _git(repo, "checkout", "-q", "main")
    write(repo, "README.md", "main\n")
    _git(repo, "commit", "-qam", "main")
    with pytest.raises(subprocess.CalledProcessError):
        _git(repo, "merge", "-q", "side")  # conflicts: MERGE_HEAD stays
    head = _head(repo)
    for command, args in ((review_command, ["--by", "Ana", "--today", "2026-03-20"]),
                          (approve_command, ["--role", "QA Lead", "--by", "Cy"])):
        done = _invoke(command, repo, *args)
        assert done.exit_code == 2
        assert "a merge is in progress" in done.stderr
    _unchanged(repo, head, PLAN)


@pytest.mark.slow
def test_review_real_exit_codes(repo):
    code = "from tracker.commands.reviews import review_command; review_command()"
    env = {k: v for k, v in {**_os_env(), **_env(repo)}.items() if v is not None}
    run = [sys.executable, "-c", code, "--plan", "plan.yaml", "--by", "Ana"]
    done = subprocess.run([*run, "--today", "2026-03-20"], cwd=repo, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    bad = subprocess.run([*run, "--today", "2026-02-30"], cwd=repo, env=env,
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


# -- approve ----------------------------------------------------------------------------------


def test_approve_records_an_empty_commit_with_trailer(repo):
    write(repo, "README.md", "staged change\n")
    _git(repo, "add", "README.md")
    done = _invoke(approve_command, repo, "--role", "qa  lead", "--by", "Cy")
    assert done.exit_code == 0, done.output
    assert "recorded the approval by Cy as QA Lead in commit" in done.stdout
    assert "unsigned" in done.stdout
    assert _git(repo, "show", "--format=", "--name-only", "HEAD").strip() == ""
    message = _git(repo, "log", "-1", "--format=%B")
    assert message.endswith("\n\nApproved-by: Cy (QA Lead)\nTracker-Plan: plan.yaml\n\n")
    assert _git(repo, "diff", "--cached", "--name-only").split() == ["README.md"]
    [signoff] = read_signoffs(repo / "plan.yaml")
    assert (signoff.kind, signoff.name, signoff.role) == (SignOffKind.APPROVAL, "Cy", "QA Lead")
    assert signoff.date == dt.date(2026, 3, 5) and signoff.current
    assert signoff.signature is Signature.NONE
    assert signoff.signature_text() == f"commit {_head(repo)[:10]}, unsigned"


def test_approve_unknown_role(repo):
    head = _head(repo)
    done = _invoke(approve_command, repo, "--role", "Tech Leed", "--by", "Bo")
    assert done.exit_code == 2
    assert done.stderr.strip() == (f"--role 'Tech Leed': not an approval role of "
                                   f"{repo / 'plan.yaml'} (its roles: Tech Lead, QA Lead); "
                                   "did you mean 'Tech Lead'?")
    _unchanged(repo, head, PLAN)


def test_approve_needs_a_committed_plan(tmp_path):
    root = tmp_path / "fresh"
    write(root, "README.md", "x\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "start")
    write(root, "plan.yaml", PLAN)
    done = _invoke(approve_command, root, "--role", "Tech Lead", "--by", "Bo")
    assert done.exit_code == 2
    assert "plan.yaml is not committed yet" in done.stderr


def test_approval_goes_stale_when_the_plan_changes_but_not_on_review(repo):
    assert _invoke(approve_command, repo, "--role", "Tech Lead", "--by", "Bo").exit_code == 0
    assert _invoke(review_command, repo, "--by", "Ana", "--today", "2026-03-20").exit_code == 0
    signoffs = read_signoffs(repo / "plan.yaml")
    assert [(s.kind, s.current) for s in signoffs] == [(SignOffKind.APPROVAL, True),
                                                       (SignOffKind.REVIEW, True)]
    write(repo, "plan.yaml", (repo / "plan.yaml").read_text().replace("Quoted", "Changed"))
    [approval, _] = read_signoffs(repo / "plan.yaml")
    assert not approval.current  # uncommitted change: the approval covers an earlier version
    _git(repo, "commit", "-qam", "Change an item")
    plan = load_plan(repo / "plan.yaml").plan
    assert plan is not None
    rows = latest_approvals(plan.approvals, read_signoffs(repo / "plan.yaml"))
    assert [(a.role, s.name if s else None, s.current if s else None) for a, s in rows] == [
        ("Tech Lead", "Bo", False), ("QA Lead", None, None)]


def test_only_this_plans_signoffs_count(repo):
    write(repo, "src.py", "x = 1\n")
    _git(repo, "add", "src.py")
    _git(repo, "commit", "-qm", "Fix parser\n\nReviewed-by: Code Reviewer <cr@example.com>")
    _git(repo, "commit", "-q", "--allow-empty", "-m",
         "Approve the other plan\n\nApproved-by: Zed (Tech Lead)\nTracker-Plan: other/plan.yaml")
    write(repo, "plan.yaml", PLAN.replace("Quoted", "Edited"))
    _git(repo, "commit", "-qam", "Edit plan\n\nReviewed-by: Ana Lima <ana@example.com>")
    _git(repo, "commit", "-q", "--allow-empty", "-m",
         "Sign off by hand\n\nApproved-by: Bo Berg <bo@example.com> (QA Lead (EU))")
    found = [(s.kind.value, s.name, s.role) for s in read_signoffs(repo / "plan.yaml")]
    assert found == [("review", "Ana Lima", None), ("approval", "Bo Berg", "QA Lead (EU)")]
    assert len(read_signoffs(repo / "plan.yaml", since=dt.date(2026, 3, 2))) == 2
    assert read_signoffs(repo / "plan.yaml", since=dt.date(2026, 4, 1)) == ()  # all older
    assert read_signoffs(repo.parent / "elsewhere" / "plan.yaml") == ()


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_ssh_signed_approval_is_verified(repo):
    key = repo.parent / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bo@example.com",
                    "-f", str(key)], check=True)
    _git(repo, "config", "gpg.format", "ssh")
    _git(repo, "config", "user.signingkey", str(key) + ".pub")
    _git(repo, "config", "commit.gpgsign", "true")
    assert _invoke(approve_command, repo, "--role", "Tech Lead", "--by", "Bo").exit_code == 0
    [unchecked] = read_signoffs(repo / "plan.yaml")
    assert unchecked.signed_with == "SSH" and not unchecked.verified
    assert unchecked.signature_words() == ("SSH-signed, not verified (git is not set up to "
                                           "check it)")
    allowed = repo.parent / "allowed_signers"
    allowed.write_text(f"bo@example.com {(key.parent / 'key.pub').read_text()}")
    _git(repo, "config", "gpg.ssh.allowedSignersFile", str(allowed))
    [signoff] = read_signoffs(repo / "plan.yaml")
    assert signoff.signature is Signature.GOOD and signoff.verified
    assert signoff.signature_words() == "SSH-signed, verified (bo@example.com)"


# -- reading trailers -------------------------------------------------------------------------


def test_split_trailers():
    message = ("Subject\n\nBody line\n\nmore body\n\nReviewed-by: Ana\nTracker-Plan: "
               "plan.yaml\nNote: long\n  continued\n")
    trailers, body = split_trailers(message)
    assert trailers == [("reviewed-by", "Ana"), ("tracker-plan", "plan.yaml"),
                        ("note", "long continued")]
    assert body == "Body line\n\nmore body"
    assert split_trailers("Only a subject: with colon\n") == ([], None)
    assert split_trailers("Subject\n\nnot a trailer\nReviewed-by: Ana\n") == (
        [], "not a trailer\nReviewed-by: Ana")


@pytest.mark.parametrize("value, expected", [
    ("Bo (Tech Lead)", ("Bo", "Tech Lead")),
    ("Bo Berg <bo@example.com> (QA Lead (EU))", ("Bo Berg", "QA Lead (EU)")),
    ("Bo <bo@example.com>", None),
    ("(Tech Lead)", None),
    ("Bo ()", None),
])
def test_parse_approval(value, expected):
    assert parse_approval(value) == expected


# -- editing plan.yaml ------------------------------------------------------------------------


def test_set_review_next_in_flow_mapping_keeps_the_rest():
    text = "title: T\nreview: {next: 2026-03-16, every: 14d}  # flow\nphases: []\n"
    assert set_review_next(text, dt.date(2026, 4, 1)) == text.replace("2026-03-16",
                                                                      "2026-04-01")
    missing = "review: {every: 14d, reviewers: [A]}\n"
    assert set_review_next(missing, dt.date(2026, 4, 1)) == (
        "review: {next: 2026-04-01, every: 14d, reviewers: [A]}\n")


def test_set_review_next_keeps_quotes_and_line_endings():
    text = "title: T\r\nreview:\r\n  next: '2026-03-16'\r\n  every: 2w\r\n"
    new = set_review_next(text, dt.date(2026, 4, 1))
    assert new == text.replace("2026-03-16", "2026-04-01")
    assert review_next_span(new) == (new.index("2026-04-01"), new.index("2026-04-01") + 10)
    missing = "review:\r\n    every: 2w\r\n"
    assert set_review_next(missing, dt.date(2026, 4, 1)) == (
        "review:\r\n    next: 2026-04-01\r\n    every: 2w\r\n")


@pytest.mark.parametrize("text, message", [
    ("title: T\n", "no review"),
    ("d: &d 2026-03-16\nreview: {next: *d, every: 2w}\n", "not written as a plain date"),
    ("review: [1, 2]\n", "must be a mapping"),
    ("review: {next: [\n", "cannot read the plan as YAML"),
    ("- a\n", "not a mapping"),
])
def test_set_review_next_refuses(text, message):
    with pytest.raises(EditError, match=message):
        set_review_next(text, dt.date(2026, 4, 1))
