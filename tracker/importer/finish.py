"""Making the draft a plan tracker accepts: ids, inferred links, dates that agree.

The loader refuses duplicate ids, ``weeks`` without a ``created`` date, a phase that ends
before it starts, a review before the plan began and links that leave the repository. A
document can say any of these; rather than write a plan that does not load, the importer
leaves the offending value out, writes it as a comment where it belongs and warns.
"""

from __future__ import annotations

from tracker.importer.draft import DraftItem, DraftMetric, DraftPlan
from tracker.importer.ids import Ids, slug
from tracker.importer.infer import Repository, infer_links
from tracker.importer.report import Report


def finish(plan: DraftPlan, report: Report, repo: Repository | None) -> None:
    """Assign ids, infer links, reconcile dates; record every decision in ``report``."""
    _ids(plan, report)
    _links(plan, report, repo)
    _dates(plan, report)
    _related(plan, report)
    for metric in plan.metrics:
        assert metric.id is not None
        if metric.measure:
            report.measured.append((metric.id, metric.measure))
        else:
            report.qualitative.append(metric.id)
    parts = [_count(len(plan.phases), "phase"), _count(len(plan.items()), "item")]
    for things, word in ((plan.metrics, "metric"), (plan.risks, "risk"),
                         (plan.approvals, "approval"), (plan.related, "related document")):
        if things:
            parts.append(_count(len(things), word))
    report.counts = ", ".join(parts)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _ids(plan: DraftPlan, report: Report) -> None:
    ids = Ids()
    for phase in plan.phases:
        if phase.id:
            given = phase.id
            phase.id = ids.claim(given, "phase")
            if phase.id != given:
                report.warn(phase.line, f"phase id {given!r} is used twice (or is not a valid "
                                        f"id): this one is {phase.id!r}")
    number = 1
    for phase in plan.phases:
        if not phase.id:
            while str(number) in ids.taken:
                number += 1
            phase.id = ids.claim(str(number))
    items = plan.items()
    given_first: list[DraftItem | DraftMetric] = [*items, *plan.metrics]
    for thing in given_first:  # the ids a (rendered) document gives are claimed first
        if thing.id:
            given = thing.id
            thing.id = ids.claim(given)
            if thing.id != given:
                kind = "item" if isinstance(thing, DraftItem) else "metric"
                report.warn(thing.line, f"{kind} id {given!r} is used twice: this one is "
                                        f"{thing.id!r}")
    for item in items:
        if not item.id:
            item.id = ids.claim(slug(item.text, "item"))
    for metric in plan.metrics:
        if not metric.id:
            metric.id = ids.claim(slug(metric.title, "metric"))


def _links(plan: DraftPlan, report: Report, repo: Repository | None) -> None:
    for item in plan.items():
        assert item.id is not None
        if not item.rendered:
            found = infer_links(item.text, repo)
            item.tests.extend(link for link in found.tests if link not in item.tests)
            item.targets.extend(t for t in found.targets if t not in item.targets)
            item.files.extend(check for check in found.files if check not in item.files)
            for key, value in found.expect.items():
                item.expect.setdefault(key, value)
            report.details.extend((item.id, what) for what in found.linked)
            report.details.extend((item.id, f"not linked: {why}")
                                  for why in [*found.dropped, *found.unlinked])
        (report.linked if item.tests or item.files else report.needs_links).append(item.id)
    claims: dict[str, int] = {}
    for item in plan.items():
        if item.claim and not item.rendered:
            claims[item.claim] = claims.get(item.claim, 0) + 1
    report.claims = ", ".join(f"{n} {claim}" for claim, n in claims.items())
    if repo is not None and repo.truncated:
        report.warn(1, f"{repo.name} holds too many files to check them all: links to files "
                       "not seen were left out")


def _dates(plan: DraftPlan, report: Report) -> None:
    for phase in plan.phases:
        if phase.weeks:
            first, last = phase.weeks
            weeks = str(first) if first == last else f"{first}-{last}"
            if plan.created is None:
                phase.comments.append(f"weeks: {weeks}  (add the plan's created: date, then "
                                      "this line, to schedule the phase)")
                report.warn(phase.line, f"phase {phase.id!r} says weeks {weeks} but the document "
                                        "has no Created date to count from: weeks left as a "
                                        "comment")
                phase.weeks = None
            elif phase.start or phase.due:
                shown = f"{phase.start or '…'} → {phase.due or '…'}"
                phase.comments.append(f"the document also gives the dates {shown}")
                report.warn(phase.line, f"phase {phase.id!r} has both weeks and dates: kept the "
                                        "weeks, dates left as a comment")
                phase.start = phase.due = None
        if phase.start and phase.due and phase.due < phase.start:
            phase.comments.append(f"due: {phase.due}  (before the start date: check it)")
            report.warn(phase.line, f"phase {phase.id!r} is due ({phase.due}) before it starts "
                                    f"({phase.start}): due left as a comment")
            phase.due = None
    if plan.review_next and plan.created and plan.review_next < plan.created:
        plan.comments.append(f"review next: {plan.review_next}  (before the created date: "
                             "check it)")
        report.warn(1, f"the next review ({plan.review_next}) is before the plan was created "
                       f"({plan.created}): left as a comment")
        plan.review_next = None


def _related(plan: DraftPlan, report: Report) -> None:
    for related in plan.related:
        path = related.path
        if path is None:
            continue
        clean = path.replace("\\", "/")
        if clean.startswith("/") and not clean.startswith("//"):
            clean = clean.lstrip("/")
            report.note(related.line, f"related path {path!r} read as relative to the "
                                      "repository")
        depth = 0
        for part in clean.split("/"):
            depth += -1 if part == ".." else (0 if part in ("", ".") else 1)
            if depth < 0:
                break
        if depth < 0 or clean.startswith("//") or (len(clean) > 1 and clean[1] == ":") \
                or not clean.strip():
            report.warn(related.line, f"related document {path!r} lies outside the repository:"
                                      " kept its title only")
            related.path = None
            continue
        if related.title == path:
            related.title = clean
        related.path = clean
