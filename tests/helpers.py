"""Small builders shared by the tests: plans written to disk, the CLI run for real."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path


def write(root: Path, relpath: str, text: str) -> Path:
    """Write dedented ``text`` to ``root/relpath``, creating folders."""
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    """Run ``python -m tracker`` in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "tracker", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=120, env=env, check=False)


@dataclass(frozen=True)
class Done:
    """What a command run in this process printed, and its exit code (as run_cli's)."""

    returncode: int
    stdout: str
    stderr: str


def call_cli(*args: str, cwd: Path) -> Done:
    """``tracker ARGS`` run in this process, in ``cwd``: the real CLI (``tracker.cli.main``,
    the function ``python -m tracker`` exits with), its output captured.

    For reading what real runs left behind (status, check, render) without starting an
    interpreter per read. Where the process itself is the subject (exit codes of a real
    process, signals, start-up, import hygiene, ``tracker run`` starting pytest), use
    :func:`run_cli`.
    """
    from click.testing import CliRunner

    from tracker.cli import main

    before = Path.cwd()
    with CliRunner().isolation() as (out, err, _):
        os.chdir(cwd)
        try:
            code = main(list(args))
        except SystemExit as exc:  # as the interpreter would turn it into an exit code
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        finally:
            os.chdir(before)
            sys.stdout.flush()
            sys.stderr.flush()
        return Done(code, out.getvalue().decode(), err.getvalue().decode("utf-8", "replace"))


def clean_env(*, autoload: bool = False) -> dict[str, str]:
    """This process's environment without what the outer pytest (and xdist) put in it.

    Unless ``autoload``, the sample's pytest loads no plugins from entry points (tracker then
    loads its own with ``-p``; xdist needs ``-p xdist``): the hypothesis and snapshot plugins
    installed here would cost a second per run.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "COV_CORE"))}
    if not autoload:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return env


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` with a fixed identity and dates (deterministic commits)."""
    env = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_AUTHOR_DATE": "2026-03-05T12:00:00+00:00",
           "GIT_COMMITTER_DATE": "2026-03-05T12:00:00+00:00",
           "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(root)}
    done = subprocess.run(["git", *args], cwd=root, env=env, text=True, capture_output=True,
                          check=True)
    return done.stdout
