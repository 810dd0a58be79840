"""People as plan.yaml and git write them: ``Bo Berg``, ``bo@example.com``,
``Bo Berg <bo@example.com>``. Parsing, matching, and refusing names that would forge trailers.

Approvals name a person in three places that must agree: the plan (``approvals: [{role,
name}]``), the commit's trailer (``Approved-by: NAME (ROLE)``) and the commit's author. They
are compared here, one way, by the judge and the commands alike. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EMAIL = re.compile(r"^[^\s@<>()]+@[^\s@<>()]+$")
_WITH_EMAIL = re.compile(r"^(.*?)\s*<([^<>]*)>\s*$")
#: Characters that carry meaning in a trailer (``Key: NAME (ROLE)``, ``NAME <email>``): a
#: name holding them could end the name early and start a role or another trailer.
_TRAILER_SYNTAX = set("()<>:")


@dataclass(frozen=True)
class Person:
    """A name, an e-mail, or both."""

    name: str | None
    email: str | None

    def __str__(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.name or self.email or ""


def parse_person(text: str) -> Person:
    """``Bo <bo@x>`` → name and e-mail; ``bo@x`` → e-mail only; ``Bo`` → name only."""
    text = " ".join(text.split())
    match = _WITH_EMAIL.match(text)
    if match:
        return Person(match.group(1).strip() or None, match.group(2).strip() or None)
    if _EMAIL.match(text):
        return Person(None, text)
    return Person(text or None, None)


def same_name(a: str | None, b: str | None) -> bool:
    """Names compare ignoring case and repeated spaces."""
    return a is not None and b is not None and _key(a) == _key(b)


def role_key(role: str) -> str:
    """Roles compare like names: "QA  lead" is "QA Lead"."""
    return _key(role)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def matches(wanted: Person, name: str | None, email: str | None) -> bool:
    """Whether ``name``/``email`` (a commit's author) is ``wanted``: every part ``wanted``
    gives must be there and agree. A ``wanted`` with neither part matches nobody."""
    if wanted.name is None and wanted.email is None:
        return False
    if wanted.name is not None and not same_name(wanted.name, name):
        return False
    return wanted.email is None or (bool(email) and _key(wanted.email) == _key(email or ""))


def contradicts(wanted: Person, given: Person) -> bool:
    """Whether ``given`` (a trailer's person) disagrees with ``wanted`` on a part both have.

    A trailer written by ``tracker approve --by NAME`` has no e-mail, and a plan may name an
    e-mail only: what neither can compare is left to the author check.
    """
    if wanted.name is not None and given.name is not None and not same_name(wanted.name,
                                                                             given.name):
        return True
    return (wanted.email is not None and given.email is not None
            and _key(wanted.email) != _key(given.email))


def person_problem(name: str) -> str | None:
    """Why ``name`` cannot be written into a trailer, or None when it can.

    A name is one line of printable text without ``( ) < > :``: a newline would start a new
    trailer (``Bob)\\nApproved-by: Mallory (QA Lead``), and brackets or a colon would change
    where the name ends and the role begins.
    """
    if not name.strip():
        return "give a person's name"
    if any(not c.isprintable() for c in name):
        return "give a person's name on one line, without control characters"
    bad = sorted(set(name) & _TRAILER_SYNTAX)
    if bad:
        return f"give a person's name without {' '.join(bad)}"
    return None
