"""The README documents every command and every plan.yaml key, and CI runs its quick start."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from tracker.cli import cli
from tracker.plan import fields

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_names() -> list[str]:
    """Every command, the lazily imported ones included."""
    return cli.list_commands(click.Context(cli))


@pytest.mark.parametrize("name", command_names())
def test_every_command_is_documented(name):
    assert f"### `tracker {name}" in README
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    assert command.help and len(command.help) > 40
    for param in command.params:
        if getattr(param, "help", None) is None and param.param_type_name == "option":
            pytest.fail(f"option {param.name} of {name} has no help text")


@pytest.mark.parametrize("table", sorted(fields.TABLES))
def test_every_plan_key_is_documented(table):
    for key in fields.TABLES[table]:
        assert f"`{key}`" in README or f"{{{key}:" in README, f"{table}.{key} not in README"


def test_quick_start_is_two_commands_and_ci_runs_them():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(blocks) == 2 and all(b.strip().count("\n") == 0 for b in blocks)
    assert "pytest" in blocks[1] and "[test]" in blocks[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "## Quick start" in ci and "render --check docs/testing/plan.md" in ci
