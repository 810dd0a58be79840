"""A lean virtual environment for the run benchmarks: pytest, coverage and tracker, nothing else.

Why: the dev venv loads a dozen pytest plugins (hypothesis, xdist, asyncio, the snapshot
plugin, ...) into every pytest process, which makes both the subject and the floor slower
and so dilutes what tracker adds. A project's CI venv holds the project's own dependencies:
for the benchmark's sample project, pytest and coverage; and tracker, with its runtime
dependencies (which are not pytest plugins) but none of its test extras.

The venv is built once and kept in the temp folder under a name keyed by what it holds: the
interpreter's version, the versions of pytest, coverage and tracker's runtime dependencies
(pinned to those installed in the interpreter running the benchmarks, so the lean and the dev
figures measure the same libraries) and the hash of pyproject.toml (tracker's entry points).
Tracker's code itself comes from this checkout through ``PYTHONPATH`` (harness.python_env),
so editing the code never needs a rebuild; the installed copy is there for its metadata (the
``pytest11`` entry point that loads the plugin, as in a user's venv).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata as metadata
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from harness import REPO, BenchError

#: Written last into a finished venv: a folder without it is a build that was interrupted.
_DONE = "tracker-lean-venv.ok"


def _requirements() -> list[str]:
    """``name==version`` for pytest, coverage and each of tracker's runtime dependencies, at
    the versions the running interpreter has (a dependency it lacks: left unpinned)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = ["pytest", "coverage"]
    for spec in project["dependencies"]:
        name = re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0]
        if name.lower() not in {n.lower() for n in names}:
            names.append(name)
    pinned = []
    for name in names:
        try:
            pinned.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pinned.append(name)
    return pinned


def _key(requirements: list[str]) -> str:
    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    digest.update("\n".join(requirements).encode())
    digest.update((REPO / "pyproject.toml").read_bytes())
    return digest.hexdigest()[:16]


def lean_python() -> Path:
    """The interpreter of the lean venv, building the venv first when it is not cached."""
    requirements = _requirements()
    folder = Path(tempfile.gettempdir()) / f"tracker-bench-lean-{_key(requirements)}"
    python = folder / "bin" / "python"
    with open(f"{folder}.lock", "w") as lock:  # two benchmark processes build it once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (folder / _DONE).is_file():
            return python
        shutil.rmtree(folder, ignore_errors=True)
        try:
            _build(folder, requirements)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    return python


def _build(folder: Path, requirements: list[str]) -> None:
    print(f"# building the lean venv {folder} (once)", file=sys.stderr, flush=True)
    steps = [
        [sys.executable, "-m", "venv", str(folder)],
        [str(folder / "bin" / "python"), "-m", "pip", "install", "-q", *requirements],
        # tracker itself without dependencies (they are pinned above) and without its extras
        [str(folder / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", str(REPO)],
    ]
    with tempfile.TemporaryDirectory(prefix="tracker-lean-build-") as scratch:
        for cmd in steps:
            done = subprocess.run(cmd, cwd=scratch, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
                raise BenchError(f"cannot build the lean venv ({' '.join(cmd[1:4])}): {tail}")
    (folder / _DONE).write_text("\n".join(requirements) + "\n", encoding="utf-8")


if __name__ == "__main__":
    print(lean_python())
