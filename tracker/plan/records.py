"""The plan's records around its phases: review, metrics, risks, approvals, related
documents and the coverage settings.

Each is a short mapping of text; metrics also carry two of the plan's small languages
(measures and targets, :mod:`.measures`), parsed here so a typo is reported at its line
rather than when a metric is first computed.
"""

from __future__ import annotations

from typing import Any

from tracker.plan.links import link_path
from tracker.plan.measures import parse_days, parse_measure, parse_target
from tracker.plan.model import Approval, CoverageConfig, Metric, Related, Review, Risk, Target
from tracker.plan.reader import Reader
from tracker.plan.yamlread import YMap
from tracker.problems import Location


def review(r: Reader, m: YMap) -> Review:
    """When the plan is next reviewed, how often, and by whom."""
    every_text = r.str_(m, "every", "review")
    every = None
    if every_text is not None:
        try:
            every = parse_days(every_text)
        except ValueError as exc:
            r.error(m.value_loc("every"), str(exc))
    return Review(location=m.loc, next=r.date(m, "next", "review"), every_days=every,
                  every_text=every_text, reviewers=r.strings(m, "reviewers", "review"))


def coverage(r: Reader, m: YMap) -> CoverageConfig:
    return CoverageConfig(r.strings(m, "source", "coverage"), r.strings(m, "omit", "coverage"))


def metric(r: Reader, m: YMap, what: str) -> Metric | None:
    """A success measure: measured (``measure:``) or judged by people (``qualitative:``)."""
    mid = r.ident(m, what)
    title = r.str_(m, "title", what, required=True)
    qualitative = r.bool_(m, "qualitative", what)
    measure = r.str_(m, "measure", what)
    if measure is not None:
        if qualitative:
            r.error(m.key_loc("measure"), f"{what} is qualitative and has a measure: keep one")
        try:
            parse_measure(measure)
        except ValueError as exc:
            r.error(m.value_loc("measure"), str(exc))
    elif not qualitative:
        r.error(m.loc, f"{what} needs a measure (such as coverage.total) or qualitative: true")
    target_text = r.str_(m, "target", what)
    target = _target(r, m, target_text) if target_text is not None and not qualitative \
        else None
    if mid is None or title is None:
        return None
    return Metric(id=mid, title=title, location=m.loc, measure=measure,
                  qualitative=qualitative, baseline=r.str_(m, "baseline", what),
                  target=target, target_text=target_text, note=r.str_(m, "note", what))


def _target(r: Reader, m: YMap, text: str) -> Target | None:
    try:
        return parse_target(text)
    except ValueError as exc:
        r.error(m.value_loc("target"), str(exc))
        return None


def risk(r: Reader, m: YMap, what: str) -> Risk | None:
    text = r.str_(m, "risk", what, required=True)
    if text is None:
        return None
    return Risk(risk=text, location=m.loc, mitigation=r.str_(m, "mitigation", what),
                impact=r.str_(m, "impact", what), likelihood=r.str_(m, "likelihood", what))


def approval(r: Reader, m: YMap, what: str) -> Approval | None:
    role = r.str_(m, "role", what, required=True)
    if role is None:
        return None
    return Approval(role=role, location=m.loc, name=r.str_(m, "name", what))


def related_list(r: Reader, root: YMap) -> tuple[Related, ...]:
    """The ``related`` list: each a path, a URL, or a mapping with a title."""
    out = []
    for value, loc in r.seq(root, "related", "related"):
        found = _related(r, value, loc)
        if found is not None:
            out.append(found)
    return tuple(out)


def _related(r: Reader, value: Any, loc: Location) -> Related | None:
    if isinstance(value, str):
        is_url = "://" in value
        if not is_url and not link_path(r, value, loc, "related document"):
            return None
        return Related(title=value, location=loc, url=value if is_url else None,
                       path=None if is_url else value)
    m = r.mapping(value, loc, "a related document", "related")
    if m is None:
        return None
    title = r.str_(m, "title", "related document", required=True)
    path = r.str_(m, "path", "related document")
    url = r.str_(m, "url", "related document")
    if path is not None and not link_path(r, path, m.value_loc("path"), "related document"):
        path = None
    if title is None:
        return None
    return Related(title=title, location=loc, path=path, url=url)
