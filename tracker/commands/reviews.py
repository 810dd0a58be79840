"""Commands about the plan's dates and sign-offs: remind, review, approve, hooks install.

Thin like the rest of the command layer: the reminders' report is built once
(:mod:`tracker.render.report`) and printed by its formats (``remind_text``, ``remind_json``,
``ics``), plan.yaml is edited by :mod:`tracker.plan.edit`, sign-offs are recorded by
:mod:`tracker.history.signoff` and judged by :mod:`tracker.signoffs`, as in every
document. ``remind`` runs from git hooks and cron, so it imports neither GitPython nor
Textual. The CLI registers these objects with ``cli.add_command``.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.commands.common import (
    EXIT_NO,
    assessment_or_exit,
    fail,
    load_or_exit,
    parse_today,
    plan_option,
    today_option,
)
from tracker.text import one_line

if TYPE_CHECKING:
    from tracker.plan.model import Plan

#: First comment line of every hook tracker writes; a hook without it is not ours to replace.
HOOK_MARKER = "# tracker-hook: reminders"
HOOKS = ("post-merge", "post-checkout")

_WITHIN = re.compile(r"^\s*([0-9]+)\s*(d|day|days|w|wk|week|weeks)?\s*$")


# -- remind -----------------------------------------------------------------------------------


@click.command("remind")
@plan_option
@click.option("--within", default="7d", show_default=True, metavar="DAYS",
              help="Also remind of what is due within this long: 7d, 2w, or 0 for only what "
                   "is overdue or due today.")
@click.option("--json", "as_json", is_flag=True, help="Print the reminders as JSON.")
@click.option("--ics", "ics_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Also write the review and phase due dates as an iCalendar file (with "
                   "alarms; re-importing it updates the events instead of adding copies).")
@click.option("-q", "--quiet", is_flag=True,
              help="Print nothing when nothing is due (for git hooks and cron).")
@today_option
def remind_command(plan_path: Path, within: str, as_json: bool, ics_file: Path | None,
                   quiet: bool, today: str | None) -> None:
    """Print what is overdue or due soon, most urgent first: the review, phases, items.

    Exit 0 when nothing is overdue, 1 when something is (for cron and CI), 2 when the plan
    is broken.
    """
    from tracker.render.remind_json import RemindJson
    from tracker.render.remind_text import RemindText
    from tracker.render.report import build_report, write_report

    day = parse_today(today)
    days = _within_days(within)
    assessment = assessment_or_exit(plan_path, day, quiet_warnings=True, git=False)
    report = build_report(assessment, within_days=days)
    if ics_file is not None:
        from tracker.render.ics import Calendar

        try:
            write_report(Calendar(), report, ics_file)
        except OSError as exc:
            fail(f"{ics_file}: cannot write it ({exc.strerror}): check the folder")
        click.echo(f"wrote {ics_file}", err=True)
    reporter = RemindJson() if as_json else RemindText(quiet=quiet)
    click.echo(reporter.render(report), nl=False)
    if report.overdue:
        raise click.exceptions.Exit(EXIT_NO)


def _within_days(text: str) -> int:

    match = _WITHIN.match(text)
    if match is None:
        fail(f"--within {text!r}: write days or weeks, such as 7d or 2w (0 for only what is "
             "overdue or due today)")
    count = int(match.group(1))
    return count * 7 if (match.group(2) or "d").startswith("w") else count


# -- review -----------------------------------------------------------------------------------


@click.command("review")
@plan_option
@click.option("--by", "name", required=True, metavar="NAME", help="Who reviewed the plan.")
@click.option("--note", metavar="TEXT", help="What the review found or decided.")
@today_option
def review_command(plan_path: Path, name: str, note: str | None, today: str | None) -> None:
    """Record that the plan was reviewed today, and schedule the next review.

    Sets review.next in plan.yaml to today plus review.every (changing nothing else in the
    file) and commits plan.yaml, as reviewed, alone with a "Reviewed-by: NAME" trailer, so
    the document can list past reviews. Other staged changes are left staged.
    """
    from tracker.history.signoff import SignOffError, record_review, repository_root
    from tracker.plan.edit import EditError, update_review_next, write_text

    day = parse_today(today)
    name = _person(name)
    plan = load_or_exit(plan_path).plan
    assert plan is not None  # _load exits otherwise
    review = plan.review
    if review is None or review.every_days is None:
        fail(f"{plan_path}: the plan's review has no 'every': add it under review (such as "
             "every: 14d) so the next review can be scheduled")
    next_day = day + dt.timedelta(days=review.every_days)
    if review.reviewers and name.casefold() not in {r.casefold() for r in review.reviewers}:
        click.echo(f"note: {name} is not one of the plan's reviewers "
                   f"({one_line(', '.join(review.reviewers))})", err=True)
    try:
        repository_root(plan_path)
    except SignOffError as exc:
        fail(f"{plan_path}: cannot record the review: {exc}")
    try:
        edit = update_review_next(plan_path, next_day,
                                  validate=lambda text: _still_valid(plan_path, text))
    except EditError as exc:
        message = str(exc)
        fail(message if message.startswith(f"{plan_path}:") else f"{plan_path}: {message}")
    try:
        done = record_review(plan_path, name, title=plan.title, next_review=next_day,
                             note=note, when=_noon(day) if today is not None else None)
    except SignOffError as exc:
        try:
            write_text(plan_path, edit.before)
        except EditError as undo:
            fail(f"{plan_path}: the review was not recorded ({exc}), and the old plan could "
                 f"not be restored ({undo}): set review.next back by hand")
        fail(f"{plan_path}: the review was not recorded and the plan is unchanged: {exc}")
    for line in done.notes:
        click.echo(f"note: {one_line(line)}", err=True)
    click.echo(f"recorded the review by {name} in commit {done.commit[:10]}; "
               f"next review {next_day.isoformat()} (set in {plan_path})")


def _noon(day: dt.date) -> dt.datetime:
    """A review recorded ``--today`` another day is dated at that day's local noon."""
    return dt.datetime.combine(day, dt.time(12)).astimezone()


