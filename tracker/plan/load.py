"""plan.yaml → :class:`~tracker.plan.model.Plan`, reporting every problem at once.

Only this package knows YAML. Validation collects problems instead of stopping at the first,
because a person fixing a plan wants the whole list in one go, each at its line. This module
reads the file and assembles the plan; the parts are read by :mod:`.reader` (typed values),
:mod:`.links` (test links, file checks, targets), :mod:`.phases` (sections, phases, items)
and :mod:`.records` (review, metrics, risks, approvals, related documents).
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.gcpause import paused_gc
from tracker.plan import phases, records
from tracker.plan.model import CoverageConfig, Plan, Review, RunsConfig
from tracker.plan.reader import Reader
from tracker.plan.yaml_problems import decode
from tracker.plan.yamlread import YMap, read_yaml
from tracker.problems import Location, Problem, Severity, sort_problems

#: Files larger than this are not plans; refuse before parsing.
MAX_PLAN_BYTES = 20 * 1024 * 1024


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
    data = _read_file(path, name)
    if isinstance(data, Problem):
        return LoadResult(None, [data])
    return load_plan_text(data, name, root=path.resolve().parent)


def _read_file(path: Path, name: str) -> bytes | Problem:
    """The file's bytes, or why there are none to read (said so a person can act on it)."""
    where = Location(name, 1)
    try:
        if path.is_dir():
            return Problem(where, "is a directory: give the path of plan.yaml")
        if not stat.S_ISREG(path.stat().st_mode):
            return Problem(where, "not a regular file (a device or a pipe?): give the path of "
                                  "plan.yaml")
        with path.open("rb") as handle:
            data = handle.read(MAX_PLAN_BYTES + 1)
    except FileNotFoundError:
        return Problem(where, "no such file: create one with `tracker init` or pass the plan's "
                              "path")
    except OSError as exc:
        return Problem(where, f"cannot read the file ({exc.strerror}): check its permissions")
    if len(data) > MAX_PLAN_BYTES:
        return Problem(where, f"file is larger than {MAX_PLAN_BYTES // (1024 * 1024)} MB, too "
                              "large for a plan: check the path")
    return data


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
    reader = Reader(name, problems)
    plan = _plan(reader, tree)
    return LoadResult(plan, sort_problems(reader.problems))


def _plan(r: Reader, tree: Any) -> Plan | None:
    """The whole plan from the YAML tree; None when the tree is not a mapping at all."""
    root = r.mapping(tree, Location(r.name, 1), "the plan", "plan")
    if root is None:
        return None
    version = r.int_(root, "version", "the plan", minimum=1)
    if version is not None and version != 1:
        r.error(root.value_loc("version"), f"format version {version} is newer than this"
                                           " tracker understands (1): upgrade tracker")
    plan = Plan(
        path=r.name,
        title=r.str_(root, "title", "the plan", required=True) or "Untitled plan",
        location=root.loc,
        owner=r.str_(root, "owner", "the plan"),
        created=r.date(root, "created", "the plan"),
        priority=r.str_(root, "priority", "the plan"),
        review=_review(r, root),
        summary=r.str_(root, "summary", "the plan"),
        sections=r.each(root, "sections", "sections", "section", phases.section),
        phases=r.each(root, "phases", "phases", "phase", phases.phase),
        appendix=r.each(root, "appendix", "appendix", "section", phases.section),
        metrics=r.each(root, "metrics", "metrics", "metric", records.metric),
        risks=r.each(root, "risks", "risks", "risk", records.risk),
        approvals=r.each(root, "approvals", "approvals", "approval", records.approval),
        related=records.related_list(r, root),
        coverage=_coverage(r, root),
        runs=_runs(r, root),
    )
    _check_dates(r, plan, created_written=root.get("created") is not None)
    return plan


def _review(r: Reader, root: YMap) -> Review | None:
    if root.get("review") is None:
        return None
    m = r.mapping(root["review"], root.value_loc("review"), "review", "review")
    return None if m is None else records.review(r, m)


def _coverage(r: Reader, root: YMap) -> CoverageConfig:
    if root.get("coverage") is None:
        return CoverageConfig()
    m = r.mapping(root["coverage"], root.value_loc("coverage"), "coverage", "coverage")
    return CoverageConfig() if m is None else records.coverage(r, m)


def _runs(r: Reader, root: YMap) -> RunsConfig:
    if root.get("runs") is None:
        return RunsConfig()
    m = r.mapping(root["runs"], root.value_loc("runs"), "runs", "runs")
    return RunsConfig() if m is None else RunsConfig(note=r.bool_(m, "note", "runs"))


def _check_dates(r: Reader, plan: Plan, *, created_written: bool) -> None:
    """What only the whole plan shows: dates that disagree with each other.

    ``created_written``: the plan has a ``created`` value, reported already if unusable (so
    phases in weeks are not also told to add one).
    """
    review, created = plan.review, plan.created
    if review and review.next and created and review.next < created:
        r.error(review.location, f"review date {review.next} is before the plan was created "
                                 f"({created}): fix one of them")
    for phase in plan.phases:
        if phase.weeks and created is None and not created_written:
            r.error(phase.location, f"phase {phase.id!r} uses weeks but the plan has no "
                                    "'created' date to count from: add created: YYYY-MM-DD")
