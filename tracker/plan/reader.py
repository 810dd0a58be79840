"""Typed reads of plan.yaml values, each reporting what is wrong instead of raising.

The loader's parts (:mod:`.links`, :mod:`.phases`, :mod:`.records`) share one
:class:`Reader` per load: it holds the problems found so far and the ids already used, and
turns "the value under this key" into text, a number, a date or a list while saying, at the
value's own line, what was expected. Collecting instead of stopping is the point: a person
fixing a plan wants the whole list in one go.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable
from typing import Any, TypeVar

from tracker.plan import fields
from tracker.plan.dates import out_of_range
from tracker.plan.yamlread import YMap, YSeq
from tracker.problems import Location, Problem, Severity
from tracker.text import clean

T = TypeVar("T")

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class Reader:
    """The problems of one load, and the typed readers that add to them.

    Messages quote the plan's own text (values, and errors of ``re`` and the ``-k`` parser
    about it): each is cleaned of terminal escapes and folded onto one line when reported,
    so that a problem is always one ``file:line:col: message`` line, safe to print.
    """

    def __init__(self, name: str, problems: list[Problem]) -> None:
        self.name = name  #: the plan's name in messages
        self.problems = list(problems)
        self.ids: dict[str, YMap] = {}  #: id -> the mapping that first used it
        self.keywords: dict[str, str | None] = {}  #: -k expression -> why it does not parse

    # -- reporting ---------------------------------------------------------------------

    def error(self, loc: Location, message: str) -> None:
        self.problems.append(Problem(loc, _one_line(message)))

    def warn(self, loc: Location, message: str) -> None:
        self.problems.append(Problem(loc, _one_line(message), Severity.WARNING))

    # -- shapes --------------------------------------------------------------------------

    def mapping(self, value: Any, loc: Location, what: str, table: str) -> YMap | None:
        """``value`` when it is a mapping (its unknown keys reported), else None, reported."""
        if not isinstance(value, YMap):
            self.error(loc, f"{what} must be a mapping of keys ({', '.join(fields.TABLES[table])}),"
                            f" not {kind_of(value)}")
            return None
        self.known_keys(value, what, table)
        return value

    def known_keys(self, value: YMap, what: str, table: str) -> None:
        """Report every key ``table`` does not have, with the closest one it has."""
        allowed = fields.TABLES[table]
        if value.keys() <= allowed.keys():
            return
        for key in value:
            if key not in allowed:
                close = close_matches(key, list(allowed), cutoff=0.6)
                hint = (f"did you mean {' or '.join(map(repr, close))}?" if close else
                        f"allowed keys: {', '.join(allowed)}")
                self.error(value.key_loc(key), f"unknown key {key!r} in {what}: {hint}")

    def entries(self, m: YMap, key: str, what: str) -> YSeq | None:
        """The list under ``key``; None when absent (or not a list, which is reported)."""
        value = m.get(key)
        if value is None:
            return None
        if not isinstance(value, YSeq):
            self.error(m.value_loc(key), f"{what} must be a list (one '- ' entry per line), "
                                         f"not {kind_of(value)}")
            return None
        return value

    def seq(self, m: YMap, key: str, what: str) -> list[tuple[Any, Location]]:
        """The entries of the list under ``key``, each with its position."""
        value = self.entries(m, key, what)
        return [] if value is None else list(zip(value, value.item_locs, strict=True))

    def each(self, m: YMap, key: str, what: str, table: str,
             build: Callable[[Reader, YMap, str], T | None]) -> tuple[T, ...]:
        """The list of ``table`` mappings under ``key``, each built; bad ones left out.

        ``build`` gets each entry with its label ("item 'login'", or "items entry 3" for an
        entry without an id), so its messages name the entry as a person finds it.
        """
        entries = self.entries(m, key, what)
        if entries is None:
            return ()
        out = []
        for i, value in enumerate(entries):
            if not isinstance(value, YMap):
                self.mapping(value, entries.item_loc(i), f"{what} entry {i + 1}", table)
                continue
            entry_label = label(value, table) or f"{what} entry {i + 1}"
            self.known_keys(value, entry_label, table)
            built = build(self, value, entry_label)
            if built is not None:
                out.append(built)
        return tuple(out)

    def listed(self, m: YMap, key: str, what: str,
               build: Callable[[Reader, Any, Location, str], T | None]) -> tuple[T, ...]:
        """The ``key`` list of an item (tests, files), each entry built; bad ones left out."""
        entries = m.get(key)
        if not isinstance(entries, YSeq):  # absent, or reported (with a label made only then)
            self.entries(m, key, f"{key} of {what}")
            return ()
        out = []
        for value, loc in zip(entries, entries.item_locs, strict=True):
            built = build(self, value, loc, what)
            if built is not None:
                out.append(built)
        return tuple(out)

    # -- scalars -------------------------------------------------------------------------

    def str_(self, m: YMap, key: str, what: str, *, required: bool = False) -> str | None:
        """Text under ``key``; a number is taken as written (``1.10`` stays "1.10")."""
        value = m.get(key)
        if value is None:
            if required:
                self.error(m.loc, f"{what} needs '{key}': add {key}: ...")
            return None
        if isinstance(value, str):
            if required and not value.strip():
                self.error(m.value_loc(key), f"'{key}' of {what} is empty: write something")
                return None
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(m.value_loc(key), f"'{key}' of {what} must be text, not {kind_of(value)}")
            return None
        return m.written(key, str(value))

    def int_(self, m: YMap, key: str, what: str, minimum: int = 0) -> int | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(m.value_loc(key), f"'{key}' of {what} must be a whole number, "
                                         f"not {kind_of(value)}")
            return None
        if value < minimum:
            self.error(m.value_loc(key), f"'{key}' of {what} must be at least {minimum}")
            return None
        return value

    def number(self, m: YMap, key: str, what: str, low: float, high: float) -> float | None:
        """A number in ``[low, high]``; ``80%`` is read as 80."""
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, str) and value.strip().endswith("%"):
            with contextlib.suppress(ValueError):
                value = float(value.strip()[:-1])
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(m.value_loc(key), f"'{key}' of {what} must be a number, "
                                         f"not {kind_of(value)}")
            return None
        if not low <= value <= high:
            self.error(m.value_loc(key), f"'{key}' of {what} must be between {low:g} and "
                                         f"{high:g}")
            return None
        return float(value)

    def bool_(self, m: YMap, key: str, what: str) -> bool:
        value = m.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(m.value_loc(key), f"'{key}' of {what} must be true or false")
            return False
        return value

    def date(self, m: YMap, key: str, what: str) -> dt.date | None:
        """A day; quoted ISO text is accepted, a date and time is not (plans count days), nor
        a day so near the calendar's ends that later commands could not count from it."""
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            self.error(m.value_loc(key), f"'{key}' of {what} must be a day (YYYY-MM-DD), "
                                         "not a date and time")
            return None
        day = value if isinstance(value, dt.date) else _iso_day(value)
        if day is None:
            self.error(m.value_loc(key), f"'{key}' of {what} must be a date written YYYY-MM-DD,"
                                         f" not {m.written(key, kind_of(value))!r}")
            return None
        problem = out_of_range(day)
        if problem is not None:
            self.error(m.value_loc(key), f"'{key}' of {what}: {problem}")
            return None
        return day

    def strings(self, m: YMap, key: str, what: str) -> tuple[str, ...]:
        """A list of texts; a single text where a list is expected is a list of one."""
        value = m.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        entries = self.entries(m, key, f"'{key}' of {what}")
        if entries is None:
            return ()
        out = []
        for i, entry in enumerate(entries):
            if isinstance(entry, str | int | float) and not isinstance(entry, bool):
                out.append(str(entry))
            else:
                self.error(entries.item_loc(i), f"entries of '{key}' in {what} must be text, "
                                                f"not {kind_of(entry)}")
        return tuple(out)

    def ident(self, m: YMap, what: str, *, required: bool = True, unique: bool = True
              ) -> str | None:
        """The ``id`` of ``m``: a slug, and (``unique``) not used before anywhere in the plan."""
        value = self.str_(m, "id", what, required=required)
        if value is None:
            return None
        value = value.strip()
        if not _ID.match(value):
            self.error(m.value_loc("id"), f"id {value!r} of {what} may hold only letters, digits,"
                                          " '.', '_' and '-', starting with a letter or digit")
            return value
        if unique:
            if value in self.ids:
                first = self.ids[value].value_loc("id")
                self.error(m.value_loc("id"), f"duplicate id {value!r} (first used at line "
                                              f"{first.line}): ids must be unique; rename one")
            else:
                self.ids[value] = m
        return value


