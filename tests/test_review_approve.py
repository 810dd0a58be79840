"""`tracker review` and `tracker approve`: plan.yaml edited in place, sign-offs kept in git."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.commands.reviews import approve_command, review_command
from tracker.evidence.bundle import Signature
from tracker.history.signoff_log import parse_approval, read_signoffs, split_trailers
from tracker.plan.edit import EditError, review_next_span, set_review_next
from tracker.plan.load import load_plan
from tracker.signoffs import SignOffs, judge_signoffs

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


def judged(plan_path: Path) -> SignOffs:
    """The plan's sign-offs as assess judges them, from the repository's history."""
    plan = load_plan(plan_path).plan
    assert plan is not None
    return judge_signoffs(plan.approvals, read_signoffs(plan_path))


def as_bo(root: Path) -> dict[str, str | None]:
    """The environment of Bo, whom the plan names as Tech Lead."""
    return _env(root, GIT_AUTHOR_NAME="Bo", GIT_AUTHOR_EMAIL="bo@example.com",
                GIT_COMMITTER_NAME="Bo", GIT_COMMITTER_EMAIL="bo@example.com")


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
    reviews = judged(repo / "plan.yaml").reviews
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
    [review] = judged(root / "docs/testing/plan.yaml").reviews
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
    assert "(unsigned)" in done.stdout
    assert "names no one for QA Lead" in done.stderr  # said before the commit is made
    assert _git(repo, "show", "--format=", "--name-only", "HEAD").strip() == ""
    message = _git(repo, "log", "-1", "--format=%B")
    assert message.endswith("\n\nApproved-by: Cy (QA Lead)\nTracker-Plan: plan.yaml\n\n")
    assert _git(repo, "diff", "--cached", "--name-only").split() == ["README.md"]
    found = read_signoffs(repo / "plan.yaml")
    assert found is not None
    [commit] = found.commits
    assert (commit.approvers, commit.plan, commit.author) == ((("Cy", "QA Lead"),),
                                                              "plan.yaml", "Test")
    assert commit.date == dt.date(2026, 3, 5) and commit.signature is Signature.NONE
    # the plan names no one for QA Lead: recorded, but only as a claim
    signoffs = judged(repo / "plan.yaml")
    assert [row.approval for row in signoffs.approvals] == [None, None]
    [claim] = signoffs.claims
    assert claim.commit == _head(repo) and claim.current and not claim.verified
    assert claim.problem == "the plan names no one for QA Lead (approvals: add name:)"
    assert "not counted, listed as an unverified claim: the plan names no one" in done.stdout


def test_approval_by_the_named_person_counts(repo):
    done = _invoke(approve_command, repo, "--role", "Tech Lead", "--by", "Bo", env=as_bo(repo))
    assert done.exit_code == 0, done.output
    assert done.stdout.strip().endswith("(unsigned); it counts for Tech Lead")
    row = judged(repo / "plan.yaml").approvals[0]
    assert row.approval is not None and row.approval.counts and row.approval.current
    assert (row.role, row.approval.name, row.approval.author) == ("Tech Lead", "Bo",
                                                                   "Bo <bo@example.com>")
    assert not row.approval.verified  # unsigned: it counts, but nothing proves who made it


def test_approval_by_someone_else_is_a_claim(repo):
    """The repository's identity (Test) is not Bo: the commit is made, listed as a claim,
    and the user is told so."""
    done = _invoke(approve_command, repo, "--role", "Tech Lead", "--by", "Bo")
    assert done.exit_code == 0, done.output
    assert "committed by Test <t@example.com>, not by Bo" in done.stdout
    signoffs = judged(repo / "plan.yaml")
    assert signoffs.approvals[0].approval is None
    assert [c.problem for c in signoffs.claims] == ["committed by Test <t@example.com>, "
                                                    "not by Bo"]
    other = _invoke(approve_command, repo, "--role", "Tech Lead", "--by", "Zed")
    assert "names Bo for Tech Lead" in other.stderr


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
    assert _invoke(approve_command, repo, "--role", "Tech Lead", "--by", "Bo",
                   env=as_bo(repo)).exit_code == 0
    assert _invoke(review_command, repo, "--by", "Ana", "--today", "2026-03-20").exit_code == 0
    signoffs = judged(repo / "plan.yaml")
    assert [r.name for r in signoffs.reviews] == ["Ana"]
    approval = signoffs.approvals[0].approval
    assert approval is not None and approval.current  # review.next alone changed
    write(repo, "plan.yaml", (repo / "plan.yaml").read_text().replace("Quoted", "Changed"))
    approval = judged(repo / "plan.yaml").approvals[0].approval
    assert approval is not None and not approval.current  # uncommitted change counts
    _git(repo, "commit", "-qam", "Change an item")
    rows = judged(repo / "plan.yaml").approvals
    assert [(r.role, r.approval.name if r.approval else None,
             r.approval.current if r.approval else None) for r in rows] == [
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
    found = read_signoffs(repo / "plan.yaml")
    assert found is not None
    assert [(c.reviewers, c.approvers) for c in found.commits] == [
        (("Ana Lima",), ()), ((), (("Bo Berg <bo@example.com>", "QA Lead (EU)"),))]
    signoffs = judged(repo / "plan.yaml")
    assert [r.name for r in signoffs.reviews] == ["Ana Lima"]
    assert signoffs.claims == ()  # the plan has no role "QA Lead (EU)"
    since = read_signoffs(repo / "plan.yaml", since=dt.date(2026, 3, 2))
    assert since is not None and len(since.commits) == 2
    later = read_signoffs(repo / "plan.yaml", since=dt.date(2026, 4, 1))
    assert later is not None and later.commits == ()  # all older
    assert read_signoffs(repo.parent / "elsewhere" / "plan.yaml") is None


def test_a_hand_made_commit_changing_only_the_plan_counts(repo):
    """Without tracker's trailer, a commit made for the plan is one that changes it alone."""
    write(repo, "plan.yaml", PLAN.replace("Quoted", "Reworded"))
    _git(repo, "commit", "-qam", "Reword\n\nApproved-by: Bo (Tech Lead)", **as_bo(repo))
    row = judged(repo / "plan.yaml").approvals[0]
    assert row.approval is not None and row.approval.counts and row.approval.current
    _git(repo, "commit", "-q", "--allow-empty", "-m", "Approve\n\nApproved-by: Bo (Tech Lead)",
         **as_bo(repo))  # changes nothing: an approval of which plan?
    signoffs = judged(repo / "plan.yaml")
    assert signoffs.approvals[0].approval == row.approval
    assert [c.problem for c in signoffs.claims] == [
        "not made for this plan: no 'Tracker-Plan: plan.yaml' trailer, and the commit does "
        "not change plan.yaml alone"]


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
    ("Bo Berg <bo@example.com> (QA Lead (EU))", ("Bo Berg <bo@example.com>", "QA Lead (EU)")),
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
