"""Round trip: any plan, rendered by ``tracker render``, imports back to the same plan data.

Plans are generated (hypothesis), loaded by tracker's own loader, judged against an empty
workspace, rendered, imported and loaded again; titles, phases, prose, items (ids, texts,
claims, notes, links), metrics, risks, approvals, related documents and the review must
survive. A second round must then change nothing at all. The whole plan (expectations, metric
ids, measures and notes) comes back once the renderer shows it: see the last test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.assess import assess
from tracker.evidence.bundle import Evidence
from tracker.evidence.workspace import gather_workspace
from tracker.importer.convert import import_bytes, import_markdown
from tracker.plan.load import load_plan_text
from tracker.plan.model import Plan, Section
from tracker.render.markdown import render_markdown

TODAY = dt.date(2026, 3, 20)

# Words that mean nothing to the importer: no status, priority, schedule or section words.
WORDS = ["cart", "refund", "ledger", "queue", "retry", "payment", "cache", "worker", "token",
         "session", "Überweisung", "café", "naïve", "größe", "中文", "α", "API", "HTTP",
         "v1.2", "x<y", "a&b", "&amp;", "AT&T", "50%", "C#", "[red]", "*bold*", "_em_",
         "`code`", "it's", '"quoted"', "a|b", "1/2", "(aside)", "path/to/file.txt", "→"]
PLAIN = [w for w in WORDS if w[0].isalpha() and w not in ("a|b", "a&b", "AT&T")]
# In titles: words that name known parts elsewhere, which a rendered plan must not misread.
TITLE_WORDS = [*PLAIN, "Risk", "metrics", "Related", "approval", "Week 3:", "checklist",
               "Phase 2:", "Phase 1 -", "Summary"]

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)
title_words = st.lists(st.sampled_from(PLAIN), min_size=1, max_size=4).map(" ".join)
section_titles = st.lists(st.sampled_from(TITLE_WORDS), min_size=1, max_size=4).map(" ".join)
days = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31))
ident = st.from_regex(r"[A-Za-z][a-z0-9]{0,6}(-[a-zA-Z0-9]{1,4})?", fullmatch=True)


@st.composite
def prose(draw: st.DrawFn, headings: bool = False) -> str:
    """Markdown prose: paragraphs, lists, tables, quotes and code that looks like plan parts."""
    blocks = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["para", "bullets", "numbers", "code", "table", "quote",
                                     "heading" if headings else "para", "lookalike"]))
        if kind == "para":
            blocks.append("\n".join(draw(st.lists(words, min_size=1, max_size=3))))
        elif kind == "bullets":
            blocks.append("\n".join(f"- {w}" for w in draw(st.lists(words, min_size=1,
                                                                      max_size=3))))
        elif kind == "numbers":
            items = draw(st.lists(words, min_size=1, max_size=3))
            blocks.append("\n".join(f"{i}. {w}" for i, w in enumerate(items, start=1)))
        elif kind == "code":
            lines = draw(st.lists(st.sampled_from([
                "## Phase 9: not a phase", "- [ ] not an item", "- [x] not done either",
                "**Status:** not a header", "Next Review Date: 2026-01-01",
                "| Risk | Mitigation |", "def test_x():", "    assert 1 == 1", "", "# comment",
            ]), min_size=1, max_size=5))
            blocks.append("\n".join(["```python", *lines, "```"]))
        elif kind == "table":
            rows = draw(st.lists(st.tuples(words, words), min_size=1, max_size=3))
            body = [f"| {a.replace('|', '/')} | {b.replace('|', '/')} |" for a, b in rows]
            blocks.append("\n".join(["| Module | Notes |", "|---|---|", *body]))
        elif kind == "lookalike":  # plan parts written as prose: a rendered plan keeps them
            blocks.append(draw(st.sampled_from([
                "- [ ] a checklist line in the prose\n- [x] and a ticked one",
                "**Owner:** someone in the prose\n**Next Review Date:** 2026-01-01",
                "| Risk | Mitigation |\n|---|---|\n| prose risk | prose remedy |",
                "| Role | Name | Date | Signature |\n|---|---|---|---|\n| Lead | Bo | | |",
                "Document Owner: not the plan's owner",
            ])))
        elif kind == "quote":
            blocks.append(f"> {draw(words)}")
        else:
            blocks.append(f"#### {draw(title_words)}\n\n{draw(words)}")
    return "\n\n".join(blocks)


section_ids = st.one_of(st.none(), st.from_regex(r"[1-9](\.[1-9][0-9]?){0,2}", fullmatch=True))


@st.composite
def section(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"title": draw(section_titles)}
    if (sid := draw(section_ids)) is not None:
        out["id"] = sid
    if draw(st.booleans()):
        out["body"] = draw(prose(headings=True))
    return out


test_links = st.sampled_from([
    "tests/test_cart.py", "tests/integration/", "tests/**/test_*_api.py",
    "tests/test_cart.py::TestTotals::test_empty", {"marker": "slow"}, {"fixture": "db"},
    {"keyword": "retry and not slow"}, "**/test_refunds.py",
])
file_checks = st.sampled_from([
    "requirements-dev.txt", {"absent": "tests/legacy.py"},
    {"file": "pytest.ini", "contains": "asyncio_mode = auto"},
    {"file": "conftest.py", "lacks": "it's | odd `tick`"}, {"glob": "tests/test_*.py",
                                                            "min_files": 3},
    {"file": "pytest.ini", "contains": "asyncio_mode\\s*=\\s*auto", "regex": True},
    {"file": "setup.cfg", "lacks": "^addopts = .*-p no:(cov|x)", "regex": True},
    {"glob": "tests/**/*.py", "contains": "_instance = None", "max": 1},
    {"glob": "tests/*.py", "lacks": "MagicMock("},
    {"file": "conftest.py", "contains": "fixture", "min": 2, "max": 9},
    {"glob": "tests/*.py", "contains": "assert_called\\(\\)", "regex": True, "min": 0},
])


@st.composite
def item(draw: st.DrawFn, item_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item_id, "text": draw(words)}
    if draw(st.booleans()):
        out["tests"] = draw(st.lists(test_links, max_size=3, unique_by=str))
    if draw(st.integers(0, 3)) == 0:
        out["files"] = draw(st.lists(file_checks, min_size=1, max_size=2, unique_by=str))
    if draw(st.integers(0, 3)) == 0:
        out["targets"] = ["src/shop/cart.py"]
    claim = draw(st.sampled_from([None, "done", "in progress", "todo", "skipped", "blocked"]))
    if claim:
        out["status"] = claim
    if draw(st.booleans()) or claim in ("skipped", "blocked"):
        out["note"] = draw(words)
    if draw(st.integers(0, 4)) == 0:
        out["owner"] = draw(title_words)
    if draw(st.integers(0, 4)) == 0:
        out["due"] = draw(days).isoformat()
    return out


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    created = draw(st.one_of(st.none(), days))
    plan: dict[str, Any] = {"title": draw(words)}
    if created:
        plan["created"] = created.isoformat()
    for key in ("owner", "priority"):
        if draw(st.booleans()):
            plan[key] = draw(title_words) if key == "owner" else draw(st.sampled_from(
                ["P0", "P1 - High", "Critical"]))
    if draw(st.booleans()):
        review: dict[str, Any] = {}
        if draw(st.booleans()):
            first = created or dt.date(2026, 1, 1)
            review["next"] = (first + dt.timedelta(days=draw(st.integers(0, 90)))).isoformat()
        if draw(st.booleans()):
            review["every"] = draw(st.sampled_from(["14d", "2w", "7d"]))
        if draw(st.booleans()):
            review["reviewers"] = draw(st.lists(title_words, min_size=1, max_size=3))
        plan["review"] = review
    if draw(st.booleans()):
        plan["summary"] = draw(prose())
    plan["sections"] = draw(st.lists(section(), max_size=2))
    phase_ids = draw(st.lists(st.one_of(st.integers(1, 20).map(str), ident), min_size=1,
                              max_size=3, unique=True))
    item_ids = iter(draw(st.lists(ident, min_size=8, max_size=8, unique=True)
                         .filter(lambda ids: not set(ids) & set(phase_ids))))
    phases = []
    for pid in phase_ids:
        phase: dict[str, Any] = {"id": pid, "title": draw(title_words)}
        if draw(st.booleans()):
            phase["priority"] = draw(st.sampled_from(["P0", "P1", "P3"]))
        window = draw(st.sampled_from(["none", "weeks", "dates"]))
        if window == "weeks" and created:
            first = draw(st.integers(1, 8))
            phase["weeks"] = f"{first}-{first + draw(st.integers(0, 3))}"
        elif window == "dates":
            start = draw(days)
            if draw(st.booleans()):
                phase["start"] = start.isoformat()
            phase["due"] = (start + dt.timedelta(days=draw(st.integers(0, 30)))).isoformat()
        if draw(st.booleans()):
            phase["body"] = draw(prose())
        phase["sections"] = draw(st.lists(section(), max_size=2))
        phase["items"] = [draw(item(next(item_ids))) for _ in range(draw(st.integers(0, 2)))]
        phases.append(phase)
    plan["phases"] = phases
    plan["appendix"] = draw(st.lists(section(), max_size=2))
    plan["metrics"] = [
        {"id": f"metric_{i}", "title": draw(title_words), **draw(st.sampled_from([
            {"measure": "coverage.total", "baseline": "~70%", "target": "> 90%"},
            {"measure": "tests.count", "target": ">= 600"},
            {"measure": "tests.duration", "target": "<= 5 min"},
            {"qualitative": True, "target": "-80%"},
            {"qualitative": True, "baseline": "weekly", "target": "Reduce by half"},
            {"qualitative": True},
        ]))} for i in range(draw(st.integers(0, 3)))]
    plan["risks"] = [{"risk": draw(words), **({"mitigation": draw(words)}
                                              if draw(st.booleans()) else {}),
                      **({"impact": "High", "likelihood": "Low"} if draw(st.booleans())
                         else {})} for _ in range(draw(st.integers(0, 2)))]
    plan["approvals"] = [{"role": draw(title_words), **({"name": draw(title_words)}
                                                        if draw(st.booleans()) else {})}
                         for _ in range(draw(st.integers(0, 2)))]
    plan["related"] = draw(st.lists(st.sampled_from([
        "docs/architecture.md", "docs/a b (old).md", {"title": "Runbook [ops]",
                                                       "url": "https://example.com/run"},
        {"title": "Frontend plan", "path": "docs/frontend.md"}, {"title": "Wiki page"},
    ]), max_size=3, unique_by=str))
    return plan


def render(plan: Plan, root: Path) -> str:
    evidence = Evidence(workspace=gather_workspace(plan, root))
    return render_markdown(assess(plan, evidence, TODAY))


def load(text: str) -> Plan:
    result = load_plan_text(text, "plan.yaml")
    assert not result.errors, "\n".join(str(p) for p in result.errors) + "\n" + text
    assert result.plan is not None
    return result.plan


def _body(text: str | None) -> str:
    return (text or "").strip("\n")


def _sections(sections: tuple[Section, ...]) -> list[tuple[Any, ...]]:
    return [(s.id, s.title, _body(s.body)) for s in sections]


def data(plan: Plan) -> dict[str, Any]:
    """The plan data the round trip must keep."""
    review = plan.review
    return {
        "title": plan.title, "owner": plan.owner, "created": plan.created,
        "priority": plan.priority, "summary": _body(plan.summary),
        "review": (review.next, review.every_days, review.reviewers) if review and (
            review.next or review.every_days or review.reviewers) else None,
        "sections": _sections(plan.sections), "appendix": _sections(plan.appendix),
        "phases": [(p.id, p.title, p.priority, p.weeks, p.start, p.due, _body(p.body),
                    _sections(p.sections),
                    [(i.id, i.text, i.claim, i.note, i.owner, i.due,
                      [(t.kind, t.value) for t in i.tests],
                      [(f.kind, f.path, f.pattern, f.regex, f.min_files) for f in i.files],
                      i.targets) for i in p.items]) for p in plan.phases],
        "metrics": [(m.title, m.baseline, m.target_text) for m in plan.metrics],
        "risks": [(r.risk, r.impact, r.likelihood, r.mitigation) for r in plan.risks],
        "approvals": [(a.role, a.name) for a in plan.approvals],
        "related": [(r.title, r.path, r.url) for r in plan.related],
    }


def _without_header(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("# ")]


@settings(max_examples=int(os.environ.get("IMPORT_EXAMPLES", "80")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(plans())
def test_rendered_plans_import_back_to_the_same_data(tmp_path_factory, generated):
    root = tmp_path_factory.mktemp("empty")
    original = load(yaml.safe_dump(generated, allow_unicode=True, sort_keys=False))
    document = render(original, root)
    imported = import_markdown(document, "plan.md")
    again = load(imported.text)
    assert data(again) == data(original), document
    # a second round changes nothing, byte for byte
    second = import_markdown(render(again, root), "plan.md")
    assert _without_header(second.text) == _without_header(imported.text)


FIXTURES = Path(__file__).parent / "fixtures" / "import"


@pytest.mark.parametrize("case", sorted(p.name for p in FIXTURES.iterdir()
                                        if (p / "plan.md").is_file()))
def test_each_fixture_document_keeps_its_data_through_render_and_import(tmp_path, case):
    source = (FIXTURES / case / "plan.md").read_bytes()
    first = import_bytes(source, "plan.md")
    rendered = render(load(first.text), tmp_path)
    second = import_markdown(rendered, "plan.md")
    assert data(load(second.text)) == data(load(first.text))
    # what the document shows survives; a metric's note (not shown) is the only loss, so
    # from the second import on the plan is a fixed point, byte for byte
    third = import_markdown(render(load(second.text), tmp_path), "plan.md")
    assert _without_header(third.text) == _without_header(second.text)
    lost = set(_without_header(first.text)) - set(_without_header(second.text))
    assert all(line.startswith("    note: ") for line in lost), lost


# -- the whole plan --------------------------------------------------------------------------
#
# The test above compares what today's document shows. Importing a rendered document must give
# back the plan itself, every field a person wrote: an item's `expect`, a metric's id, measure
# and note.


@st.composite
def whole_plans(draw: st.DrawFn) -> dict[str, Any]:
    """plans(), with what only the YAML held so far: expectations, metric ids, measures and
    notes."""
    plan = draw(plans())
    if plan.get("review") == {}:  # says nothing, so the document has nothing to show
        del plan["review"]
    for phase in plan["phases"]:
        for entry in phase["items"]:
            if draw(st.booleans()):
                entry["expect"] = draw(st.fixed_dictionaries({}, optional={
                    "min_tests": st.integers(1, 50), "min_files": st.integers(1, 9),
                    "target_coverage": st.sampled_from([80, 92.5, 100]),
                    "max_weak_assertions": st.integers(0, 20),
                    "min_assertions_per_test": st.sampled_from([1, 1.5, 2.25]),
                    "max_no_assertion": st.integers(0, 3),
                    "max_mocks_per_test": st.sampled_from([0, 0.5, 3]),
                    "max_target_patches": st.integers(0, 2),
                    "max_async_unmarked": st.integers(0, 2),
                    "max_complexity": st.integers(1, 30)}))
    plan["metrics"] = [
        {"id": f"m-{i}", "title": draw(title_words), **draw(st.sampled_from([
            {"measure": "tests.ratio(marker=slow)", "target": ">= 20%"},
            {"measure": "coverage.files(src/*.py)", "baseline": "61%", "target": ">= 80"},
            {"measure": "tests.count", "target": ">= 600"},
            {"measure": "tests.pass_rate", "target": "> 99%"},
            {"qualitative": True, "target": "Reduce by half"},
            {"measure": "quality.weak_assertions", "target": "<= 0"},
            {"measure": "complexity.max(glob=src/**/*.py)", "target": "<= 10"},
        ])), **({"note": draw(words)} if draw(st.booleans()) else {})}
        for i in range(draw(st.integers(0, 3)))]
    return plan


def _fields(value: Any, name: str = "") -> Any:
    """A model object as plain data, without positions, and without what Markdown cannot
    say: every_text (the interval is shown in days, so "2w" comes back as "14d") and the
    line breaks that end prose (a YAML ``|`` block keeps one, ``|-`` none)."""
    if isinstance(value, tuple):
        return tuple(_fields(v) for v in value)
    if name in ("body", "summary"):
        return _body(value)
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    return {f.name: _fields(getattr(value, f.name), f.name) for f in dataclasses.fields(value)
            if f.name not in ("location", "target_locations", "path", "every_text")}


@settings(max_examples=int(os.environ.get("IMPORT_EXAMPLES", "80")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(whole_plans())
def test_rendered_plans_import_back_to_the_whole_plan(tmp_path_factory, generated):
    root = tmp_path_factory.mktemp("empty")
    original = load(yaml.safe_dump(generated, allow_unicode=True, sort_keys=False))
    document = render(original, root)
    again = load(import_markdown(document, "plan.md").text)
    assert _fields(again) == _fields(original), document
