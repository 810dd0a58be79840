"""Every output format renders one report of the sample plan: a gold file per format.

The report is built once (:func:`tracker.render.report.build_report`) from real evidence of
the sample project, with sign-off evidence as git would give it (one verified approval, a
forged claim, a review), and each format's output is compared with its gold file in
tests/gold/. ``TRACKER_UPDATE_GOLD=1`` rewrites them after a deliberate change.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import icalendar
import pytest

from tracker.assess import assess
from tracker.evidence.bundle import Evidence, Signature, SignOffCommit, SignOffEvidence
from tracker.evidence.workspace import gather_workspace
from tracker.plan.load import load_plan
from tracker.render.ics import Calendar
from tracker.render.markdown import Markdown
from tracker.render.remind_json import RemindJson
from tracker.render.remind_text import RemindText
from tracker.render.report import Report, Reporter, build_report
from tracker.render.status_json import StatusJson
from tracker.render.status_text import StatusText

from .helpers import clean_copy

SAMPLE = Path(__file__).parent / "fixtures" / "sample"
GOLD = Path(__file__).parent / "gold"
TODAY = dt.date(2026, 3, 20)

SIGNOFFS = SignOffEvidence(
    plan="plan.yaml",
    plan_version="v2",
    signers_file=".github/allowed_signers",
    commits=(
        SignOffCommit(commit="a1" * 20, date=dt.date(2026, 3, 6), author="Bo",
                      email="bo@example.com", plan="plan.yaml",
                      approvers=(("Bo", "Tech Lead"),), signed_with="SSH",
                      signature=Signature.GOOD, signer="bo@example.com", plan_version="v2"),
        SignOffCommit(commit="b2" * 20, date=dt.date(2026, 3, 9), author="Outsider",
                      email="o@example.com", plan=None, approvers=(("Mallory", "Tech Lead"),),
                      plan_version="v2"),
        SignOffCommit(commit="c3" * 20, date=dt.date(2026, 3, 10), author="Cy",
                      email="cy@example.com", plan="plan.yaml",
                      approvers=(("Cy", "QA Lead"),), plan_version="v1"),
        SignOffCommit(commit="d4" * 20, date=dt.date(2026, 3, 16), author="Ana",
                      email="ana@example.com", plan="plan.yaml", reviewers=("Ana",),
                      note="Phase 1 is late\n\nmore words", changes_plan=True,
                      only_plan=True),
    ))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    sample = clean_copy(SAMPLE, tmp_path_factory.mktemp("formats") / "sample")
    plan = load_plan(sample / "plan.yaml", display="plan.yaml").plan
    assert plan is not None
    evidence = Evidence(workspace=gather_workspace(plan, sample),
                        plan_updated=dt.date(2026, 3, 5), signoffs=SIGNOFFS)
    return build_report(assess(plan, evidence, TODAY))


FORMATS: list[tuple[str, Reporter]] = [
    ("sample-signoffs.md", Markdown("plan.yaml", runs_included=False)),
    ("sample-status.txt", StatusText()),
    ("sample-status-all.txt", StatusText(show_all=True)),
    ("sample-status.json", StatusJson()),
    ("sample-remind.txt", RemindText()),
    ("sample-remind.json", RemindJson()),
    ("sample.ics", Calendar()),
]


@pytest.mark.parametrize(("gold", "reporter"), FORMATS, ids=[name for name, _ in FORMATS])
def test_format_matches_its_gold_file(report, gold, reporter):
    text = reporter.render(report)
    path = GOLD / gold
    if os.environ.get("TRACKER_UPDATE_GOLD"):
        path.write_bytes(text.encode("utf-8"))
    assert text == path.read_bytes().decode("utf-8")


def test_formats_render_the_same_report_they_are_given(report):
    """The reminders are chosen once, in the report: the text, the JSON and the calendar's
    open phases agree with it."""
    lines = RemindText().render(report).splitlines()
    data = json.loads(RemindJson().render(report))
    assert lines == [r.text for r in report.reminders] == [r["text"] for r in
                                                           data["reminders"]]
    assert data["overdue"] == report.overdue == 2
    events = icalendar.Calendar.from_ical(Calendar().render(report).encode()).walk("VEVENT")
    assert len(events) == 1 + len(report.assessment.phases)


def test_the_document_shows_the_judged_signoffs(report):
    text = Markdown(runs_included=False).render(report)
    table = text.split("## Approvals", 1)[1].split("## Related", 1)[0]
    assert ("| Tech Lead | Bo | 2026-03-06 | commit a1a1a1a1a1, SSH-signed, verified "
            "(bo@example.com) |") in table
    assert "| QA Lead | — | — | — |" in table  # Cy's approval is only a claim
    assert "Mallory" not in table.split("**Unverified claims**")[0]
    assert ("- QA Lead: Cy, 2026-03-10, commit c3c3c3c3c3 (unsigned): the plan names no one "
            "for QA Lead") in table
    assert "- Tech Lead: Mallory, 2026-03-09, commit b2b2b2b2b2 (unsigned): not made for " \
           "this plan" in table
    assert "**Past reviews:** 2026-03-16 by Ana (Phase 1 is late)" in text


def test_no_format_lets_user_text_style_the_terminal(tmp_path):
    """Reviewer names reach the reminders as written: the text formats clean them, the JSON
    formats keep them exact with every control character escaped."""
    plan_text = (SAMPLE / "plan.yaml").read_text(encoding="utf-8").replace(
        "reviewers: [Tech Lead, QA Lead]", 'reviewers: ["Tech \\e[31mLead\\x9b2J", QA Lead]')
    assert plan_text != (SAMPLE / "plan.yaml").read_text(encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(plan_text, encoding="utf-8")
    plan = load_plan(tmp_path / "plan.yaml").plan
    assert plan is not None
    report = build_report(assess(plan, Evidence(gather_workspace(plan, tmp_path)), TODAY))
    assert "\x1b[31m" in report.reminders[1].text  # the reminder quotes the plan as written
    for reporter in (RemindText(), RemindJson(), StatusJson(), StatusText(), Calendar()):
        out = reporter.render(report)
        assert "\x1b" not in out and "\x9b" not in out, type(reporter).__name__
    assert "reviewers: Tech Lead, QA Lead" in RemindText().render(report)  # 8-bit CSI too
    data = json.loads(RemindJson().render(report))
    assert data["reminders"][1]["text"] == report.reminders[1].text
    assert json.loads(StatusJson().render(report))["review"]["reviewers"][0] == \
        "Tech \x1b[31mLead\x9b2J"
