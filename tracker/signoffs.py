"""Which reviews and approvals count: the sign-off part of the judgement. Pure, no I/O.

Git history is open to anyone who can push: a commit message can say ``Approved-by: Mallory
(Tech Lead)`` and an author can be set to any name. So an approval *counts* for a role only
when its commit was made for this plan (tracker's ``Tracker-Plan`` trailer names it, or the
commit changes plan.yaml and nothing else), the trailer does not contradict the person the
plan names for the role, and the commit's author is that person. It is *verified* only when
signed by that person's key in the allowed-signers file committed in the repository: the
only trust every clone shares, so the document reads the same everywhere. What this
machine's own git trusts (a GPG keyring, a personal allowedSignersFile) is judged too, as
``local_verified``, for the terminal only.

Everything else is an unverified claim: listed, never counted, never replacing an approval
that counts. Called by :func:`tracker.assess.assess`; kept in its own module because the
rules are their own subject and ``assess`` is long enough.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tracker.evidence.bundle import Signature, SignOffCommit, SignOffEvidence
from tracker.people import Person, contradicts, matches, parse_person, role_key
from tracker.plan.model import Approval


@dataclass(frozen=True)
class JudgedApproval:
    """One ``Approved-by`` trailer for a role of the plan, judged."""

    role: str  #: the plan's spelling of the role
    name: str  #: who the trailer says approved (without an e-mail)
    author: str  #: the commit's author, ``Name <email>``
    date: dt.date  #: the commit's author date
    commit: str
    signed_with: str | None  #: "SSH", "GPG", "X.509"; None when unsigned
    signature: Signature  #: the verdict with the repository's allowed-signers file
    signer: str | None  #: the principal of the key, when the repository knows it
    verified: bool  #: signed by the named person's key in the repository's signers file
    local_verified: bool  #: the same with this machine's git settings (terminal only)
    current: bool  #: plan.yaml is unchanged since the commit, apart from review.next
    problem: str | None = None  #: why it does not count; None when it counts

    @property
    def counts(self) -> bool:
        return self.problem is None

    @property
    def short(self) -> str:
        return self.commit[:10]


@dataclass(frozen=True)
class RoleApproval:
    """A role of the plan and the approval that counts for it."""

    role: str
    name: str | None  #: whom the plan names for the role
    approval: JudgedApproval | None  #: None while pending


@dataclass(frozen=True)
class PastReview:
    """A recorded review of the plan."""

    name: str
    date: dt.date
    commit: str
    note: str | None


@dataclass(frozen=True)
class SignOffs:
    """The plan's sign-offs as judged: what the approvals table and review line show."""

    approvals: tuple[RoleApproval, ...]  #: one per role of the plan, in plan order
    claims: tuple[JudgedApproval, ...] = ()  #: approvals that do not count, newest first
    reviews: tuple[PastReview, ...] = ()  #: newest first
    plan: str = "plan.yaml"  #: plan.yaml's path in the repository
    signers_file: str | None = None  #: the committed allowed-signers file, if any
    read: bool = False  #: whether git was read at all


def match_role(role: str, approvals: Sequence[Approval]) -> str | None:
    """The plan's spelling of ``role`` (ignoring case and spacing), or None if it has none."""
    wanted = role_key(role)
    return next((a.role for a in approvals if role_key(a.role) == wanted), None)


def judge_signoffs(approvals: Sequence[Approval], ev: SignOffEvidence | None) -> SignOffs:
    """Judge the sign-off commits against the plan's approval roles."""
    if ev is None:
        return SignOffs(tuple(RoleApproval(a.role, a.name, None) for a in approvals))
    by_role: dict[str, list[JudgedApproval]] = {role_key(a.role): [] for a in approvals}
    for commit in ev.commits:
        for person, role in commit.approvers:
            approval = next((a for a in approvals if role_key(a.role) == role_key(role)), None)
            if approval is not None:  # roles the plan does not have are no concern of it
                by_role[role_key(approval.role)].append(_judge(commit, person, approval, ev))
    rows: list[RoleApproval] = []
    claims: list[JudgedApproval] = []
    for approval in approvals:
        judged = by_role.pop(role_key(approval.role), [])
        counted, not_counted = _choose(judged)
        rows.append(RoleApproval(approval.role, approval.name, counted))
        claims.extend(not_counted)
    claims.sort(key=lambda j: _order(ev, j.commit), reverse=True)
    return SignOffs(tuple(rows), tuple(claims), _reviews(ev), ev.plan, ev.signers_file,
                    read=True)


