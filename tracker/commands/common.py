"""What every command shares: exit codes, the one-line failure, the plan and date options,
and showing a judgement's problems.

Commands import from here, never from :mod:`tracker.cli` (which only assembles the group), so
a command module can be imported on its own and the CLI can load each one lazily.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from tracker.assess import Assessment
    from tracker.plan.load import LoadResult
    from tracker.plan.model import Plan

EXIT_OK, EXIT_NO, EXIT_BAD = 0, 1, 2
DEFAULT_PLAN = "plan.yaml"

F = TypeVar("F", bound=Callable[..., Any])


class Failure(click.ClickException):
    """Bad input: printed as one line (or one per problem), exit 2."""

    exit_code = EXIT_BAD

    def show(self, file: Any = None) -> None:
        from tracker.text import clean

        click.echo(clean(self.format_message()), err=True)  # it may quote a user's file


def fail(message: str) -> NoReturn:
    """Stop the command with one line on stderr and exit 2."""
    raise Failure(message)


def count(n: int, word: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def parse_today(value: str | None) -> dt.date:
    """The date commands judge by: --today, else the clock (only the CLI reads it)."""
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--today {value!r}: write the date as YYYY-MM-DD")


today_option = click.option("--today", metavar="YYYY-MM-DD",
                            help="Judge dates as of this day instead of today.")


def _plan_from_group(ctx: click.Context, _param: click.Parameter,
                     value: Path | None) -> Path:
    """A command's --plan, else the group's (``tracker --plan x.yaml status``), else ./plan.yaml."""
    if value is not None:
        return value
    root = ctx.find_root()
    group_plan = root.params.get("plan_path") if root is not ctx else None
    return Path(group_plan) if group_plan is not None else Path(DEFAULT_PLAN)


def plan_option(function: F) -> F:
    """``--plan PATH``, the same on every command that reads the plan."""
    return click.option("--plan", "plan_path", default=None, callback=_plan_from_group,
                        type=click.Path(path_type=Path), metavar="PATH",
                        help=f"The plan to read (default: the group's --plan, else "
                             f"./{DEFAULT_PLAN}).")(function)


def plan_argument_or_option(function: F) -> F:
    """For commands that always took the plan as their argument (``check``, ``render``,
    ``init``): ``tracker check other.yaml`` and ``tracker check --plan other.yaml`` both work.
    """
    function = click.argument("plan_arg", metavar="[PLAN]", required=False,
                              type=click.Path(path_type=Path))(function)
    return plan_option(function)


def chosen_plan(plan_arg: Path | None, plan_path: Path) -> Path:
    """The plan named by a positional argument or --plan (both naming different files is an
    error rather than a guess)."""
    if plan_arg is None:
        return plan_path
    ctx = click.get_current_context()
    source = ctx.get_parameter_source("plan_path")
    if source is click.core.ParameterSource.COMMANDLINE and plan_arg != plan_path:
        fail(f"the plan is named twice ({plan_arg} and --plan {plan_path}): give one")
    return plan_arg


def load_or_exit(plan_path: Path) -> LoadResult:
    """Load and validate, printing every problem; exit 2 on errors."""
    from tracker.plan.load import load_plan

    result = load_plan(plan_path)
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if result.errors or result.plan is None:
        raise click.exceptions.Exit(EXIT_BAD)
    return result


def loaded_plan(plan_path: Path) -> Plan:
    """The plan at ``plan_path``, or exit 2 with its problems."""
    plan = load_or_exit(plan_path).plan
    assert plan is not None  # load_or_exit exits otherwise
    return plan


def assessment_or_exit(plan_path: Path, today: dt.date, *, quiet_warnings: bool = False,
                       runs: bool = True, git: bool = True,
                       changes: bool = False) -> Assessment:
    """Judge the plan (:func:`tracker.pipeline.judge`), printing its problems on stderr.

    Exit 2 when plan.yaml or its links have errors or the store cannot be read;
    ``quiet_warnings`` prints errors only (for commands whose output is the point).
    """
    from tracker.pipeline import judge

    judgement = judge(plan_path, today, runs=runs, git=git, changes=changes)
    for problem in judgement.loaded.problems:
        click.echo(str(problem), err=True)
    if judgement.loaded.errors or judgement.loaded.plan is None:
        raise click.exceptions.Exit(EXIT_BAD)
    if judgement.store_error is not None:
        fail(judgement.store_error)
    shown = judgement.evidence_problems
    errors = [p for p in shown if p.severity.value == "error"]
    for problem in errors if quiet_warnings else shown:
        click.echo(str(problem), err=True)
    if errors:
        raise click.exceptions.Exit(EXIT_BAD)
    assert judgement.assessment is not None
    return judgement.assessment
