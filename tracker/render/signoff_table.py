"""The document's approvals table, its unverified claims and the past reviews line.

Only displays what :mod:`tracker.signoffs` judged: the approval that counts for each role,
the claims that do not count (so that a forged ``Approved-by`` is visible, never hidden
and never in the table), and the recorded reviews. Signatures are described as the
repository's own allowed-signers file judges them, so every clone renders the same bytes.
"""

from __future__ import annotations

from tracker.render.words import signature_words
from tracker.signoffs import JudgedApproval, SignOffs
from tracker.text import md_cell, md_inline

PAST_REVIEWS = 5
CLAIMS_SHOWN = 10


def approvals_section(s: SignOffs) -> list[str]:
    """The table (one row per role) and, below it, the claims that do not count."""
    out = ["| Role | Name | Date | Signature |", "|---|---|---|---|"]
    for row in s.approvals:
        signed = row.approval
        if signed is None:
            out.append(f"| {md_cell(row.role)} | {md_cell(row.name)} | — | — |")
            continue
        signature = f"commit {signed.short}, {signature_words(signed, s.signers_file)}"
        if not signed.current:
            signature += "; approved an earlier version"
        out.append(f"| {md_cell(row.role)} | {md_cell(signed.name)} | "
                   f"{signed.date.isoformat()} | {md_cell(signature)} |")
    if s.claims:
        out += ["", "**Unverified claims** (not counted):", ""]
        out += [f"- {_claim(c, s.signers_file)}" for c in s.claims[:CLAIMS_SHOWN]]
        if len(s.claims) > CLAIMS_SHOWN:
            out.append(f"- and {len(s.claims) - CLAIMS_SHOWN} more")
    return out


def _claim(c: JudgedApproval, signers_file: str | None) -> str:
    return md_inline(f"{c.role}: {c.name}, {c.date.isoformat()}, commit {c.short} "
                     f"({signature_words(c, signers_file)}): {c.problem}")


def past_reviews_line(s: SignOffs) -> str | None:
    """``**Past reviews:** 2026-03-20 by Ana (note); ...``, newest first, or None."""
    reviews = s.reviews
    if not reviews:
        return None
    shown = [f"{r.date.isoformat()} by {md_inline(r.name)}"
             + (f" ({md_inline(r.note.splitlines()[0])})" if r.note else "")
             for r in reviews[:PAST_REVIEWS]]
    more = f" and {len(reviews) - PAST_REVIEWS} earlier" if len(reviews) > PAST_REVIEWS else ""
    return "**Past reviews:** " + "; ".join(shown) + more
