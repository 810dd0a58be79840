"""plan.yaml → :class:`~tracker.plan.model.Plan`, reporting every problem at once.

Only this package knows YAML. Validation collects problems instead of stopping at the first,
because a person fixing a plan wants the whole list in one go, each at its line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from tracker.gcpause import paused_gc
from tracker.plan import fields
from tracker.plan.measures import parse_days, parse_measure, parse_target, parse_weeks
from tracker.plan.model import (
    Approval,
    CheckKind,
    Claim,
    CoverageConfig,
    Expect,
    FileCheck,
    Item,
    LinkKind,
    Metric,
    Phase,
    Plan,
    Related,
    Review,
    Risk,
    Section,
    TestLink,
)
from tracker.plan.yamlread import YMap, YSeq, decode, read_yaml
from tracker.problems import Location, Problem, Severity, sort_problems

T = TypeVar("T")

#: Files larger than this are not plans; refuse before parsing.
MAX_PLAN_BYTES = 20 * 1024 * 1024

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DRIVE = re.compile(r"^[A-Za-z]:")
_LINK_KINDS = {kind.value: kind for kind in LinkKind}
_CLAIMS = {claim.value: claim for claim in Claim}
_NO_EXPECT = Expect()


def _is_glob(text: str) -> bool:
    return "*" in text or "?" in text or "[" in text


def _label(m: YMap, table: str) -> str | None:
    """How messages name an entry with an id, such as "item 'login'"; None without one."""
    ident = m.get("id")
    if isinstance(ident, str):  # as written, since strings are read verbatim
        return f"{table} {ident!r}"
    if isinstance(ident, int | float):
        return f"{table} {m.written('id', str(ident))!r}"
    return None


def _path_problem(value: str) -> str | None:
    """What makes a link's path unusable (empty, absolute, leaving the repository), or None.

    Said as the end of a sentence whose subject, such as "test link of item 'x'", the caller
    adds: thousands of links are checked, and the subject is only worth building for a problem.
    """
    if not value.strip():
        return "is empty: write a path relative to the plan's folder"
    posix = value.replace("\\", "/")
    if posix.startswith("/") or _DRIVE.match(value):
        return f"{value!r} is an absolute path: write it relative to the plan's folder"
    if ".." not in posix.split("/"):  # only '..' climbs: the common case needs no walk
        return None
    depth = 0
    for part in PurePosixPath(posix).parts:
        depth += -1 if part == ".." else (0 if part == "." else 1)
        if depth < 0:
            return f"{value!r} points outside the repository: link only files inside it"
    return None


def _close_match(word: str, choices: list[str] | tuple[str, ...], cutoff: float) -> str | None:
    """The choice most like ``word``, for "did you mean"; difflib only loads on mistakes."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return close[0] if close else None


@dataclass
class LoadResult:
    """The plan (None when unusable) and every problem found while reading it."""

    plan: Plan | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]


def load_plan(path: Path | str, display: str | None = None) -> LoadResult:
    """Read and validate the plan at ``path``; ``display`` is the name used in messages."""
    path = Path(path)
    name = display or str(path)
    try:
        if path.is_dir():
            return LoadResult(None, [Problem(Location(name, 1),
                                             "is a directory: give the path of plan.yaml")])
        if not stat.S_ISREG(path.stat().st_mode):
            return LoadResult(None, [Problem(Location(name, 1),
                                             "not a regular file (a device or a pipe?): give the "
                                             "path of plan.yaml")])
        with path.open("rb") as handle:
            data = handle.read(MAX_PLAN_BYTES + 1)
        if len(data) > MAX_PLAN_BYTES:
            return LoadResult(None, [Problem(
                Location(name, 1),
                f"file is larger than {MAX_PLAN_BYTES // (1024 * 1024)} MB, too large for a "
                "plan: check the path")])
    except FileNotFoundError:
        return LoadResult(None, [Problem(Location(name, 1),
                                         "no such file: create one with `tracker init` "
                                         "or pass the plan's path")])
    except OSError as exc:
        return LoadResult(None, [Problem(Location(name, 1),
                                         f"cannot read the file ({exc.strerror}): check its "
                                         "permissions")])
    return load_plan_text(data, name, root=path.resolve().parent)


