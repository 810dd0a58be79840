"""``tracker status``: the plan summarised for a terminal or a script, and a CI gate."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.commands.common import (
    EXIT_NO,
    assessment_or_exit,
    fail,
    parse_today,
    plan_option,
    today_option,
)


@click.command("status")
@plan_option
@click.option("--json", "as_json", is_flag=True, help="Print the documented JSON form.")
@click.option("--all", "show_all", is_flag=True, help="List done items too.")
@click.option("--require", "required", multiple=True, metavar="ID",
              help="Exit 1 unless this phase or item is done (repeatable): a gate for CI.")
@today_option
def status_command(plan_path: Path, as_json: bool, show_all: bool, required: tuple[str, ...],
                   today: str | None) -> None:
    """Summarise the plan: phases, items not done and why, metrics, the review.

    Judged on the repository's files and the latest recorded run. --json prints a stable,
    documented form for scripts; --require PHASE_OR_ITEM exits 1 unless it is done.
    """
    from tracker.render.report import build_report, unmet
    from tracker.render.status_json import StatusJson
    from tracker.render.status_text import StatusText

    assessment = assessment_or_exit(plan_path, parse_today(today), quiet_warnings=True,
                                    git=False, changes=True)
    not_done, unknown = unmet(assessment, required)
    if unknown:  # a typo in a CI gate: say it alone, before a screen of status buries it
        fail(f"--require {unknown[0]}: no phase or item has this id; check plan.yaml")
    reporter = StatusJson() if as_json else StatusText(show_all=show_all)
    text = reporter.render(build_report(assessment))
    if as_json:
        from tracker.text import json_safe

        text = json_safe(text)
    click.echo(text, nl=False)
    if not_done:
        for line in not_done:
            click.echo(f"required but not done: {line}", err=True)
        raise click.exceptions.Exit(EXIT_NO)
