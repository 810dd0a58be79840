"""``tracker check``: validate a plan and its links, every problem at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.commands.common import (
    EXIT_BAD,
    EXIT_NO,
    chosen_plan,
    count,
    plan_argument_or_option,
)

if TYPE_CHECKING:
    from tracker.plan.load import LoadResult
    from tracker.problems import Problem


@click.command("check")
@plan_argument_or_option
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
def check_command(plan_arg: Path | None, plan_path: Path, strict: bool) -> None:
    """Validate PLAN: every problem at once, as FILE:LINE:COL: message.

    Checks the YAML (syntax, duplicate keys, unsafe tags), the plan's shape (unknown keys,
    types, dates, ids) and its links against the workspace. Exit 0 when clean, 2 on errors,
    1 on warnings only when --strict is given.
    """
    from tracker.plan.load import load_plan
    from tracker.problems import Severity, sort_problems

    plan_path = chosen_plan(plan_arg, plan_path)
    result = load_plan(plan_path)
    problems = list(result.problems)
    if result.plan is not None and not result.errors:
        problems = sort_problems(_link_problems(result, plan_path))
    for problem in problems:
        click.echo(str(problem), err=True)
    errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    warnings = len(problems) - errors
    if errors or result.plan is None:
        click.echo(f"{count(errors, 'error')}, {count(warnings, 'warning')} in {plan_path}",
                   err=True)
        raise click.exceptions.Exit(EXIT_BAD)
    items = len(result.plan.items())
    extra = f", {count(warnings, 'warning')}" if warnings else ""
    click.echo(f"{plan_path}: ok, {count(len(result.plan.phases), 'phase')}, "
               f"{count(items, 'item')}{extra}")
    if warnings and strict:
        raise click.exceptions.Exit(EXIT_NO)


def _link_problems(loaded: LoadResult, plan_path: Path) -> list[Problem]:
    """The plan's problems, what the workspace says of its links and files, and the links
    that match nothing in the source nor in the latest recorded run (a marker only a conftest
    hook adds is seen there). The store is read only when a link matches nothing in the
    source; a store that cannot be read is said, and the source alone counts.
    """
    from tracker.evidence.workspace import gather_workspace

    assert loaded.plan is not None
    workspace = gather_workspace(loaded.plan, plan_path.resolve().parent)
    if all(link.resolved for ev in workspace.items.values() for link in ev.links):
        return [*loaded.problems, *workspace.problems]  # nothing a run could change
    from tracker.pipeline import judge_loaded  # the judge and the store: only when needed

    judgement = judge_loaded(plan_path, loaded, dt.date.today(), git=False,
                             store_fallback=True, workspace=workspace)
    return judgement.problems