def _one_line(message: str) -> str:
    """A message without terminal escapes or line breaks (spaces kept, unlike one_line:
    the values it quotes must read as written)."""
    return clean(message).replace("\n", " ").replace("\t", " ")


def _iso_day(value: Any) -> dt.date | None:
    """A day written as quoted text ("2026-03-02"); None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def label(m: YMap, table: str) -> str | None:
    """How messages name an entry with an id, such as "item 'login'"; None without one."""
    ident = m.get("id")
    if isinstance(ident, str):  # as written, since strings are read verbatim
        return f"{table} {ident!r}"
    if isinstance(ident, int | float):
        return f"{table} {m.written('id', str(ident))!r}"
    return None


def close_match(word: str, choices: list[str] | tuple[str, ...], cutoff: float) -> str | None:
    """The choice most like ``word``, for "did you mean"; difflib only loads on mistakes."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return close[0] if close else None


def close_matches(word: str, choices: list[str], cutoff: float) -> list[str]:
    """The closest choice, and every other whose name holds ``word`` as a part: ``coverage`` in
    an item's expect is ``own_coverage`` or ``target_coverage``, and naming only one would send
    the reader to a meaning they may not have meant."""
    close = close_match(word, choices, cutoff)
    parts = [c for c in choices if c != close and word in c.split("_")]
    return [close, *parts] if close else parts


def kind_of(value: Any) -> str:
    """What a value is, as a message says it ("a list", "the number 3", "text 'x'")."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, YMap | dict):
        return "a mapping"
    if isinstance(value, YSeq | list):
        return "a list"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"text {str(value)[:40]!r}"
