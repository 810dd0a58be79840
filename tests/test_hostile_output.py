"""Every command run in a real pseudo-terminal on a plan whose every text field is hostile:
nothing from the user's files may drive the terminal.

The plan, the tests, the failure messages and an imported Markdown document carry window
titles (OSC 0), clipboard writes (OSC 52), screen clears, DCS/APC strings, 8-bit CSI, the
right-to-left override and Rich markup. What reaches the terminal may hold no control
character but newline, carriage return and tab, no bidirectional override or isolate; the
terminal UI is checked on its screenshots and widgets through Textual's Pilot.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import select
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .helpers import git, write

#: The reviewer of the brief: a window title, a screen clear and a clipboard write.
REVIEWER = r"R \e]0;PWNED\a\e[2J\e]52;c;cm0gLXJmIH4=\a"
RLO = r"\u202E"
MARKUP = "[bold red]x[/]"

PLAN = rf"""
title: "Plan \e]0;PWNED\a {RLO}evil"
owner: "Owner \e[2J"
created: 2026-03-02
priority: "P0 \e[31m"
review: {{next: 2026-03-16, every: 14d, reviewers: ["{REVIEWER}", "Q {RLO}ueq"]}}
summary: "Summary \e]52;c;cm0gLXJmIH4=\a {RLO} \u2066iso\u2069 \eP1$qm\e\\ \e_apc\e\\"
sections:
  - title: "Section \e[2J"
    body: "Body \x9b31m red \x9d0;title\x9c {RLO}"
phases:
  - id: "1"
    title: "Phase \e]0;PWNED\a {RLO}"
    weeks: 1-2
    body: "Phase body \e[1;1H {MARKUP}"
    sections: [{{id: "1.1", title: "Sub {RLO} \e[2J", body: "x \e]0;PWNED\a"}}]
    items:
      - id: hostile
        text: "Item {RLO}txt.exe \e]0;PWNED\a {MARKUP}"
        tests:
          - tests/test_hostile.py
          - "tests/test_hostile.py::test_param[{MARKUP}]"
          - {{keyword: "param"}}
        files: [{{file: data.txt, contains: "needle"}},
                {{glob: "notes/*", contains: "needle", max: 0}}]
        expect: {{max_no_assertion: 0, max_weak_assertions: 0}}
        owner: "Own \e[2J {RLO}"
        note: "Note \e]0;PWNED\a {RLO}"
        due: 2026-03-10
      - id: manual
        text: "Manual {RLO} \e[5m {MARKUP}"
        status: blocked
        note: "Blocked \u2067 \e]52;c;cm0gLXJmIH4=\a"
        due: 2026-03-09
  - id: "2"
    title: "Later \e[2J"
    weeks: 3-4
    items:
      - id: later
        text: "Later {RLO} \e]0;PWNED\a"
        status: done
        note: "claimed \e[2J"
metrics:
  - {{id: count, title: "Count \e[2J {RLO}", measure: tests.count, baseline: 4, target: ">= 1",
     note: "n {RLO}"}}
  - {{id: qual, title: "Qual {RLO} \e]0;PWNED\a", qualitative: true, target: "-80% \e[2J"}}
risks: [{{risk: "Risk \e[2J {RLO}", impact: "High {RLO}", likelihood: "L \e[2J",
          mitigation: "M \e]0;PWNED\a"}}]
