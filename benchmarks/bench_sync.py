"""sync-import: ``tracker sync`` importing 200 noted runs of a 2,000-test suite.

A fresh clone's first ``tracker sync`` fetches the notes of every commit CI noted and imports
every run into its empty store. This benchmark measures that whole command in a clone of a
repository of 200 commits, each noted with one run of 2,000 tests with coverage of 130 source
files (bench_notes.py's generator, a different seed per run), against the floor of reading the
same 200 note blobs with one ``git cat-file --batch``: the least any import must do. Before
every timed run the clone's notes refs and store are removed (the objects stay, as after a
first fetch), so each sync imports all 200 runs. Goal: at most 3 times the floor.

An import keeps version 3 runs undecoded until they are read (tracker.store_parts), so the
first judgement after a sync decodes the runs it reads. To show that cost was not just moved,
the benchmark also times the sync followed by the first ``tracker render`` (which reads the
newest run and, for flaky tests, the 30 runs kept whole), against the same floor, and prints
both.

Run on its own: ``python benchmarks/bench_sync.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # measure this checkout's tracker, however this file is run
    sys.path.insert(0, str(REPO))

from harness import (  # noqa: E402  (this file's folder)
    BenchError,
    Benchmark,
    Options,
    Result,
    interleaved,
    python,
    python_env,
    run_checked,
)
from plangen import GIT_ENV  # noqa: E402
from plangen import git as _git  # noqa: E402

NAME = "sync-import"
GOAL = 3.0
RUNS = 200
TESTS = 2_000
SOURCES = 130

PLAN = """title: Synced
phases:
  - id: "1"
    title: One
    items:
      - {id: all, text: All, tests: [tests/]}
"""


def _history(root: Path, commits: int) -> list[str]:
    """A new repository of ``commits`` first-parent commits (one git fast-import), oldest first."""
    _git(root, "init", "-q", "-b", "main")
    stream = []
    for n in range(commits):
        stamp = 1772000000 + n * 60
        stream += ["commit refs/heads/main",
                   f"committer bench <bench@example.invalid> {stamp} +0000",
                   f"data {len(f'change {n}')}", f"change {n}"]
        if n == 0:
            stream += ["M 644 inline plan.yaml", f"data {len(PLAN.encode())}", PLAN]
        body = f"change {n}\n"
        stream += ["M 644 inline docs/changes.md", f"data {len(body)}", body]
    _git(root, "fast-import", "--quiet", stdin="\n".join(stream) + "\n")
    _git(root, "reset", "-q", "--hard", "main")
    return _git(root, "rev-list", "--reverse", "HEAD").split()


def prepare(base: Path) -> tuple[Path, Path, Path, str]:
    """The noted origin (pushed to a bare remote), a clone of it, the floor's list of note
    blobs, and a description."""
    from bench_notes import make_run

    from tracker.history.run_notes import note_run

    origin = base / "origin"
    origin.mkdir()
    commits = _history(origin, RUNS)
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    size = 0
    for n, commit in enumerate(commits):
        run = make_run(TESTS, SOURCES, seed=n)
        when = start + dt.timedelta(minutes=n)
        run = dataclasses.replace(run, commit=commit, started=when,
                                  finished=when + dt.timedelta(seconds=90))
        size += len(note_run(origin, run).text)
    _git(base, "init", "-q", "--bare", "remote.git")
    _git(origin, "push", "-q", str(base / "remote.git"), "main", "refs/notes/tracker")
    clone = base / "clone"
    _git(base, "clone", "-q", "-b", "main", str(base / "remote.git"), str(clone))
    blobs = base / "blobs.txt"
    listed = _git(origin, "notes", "--ref=tracker", "list").split("\n")
    blobs.write_text("".join(line.split()[0] + "\n" for line in listed if line.strip()))
    return origin, clone, blobs, (f"{RUNS} notes of {TESTS} tests and {SOURCES} measured files "
                                  f"each, {size / 2**20:.1f} MB of note text")


def _forget(clone: Path) -> None:
    """The clone as before its first sync: no notes refs, no store (the objects stay)."""
    for ref in ("refs/notes/tracker", "refs/tracker/remotes/origin"):
        subprocess.run(["git", "update-ref", "-d", ref], cwd=clone, capture_output=True,
                       env={**os.environ, **GIT_ENV}, check=False)
    shutil.rmtree(clone / ".tracker", ignore_errors=True)


def command() -> list[str]:
    return [python(), "-m", "tracker", "sync", "--no-push"]


def with_render() -> list[str]:
    """The sync, then the first render after it: what a fresh clone does next."""
    sync = " ".join(command())
    render = f"{python()} -m tracker render plan.yaml -o /dev/null"
    return ["sh", "-c", f"{sync} > /dev/null && {render}"]


def floor(blobs: Path) -> list[str]:
    return ["sh", "-c", f"git cat-file --batch < '{blobs}' > /dev/null"]


def run(options: Options) -> Result:
    if shutil.which("git") is None:
        raise BenchError("git is not installed")
    base = Path(tempfile.mkdtemp(prefix="tracker-bench-sync-"))
    try:
        origin, clone, blobs, what = prepare(base)
        env = python_env(pycache=base / "pycache")
        _forget(clone)
        done = run_checked(command(), clone, env)
        if f"imported {RUNS} new runs" not in done.stdout + done.stderr:
            raise BenchError(f"the sync did not import {RUNS} runs: "
                             f"{(done.stdout + done.stderr).strip()[-200:]}")
        document = run_checked([python(), "-m", "tracker", "render", "plan.yaml"], clone, env)
        if f"{TESTS} tests" not in document.stdout:
            raise BenchError("the render after the sync does not judge from the synced run: "
                             f"{document.stdout.strip()[:200]}")
        timings = interleaved(command(), floor(blobs), cwd=clone, runs=options.runs, env=env,
                              before=lambda: _forget(clone), floor_cwd=origin)
        rendered = interleaved(with_render(), floor(blobs), cwd=clone, runs=options.runs,
                               env=env, before=lambda: _forget(clone), floor_cwd=origin)
        detail = (f"sync {timings.subject_median:.3f}s, cat-file --batch "
                  f"{timings.floor_median:.3f}s; sync + first render "
                  f"{rendered.subject_median:.3f}s, ratio {rendered.ratio:.2f}; "
                  f"median of {len(timings.subject)}")
        return Result(NAME, timings.ratio, GOAL, detail,
                      (what, *timings.describe(), "sync + first render:", *rendered.describe()))
    finally:
        if options.keep:
            print(f"# {NAME}: repositories kept under {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


BENCHMARKS = [
    Benchmark(NAME, GOAL, "tracker sync importing 200 noted runs of 2,000 tests vs. reading "
                          "their note blobs with one git cat-file --batch", run),
]


def main() -> int:
    print(run(Options(runs=5)).line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