def _still_valid(plan_path: Path, text: str) -> None:
    """Refuse an edit that would make the plan invalid (a next review before ``created``)."""
    from tracker.plan.edit import EditError
    from tracker.plan.load import load_plan_text

    result = load_plan_text(text, str(plan_path), root=plan_path.resolve().parent)
    if result.errors:
        raise EditError(f"the new review date would make the plan invalid: "
                        f"{result.errors[0]}")


def _person(name: str) -> str:
    """``--by``, refused when it would forge or bend a trailer (a newline starting another
    ``Approved-by``, brackets moving where the role begins)."""
    from tracker.people import person_problem

    problem = person_problem(name.strip())
    if problem is not None:
        fail(f"--by {name!r}: {problem}")
    return " ".join(name.split())


# -- approve ----------------------------------------------------------------------------------


@click.command("approve")
@plan_option
@click.option("--role", required=True, metavar="ROLE",
              help="One of the plan's approval roles (approvals: in plan.yaml).")
@click.option("--by", "name", required=True, metavar="NAME", help="Who approves.")
def approve_command(plan_path: Path, role: str, name: str) -> None:
    """Record a sign-off of the committed plan for one of its approval roles.

    Makes an empty commit with "Approved-by: NAME (ROLE)" and "Tracker-Plan: PATH" trailers
    (nothing staged goes into it; commit.gpgSign applies, so it can be signed). It counts
    when its author is the person plan.yaml names for the role; it is verified when SSH-signed
    by that person's key listed in the repository's committed allowed_signers file. The
    document's approvals table shows it, and "approved an earlier version" once the plan
    changes; anything else is listed as an unverified claim.
    """
    import difflib

    from tracker.history.signoff import SignOffError, record_approval
    from tracker.people import contradicts, parse_person
    from tracker.signoffs import match_role

    name = _person(name)
    plan = load_or_exit(plan_path).plan
    assert plan is not None
    roles = [a.role for a in plan.approvals]
    matched = match_role(role, plan.approvals)
    if matched is None:
        if not roles:
            fail(f"--role {role!r}: {plan_path} lists no approvals: add approvals: with the "
                 "roles that sign off, such as [{role: Tech Lead, name: Bo Berg}]")
        close = difflib.get_close_matches(role, roles, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        fail(f"--role {role!r}: not an approval role of {plan_path} (its roles: "
             f"{one_line(', '.join(roles))}){hint}")
    expected = next((a.name for a in plan.approvals if a.role == matched), None)
    if expected is None:
        click.echo(f"note: {plan_path} names no one for {one_line(matched)}: the approval "
                   "is listed as an unverified claim until approvals: names who approves",
                   err=True)
    elif contradicts(parse_person(expected), parse_person(name)):
        click.echo(f"note: {plan_path} names {one_line(expected)} for {one_line(matched)}: "
                   "an approval by anyone else is listed as an unverified claim", err=True)
    try:
        done = record_approval(plan_path, name, matched, title=plan.title)
    except SignOffError as exc:
        fail(f"{plan_path}: the approval was not recorded: {exc}")
    for line in done.notes:
        click.echo(f"note: {one_line(line)}", err=True)
    click.echo(f"recorded the approval by {name} as {one_line(matched)} in commit "
               f"{done.commit[:10]}{_judged(plan, plan_path, done.commit)}")


def _judged(plan: Plan, plan_path: Path, commit: str) -> str:
    """How the judge sees the new approval: whether it counts, and its signature, in the
    words of the document (and what this machine's own trust says, where it differs)."""
    from tracker.evidence.gather import gather_signoffs
    from tracker.render.words import signature_words
    from tracker.signoffs import judge_signoffs

    judged = judge_signoffs(plan.approvals, gather_signoffs(plan, plan_path, local_trust=True))
    found = [row.approval for row in judged.approvals if row.approval is not None]
    found += judged.claims
    mine = next((j for j in found if j.commit == commit), None)
    if mine is None:
        return ""
    words = signature_words(mine, judged.signers_file)
    if not mine.verified and mine.local_verified:
        words += " (verified on this machine only: documents show what the repository's "
        words += "allowed-signers file vouches for)"
    if mine.counts:
        return f" ({words}); it counts for {one_line(mine.role)}"
    return f" ({words}); not counted, listed as an unverified claim: {one_line(mine.problem or '')}"


# -- hooks ------------------------------------------------------------------------------------


@click.group("hooks")
def hooks_command() -> None:
    """Git hooks that print the plan's reminders after a merge or a branch switch."""


@hooks_command.command("install")
@plan_option
def install_hooks(plan_path: Path) -> None:
    """Add post-merge and post-checkout hooks that print due reminders.

    The hooks never block git (they always exit 0). A hook tracker did not write is never
    replaced: install refuses and says how to chain the reminder into it.
    """

    if not plan_path.is_file():
        fail(f"{plan_path}: no such file: pass the plan's path with --plan")
    from tracker.history.gitcli import GitError, hooks_folder

    folder = plan_path.absolute().parent
    try:
        top, hooks_dir = hooks_folder(folder)
    except GitError as exc:
        if isinstance(exc.__cause__, OSError):
            fail(f"cannot run git ({exc}): install git")
        fail(f"{folder} is not in a git work tree: hooks belong to a repository; run "
             "`git init` or pass --plan inside one")
    try:
        rel = (folder.resolve() / plan_path.name).relative_to(top.resolve()).as_posix()
    except ValueError:
        rel = str(plan_path.absolute())
    chain = f"tracker remind --plan {shlex.quote(rel)} --quiet || true"
    foreign = [path for path in (hooks_dir / hook for hook in HOOKS)
               if path.exists() and not _ours(path)]
    if foreign:
        names = " and ".join(str(p) for p in foreign)
        fail(f"{names} {'exists' if len(foreign) == 1 else 'exist'} and tracker did not write "
             f"{'it' if len(foreign) == 1 else 'them'}; nothing installed. To chain the "
             f"reminders, add this line to {'it' if len(foreign) == 1 else 'each'}: {chain}")
    from tracker.fsutil import write_atomic

    for hook in HOOKS:
        path = hooks_dir / hook
        existed = path.exists()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, hook_script(hook, rel, sys.executable))
            path.chmod(0o755)
        except OSError as exc:
            fail(f"{path}: cannot write it ({exc.strerror}): check the folder's permissions")
        click.echo(f"{'updated' if existed else 'installed'} {path}")


def _ours(path: Path) -> bool:
    try:
        return HOOK_MARKER in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def hook_script(hook: str, plan: str, python: str) -> str:
    """The shell script of a reminder hook: runs ``tracker remind`` and always exits 0."""
    skip = ('[ "$3" = "1" ] || exit 0  # a file checkout, not a branch switch\n'
            if hook == "post-checkout" else "")
    args = f"remind --plan {shlex.quote(plan)} --quiet"
    py = shlex.quote(python)
    return (
        "#!/bin/sh\n"
        f"{HOOK_MARKER} (written by `tracker hooks install`; delete this file to remove it)\n"
        "# Prints the testing plan's overdue and due-soon reminders. Never blocks git: it\n"
        "# always exits 0.\n"
        f"{skip}"
        'cd "$(git rev-parse --show-toplevel 2>/dev/null || pwd)" || exit 0\n'
        f"if [ -x {py} ]; then\n"
        f"  {py} -m tracker {args} || true\n"
        "elif command -v tracker >/dev/null 2>&1; then\n"
        f"  tracker {args} || true\n"
        "fi\n"
        "exit 0\n"
    )