approvals: [{{role: "Role \e[2J", name: "Name {RLO}"}}]
related: ["docs/{RLO}x.md", {{title: "Rel \e[2J {RLO}", url: "https://example.com/\e[2J"}}]
"""

TESTS = '''
import pytest


@pytest.mark.parametrize("v", ["[bold red]x[/]", "\\x1b]0;PWNED\\x07"])
def test_param(v):
    assert False, "boom \\x1b]0;PWNED\\x07\\x1b[2J\\u202e evil"


def test_ok():
    print("\\x1b]52;c;cm0gLXJmIH4=\\x07")
'''

CONFTEST = '''
def pytest_collection_modifyitems(items):
    for item in items:
        item.user_properties.append(("x", "\\x1b[2J"))
'''

MARKDOWN = (
    "# Imported \x1b]0;PWNED\x07 \u202eplan\n\n"
    "**Owner:** Bob \x1b[2J\n\n"
    "Reviewers: R \x1b]52;c;cm0gLXJmIH4=\x07\n\n"
    "## Phase 1: First \u202e \x1b[2J (P0) - Week 1-2\n\n"
    "- [ ] Add test_x.py tests \x1b]0;PWNED\x07 [bold red]x[/]\n"
    "- [x] Done thing \u202e (note \x1b[2J)\n"
)

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="s" tests="2" failures="1">
<testcase classname="tests.test_hostile" name="test_ok" time="0.1"/>
<testcase classname="tests.test_hostile" name="test_param[[bold red]x[/]]" time="0.1">
<failure message="boom &#x202E; ]0;PWNED">boom</failure></testcase>
</testsuite></testsuites>
"""

BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def unsafe(output: bytes) -> list[str]:
    """What in ``output`` could drive a terminal: control characters other than newline,
    carriage return and tab (C0, DEL, C1 as UTF-8), and bidirectional overrides."""
    text = output.decode("utf-8", errors="replace")
    return sorted({repr(c) for c in text
                   if (ord(c) < 0x20 and c not in "\n\r\t") or 0x7F <= ord(c) <= 0x9F
                   or c in BIDI})


