"""Reminders and the calendar: chosen from the one assessment, shown by `tracker remind`."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner

from tracker.assess import assess
from tracker.commands.reviews import remind_command
from tracker.evidence.gather import gather
from tracker.plan.load import load_plan
from tracker.reminders import ReminderKind, headline, reminders
from tracker.render.ics import render_ics

from .helpers import write

BAD_PLANS = Path(__file__).parent / "bad_plans"

PLAN = """\
title: Remind demo
created: 2026-03-02
review: {next: 2026-03-16, every: 14d, reviewers: [Tech Lead, QA Lead]}
phases:
  - id: "1"
    title: Critical
    weeks: 1-2
    items:
      - {id: cfg, text: Config present, files: [{path: setup.cfg}]}
      - {id: manual, text: Manual thing}
  - id: "2"
    title: Integration
    start: 2026-03-16
    due: 2026-03-23
    items:
      - {id: a, text: A}
      - {id: b, text: B, due: 2026-03-18}
      - {id: c, text: C, status: skipped, note: later}
      - {id: d, text: D, due: 2026-03-23}
  - id: "3"
    title: Finished early
    start: 2026-03-01
    due: 2026-03-10
    items:
      - {id: e, text: E, files: [{path: setup.cfg}]}
"""

EXPECTED_0320 = [
    "Phase 1 late by 5 days: 1 of 2 items not done (was due 2026-03-15)",
    "Review overdue by 4 days (was due 2026-03-16; reviewers: Tech Lead, QA Lead)",
    "Item b late by 2 days (was due 2026-03-18; todo: no evidence linked yet)",
    "Phase 2 due in 3 days: 3 of 4 items not done (2026-03-23)",
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write(root, "plan.yaml", PLAN)
    write(root, "setup.cfg", "[metadata]\n")
    return root


def _assess(root: Path, day: dt.date):
    plan_path = root / "plan.yaml"
    result = load_plan(plan_path)
    assert not result.errors, result.problems
    assert result.plan is not None
    return assess(result.plan, gather(result.plan, plan_path), day)


def test_reminders_most_urgent_first(project):
    found = reminders(_assess(project, dt.date(2026, 3, 20)))
    assert [r.text for r in found] == EXPECTED_0320
    assert [r.kind for r in found] == [ReminderKind.PHASE, ReminderKind.REVIEW,
                                       ReminderKind.ITEM, ReminderKind.PHASE]
    assert [r.subject for r in found] == ["1", None, "b", "2"]
    assert [r.overdue for r in found] == [True, True, True, False]
    # item d's own due date is its phase's: the phase line counts it, no line of its own
    assert all(r.subject != "d" for r in found)


def test_within_narrows_to_overdue_and_today(project):
    a = _assess(project, dt.date(2026, 3, 20))
    assert [r.text for r in reminders(a, within=0)] == EXPECTED_0320[:3]
    assert [r.text for r in reminders(a, within=30)] == EXPECTED_0320


def test_due_today_and_nothing_due(project):
    found = reminders(_assess(project, dt.date(2026, 3, 16)))
    assert [r.text for r in found] == [
        "Phase 1 late by 1 day: 1 of 2 items not done (was due 2026-03-15)",
        "Review due today (2026-03-16; reviewers: Tech Lead, QA Lead)",
        "Item b due in 2 days (2026-03-18; todo: no evidence linked yet)",
        "Phase 2 due in 7 days: 3 of 4 items not done (2026-03-23)",
    ]
    assert [r.days_left for r in found] == [-1, 0, 2, 7]
    assert reminders(_assess(project, dt.date(2026, 3, 1))) == []


def test_headline_for_banners(project):
    found = reminders(_assess(project, dt.date(2026, 3, 20)))
    assert headline(found) == f"{EXPECTED_0320[0]} (+3 more, 2 overdue)"
    assert headline(found[:1]) == EXPECTED_0320[0]
    assert headline([]) is None


def test_done_and_skipped_items_and_complete_phases_are_quiet(project):
    write(project, "plan.yaml", PLAN.replace("{id: b, text: B, due: 2026-03-18}",
                                             "{id: b, text: B, due: 2026-03-18, files: "
                                             "[setup.cfg]}"))
    texts = [r.text for r in reminders(_assess(project, dt.date(2026, 3, 20)))]
    assert not any(t.startswith("Item b") for t in texts)
    assert not any(t.startswith("Phase 3") for t in texts)
    assert "Phase 2 due in 3 days: 2 of 4 items not done (2026-03-23)" in texts


# -- the command ----------------------------------------------------------------------------


def _remind(root: Path, *args: str):
    return CliRunner().invoke(remind_command, ["--plan", str(root / "plan.yaml"), *args])


def test_remind_command_lines_and_exit_code(project):
    done = _remind(project, "--today", "2026-03-20")
    assert done.exit_code == 1, done.output
    assert done.stdout.splitlines() == EXPECTED_0320
    early = _remind(project, "--today", "2026-03-10")
    assert early.exit_code == 0
    assert early.stdout.splitlines() == [
        "Phase 1 due in 5 days: 1 of 2 items not done (2026-03-15)",
        "Review due in 6 days (2026-03-16; reviewers: Tech Lead, QA Lead)",
    ]


def test_remind_nothing_due_and_quiet(project):
    done = _remind(project, "--today", "2026-03-01")
    assert (done.exit_code, done.stdout) == (0, "Nothing overdue or due within 7 days.\n")
    quiet = _remind(project, "--today", "2026-03-01", "--quiet")
    assert (quiet.exit_code, quiet.stdout) == (0, "")
    weeks = _remind(project, "--today", "2026-03-01", "--within", "2w")
    assert (weeks.exit_code, weeks.stdout) == (
        0, "Phase 1 due in 14 days: 1 of 2 items not done (2026-03-15)\n")


def test_remind_json(project):
    done = _remind(project, "--today", "2026-03-20", "--json")
    assert done.exit_code == 1
    data = json.loads(done.stdout)
    assert data["format"] == 1 and data["today"] == "2026-03-20" and data["within_days"] == 7
    assert data["overdue"] == 3
    assert [r["text"] for r in data["reminders"]] == EXPECTED_0320
    assert data["reminders"][1] == {
        "kind": "review", "id": None, "due": "2026-03-16", "days_left": -4, "overdue": True,
        "text": EXPECTED_0320[1]}


@pytest.mark.parametrize("args", [["--within", "fortnight"], ["--within", "-3d"],
                                  ["--today", "2026-13-01"]])
def test_remind_bad_options_exit_2(project, args):
    done = _remind(project, *args)
    assert done.exit_code == 2
    assert "Traceback" not in done.output


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    code = ("import sys\n"
            "from tracker.commands.reviews import remind_command\n"
            "try:\n"
            "    remind_command()\n"
            "finally:\n"
            "    heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'git', 'textual'})\n"
            "    print('heavy:', heavy, file=sys.stderr)\n")
    return subprocess.run([sys.executable, "-c", code, "--plan", str(root / "plan.yaml"), *args],
                          cwd=root, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.slow
def test_remind_real_exit_codes_without_heavy_imports(project):
    overdue = _run(project, "--today", "2026-03-20")
    assert overdue.returncode == 1, overdue.stderr
    assert overdue.stdout.splitlines() == EXPECTED_0320
    assert "heavy: []" in overdue.stderr  # runs from git hooks and cron: no GitPython, Textual
    assert _run(project, "--today", "2026-03-01").returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize("name, message", [
    ("every_fortnight.yaml", "cannot read interval 'fortnight'"),
    ("review_before_created.yaml", "before the plan was created"),
    ("phase_due_before_start.yaml", "before it starts"),
])
def test_remind_broken_plan_exit_2(tmp_path, name, message):
    shutil.copy(BAD_PLANS / name, tmp_path / "plan.yaml")
    done = _run(tmp_path, "--today", "2026-03-20")
    assert done.returncode == 2
    assert message in done.stderr and "plan.yaml:" in done.stderr
    assert "Traceback" not in done.stderr


# -- the calendar ---------------------------------------------------------------------------


def _events(text: str) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(text.encode("utf-8"))
    return {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}


def test_ics_parses_back_with_events_and_alarms(project):
    text = render_ics(_assess(project, dt.date(2026, 3, 10)))
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    cal = icalendar.Calendar.from_ical(text.encode("utf-8"))
    assert str(cal["VERSION"]) == "2.0"
    events = _events(text)
    assert sorted(events) == ["Phase 1 due: Critical - Remind demo",
                              "Phase 2 due: Integration - Remind demo",
                              "Phase 3 due: Finished early (complete) - Remind demo",
                              "Review: Remind demo"]
    review = events["Review: Remind demo"]
    assert review.decoded("DTSTART") == dt.date(2026, 3, 16)
    assert review.decoded("DTEND") == dt.date(2026, 3, 17)
    assert "Reviewers: Tech Lead, QA Lead" in str(review["DESCRIPTION"])
    triggers = sorted(a.decoded("TRIGGER") for a in review.walk("VALARM"))
    assert triggers == [dt.timedelta(days=-7), dt.timedelta(days=-1)]
    phase1 = events["Phase 1 due: Critical - Remind demo"]
    assert phase1.decoded("DTSTART") == dt.date(2026, 3, 15)
    assert str(phase1["DESCRIPTION"]) == "1 of 2 items done; 1 not done."
    assert events["Phase 3 due: Finished early (complete) - Remind demo"].walk("VALARM") == []


def test_ics_uids_are_stable_so_reimports_update(project):
    first = render_ics(_assess(project, dt.date(2026, 3, 10)))
    assert render_ics(_assess(project, dt.date(2026, 3, 10))) == first  # deterministic
    write(project, "plan.yaml", PLAN.replace("next: 2026-03-16", "next: 2026-03-30")
          .replace("due: 2026-03-23", "due: 2026-03-27"))
    later = render_ics(_assess(project, dt.date(2026, 3, 12)))
    old, new = (icalendar.Calendar.from_ical(t.encode()).walk("VEVENT") for t in (first, later))
    assert [str(e["UID"]) for e in old] == [str(e["UID"]) for e in new]
    assert len({str(e["UID"]) for e in new}) == 4
    assert all(int(n["SEQUENCE"]) > int(o["SEQUENCE"]) for o, n in zip(old, new, strict=True))
    assert new[0].decoded("DTSTART") == dt.date(2026, 3, 30)
    assert new[0].decoded("DTSTAMP") == dt.datetime(2026, 3, 12, tzinfo=dt.UTC)


def test_ics_escapes_and_folds_long_unicode_text(project):
    title = "Zahlungen, Warenkorb; Rückgaben \\ Prüfungen ✓ " * 3
    write(project, "plan.yaml", PLAN.replace("title: Remind demo", f"title: '{title}'"))
    text = render_ics(_assess(project, dt.date(2026, 3, 10)))
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    events = _events(text)
    assert f"Review: {title}" in events


def test_remind_writes_ics_file(project, tmp_path):
    target = tmp_path / "plan.ics"
    done = _remind(project, "--today", "2026-03-10", "--ics", str(target))
    assert done.exit_code == 0
    assert f"wrote {target}" in done.stderr
    assert len(_events(target.read_bytes().decode())) == 4
    bad = _remind(project, "--today", "2026-03-10", "--ics", str(tmp_path / "no" / "x.ics"))
    assert bad.exit_code == 2 and "cannot write it" in bad.stderr