def load_plan_text(data: bytes | str, name: str, root: Path | None = None) -> LoadResult:
    """Validate plan text; ``root`` is the directory links are relative to."""
    if isinstance(data, bytes):
        text, problems = decode(data, name)
        if text is None:
            return LoadResult(None, problems)
    else:
        text = data
    from tracker.plan.cache import cached

    return cached(root, name, text, lambda: _built(text, name))


def _built(text: str, name: str) -> LoadResult:
    with paused_gc():  # the YAML tree and the model are acyclic: see paused_gc
        return _build(text, name)  # which frees the tree before collection resumes


def _build(text: str, name: str) -> LoadResult:
    tree, problems = read_yaml(text, name)
    if tree is None:
        return LoadResult(None, problems)
    builder = _Builder(name, problems)
    plan = builder.plan(tree)
    return LoadResult(plan, sort_problems(builder.problems))


class _Builder:
    """Walks the YMap/YSeq tree, building model objects and collecting problems."""

    def __init__(self, name: str, problems: list[Problem]) -> None:
        self.name = name
        self.problems = list(problems)
        self.ids: dict[str, YMap] = {}  #: id -> the mapping that first used it
        self.keywords: dict[str, str | None] = {}  #: -k expression -> why it does not parse

    # -- reporting ---------------------------------------------------------------------

    def error(self, loc: Location, message: str) -> None:
        self.problems.append(Problem(loc, message))

    def warn(self, loc: Location, message: str) -> None:
        self.problems.append(Problem(loc, message, Severity.WARNING))

    # -- generic shapes ------------------------------------------------------------------

    def mapping(self, value: Any, loc: Location, what: str, table: str) -> YMap | None:
        if not isinstance(value, YMap):
            self.error(loc, f"{what} must be a mapping of keys ({', '.join(fields.TABLES[table])}),"
                            f" not {_kind(value)}")
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
                close = _close_match(key, list(allowed), cutoff=0.6)
                hint = (f"did you mean {close!r}?" if close else
                        f"allowed keys: {', '.join(allowed)}")
                self.error(value.key_loc(key), f"unknown key {key!r} in {what}: {hint}")

    def entries(self, m: YMap, key: str, what: str) -> YSeq | None:
        """The list under ``key``; None when absent (or not a list, which is reported)."""
        value = m.get(key)
        if value is None:
            return None
        if not isinstance(value, YSeq):
            self.error(m.value_loc(key), f"{what} must be a list (one '- ' entry per line), "
                                         f"not {_kind(value)}")
            return None
        return value

    def seq(self, m: YMap, key: str, what: str) -> list[tuple[Any, Location]]:
        """The entries of the list under ``key``, each with its position."""
        value = self.entries(m, key, what)
        return [] if value is None else list(zip(value, value.item_locs, strict=True))

    def str_(self, m: YMap, key: str, what: str, *, required: bool = False) -> str | None:
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
            self.error(m.value_loc(key), f"'{key}' of {what} must be text, not {_kind(value)}")
            return None
        return m.written(key, str(value))

    def int_(self, m: YMap, key: str, what: str, minimum: int = 0) -> int | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(m.value_loc(key), f"'{key}' of {what} must be a whole number, "
                                         f"not {_kind(value)}")
            return None
        if value < minimum:
            self.error(m.value_loc(key), f"'{key}' of {what} must be at least {minimum}")
            return None
        return value

    def number(self, m: YMap, key: str, what: str, low: float, high: float) -> float | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, str) and value.strip().endswith("%"):
            with contextlib.suppress(ValueError):
                value = float(value.strip()[:-1])
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(m.value_loc(key), f"'{key}' of {what} must be a number, "
                                         f"not {_kind(value)}")
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
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            self.error(m.value_loc(key), f"'{key}' of {what} must be a day (YYYY-MM-DD), "
                                         "not a date and time")
            return None
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(m.value_loc(key), f"'{key}' of {what} must be a date written YYYY-MM-DD, "
                                     f"not {m.written(key, _kind(value))!r}")
        return None

    def strings(self, m: YMap, key: str, what: str) -> tuple[str, ...]:
        value = m.get(key)
        if value is None:
            return ()
        if isinstance(value, str):  # a single value where a list is expected is fine
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
                                                f"not {_kind(entry)}")
        return tuple(out)

    def ident(self, m: YMap, what: str, *, required: bool = True, unique: bool = True
              ) -> str | None:
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

    def link_path(self, value: str, loc: Location, what: str) -> bool:
        """Reject links that leave the repository; True when the path is usable."""
        problem = _path_problem(value)
        if problem is not None:
            self.error(loc, f"{what} {problem}")
        return problem is None

    def each(self, m: YMap, key: str, what: str, table: str,
             build: Callable[[YMap, str], T | None]) -> tuple[T, ...]:
        entries = self.entries(m, key, what)
        if entries is None:
            return ()
        out = []
        for i, value in enumerate(entries):
            if not isinstance(value, YMap):
                self.mapping(value, entries.item_loc(i), f"{what} entry {i + 1}", table)
                continue
            label = _label(value, table) or f"{what} entry {i + 1}"
            self.known_keys(value, label, table)
            built = build(value, label)
            if built is not None:
                out.append(built)
        return tuple(out)

    # -- the plan ------------------------------------------------------------------------

    def plan(self, tree: Any) -> Plan | None:
        root = self.mapping(tree, Location(self.name, 1), "the plan", "plan")
        if root is None:
            return None
        version = self.int_(root, "version", "the plan", minimum=1)
        if version is not None and version != 1:
            self.error(root.value_loc("version"), f"format version {version} is newer than this"
                                                  " tracker understands (1): upgrade tracker")
        title = self.str_(root, "title", "the plan", required=True) or "Untitled plan"
        review = None
        if root.get("review") is not None:
            rmap = self.mapping(root["review"], root.value_loc("review"), "review", "review")
            if rmap is not None:
                review = self.review(rmap)
        coverage = CoverageConfig()
        if root.get("coverage") is not None:
            cmap = self.mapping(root["coverage"], root.value_loc("coverage"), "coverage",
                                "coverage")
            if cmap is not None:
                coverage = CoverageConfig(self.strings(cmap, "source", "coverage"),
                                          self.strings(cmap, "omit", "coverage"))
        created = self.date(root, "created", "the plan")
        plan = Plan(
            path=self.name,
            title=title,
            location=root.loc,
            owner=self.str_(root, "owner", "the plan"),
            created=created,
            priority=self.str_(root, "priority", "the plan"),
            review=review,
            summary=self.str_(root, "summary", "the plan"),
            sections=self.each(root, "sections", "sections", "section", self.section),
            phases=self.each(root, "phases", "phases", "phase", self.phase),
            appendix=self.each(root, "appendix", "appendix", "section", self.section),
            metrics=self.each(root, "metrics", "metrics", "metric", self.metric),
            risks=self.each(root, "risks", "risks", "risk", self.risk),
            approvals=self.each(root, "approvals", "approvals", "approval", self.approval),
            related=self.related_list(root),
            coverage=coverage,
        )
        self.check_dates(plan, root)
        return plan

    def check_dates(self, plan: Plan, root: YMap) -> None:
        if plan.review and plan.review.next and plan.created and plan.review.next < plan.created:
            self.error(plan.review.location, f"review date {plan.review.next} is before the plan "
                                             f"was created ({plan.created}): fix one of them")
        for phase in plan.phases:
            if phase.weeks and plan.created is None:
                self.error(phase.location, f"phase {phase.id!r} uses weeks but the plan has no "
                                           "'created' date to count from: add created: YYYY-MM-DD")

    def review(self, m: YMap) -> Review:
        every_text = self.str_(m, "every", "review")
        every = None
        if every_text is not None:
            try:
                every = parse_days(every_text)
            except ValueError as exc:
                self.error(m.value_loc("every"), str(exc))
        return Review(location=m.loc, next=self.date(m, "next", "review"), every_days=every,
                      every_text=every_text, reviewers=self.strings(m, "reviewers", "review"))

    def section(self, m: YMap, what: str) -> Section | None:
        sid = self.ident(m, what, required=False, unique=False)
        title = self.str_(m, "title", what, required=True)
        body = self.str_(m, "body", what) or ""
        if title is None:
            return None
        return Section(title=title, body=body, location=m.loc, id=sid)

    def phase(self, m: YMap, what: str) -> Phase | None:
        pid = self.ident(m, what)
        title = self.str_(m, "title", what, required=True)
        weeks = None
        weeks_text = self.str_(m, "weeks", what)
        if weeks_text is not None:
            try:
                weeks = parse_weeks(weeks_text)
            except ValueError as exc:
                self.error(m.value_loc("weeks"), str(exc))
        start, due = self.date(m, "start", what), self.date(m, "due", what)
        if weeks and (start or due):
            self.error(m.key_loc("weeks"), f"{what} has both weeks and start/due: keep one")
        if start and due and due < start:
            self.error(m.value_loc("due"), f"{what} ends ({due}) before it starts ({start}): "
                                           "fix the dates")
        if pid is None or title is None:
            return None
        return Phase(
            id=pid, title=title, location=m.loc, priority=self.str_(m, "priority", what),
            weeks=weeks, start=start, due=due, body=self.str_(m, "body", what),
            sections=self.each(m, "sections", f"sections of {what}", "section", self.section),
            items=self.each(m, "items", f"items of {what}", "item", self.item),
        )

    def item(self, m: YMap, what: str) -> Item | None:
        # A big plan has thousands of items with a few keys each: keys an item does not have
        # are skipped here rather than looked up (and found missing) by each helper in turn.
        iid = self.ident(m, what)
        text = self.str_(m, "text", what, required=True)
        tests = self.listed(m, "tests", what, self.test_link) if "tests" in m else ()
        files = self.listed(m, "files", what, self.file_check) if "files" in m else ()
        targets, target_locs = self.targets(m, what) if "targets" in m else ((), ())
        expect = self.expect(m, what) if "expect" in m else _NO_EXPECT
        claim = self.claim(m, what) if "status" in m else None
        note = self.str_(m, "note", what) if "note" in m else None
        if claim in (Claim.SKIPPED, Claim.BLOCKED) and not note:
            self.warn(m.value_loc("status"), f"{what} is claimed {claim.value} without a note: "
                                             "add note: saying why")
        if iid is None or text is None:
            return None
        return Item(id=iid, text=text, location=m.loc, tests=tests, files=files,
                    targets=targets, target_locations=target_locs, expect=expect,
                    claim=claim, note=note,
                    owner=self.str_(m, "owner", what) if "owner" in m else None,
                    due=self.date(m, "due", what) if "due" in m else None)

    def listed(self, m: YMap, key: str, what: str,
               build: Callable[[Any, Location, str], T | None]) -> tuple[T, ...]:
        """The ``key`` list of an item (tests, files), each entry built; bad ones left out."""
        entries = m.get(key)
        if not isinstance(entries, YSeq):  # absent, or reported (with a label made only then)
            self.entries(m, key, f"{key} of {what}")
            return ()
        out = []
        for value, loc in zip(entries, entries.item_locs, strict=True):
            built = build(value, loc, what)
            if built is not None:
                out.append(built)
        return tuple(out)

    def targets(self, m: YMap, what: str) -> tuple[tuple[str, ...], tuple[Location, ...]]:
        """An item's targets and where each is written."""
        targets = self.strings(m, "targets", what)
        if not targets:
            return (), ()
        seq = m.get("targets")
        if isinstance(seq, YSeq):
            locs = seq.item_locs
            target_locs = tuple(locs[i] for i in range(len(targets)))
        else:
            target_locs = (m.value_loc("targets"),) * len(targets)
        for target, loc in zip(targets, target_locs, strict=True):
            self.link_path(target, loc, "target")
        return targets, target_locs

    def expect(self, m: YMap, what: str) -> Expect:
        value = m.get("expect")
        if value is None:
            return _NO_EXPECT
        em = self.mapping(value, m.value_loc("expect"), f"expect of {what}", "expect")
        if em is None:
            return _NO_EXPECT
        return Expect(
            min_tests=self.int_(em, "min_tests", f"expect of {what}", minimum=1),
            min_files=self.int_(em, "min_files", f"expect of {what}", minimum=1),
            target_coverage=self.number(em, "target_coverage", f"expect of {what}", 0, 100),
        )

    def claim(self, m: YMap, what: str) -> Claim | None:
        status = self.str_(m, "status", what)
        if status is None:
            return None
        normal = status.strip().lower().replace("_", " ").replace("-", " ")
        claim = _CLAIMS.get(normal)
        if claim is None:
            close = _close_match(normal, fields.CLAIMS, cutoff=0.5)
            hint = f"did you mean {close!r}?" if close else ""
            self.error(m.value_loc("status"), f"unknown status {status!r}: use one of "
                                              f"{', '.join(fields.CLAIMS)}. {hint}".rstrip())
        return claim

    def test_link(self, value: Any, loc: Location, what: str) -> TestLink | None:
        if isinstance(value, str):
            text = value.strip()
            if "::" in text:
                kind = LinkKind.NODE
            elif _is_glob(text):
                kind = LinkKind.GLOB
            else:
                kind = LinkKind.PATH
            problem = _path_problem(text.split("::", 1)[0])
            if problem is not None:
                self.error(loc, f"test link of {what} {problem}")
                return None
            return TestLink(kind, text, loc)
        m = self.mapping(value, loc, f"a test link of {what}", "testlink")
        if m is None:
            return None
        kinds = [k for k in m if k in fields.TESTLINK]
        if len(kinds) != 1:
            self.error(loc, f"a test link of {what} needs exactly one of "
                            f"{', '.join(fields.TESTLINK)}; found {len(kinds)}")
            return None
        key = kinds[0]
        text = self.str_(m, key, f"test link of {what}", required=True)
        if text is None:
            return None
        kind = _LINK_KINDS[key]
        where = m.value_loc(key)
        if kind in (LinkKind.PATH, LinkKind.GLOB, LinkKind.NODE) and not self.link_path(
                text.split("::", 1)[0], where, f"test link of {what}"):
            return None
        if kind is LinkKind.KEYWORD:
            problem = self.keyword_problem(text)
            if problem is not None:
                self.error(where, f"keyword expression {text!r}: {problem}")
                return None
        return TestLink(kind, text.strip(), where)

    def keyword_problem(self, text: str) -> str | None:
        """Why a -k expression does not parse (None when it does), once per distinct text."""
        if text not in self.keywords:
            from tracker.evidence.keyword import KeywordError, parse_keyword

            try:
                parse_keyword(text)
                self.keywords[text] = None
            except KeywordError as exc:
                self.keywords[text] = str(exc)
        return self.keywords[text]

    def file_check(self, value: Any, loc: Location, what: str) -> FileCheck | None:
        if isinstance(value, str):
            problem = _path_problem(value)
            if problem is not None:
                self.error(loc, f"file check of {what} {problem}")
                return None
            kind = CheckKind.GLOB if _is_glob(value) else CheckKind.EXISTS
            return FileCheck(kind, value.strip(), loc)
        m = self.mapping(value, loc, f"a file check of {what}", "filecheck")
        if m is None:
            return None
        label = f"file check of {what}"
        heads = [k for k in ("path", "absent", "file", "glob") if k in m]
        if len(heads) != 1:
            self.error(loc, f"a {label} needs exactly one of path, absent, file or glob; "
                            f"found {len(heads)}")
            return None
        head = heads[0]
        path = self.str_(m, head, label, required=True)
        if path is None:
            return None
        problem = _path_problem(path)
        if problem is not None:
            self.error(m.value_loc(head), f"{label} {problem}")
            return None
        contains, lacks = self.str_(m, "contains", label), self.str_(m, "lacks", label)
        regex = self.bool_(m, "regex", label)
        min_files = self.int_(m, "min_files", label, minimum=1)
        if head == "file":
            if (contains is None) == (lacks is None):
                self.error(loc, f"{label} names a file: add exactly one of contains: or lacks:")
                return None
            pattern = contains if contains is not None else lacks
            if regex:
                try:
                    re.compile(pattern or "")
                except re.error as exc:
                    self.error(m.value_loc("contains" if contains is not None else "lacks"),
                               f"invalid regular expression: {exc}")
                    return None
            kind = CheckKind.CONTAINS if contains is not None else CheckKind.LACKS
            return FileCheck(kind, path.strip(), loc, pattern=pattern, regex=regex)
        stray = [k for k in ("contains", "lacks", "regex") if k in m]
        if stray:
            self.error(m.key_loc(stray[0]), f"'{stray[0]}' only goes with file: in a {label}")
        if min_files is not None and head != "glob":
            self.error(m.key_loc("min_files"), f"'min_files' only goes with glob: in a {label}")
        if head == "glob":
            return FileCheck(CheckKind.GLOB, path.strip(), loc, min_files=min_files or 1)
        kind = CheckKind.EXISTS if head == "path" else CheckKind.ABSENT
        return FileCheck(kind, path.strip(), loc)

    def metric(self, m: YMap, what: str) -> Metric | None:
        mid = self.ident(m, what)
        title = self.str_(m, "title", what, required=True)
        qualitative = self.bool_(m, "qualitative", what)
        measure = self.str_(m, "measure", what)
        if measure is not None:
            if qualitative:
                self.error(m.key_loc("measure"), f"{what} is qualitative and has a measure: "
                                                 "keep one")
            try:
                parse_measure(measure)
            except ValueError as exc:
                self.error(m.value_loc("measure"), str(exc))
        elif not qualitative:
            self.error(m.loc, f"{what} needs a measure (such as coverage.total) or "
                              "qualitative: true")
        target_text = self.str_(m, "target", what)
        target = None
        if target_text is not None and not qualitative:
            try:
                target = parse_target(target_text)
            except ValueError as exc:
                self.error(m.value_loc("target"), str(exc))
        if mid is None or title is None:
            return None
        return Metric(id=mid, title=title, location=m.loc, measure=measure,
                      qualitative=qualitative, baseline=self.str_(m, "baseline", what),
                      target=target, target_text=target_text, note=self.str_(m, "note", what))

    def risk(self, m: YMap, what: str) -> Risk | None:
        text = self.str_(m, "risk", what, required=True)
        if text is None:
            return None
        return Risk(risk=text, location=m.loc, mitigation=self.str_(m, "mitigation", what),
                    impact=self.str_(m, "impact", what),
                    likelihood=self.str_(m, "likelihood", what))

    def approval(self, m: YMap, what: str) -> Approval | None:
        role = self.str_(m, "role", what, required=True)
        if role is None:
            return None
        return Approval(role=role, location=m.loc, name=self.str_(m, "name", what))

    def related_list(self, root: YMap) -> tuple[Related, ...]:
        out = []
        for value, loc in self.seq(root, "related", "related"):
            if isinstance(value, str):
                is_url = "://" in value
                if not is_url and not self.link_path(value, loc, "related document"):
                    continue
                out.append(Related(title=value, location=loc, url=value if is_url else None,
                                   path=None if is_url else value))
                continue
            m = self.mapping(value, loc, "a related document", "related")
            if m is None:
                continue
            title = self.str_(m, "title", "related document", required=True)
            path, url = self.str_(m, "path", "related document"), self.str_(m, "url",
                                                                           "related document")
            if path is not None and not self.link_path(path, m.value_loc("path"),
                                                       "related document"):
                path = None
            if title is not None:
                out.append(Related(title=title, location=loc, path=path, url=url))
        return tuple(out)


def _kind(value: Any) -> str:
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
