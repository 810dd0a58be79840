"""``tracker run``: the project's tests under coverage.py, recorded as one run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.commands.common import EXIT_BAD, count, fail, loaded_plan, plan_option
from tracker.commands.noting import Noting, note_option
from tracker.lifeline import signals_interrupt

if TYPE_CHECKING:
    from tracker.runner import RunOutcome
    from tracker.store import Store

#: pytest options tracker sets itself: passing them would break the run's own report.
OWNED_OPTIONS = ("--tracker-report", "--tracker-scratch", "--tracker-contexts")


@click.command("run", context_settings={"ignore_unknown_options": True,
                                        "allow_interspersed_args": False})
@plan_option
@click.option("--no-coverage", is_flag=True, help="Run without measuring coverage.")
@click.option("--show-output/--progress", default=None,
              help="Show pytest's own output (default when not in a terminal) or a progress "
                   "line (default in a terminal; pytest's output goes to .tracker/last-run.log).")
@note_option
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED, metavar="[-- PYTEST_ARGS...]")
@signals_interrupt()  # SIGTERM and SIGHUP stop the run as Ctrl-C does
def run_command(plan_path: Path, no_coverage: bool, show_output: bool | None, note: bool | None,
                pytest_args: tuple[str, ...]) -> None:
    """Run the project's tests under coverage.py and record the run.

    Runs pytest as the project configures it (its ini options, plugins and addopts apply),
    with branch coverage measured where the project says: pytest-cov options passed after --
    (such as --cov=src), else plan.yaml's coverage: setting, else coverage.py's own config
    files, else the project's packages; test files are left out unless the project's own
    coverage configuration decides. Every test's outcome,
    markers and fixtures and every file's coverage are stored as one run in .tracker/. With
    --note (or plan.yaml's runs: {note: true}) the run is also attached to its commit as a git
    note, for tracker sync to share. The exit code is pytest's (2 when --note is refused:
    uncommitted changes; the plan's default only says so).
    """
    from tracker.errors import StoreError
    from tracker.evidence.pytest_args import from_folder
    from tracker.lifeline import exit_code
    from tracker.paths import data_dir
    from tracker.pending import record_kept, record_run
    from tracker.runner import NothingRan, RunError, run_suite, wants_contexts

    _refuse_misplaced(pytest_args)
    plan = loaded_plan(plan_path)
    root = plan_path.resolve().parent
    noting = Noting.of(note, plan)
    if noting.insisted:
        from tracker.commands.noting import refuse_dirty_tree

        refuse_dirty_tree(root)  # before the tests run, not after
    store = open_store(root, deep=False)  # a foreign or damaged file is said here; the
    # newest run is read while pytest starts up, which then waits for the verdict (gate)
    passthrough = show_output if show_output is not None else not sys.stderr.isatty()
    log_path = data_dir(root) / "last-run.log"
    listener = None
    progress = None
    outcome = None

    def gate() -> None:  # while pytest starts up, before it may go on
        try:
            store.check_newest()
        except StoreError as exc:
            raise _Refused(str(exc)) from None

    def alongside() -> None:  # while pytest starts, which takes longer
        record_kept(store, root, _say)  # runs an earlier `tracker run` could not record

    try:
        log = None if passthrough else log_path.open("w", encoding="utf-8")
        if not passthrough:
            from tracker.progress import ProgressLine

            progress = listener = ProgressLine(sys.stderr)
        try:
            args = from_folder(list(pytest_args), Path.cwd(), root)  # pytest runs in root
            outcome = run_suite(root, args, plan_coverage=plan.coverage,
                                measure=not no_coverage, output=log, listener=listener,
                                contexts=wants_contexts(plan), alongside=alongside,
                                gate=gate)
        finally:
            if progress is not None:
                progress.close()
            if log is not None:
                log.close()
        run_id = record_run(store, root, outcome.record, _say)  # waits for a locked store
        noted = None
        if noting.wanted:
            from tracker.history.run_notes import note_recorded

            noted = note_recorded(root, store, run_id, outcome.record)
    except _Refused as exc:  # nothing ran, nothing was said: the store's own message
        fail(str(exc))
    except StoreError as exc:
        fail(f"the run finished but could not be recorded: {exc}")
    except NothingRan as exc:
        if not passthrough:
            print_log_tail(log_path)
        click.echo(f"tracker: {exc}", err=True)
        raise click.exceptions.Exit(exc.exit_code) from None
    except RunError as exc:
        if not passthrough and log_path.exists():
            sys.stderr.write(log_path.read_text(encoding="utf-8", errors="replace")[-4000:])
        fail(str(exc))
    except KeyboardInterrupt as exc:
        click.echo("interrupted: " + ("the finished run is kept in .tracker/pending/ for the "
                                      "next `tracker run` to record" if outcome else
                                      "nothing recorded, earlier runs are intact"), err=True)
        raise click.exceptions.Exit(exit_code(exc)) from None
    finally:
        store.close()
    if not passthrough:
        print_log_tail(log_path)
    summary = run_summary(run_id, outcome)
    if not passthrough and outcome.exit_code != 0:  # pytest's own account of the failures
        summary += f"; pytest's output: {_shown(log_path)}"
    click.echo(summary, err=True)
    if noted is not None:
        click.echo(noted[1], err=True)
        if not noted[0] and noting.insisted:
            raise click.exceptions.Exit(EXIT_BAD)
    raise click.exceptions.Exit(outcome.exit_code)


class _Refused(Exception):
    """The store's newest run could not be read: the run was stopped at pytest's gate."""


def _say(line: str) -> None:
    click.echo(line, err=True)


def _refuse_misplaced(pytest_args: tuple[str, ...]) -> None:
    """Arguments that are not pytest's: the plan given where pytest's arguments go, and
    options tracker owns. Both used to reach pytest and fail there, far from the cause."""
    for arg in pytest_args:
        if arg == "--":
            continue
        name = arg.split("=", 1)[0]
        if name in OWNED_OPTIONS:
            fail(f"{name}: tracker sets this pytest option itself; leave it out")
    first = next((a for a in pytest_args if a != "--"), None)
    if first is not None and first.endswith((".yaml", ".yml")) and Path(first).is_file():
        fail(f"{first}: name the plan with --plan {first} (the arguments after `run` go to "
             "pytest)")


def open_store(root: Path, *, deep: bool = True) -> Store:
    """The project's store, opened (and created) for writing; exit 2 when it cannot be.

    ``deep``: also read its newest run now (:meth:`Store.check`); without, only its tables
    (the caller reads the newest run itself, as ``run`` does while pytest starts up)."""
    from tracker.errors import StoreError
    from tracker.paths import default_store_path
    from tracker.store import Store

    try:
        store = Store.open(default_store_path(root))
    except StoreError as exc:
        fail(str(exc))
    try:
        if deep:
            store.check()  # a damaged store is said now, not after the suite ran
        else:
            store.check_tables()
    except StoreError as exc:
        store.close()
        fail(str(exc))
    return store


def _shown(path: Path) -> str:
    """``path`` as the user would type it: relative to where they are when it is below."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def print_log_tail(log_path: Path) -> None:
    """pytest's failure summary and final line, from the captured output, after its own
    error lines ("ERROR: file or directory not found: ...", a bad -k expression)."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return
    start = next((i for i, line in enumerate(lines) if "short test summary info" in line),
                 max(len(lines) - 1, 0))
    errors = [line for line in lines[:start] if line.startswith("ERROR: ")][:10]
    tail = [*errors, *lines[start:][-60:]]
    if tail:
        from tracker.text import clean

        click.echo("\n".join(clean(line) for line in tail), err=True)


def run_summary(run_id: int, outcome: RunOutcome) -> str:
    """The one line said after a run: counts, time, coverage, collection errors, commit."""
    record = outcome.record
    counts = record.counts()
    parts = [f"{n} {name}" for name, n in counts.items() if n]
    seconds = (record.finished - record.started).total_seconds()
    text = f"tracker: run {run_id} recorded: {', '.join(parts) or 'no tests'} in {seconds:.1f} s"
    total = record.coverage_total()
    if total is not None and outcome.settings is not None:
        from tracker.metrics import percent

        text += f"; coverage {percent(total)} ({outcome.settings.origin})"
    if record.collection_errors:
        from tracker.text import one_line

        first = record.collection_errors[0]
        text += (f"; {count(len(record.collection_errors), 'collection error')}, first: "
                 f"{one_line(first.nodeid)}: {one_line(first.message)}")
    if record.commit:
        text += f"; commit {record.commit[:10]}" + (" (dirty)" if record.dirty else "")
    return text
