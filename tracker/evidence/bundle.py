"""All evidence about a plan gathered in one value, the input of :func:`tracker.assess.assess`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only named here: a plan judged without runs never imports them
    from tracker.evidence.commits import GitLog
    from tracker.evidence.deltas import ItemDelta, RunFacts
    from tracker.evidence.flaky import Flaky
    from tracker.evidence.results import RunRecord
    from tracker.evidence.timeline import Timeline
    from tracker.evidence.values import ItemEvidence, Workspace


class Signature(StrEnum):
    """git's verdict on a commit's signature: the codes of ``git log --format=%G?``."""

    GOOD = "G"  #: a good signature from a trusted key
    UNTRUSTED = "U"  #: a good signature from a key of unknown validity (SSH: not listed)
    BAD = "B"
    EXPIRED = "X"  #: a good signature that has expired
    EXPIRED_KEY = "Y"  #: a good signature made by a key that has since expired
    REVOKED_KEY = "R"  #: a good signature made by a revoked key
    UNCHECKABLE = "E"  #: cannot be checked, such as a missing key
    NONE = "N"  #: no signature, or one that was not checked


@dataclass(frozen=True)
class SignOffCommit:
    """A commit whose trailers name a reviewer or approver: what git says of it, unjudged.

    Whether it counts (made for this plan, by the person the plan names, signed by a key the
    repository trusts, for the plan as it is now) is decided by :mod:`tracker.signoffs`.
    """

    commit: str  #: full commit id
    date: dt.date  #: the author date
    author: str  #: the author's name, as git records it (anyone can set it)
    email: str  #: the author's e-mail
    plan: str | None  #: the ``Tracker-Plan`` trailer: the plan it was made for, if it says
    reviewers: tuple[str, ...] = ()  #: ``Reviewed-by`` values
    #: ``Approved-by: PERSON (ROLE)`` as (PERSON, ROLE); PERSON may hold ``<email>``
    approvers: tuple[tuple[str, str], ...] = ()
    note: str | None = None  #: the message between subject and trailers
    changes_plan: bool = False  #: it changed plan.yaml
    only_plan: bool = False  #: it changed plan.yaml and no other file
    signed_with: str | None = None  #: "SSH", "GPG", "X.509" or "signed"; None when unsigned
    #: the verdict with the repository's committed allowed-signers file and nothing else
    #: (SSH only): the same on every clone, so documents show it
    signature: Signature = Signature.NONE
    signer: str | None = None  #: the principal that file lists for the key, when known
    #: the verdict with this machine's git settings (GPG keyring, own allowedSignersFile):
    #: may differ between machines, so only the terminal shows it
    local_signature: Signature = Signature.NONE
    local_signer: str | None = None
    #: approvals: fingerprint of plan.yaml in this commit; equal to
    #: :attr:`SignOffEvidence.plan_version` when the two differ at most in ``review.next``
    plan_version: str | None = None


@dataclass(frozen=True)
class SignOffEvidence:
    """What git holds about the plan's reviews and approvals."""

    plan: str  #: plan.yaml's path in the repository, as ``Tracker-Plan`` names it
    commits: tuple[SignOffCommit, ...] = ()  #: oldest first
    plan_version: str | None = None  #: fingerprint of plan.yaml now (the work tree's)
    signers_file: str | None = None  #: the committed allowed-signers file used, if any


@dataclass(frozen=True)
class RunPoint:
    """One earlier run, reduced to what metric trends need."""

    run_id: int
    started: dt.datetime
    commit: str | None
    counts: dict[str, int]
    coverage_total: float | None
    test_count: int
    seconds: float


@dataclass(frozen=True)
class LiveProgress:
    """A run still going: what it was asked to run, and which tests have reported so far.

    While a run is going, an item whose linked tests in the run's scope have not all
    reported in this run is running, never done: its first passing test proves nothing of
    the other nine.
    """

    scope: tuple[str, ...]  #: the run's test paths and node ids; empty for the whole suite
    reported: frozenset[str]  #: node ids this run has given a result for

    def covers(self, nodeid: str) -> bool:
        """Whether ``nodeid`` is among what this run was asked to run."""
        if not self.scope:
            return True
        return any(nodeid == s or nodeid.startswith((s + "::", s + "["))
                   or nodeid.startswith(s.rstrip("/") + "/") for s in self.scope)


@dataclass(frozen=True)
class ChangeEvidence:
    """Git's history and the runs of past commits: what each item changed, and how coverage
    and the test count moved (:mod:`tracker.evidence.deltas`, :mod:`.timeline`).

    Gathered only where it is shown (the document with runs, ``status --json``, the terminal
    UI), since it walks git's history; cached by HEAD (:mod:`tracker.history.log_cache`).
    """

    log: GitLog
    timeline: Timeline  #: the first-parent commits with runs, newest first
    with_runs: frozenset[str]  #: commits that have a run of a clean tree
    #: the runs deltas read, by commit: items' baselines and :attr:`current`
    runs: Mapping[str, RunFacts] = field(default_factory=dict)
    #: "now" for deltas: the run of the newest first-parent commit that has one (a run of an
    #: older commit recorded last, a backfill, is never taken for the current state)
    current: RunFacts | None = None
    #: each item's delta once worked out, with the evidence it was worked out from: a
    #: delta reads only this history and the item's workspace evidence, so the terminal
    #: UI's live judgements (which judge an item again for every result of its tests)
    #: work it out once per item, not once per result
    deltas: dict[str, tuple[ItemEvidence, ItemDelta]] = field(
        default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Evidence:
    """What was gathered; ``assess`` judges it without doing any I/O of its own."""

    workspace: Workspace
    live: LiveProgress | None = None  #: a run going on now (the terminal UI's live view)
    plan_updated: dt.date | None = None  #: last change of plan.yaml (git, else mtime)
    run: RunRecord | None = None  #: the latest recorded run, None when there is none
    current_hashes: dict[str, str] = field(default_factory=dict)  #: sha1 of files runs depend on
    history: tuple[RunPoint, ...] = ()  #: recorded runs, oldest first
    #: commits recording reviews and approvals, as git shows them; None when git was not
    #: asked (or the plan is not in a repository). Which of them count is judged by assess.
    signoffs: SignOffEvidence | None = None
    #: what items changed and the trend over commits; None when not asked for (see gather)
    changes: ChangeEvidence | None = None
    #: tests whose outcome varied over runs of unchanged code (:mod:`.flaky`), most failing
    #: first; read with ``changes``
    flaky: tuple[Flaky, ...] = ()
    #: one warning per noted run refused while the runs were read (its note's parts did not
    #: hold when decoded, see tracker.store.RunRefused): the run is left out of everything
    store_warnings: tuple[str, ...] = ()
