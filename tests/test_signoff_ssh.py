"""SSH-signed approvals: "verified" means a key the repository itself trusts, in a committed
allowed-signers file; this machine's own trust never changes the document.

Real keys and signatures made with ``ssh-keygen``, which git itself runs to sign and to verify.
Skipped where it is missing, so the plan links none of these tests: an item's status must not
depend on the machine (the signoff-trust item links test_signoff_trust.py, which runs
everywhere). Run them where ssh-keygen is installed, as the maintainers' machines and CI are.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.commands.reviews import approve_command
from tracker.evidence.bundle import Signature
from tracker.history.signoff_log import read_signoffs

from .helpers import write
from .test_review_approve import PLAN, _git, _invoke, as_bo, judged
from .test_signoff_trust import _render, _table, repo

__all__ = ["repo"]  # the fixture, shared with test_signoff_trust.py

needs_ssh = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")



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
