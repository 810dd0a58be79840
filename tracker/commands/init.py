"""``tracker init`` and ``tracker schema``: start a plan, and describe its format to editors."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tracker.commands.common import (
    chosen_plan,
    fail,
    parse_today,
    plan_argument_or_option,
    today_option,
)


@click.command("init")
@plan_argument_or_option
@click.option("--title", default="Testing Plan", show_default=True, help="Title of the plan.")
@today_option
def init_command(plan_arg: Path | None, plan_path: Path, title: str, today: str | None) -> None:
    """Write a commented starter PLAN and git-ignore tracker's local data folder.

    Refuses to overwrite an existing plan.
    """
    import json

    from tracker.fsutil import write_atomic
    from tracker.starter import starter_plan

    plan_path = chosen_plan(plan_arg, plan_path)
    if plan_path.exists():
        fail(f"{plan_path}: already exists; edit it, or pass another path")
    try:
        write_atomic(plan_path, starter_plan(json.dumps(title), parse_today(today)))
    except OSError as exc:
        fail(f"{plan_path}: cannot write it ({exc.strerror}): check the folder")
    click.echo(f"wrote {plan_path}")
    _ignore_data_folder(plan_path.resolve().parent / ".gitignore")


def _ignore_data_folder(ignore: Path) -> None:
    """Add ``.tracker/`` to the .gitignore beside the plan, unless it is there already."""
    from tracker.fsutil import write_atomic

    try:
        lines = ignore.read_text(encoding="utf-8").splitlines() if ignore.exists() else []
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{ignore}: cannot read it ({exc}); add .tracker/ to it by hand")
    if not any(line.strip().rstrip("/") in (".tracker", "/.tracker") for line in lines):
        text = "\n".join([*lines, "# tracker's local run history", ".tracker/"]) + "\n"
        write_atomic(ignore, text)
        click.echo(f"added .tracker/ to {ignore.name}")


@click.command("schema")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the schema to this file instead of stdout.")
def schema_command(output: Path | None) -> None:
    """Print the JSON Schema of plan.yaml, for editors (yaml-language-server)."""
    import json

    from tracker.plan.schema import plan_schema

    text = json.dumps(plan_schema(), indent=2, sort_keys=False) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    from tracker.fsutil import write_atomic

    try:
        write_atomic(output, text)
    except OSError as exc:
        fail(f"{output}: cannot write it ({exc.strerror}): check the folder and free space")
    click.echo(f"wrote {output}", err=True)
