"""``tracker render``: write the Markdown plan document, or check a committed one."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from tracker.commands.common import (
    EXIT_NO,
    assessment_or_exit,
    chosen_plan,
    fail,
    parse_today,
    plan_argument_or_option,
    today_option,
)


@click.command("render")
@plan_argument_or_option
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the document to this file (atomically) instead of stdout.")
@click.option("--check", "check_file", type=click.Path(path_type=Path),
              help="Exit 1 with a diff when this file is not what render makes now.")
@click.option("--no-runs", is_flag=True,
              help="Leave recorded test runs out: evidence from the repository's files only "
                   "(for a committed document that every clone can reproduce).")
@today_option
def render_command(plan_arg: Path | None, plan_path: Path, output: Path | None,
                   check_file: Path | None, no_runs: bool, today: str | None) -> None:
    """Write the Markdown plan document of PLAN.

    The document is derived from plan.yaml and its evidence: header with derived status,
    progress per phase, checklists with their evidence, metrics, risks, approvals and the
    review date. It records the day it describes ("As of") and its evidence; --check compares
    against that day (unless --today is given) and the same kind of evidence, so a committed
    document only goes stale when its content would.
    """
    from tracker.gcpause import paused_gc

    with paused_gc():  # importing the judge and the renderer makes no garbage to collect
        from tracker.render.markdown import Markdown
        from tracker.render.report import build_report

    plan_path = chosen_plan(plan_arg, plan_path)
    day = parse_today(today)
    old = None
    if check_file is not None:
        old = _read_document(check_file)
        if today is None:
            day = _as_of(old) or day
        no_runs = no_runs or _without_runs(old)
    assessment = assessment_or_exit(plan_path, day, quiet_warnings=check_file is not None,
                                    runs=not no_runs, changes=not no_runs)
    text = Markdown(plan_path.name, runs_included=not no_runs).render(build_report(assessment))
    if check_file is not None:
        _compare(check_file, old or "", text, plan_path, runs=not no_runs,
                 no_run=assessment.run is None and _from_a_run(old or ""))
    elif output is not None:
        from tracker.fsutil import write_atomic

        try:
            write_atomic(output, text)
        except OSError as exc:
            fail(f"{output}: cannot write it ({exc.strerror}): check the folder and permissions")
        click.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(text)


def _read_document(path: Path) -> str:
    """The committed document's text; a missing one is empty (so it is stale)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{path}: cannot read it ({exc}): check the path")


def _compare(check_file: Path, old: str, text: str, plan_path: Path, *, runs: bool,
             no_run: bool = False) -> None:
    """Say whether ``check_file`` is current; print a diff and exit 1 when it is not.

    The way out names the whole refresh: a document judged from runs is rendered again from a
    run of the code checked out, so the run comes first (``runs``); one rendered without runs
    is rendered again the same way. A clone that has recorded no run at all, checking a
    document judged from one (``no_run``: a fresh clone, a CI job that did not fetch the
    notes), is most likely missing the runs its team noted: it is told to fetch them first.
    """
    if old == text:
        click.echo(f"{check_file} is up to date")
        return
    import difflib

    diff = difflib.unified_diff(old.splitlines(keepends=True), text.splitlines(keepends=True),
                                fromfile=str(check_file), tofile="rendered")
    sys.stdout.writelines(diff)
    from tracker.history.gitcli import is_shallow

    if is_shallow(plan_path.resolve().parent):
        click.echo(f"{check_file} differs, but this is a shallow clone: the dates and "
                   "sign-offs read from git are cut off with its history; fetch the whole "
                   "history (actions/checkout: fetch-depth: 0, or git fetch --unshallow) "
                   "and check again", err=True)
    elif runs and no_run:
        click.echo(f"{check_file} differs: no test run is recorded in this clone; fetch the "
                   "runs noted on the remote with `tracker sync` (or record one with `tracker "
                   "run`), then check again", err=True)
    elif runs:
        click.echo(f"{check_file} is stale: refresh it from a run of this code: `tracker run`, "
                   f"then `tracker render {plan_path} -o {check_file}`", err=True)
    else:
        click.echo(f"{check_file} is stale: run `tracker render {plan_path} --no-runs -o "
                   f"{check_file}`", err=True)
    raise click.exceptions.Exit(EXIT_NO)


def _without_runs(document: str) -> bool:
    from tracker.render.markdown import EVIDENCE_LABEL, NO_RUNS

    return any(line.startswith(EVIDENCE_LABEL) and NO_RUNS in line
               for line in document.splitlines()[:40])


def _from_a_run(document: str) -> bool:
    """Whether the document was judged from a test run (its evidence line names one)."""
    from tracker.render.markdown import EVIDENCE_LABEL, NO_RUN_YET, NO_RUNS

    return any(line.startswith(EVIDENCE_LABEL) and NO_RUNS not in line
               and NO_RUN_YET not in line for line in document.splitlines()[:40])


def _as_of(document: str) -> dt.date | None:
    from tracker.render.markdown import AS_OF_LABEL

    for line in document.splitlines()[:40]:
        if line.startswith(AS_OF_LABEL):
            try:
                return dt.date.fromisoformat(line[len(AS_OF_LABEL):].strip(" \\"))
            except ValueError:
                return None
    return None