def _choose(judged: list[JudgedApproval]
            ) -> tuple[JudgedApproval | None, list[JudgedApproval]]:
    """The approval that counts for a role (oldest first in ``judged``), and the claims.

    The newest verified approval wins over any unverified one, so a forged author cannot
    displace a signed approval; without one, the newest that counts. An approval that counts
    but was made after a verified one it cannot replace is listed as a claim, saying so.
    """
    valid = [j for j in judged if j.counts]
    verified = [j for j in valid if j.verified]
    chosen = verified[-1] if verified else (valid[-1] if valid else None)
    claims = [j for j in judged if not j.counts]
    if chosen is not None and chosen.verified:
        after = valid[valid.index(chosen) + 1:]
        claims += [_problem(j, f"not verified, so it does not replace the verified approval "
                               f"of commit {chosen.short}") for j in after]
    return chosen, claims


def _problem(j: JudgedApproval, problem: str) -> JudgedApproval:
    return replace(j, problem=problem)


def _order(ev: SignOffEvidence, commit: str) -> int:
    return next((n for n, c in enumerate(ev.commits) if c.commit == commit), -1)


def _judge(c: SignOffCommit, person: str, approval: Approval,
           ev: SignOffEvidence) -> JudgedApproval:
    given = parse_person(person)
    wanted = parse_person(approval.name) if approval.name else Person(None, None)
    author = f"{c.author} <{c.email}>" if c.email else c.author
    email = wanted.email or c.email
    verified = (c.signature is Signature.GOOD and _same(c.signer, email)
                and matches(wanted, c.author, c.email))
    local = (c.local_signature is Signature.GOOD and _same(c.local_signer, email)
             and matches(wanted, c.author, c.email))
    problem = None
    if c.plan != ev.plan and not c.only_plan:
        problem = (f"not made for this plan: no 'Tracker-Plan: {ev.plan}' trailer, and the "
                   f"commit does not change {ev.plan} alone")
    elif approval.name is None:
        problem = f"the plan names no one for {approval.role} (approvals: add name:)"
    elif contradicts(wanted, given):
        problem = f"approved as {given}, but the plan names {approval.name}"
    elif not matches(wanted, c.author, c.email):
        problem = f"committed by {author}, not by {approval.name}"
    return JudgedApproval(
        role=approval.role, name=given.name or given.email or person, author=author,
        date=c.date, commit=c.commit, signed_with=c.signed_with, signature=c.signature,
        signer=c.signer, verified=verified, local_verified=local,
        current=c.plan_version is not None and c.plan_version == ev.plan_version,
        problem=problem)


def _same(signer: str | None, email: str | None) -> bool:
    """Whether the key's principal is the person's e-mail (allowed_signers lists e-mails)."""
    if not signer or not email:
        return False
    return signer.strip().casefold() == email.strip().casefold()


def _reviews(ev: SignOffEvidence) -> tuple[PastReview, ...]:
    """Reviews, newest first: from commits naming this plan, or, without that trailer, from
    commits that changed plan.yaml (elsewhere ``Reviewed-by`` is a code review)."""
    out: list[PastReview] = []
    for c in reversed(ev.commits):
        if c.plan == ev.plan or (c.plan is None and c.changes_plan):
            out.extend(PastReview(parse_person(name).name or name, c.date, c.commit, c.note)
                       for name in reversed(c.reviewers))
    return tuple(out)
