"""plan.yaml → :class:`~tracker.plan.model.Plan`, reporting every problem at once.

Only this package knows YAML. Validation collects problems instead of stopping at the first,
because a person fixing a plan wants the whole list in one go, each at its line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

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
_GLOB_CHARS = set("*?[")


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
        self.ids: dict[str, Location] = {}

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
        allowed = fields.TABLES[table]
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
                hint = (f"did you mean {close[0]!r}?" if close else
                        f"allowed keys: {', '.join(allowed)}")
                self.error(value.key_loc(key), f"unknown key {key!r} in {what}: {hint}")
        return value

    def seq(self, m: YMap, key: str, what: str) -> list[tuple[Any, Location]]:
        if key not in m or m[key] is None:
            return []
        value = m[key]
        if not isinstance(value, YSeq):
            self.error(m.value_loc(key), f"{what} must be a list (one '- ' entry per line), "
                                         f"not {_kind(value)}")
            return []
        return list(zip(value, value.item_locs, strict=True))

    def str_(self, m: YMap, key: str, what: str, *, required: bool = False) -> str | None:
        if key not in m or m[key] is None:
            if required:
                self.error(m.loc, f"{what} needs '{key}': add {key}: ...")
            return None
        value = m[key]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(m.value_loc(key), f"'{key}' of {what} must be text, not {_kind(value)}")
            return None
        if isinstance(value, str):
            if required and not value.strip():
                self.error(m.value_loc(key), f"'{key}' of {what} is empty: write something")
                return None
            return value
        return m.raw.get(key, str(value))

    def int_(self, m: YMap, key: str, what: str, minimum: int = 0) -> int | None:
        if key not in m or m[key] is None:
            return None
        value = m[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(m.value_loc(key), f"'{key}' of {what} must be a whole number, "
                                         f"not {_kind(value)}")
            return None
        if value < minimum:
            self.error(m.value_loc(key), f"'{key}' of {what} must be at least {minimum}")
            return None
        return value

    def number(self, m: YMap, key: str, what: str, low: float, high: float) -> float | None:
        if key not in m or m[key] is None:
            return None
        value = m[key]
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
        if key not in m or m[key] is None:
            return None
        value = m[key]
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
                                     f"not {m.raw.get(key, _kind(value))!r}")
        return None

    def strings(self, m: YMap, key: str, what: str) -> tuple[str, ...]:
        out = []
        if isinstance(m.get(key), str):  # a single value where a list is expected is fine
            return (m[key],)
        for value, loc in self.seq(m, key, f"'{key}' of {what}"):
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                out.append(str(value))
            else:
                self.error(loc, f"entries of '{key}' in {what} must be text, not {_kind(value)}")
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
                first = self.ids[value]
                self.error(m.value_loc("id"), f"duplicate id {value!r} (first used at line "
                                              f"{first.line}): ids must be unique; rename one")
            else:
                self.ids[value] = m.value_loc("id")
        return value

    def link_path(self, value: str, loc: Location, what: str) -> bool:
        """Reject links that leave the repository; True when the path is usable."""
        if not value.strip():
            self.error(loc, f"{what} is empty: write a path relative to the plan's folder")
            return False
        posix = PurePosixPath(value.replace("\\", "/"))
        if posix.is_absolute() or re.match(r"^[A-Za-z]:", value):
            self.error(loc, f"{what} {value!r} is an absolute path: write it relative to the "
                            "plan's folder")
            return False
        depth = 0
        for part in posix.parts:
            depth += -1 if part == ".." else (0 if part == "." else 1)
            if depth < 0:
                self.error(loc, f"{what} {value!r} points outside the repository: link only "
                                "files inside it")
                return False
        return True

    def each(self, m: YMap, key: str, what: str, table: str,
             build: Callable[[YMap, str], T | None]) -> tuple[T, ...]:
        out = []
        for i, (value, loc) in enumerate(self.seq(m, key, what), start=1):
            label = f"{what} entry {i}"
            if isinstance(value, YMap) and isinstance(value.get("id"), str | int | float):
                label = f"{table} {value.raw.get('id', str(value['id']))!r}"
            sub = self.mapping(value, loc, label, table)
            if sub is not None:
                built = build(sub, label)
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
        iid = self.ident(m, what)
        text = self.str_(m, "text", what, required=True)
        tests = tuple(t for value, loc in self.seq(m, "tests", f"tests of {what}")
                      if (t := self.test_link(value, loc, what)) is not None)
        files = tuple(f for value, loc in self.seq(m, "files", f"files of {what}")
                      if (f := self.file_check(value, loc, what)) is not None)
        targets = self.strings(m, "targets", what)
        seq = m.get("targets")
        target_locs = tuple(seq.item_locs[i] if isinstance(seq, YSeq) else m.value_loc("targets")
                            for i in range(len(targets)))
        for target, loc in zip(targets, target_locs, strict=True):
            self.link_path(target, loc, "target")
        expect = Expect()
        if m.get("expect") is not None:
            em = self.mapping(m["expect"], m.value_loc("expect"), f"expect of {what}", "expect")
            if em is not None:
                expect = Expect(
                    min_tests=self.int_(em, "min_tests", f"expect of {what}", minimum=1),
                    min_files=self.int_(em, "min_files", f"expect of {what}", minimum=1),
                    target_coverage=self.number(em, "target_coverage", f"expect of {what}",
                                                0, 100),
                )
        claim = None
        status = self.str_(m, "status", what)
        if status is not None:
            normal = status.strip().lower().replace("_", " ").replace("-", " ")
            try:
                claim = Claim(normal)
            except ValueError:
                close = difflib.get_close_matches(normal, fields.CLAIMS, n=1, cutoff=0.5)
                hint = f"did you mean {close[0]!r}?" if close else ""
                self.error(m.value_loc("status"), f"unknown status {status!r}: use one of "
                                                  f"{', '.join(fields.CLAIMS)}. {hint}".rstrip())
        note = self.str_(m, "note", what)
        if claim in (Claim.SKIPPED, Claim.BLOCKED) and not note:
            self.warn(m.value_loc("status"), f"{what} is claimed {claim.value} without a note: "
                                             "add note: saying why")
        if iid is None or text is None:
            return None
        return Item(id=iid, text=text, location=m.loc, tests=tests, files=files,
                    targets=targets, target_locations=target_locs, expect=expect,
                    claim=claim, note=note,
                    owner=self.str_(m, "owner", what), due=self.date(m, "due", what))

    def test_link(self, value: Any, loc: Location, what: str) -> TestLink | None:
        if isinstance(value, str):
            text = value.strip()
            if "::" in text:
                kind = LinkKind.NODE
            elif _GLOB_CHARS & set(text):
                kind = LinkKind.GLOB
            else:
                kind = LinkKind.PATH
            path_part = text.split("::", 1)[0]
            if not self.link_path(path_part, loc, f"test link of {what}"):
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
        kind = LinkKind(key)
        if kind in (LinkKind.PATH, LinkKind.GLOB, LinkKind.NODE) and not self.link_path(
                text.split("::", 1)[0], m.value_loc(key), f"test link of {what}"):
            return None
        if kind is LinkKind.KEYWORD:
            from tracker.evidence.keyword import KeywordError, parse_keyword

            try:
                parse_keyword(text)
            except KeywordError as exc:
                self.error(m.value_loc(key), f"keyword expression {text!r}: {exc}")
                return None
        return TestLink(kind, text.strip(), m.value_loc(key))

    def file_check(self, value: Any, loc: Location, what: str) -> FileCheck | None:
        if isinstance(value, str):
            if not self.link_path(value, loc, f"file check of {what}"):
                return None
            kind = CheckKind.GLOB if _GLOB_CHARS & set(value) else CheckKind.EXISTS
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
        if path is None or not self.link_path(path, m.value_loc(head), label):
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
