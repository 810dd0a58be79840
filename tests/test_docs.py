"""The docs document every command and every plan.yaml key, their links resolve, and CI runs
the README's quick start."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from tracker.cli import cli
from tracker.plan import fields

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
PLAN_FORMAT = (ROOT / "docs" / "plan-format.md").read_text(encoding="utf-8")
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def command_names() -> list[str]:
    """Every command, the lazily imported ones included."""
    return cli.list_commands(click.Context(cli))


@pytest.mark.parametrize("name", command_names())
def test_every_command_is_documented(name):
    assert f"### `tracker {name}" in COMMANDS, f"docs/commands.md has no section for {name}"
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    assert command.help and len(command.help) > 40
    for param in command.params:
        if getattr(param, "help", None) is None and param.param_type_name == "option":
            pytest.fail(f"option {param.name} of {name} has no help text")


@pytest.mark.parametrize("table", sorted(fields.TABLES))
def test_every_plan_key_is_documented(table):
    missing = [key for key in fields.TABLES[table]
               if f"`{key}`" not in PLAN_FORMAT and f"{{{key}:" not in PLAN_FORMAT]
    assert not missing, f"{table}: {missing} not in docs/plan-format.md"


def test_quick_start_is_two_commands_and_ci_runs_them():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(blocks) == 2 and all(b.strip().count("\n") == 0 for b in blocks)
    assert "tracker run" in blocks[1] and "[test]" in blocks[1]  # the suite, run once
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "## Quick start" in ci and "render --check docs/testing/plan.md" in ci
    assert ci.index("${quickstart[1]}") < ci.index("render --check docs/testing/plan.md")
    assert "tracker run" not in ci  # the quick start's run is the one the document is checked on


def test_the_readme_says_how_long_the_tests_take():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"about \d+-\d+ minutes with `-n 2`", section)


def _strip_fences(text: str) -> str:
    """``text`` without its fenced code blocks."""
    return re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.S | re.M)


def _prose(text: str) -> str:
    """``text`` without code blocks and code spans, where brackets are not links."""
    return re.sub(r"`[^`\n]*`", "", _strip_fences(text))


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown page."""
    anchors: set[str] = set()
    text = _strip_fences(page.read_text(encoding="utf-8"))
    for heading in re.findall(r"^#{1,6} (.+)$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in anchors:
            n += 1
            candidate = f"{slug}-{n}"
        anchors.add(candidate)
    return anchors


def _links(page: Path) -> list[str]:
    """The targets of the links and images of a Markdown page."""
    return re.findall(r"!?\[[^\]]*\]\(([^)\s]+)\)", _prose(page.read_text(encoding="utf-8")))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page):
    """A link to a file that moved or a heading that was renamed fails here, not on GitHub."""
    broken = []
    for link in _links(page):
        if re.match(r"[a-z][a-z0-9+.-]*:", link):  # https:, mailto:
            continue
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.exists():
            broken.append(f"{link}: no such file")
        elif anchor and target.suffix == ".md" and anchor not in _anchors(target):
            broken.append(f"{link}: {target.name} has no heading with that anchor")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_readme_links_every_docs_page():
    linked = {link.partition("#")[0] for link in _links(ROOT / "README.md")}
    pages = {f"docs/{page.name}" for page in (ROOT / "docs").glob("*.md")}
    assert pages <= linked, f"not linked from README.md: {sorted(pages - linked)}"


def test_every_key_of_the_terminal_ui_is_documented():
    """The key table in docs/commands.md lists every key the app binds (a `d` key once went
    unlisted)."""
    from tracker.tui.app import TrackerApp

    table = re.findall(r"^\| `([^`]+)` \|", COMMANDS, flags=re.M)
    for binding in TrackerApp.BINDINGS:
        key = getattr(binding, "key", None) or binding[0]
        for one in key.split(","):
            shown = {"slash": "/"}.get(one, one)
            assert shown in table, f"docs/commands.md's key table lacks `{shown}`"
