"""``tracker backfill REV_RANGE``: run past commits' suites in temporary worktrees and record
them. Thin over :func:`tracker.history.backfill.backfill`; draws the progress line."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from tracker.commands.common import count, fail, loaded_plan, plan_option
from tracker.text import one_line

if TYPE_CHECKING:
    from tracker.history.backfill import Progress, Report


@click.command("backfill")
@plan_option
@click.argument("rev_range", metavar="REV_RANGE")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Commits run at the same time (each in its own worktree and process).")
@click.option("--note/--no-note", default=None,
              help="Also attach each run to its commit as a git note (refs/notes/tracker), "
                   "for tracker sync to share. Default: plan.yaml's runs: {note: ...}, else "
                   "no.")
@click.option("--key", "patterns", multiple=True, metavar="PATTERN",
              help="Files whose content decides a run's results, as .gitignore lines "
                   "('src/', 'tests/', '!*.md'); repeatable, replaces the default "
                   "(every file but docs, images and CI settings).")
@click.option("--retry", is_flag=True,
              help="Run again the commits that could not be judged before (after installing "
                   "a missing module, fetching missing objects).")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED, metavar="[-- PYTEST_ARGS...]")
def backfill_command(plan_path: Path, rev_range: str, jobs: int, note: bool | None,
                     patterns: tuple[str, ...], retry: bool,
                     pytest_args: tuple[str, ...]) -> None:
    """Record the runs nobody recorded: the suite with coverage at each commit of REV_RANGE.

    REV_RANGE is a git revision range, followed along first parents: main~20..main, or
    a3f9c1e^! for one commit. Each commit without a whole-suite run of its own is checked out
    in a temporary worktree (your working tree, index and branches are never touched) and
    its tests run with coverage as tracker run would, with this interpreter and environment.
    Commits whose tests, sources and configuration are identical run once; a second backfill
    of the range runs nothing, and one stopped by Ctrl-C resumes where it stopped. A commit
    that cannot be judged (objects missing, tests that cannot be collected, a module this
    environment lacks) is recorded with its reason, and the others go on. Arguments after --
    go to pytest (-k "not network"). Runs are stored with their commit; tracker history
    shows them.
    """
    from tracker.errors import StoreError
    from tracker.evidence.pytest_args import from_folder
    from tracker.history.backfill import BackfillError, Options, backfill
    from tracker.history.treekey import DEFAULT_PATTERNS
    from tracker.paths import default_store_path
    from tracker.store import Store

    plan = loaded_plan(plan_path)
    root = plan_path.resolve().parent
    args = tuple(from_folder([a for a in pytest_args if a != "--"], Path.cwd(), root))
    options = Options(revisions=(rev_range,), pytest_args=args, jobs=jobs,
                      note=plan.runs.note if note is None else note,
                      patterns=tuple(patterns) or DEFAULT_PATTERNS,
                      coverage=(plan.coverage.source, plan.coverage.omit), retry=retry,
                      plan=plan_path.resolve().name)
    line = _ProgressLine(sys.stderr) if sys.stderr.isatty() else None
    try:
        with Store.open(default_store_path(root)) as store:
            report = backfill(root, store, options, progress=line)
    except (BackfillError, StoreError) as exc:
        fail(f"tracker backfill: {exc}")
    finally:
        if line is not None:
            line.close()
    for warning in report.warnings:
        click.echo(f"tracker: warning: {warning}", err=True)
    for sha, why in report.unjudged:
        click.echo(f"tracker: {sha[:10]} not judged: {one_line(why)}", err=True)
    click.echo(summary(report), err=True)
    if report.interrupted:
        click.echo("interrupted: the commits judged so far are kept; run the same command "
                   "again to go on", err=True)
        raise click.exceptions.Exit(130)


def summary(report: Report) -> str:
    """The one line said at the end: commits, pytest runs, runs stored."""
    parts = [f"ran pytest {count(report.pytest_runs, 'time')}",
             f"stored {count(report.stored, 'run')}"]
    if report.reused:
        parts[-1] += f" ({report.reused} from identical trees)"
    if report.noted:
        parts.append(f"noted {report.noted}")
    if report.backfilled:
        parts.append(f"{report.backfilled} backfilled before")
    if report.recorded:
        parts.append(f"{report.recorded} already recorded")
    if report.unjudged:
        parts.append(f"{len(report.unjudged)} not judged")
    return (f"tracker: backfilled {count(report.commits, 'commit')} "
            f"({count(report.keys, 'distinct tree')}): " + ", ".join(parts))


class _ProgressLine:
    """One line on a terminal: jobs done, commits running, time left."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.width = 0
        self.started = time.monotonic()

    def __call__(self, state: Progress) -> None:
        text = f"  backfill: {state.done}/{state.total} commits"
        if state.running:
            text += f" · running {', '.join(state.running)}"
        if state.eta is not None:
            text += f" · about {_duration(state.eta)} left"
        else:
            text += f" · {_duration(time.monotonic() - self.started)} so far"
        text = text[:119]
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def close(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
