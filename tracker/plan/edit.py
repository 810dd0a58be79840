"""Changing ``review.next`` in plan.yaml without disturbing anything else a person wrote.

plan.yaml is edited by hand, so the tool may change only the one value it owns: comments, key
order, quoting, flow or block style and line endings of every other line must stay byte for
byte. Re-emitting the whole document (even with a round-trip dumper) can re-indent lists or
re-wrap long strings, so ruamel.yaml's round-trip parser is used only to find *where* the
value stands; the new date is spliced into the original text there, and the result is parsed
again to prove that nothing but ``review.next`` changed before it is written (atomically).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.fsutil import write_atomic

_DATE = re.compile(r"""(["']?)(\d{4}-\d{2}-\d{2})\1""")


class EditError(Exception):
    """The plan cannot be edited in place; the message says why and what to do."""


@dataclass(frozen=True)
class Edit:
    """A plan's text before and after an edit, so a caller can undo it."""

    path: Path
    before: str
    after: str


def review_next_span(text: str) -> tuple[int, int] | None:
    """Where the date of ``review.next`` stands in ``text`` (quotes excluded), if anywhere.

    None when the plan has no ``review.next``; EditError when the YAML cannot be read or the
    value is not a plain date (an alias, a tag, a time) that could be replaced in place.
    """
    return _span(text, _review_map(_parse(text)))


def _span(text: str, review: Any) -> tuple[int, int] | None:
    if review is None or "next" not in review:
        return None
    line, col = review.lc.value("next")
    start = _offset(text, line, col)
    match = _DATE.match(text, start)
    if match is None:
        raise EditError("review.next is not written as a plain date (YYYY-MM-DD): write it as "
                        "one, such as next: 2026-04-01")
    return match.start(2), match.end(2)


def set_review_next(text: str, day: dt.date) -> str:
    """``text`` with ``review.next`` set to ``day``; every other character unchanged.

    A missing ``next`` is added as the first key of ``review``, in the mapping's own style.
    """
    data = _parse(text)
    review = _review_map(data)
    if review is None:
        raise EditError("the plan has no review: mapping: add one, such as "
                        "review: {next: YYYY-MM-DD, every: 14d}")
    value = day.isoformat()
    span = _span(text, review)
    if span is not None:
        new = text[:span[0]] + value + text[span[1]:]
    elif not review:
        raise EditError("review: is empty: add next: and every: to it")
    else:
        first = next(iter(review))
        line, col = review.lc.key(first)
        at = _offset(text, line, col)
        if review.fa.flow_style():
            insert = f"next: {value}, "
        else:
            newline = "\r\n" if "\r\n" in text else "\n"
            insert = f"next: {value}{newline}{' ' * col}"
        new = text[:at] + insert + text[at:]
    _prove_only_next_changed(data, _parse(new), day)
    return new


def update_review_next(path: Path, day: dt.date,
                       validate: Callable[[str], None] | None = None) -> Edit:
    """Set ``review.next`` in the file at ``path`` and write it atomically.

    ``validate`` sees the new text before anything is written and may raise EditError to
    refuse it. Refuses a file that is not writable (rather than replacing it behind its
    permissions) and leaves the file untouched on any error.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            before = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise EditError(f"{path}: cannot read it ({_why(exc)}): check the path") from exc
    after = set_review_next(before, day)
    if validate is not None:
        validate(after)
    if not _writable(path):
        raise EditError(f"{path}: the file is read-only: make it writable "
                        f"(chmod u+w {path.name}) and try again")
    write_text(path, after)
    return Edit(path, before, after)


def _writable(path: Path) -> bool:
    """Writable by us, and not marked read-only for everyone (which root could override)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return os.access(path, os.W_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def write_text(path: Path, text: str) -> None:
    """Write plan text atomically; EditError (not OSError) when that is impossible."""
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise EditError(f"{path}: cannot write it ({_why(exc)}): check the folder's "
                        "permissions") from exc


def _why(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _parse(text: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt")
    try:
        return yaml.load(text)
    except YAMLError as exc:
        first = str(exc).strip().splitlines()
        raise EditError(f"cannot read the plan as YAML ({first[-1] if first else exc}): "
                        "run `tracker check` and fix it first") from exc


def _review_map(data: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap

    if not isinstance(data, CommentedMap):
        raise EditError("the plan is not a mapping of keys: run `tracker check`")
    review = data.get("review")
    if review is None:
        return None
    if not isinstance(review, CommentedMap):
        raise EditError("review: must be a mapping (next, every, reviewers): run "
                        "`tracker check`")
    return review


def _offset(text: str, line: int, col: int) -> int:
    """Character offset of a 0-based line and column as ruamel.yaml counts them."""
    at = 0
    for _ in range(line):
        at = text.index("\n", at) + 1
    return at + col


def _prove_only_next_changed(old: Any, new: Any, day: dt.date) -> None:
    """Parse-level proof that the splice changed ``review.next`` and nothing else."""
    review = _review_map(new)
    if review is None or review.get("next") not in (day, day.isoformat()):
        raise EditError("could not set review.next in place: set it by hand to "
                        f"{day.isoformat()}")
    expected = copy.deepcopy(_plain(old))
    expected["review"]["next"] = review["next"]
    if _plain(new) != expected:
        raise EditError("setting review.next would change more than that value: set it by "
                        f"hand to {day.isoformat()}")


def _plain(value: Any) -> Any:
    """ruamel.yaml's commented containers as plain dicts and lists (for comparison)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