def in_pty(args: list[str], cwd: Path, timeout: float = 120) -> tuple[int, bytes]:
    """Run ``python -m tracker ARGS`` with stdin, stdout and stderr on a new pseudo-terminal,
    as in an interactive shell; its exit code and everything it wrote to the terminal."""
    master, slave = os.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40"}
    env.pop("NO_COLOR", None)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "tracker", *args], cwd=cwd, env=env,
                                stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    finally:
        os.close(slave)
    chunks: list[bytes] = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                proc.kill()
                raise AssertionError(f"tracker {' '.join(args)} hung")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
    return proc.wait(timeout=timeout), b"".join(chunks)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with the hostile plan, tests, a Markdown plan and a JUnit file, and one
    recorded run (made in the pseudo-terminal: its output is checked too)."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "plan.yaml").write_text(textwrap.dedent(PLAN).lstrip(), encoding="utf-8")
    write(root, "tests/test_hostile.py", TESTS)
    write(root, "tests/conftest.py", CONFTEST)
    write(root, "pyproject.toml", '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    (root / "data.txt").write_text("needle \x1b]0;PWNED\x07\n", encoding="utf-8")
    # a failing count names the files: this one's name is hostile
    (root / "notes").mkdir()
    (root / "notes" / "n \x1b]0;PWNED\x07 \u202e.txt").write_text("needle\n", encoding="utf-8")
    (root / "old-plan.md").write_text(MARKDOWN, encoding="utf-8")
    (root / "junit.xml").write_text(JUNIT, encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")  # a commit whose subject and author are hostile too (history)
    git(root, "commit", "-qm", "fix \x1b]0;PWNED\x07 \u202eevil\x1b[2J",
        "--author", "Eve \x1b]52;c;cm0=\x07 <eve@example.com>")
    code, output = in_pty(["run"], root)
    assert code == 1, output  # pytest's: tests failed
    (root / "run-output.bin").write_bytes(output)
    return root


TODAY = ["--today", "2026-03-20"]
COMMANDS = {
    "check": ["check"],
    "check --strict": ["check", "--strict"],
    "render": ["render", *TODAY],
    "render --no-runs": ["render", "--no-runs", *TODAY],
    "status": ["status", "--all", *TODAY],
    "status --json": ["status", "--json", *TODAY],
    "import": ["import", "old-plan.md"],
    "ingest": ["ingest", "--junit", "junit.xml"],
    "history": ["history"],
    "history --json": ["history", "--json"],
}


@pytest.mark.slow
def test_run_prints_nothing_hostile(hostile: Path) -> None:
    """The progress line, pytest's failure summary and the run's summary line."""
    output = (hostile / "run-output.bin").read_bytes()
    assert b"recorded" in output and b"boom" in output  # the summary, with the failure
    assert unsafe(output) == []
    assert "\u202e" not in output.decode("utf-8", "replace")


@pytest.mark.slow
@pytest.mark.parametrize("name", [
    *COMMANDS,
    "remind",
    "remind --json",
])
def test_commands_print_nothing_hostile(hostile: Path, name: str) -> None:
    args = COMMANDS.get(name) or [*name.split(), *TODAY]
    code, output = in_pty(args, hostile)
    assert code in (0, 1), output
    assert len(output) > 20, output  # it printed what it is for
    assert unsafe(output) == [], output


@pytest.mark.slow
@pytest.mark.parametrize("name", ["status --json"])
def test_json_keeps_the_text_escaped(hostile: Path, name: str) -> None:
    """Scripts get the text whole: the override comes back from the JSON escape."""
    code, output = in_pty(COMMANDS[name], hostile)
    data = json.loads(output.decode("utf-8").replace("\r\n", "\n"))
    item = next(i for i in data["items"] if i["id"] == "hostile")
    assert "\u202e" in item["text"] and "\x1b]0;PWNED\x07" in item["text"]


@pytest.mark.slow
async def test_the_terminal_ui_shows_nothing_hostile(hostile: Path) -> None:
    """Every node of the tree selected in turn, then the metrics and reminders views: each
    screenshot is free of control characters and overrides, and markup shows literally."""
    from textual.widgets import Static

    from tracker.tui.launch import make_app
    from tracker.tui.widgets.plan_tree import PlanTree

    app = make_app(hostile / "plan.yaml", dt.date(2026, 3, 20), watch=False)
    shots: list[str] = []
    details: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.query_one(PlanTree)
        tree.root.expand_all()
        await pilot.pause()
        for _ in range(12):
            shots.append(app.export_screenshot())
            details.append(_plain(app.query_one("#detail-body", Static)))
            await pilot.press("down")
        for key in ("m", "d"):
            await pilot.press(key)
            await pilot.pause()
            shots.append(app.export_screenshot())
            await pilot.press("escape")
        title = app.title
    for shot in shots:
        assert unsafe(shot.encode()) == []
    assert unsafe(title.encode()) == []
    shown = "\n".join(details)
    assert "Item txt.exe" in shown and MARKUP in shown  # cleaned, and markup kept literal
    assert "boom" in shown and unsafe(shown.encode()) == []


def _plain(static: object) -> str:
    from rich.console import Console

    with open(os.devnull, "w") as sink:
        console = Console(width=200, record=True, file=sink)
        console.print(static.content)  # type: ignore[attr-defined]
        return console.export_text()


CRASHING = '''
import os

import pytest


@pytest.mark.parametrize("v", ["[bold red]x[/] [@click=app.quit]q[/] \\x1b]0;PWNED\\x07"])
def test_p(v):
    pass


def test_z():
    os._exit(1)
'''


@pytest.mark.slow
async def test_a_failed_run_is_told_literally_in_the_ui(tmp_path: Path) -> None:
    """A run that dies names the last test that finished; its id holds markup, styling and
    a click action (``[@click=app.quit]``) that a notification would otherwise obey."""
    from tracker.tui.launch import make_app

    write(tmp_path, "plan.yaml", """
        title: Crash
        phases:
          - id: "1"
            title: One
            items:
              - {id: all, text: All, tests: [tests/]}
        """)
    write(tmp_path, "tests/test_crash.py", CRASHING)
    write(tmp_path, "pyproject.toml", '[tool.pytest.ini_options]\naddopts = "-p no:randomly"\n')
    app = make_app(tmp_path / "plan.yaml", dt.date(2026, 3, 20), watch=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("r")
        for _ in range(2400):  # a loaded machine may take a minute
            await pilot.pause(0.05)
            if app.live is None and app.query("Toast"):
                break
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = " ".join(str(toast.render()) for toast in app.query("Toast"))
        shot = app.export_screenshot()
    assert "before its session finished after" in " ".join(shown.split())
    assert "[bold red]x[/] [@click=app.quit]q[/]" in shown
    assert unsafe(shown.encode()) == [] and unsafe(shot.encode()) == []
