"""Small builders shared by the tests: plans written to disk, the CLI run for real."""

from __future__ import annotations

import subprocess
import sys
import textwrap
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
