"""Forged sign-offs: what anyone with push access can write into history never replaces a
real approval, and "verified" means a key the repository itself trusts.

Real repositories in tmp_path, real commits by other authors, real SSH signatures made with
keys from ``ssh-keygen`` (skipped where it is missing), and the real ``tracker render``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.commands.render import render_command
from tracker.commands.reviews import approve_command, review_command
from tracker.evidence.bundle import Signature
from tracker.history.signoff import SignOffError, record_approval, record_review
from tracker.history.signoff_log import read_signoffs

from .helpers import write
from .test_review_approve import PLAN, _env, _git, _invoke, as_bo, judged

needs_ssh = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")


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


# -- signatures -------------------------------------------------------------------------------


def _key(folder: Path, name: str, email: str) -> Path:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", email, "-f",
                    str(key)], check=True)
    return key


def _signers(*entries: tuple[str, Path]) -> str:
    return "".join(f"{email} {Path(str(key) + '.pub').read_text().strip()}\n"
                   for email, key in entries)


def _sign_as(root: Path, key: Path) -> None:
    _git(root, "config", "gpg.format", "ssh")
    _git(root, "config", "user.signingkey", str(key) + ".pub")
    _git(root, "config", "commit.gpgsign", "true")


@needs_ssh
def test_verified_only_by_the_repositorys_committed_allowed_signers(repo):
    bo = _key(repo.parent, "bo", "bo@example.com")
    _sign_as(repo, bo)
    done = _invoke(approve_command, repo, "--role", "Tech Lead", "--by", "Bo", env=as_bo(repo))
    assert done.exit_code == 0, done.output
    assert "SSH-signed, not verified: the repository lists no trusted keys" in done.stdout
    approval = judged(repo / "plan.yaml").approvals[0].approval
    assert approval is not None and approval.counts and not approval.verified
    document = _render(repo)
    assert "SSH-signed, not verified: the repository lists no trusted keys" in document

    # this machine's own trust: shown by `approve`, never changes the document
    local = repo.parent / "my_signers"
    local.write_text(_signers(("bo@example.com", bo)))
    _git(repo, "config", "gpg.ssh.allowedSignersFile", str(local))
    assert _render(repo) == document
    found = read_signoffs(repo / "plan.yaml", local_trust=True)
    assert found is not None and found.commits[-1].local_signature is Signature.GOOD
    assert found.commits[-1].signature is Signature.NONE

    # an uncommitted signers file is not the repository's
    write(repo, ".github/allowed_signers", _signers(("bo@example.com", bo)))
    assert _render(repo) == document
    _git(repo, "config", "commit.gpgsign", "false")
    _git(repo, "add", ".github/allowed_signers")
    _git(repo, "commit", "-q", "-m", "Trust Bo's key")
    document = _render(repo)
    row = _table(document).splitlines()[2]
    assert row.startswith("| Tech Lead | Bo | 2026-03-05 | commit ")
    assert row.endswith(", SSH-signed, verified (bo@example.com) |")
    assert judged(repo / "plan.yaml").signers_file == ".github/allowed_signers"


@needs_ssh
def test_a_trusted_key_of_someone_else_does_not_verify_bo(repo):
    """Mallory's key is trusted (she is a team member), but she cannot sign as Bo."""
    bo, mallory, stranger = (_key(repo.parent, n, f"{n}@example.com")
                             for n in ("bo", "mallory", "stranger"))
    write(repo, "allowed_signers", _signers(("bo@example.com", bo),
                                            ("mallory@example.com", mallory)))
    _git(repo, "add", "allowed_signers")
    _git(repo, "commit", "-q", "-m", "Trusted keys, beside the plan")
    _sign_as(repo, bo)
    assert _invoke(approve_command, repo, "--role", "Tech Lead", "--by", "Bo",
                   env=as_bo(repo)).exit_code == 0
    verified = judged(repo / "plan.yaml").approvals[0].approval
    assert verified is not None and verified.verified
    _sign_as(repo, mallory)
    _git(repo, "commit", "-q", "--allow-empty", "-m",
         "Approve\n\nApproved-by: Bo (Tech Lead)\nTracker-Plan: plan.yaml", **as_bo(repo))
    _sign_as(repo, stranger)
    _git(repo, "commit", "-q", "--allow-empty", "-m",
         "Approve\n\nApproved-by: Bo (Tech Lead)\nTracker-Plan: plan.yaml", **as_bo(repo))
    signoffs = judged(repo / "plan.yaml")
    assert signoffs.approvals[0].approval == verified  # newer, unverified: no replacement
    assert signoffs.signers_file == "allowed_signers"
    assert [c.problem for c in signoffs.claims] == [
        f"not verified, so it does not replace the verified approval of commit "
        f"{verified.short}"] * 2
    document = _render(repo)
    assert "SSH-signed, not verified: key not listed in allowed_signers" in document
    assert ("SSH-signed, not verified: the key is mallory@example.com's, not Bo's"
            in document)


@needs_ssh
def test_a_signers_file_beside_a_plan_in_a_subfolder(tmp_path):
    root = tmp_path / "mono"
    plan = write(root, "svc/plan.yaml", PLAN.replace("name: Bo", "name: bo@example.com"))
    bo = _key(tmp_path, "bo", "bo@example.com")
    write(root, "svc/allowed_signers", _signers(("bo@example.com", bo)))
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "start")
    _sign_as(root, bo)
    done = CliRunner().invoke(approve_command, ["--plan", str(plan), "--role", "tech lead",
                                                "--by", "Bo"], env=as_bo(root))
    assert done.exit_code == 0, done.output
    assert "SSH-signed, verified (bo@example.com)); it counts for Tech Lead" in done.stdout
    signoffs = judged(plan)
    assert signoffs.signers_file == "svc/allowed_signers" and signoffs.plan == "svc/plan.yaml"
