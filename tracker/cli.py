"""The command layer: parse arguments, call the library, print, pick the exit code.

Thin on purpose: load → gather → assess → display lives in the library. Heavy modules
(Textual, GitPython, coverage) are imported inside the commands that need them, so that
``tracker check`` and ``tracker render`` start like small scripts.

Exit codes: 0 success, 1 "the answer is no" (stale document, warnings under --strict, a gate
not passed), 2 bad input (with one line per problem, never a traceback).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from tracker import __version__

if TYPE_CHECKING:
    from tracker.assess import Assessment
    from tracker.plan.load import LoadResult
    from tracker.plan.model import Plan
    from tracker.problems import Problem

EXIT_OK, EXIT_NO, EXIT_BAD = 0, 1, 2
DEFAULT_PLAN = "plan.yaml"


class Failure(click.ClickException):
    """Bad input: printed as one line (or one per problem), exit 2."""

    exit_code = EXIT_BAD

    def show(self, file=None) -> None:  # type: ignore[no-untyped-def]
        click.echo(self.format_message(), err=True)


def fail(message: str) -> NoReturn:
    raise Failure(message)


def _today(value: str | None) -> dt.date:
    """The date commands judge by: --today, else the clock (only the CLI reads it)."""
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--today {value!r}: write the date as YYYY-MM-DD")


today_option = click.option("--today", metavar="YYYY-MM-DD",
                            help="Judge dates as of this day instead of today.")


def _load(plan_path: Path) -> LoadResult:
    """Load and validate, printing every problem; exit 2 on errors."""
    from tracker.plan.load import load_plan

    result = load_plan(plan_path)
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if result.errors or result.plan is None:
        raise click.exceptions.Exit(EXIT_BAD)
    return result


def _assessment(plan_path: Path, today: dt.date, *, quiet_warnings: bool = False,
                runs: bool = True, git: bool = True) -> Assessment:
    """Load, gather, assess. ``git``: also what only the document shows (the day plan.yaml
    last changed, reviews and approvals), read from git history."""
    from tracker.assess import assess
    from tracker.evidence.gather import gather

    plan = _load(plan_path).plan
    assert plan is not None  # _load exits otherwise
    from tracker.gcpause import paused_gc

    try:
        with paused_gc():  # evidence and assessment are big and acyclic
            evidence = gather(plan, plan_path, runs=runs, signoffs=git, updated=git)
            assessment = assess(plan, evidence, today)
    except Exception as exc:
        from tracker.store import StoreError

        if isinstance(exc, StoreError):
            fail(str(exc))
        raise
    errors = [p for p in evidence.workspace.problems if p.severity.value == "error"]
    for problem in _problems(evidence.workspace.problems, assessment) if not quiet_warnings \
            else errors:
        click.echo(str(problem), err=True)
    if errors:
        raise click.exceptions.Exit(EXIT_BAD)
    return assessment


def _problems(found: list[Problem], assessment: Assessment) -> list[Problem]:
    """The workspace's problems and the links matching nothing, in file order."""
    from tracker.problems import sort_problems

    return sort_problems([*found, *assessment.unmatched])


class LazyGroup(click.Group):
    """A group whose bigger commands live in their own modules, imported only when used.

    ``tracker render`` should not pay for importing the import or review commands.
    """

    lazy: dict[str, str] = {
        "remind": "tracker.commands.reviews:remind_command",
        "review": "tracker.commands.reviews:review_command",
        "approve": "tracker.commands.reviews:approve_command",
        "hooks": "tracker.commands.reviews:hooks_command",
        "import": "tracker.commands.importer:import_command",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            import importlib

            module, _, attr = self.lazy[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tracker")
@click.option("--plan", "plan_path", default=DEFAULT_PLAN, show_default=True,
              type=click.Path(path_type=Path), help="The plan to open in the terminal UI.")
@today_option
@click.pass_context
def cli(ctx: click.Context, plan_path: Path, today: str | None) -> None:
    """tracker: a phased testing plan as living data, its status earned by evidence.

    Without a command, opens the terminal UI on the plan: phases and items with their
    status and evidence, metrics, history, and live test runs (r: run all, t: run the
    selection, e: edit at the line, /: filter, m: metrics, h: history, ctrl+p: all actions).
    Every command that reads the plan takes its path (default: ./plan.yaml).
    """
    if ctx.invoked_subcommand is not None:
        return
    day = _today(today)
    _load(plan_path)  # a plan that does not load: its errors, exit 2, before any screen
    from tracker.tui.launch import make_app, run_until_quit

    app = make_app(plan_path, day)
    if app.snapshot.store_error:  # as with a broken plan: say it, exit 2, before any screen
        fail(app.snapshot.store_error)
    raise click.exceptions.Exit(run_until_quit(app))


@cli.command()
@click.argument("plan_path", metavar="[PLAN]", default=DEFAULT_PLAN,
                type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
def check(plan_path: Path, strict: bool) -> None:
    """Validate PLAN: every problem at once, as FILE:LINE:COL: message.

    Checks the YAML (syntax, duplicate keys, unsafe tags), the plan's shape (unknown keys,
    types, dates, ids) and its links against the workspace. Exit 0 when clean, 2 on errors,
    1 on warnings only when --strict is given.
    """
    from tracker.plan.load import load_plan
    from tracker.problems import Severity, sort_problems

    result = load_plan(plan_path)
    problems = list(result.problems)
    if result.plan is not None and not result.errors:
        problems = sort_problems(problems + _link_problems(result.plan, plan_path))
    for problem in problems:
        click.echo(str(problem), err=True)
    errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    warnings = len(problems) - errors
    if errors or result.plan is None:
        click.echo(f"{_count(errors, 'error')}, {_count(warnings, 'warning')} in {plan_path}",
                   err=True)
        raise click.exceptions.Exit(EXIT_BAD)
    items = len(result.plan.items())
    extra = f", {_count(warnings, 'warning')}" if warnings else ""
    click.echo(f"{plan_path}: ok, {_count(len(result.plan.phases), 'phase')}, "
               f"{_count(items, 'item')}{extra}")
    if warnings and strict:
        raise click.exceptions.Exit(EXIT_NO)


def _link_problems(plan: Plan, plan_path: Path) -> list[Problem]:
    """What the workspace says of the plan's links and files, and the links that match
    nothing in the source nor in the latest recorded run (a marker only a conftest hook
    adds is seen there). A store that cannot be read is said, and the source alone counts.
    """
    from tracker.assess import assess
    from tracker.evidence.gather import gather
    from tracker.evidence.workspace import gather_workspace
    from tracker.problems import Location, Severity

    workspace = gather_workspace(plan, plan_path.resolve().parent)
    if all(link.resolved for ev in workspace.items.values() for link in ev.links):
        return workspace.problems  # nothing a run could change: the store is not read
    store_problems: list[Problem] = []
    try:
        evidence = gather(plan, plan_path, signoffs=False, updated=False, workspace=workspace)
    except Exception as exc:
        from tracker.store import StoreError  # sqlite3 only when there is a store

        if not isinstance(exc, StoreError):
            raise
        store_problems.append(Problem(Location(str(plan_path), 1), f"{exc}; links are "
                                      "checked against the source only", Severity.WARNING))
        evidence = gather(plan, plan_path, runs=False, signoffs=False, updated=False,
                          workspace=workspace)
    assessment = assess(plan, evidence, dt.date.today())
    return [*store_problems, *_problems(evidence.workspace.problems, assessment)]


@cli.command()
@click.argument("plan_path", metavar="[PLAN]", default=DEFAULT_PLAN,
                type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the document to this file (atomically) instead of stdout.")
@click.option("--check", "check_file", type=click.Path(path_type=Path),
              help="Exit 1 with a diff when this file is not what render makes now.")
@click.option("--no-runs", is_flag=True,
              help="Leave recorded test runs out: evidence from the repository's files only "
                   "(for a committed document that every clone can reproduce).")
@today_option
def render(plan_path: Path, output: Path | None, check_file: Path | None, no_runs: bool,
           today: str | None) -> None:
    """Write the Markdown plan document of PLAN.

    The document is derived from plan.yaml and its evidence: header with derived status,
    progress per phase, checklists with their evidence, metrics, risks, approvals and the
    review date. It records the day it describes ("As of") and its evidence; --check compares
    against that day (unless --today is given) and the same kind of evidence, so a committed
    document only goes stale when its content would.
    """
    from tracker.render.markdown import render_markdown

    day = _today(today)
    old = None
    if check_file is not None:
        try:
            old = check_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            old = ""
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"{check_file}: cannot read it ({exc}): check the path")
        if today is None:
            day = _as_of(old) or day
        no_runs = no_runs or _without_runs(old)
    assessment = _assessment(plan_path, day, quiet_warnings=check_file is not None,
                             runs=not no_runs)
    text = render_markdown(assessment, plan_path.name, runs_included=not no_runs)
    if check_file is not None:
        if old == text:
            click.echo(f"{check_file} is up to date")
            return
        import difflib

        diff = difflib.unified_diff(old.splitlines(keepends=True), text.splitlines(keepends=True),
                                    fromfile=str(check_file), tofile="rendered")
        sys.stdout.writelines(diff)
        from tracker.history.gitcli import is_shallow

        if is_shallow(plan_path.resolve().parent):
            click.echo(f"{check_file} differs, but this is a shallow clone: the dates and "
                       "sign-offs read from git are cut off with its history; fetch the whole "
                       "history (actions/checkout: fetch-depth: 0, or git fetch --unshallow) "
                       "and check again", err=True)
        else:
            click.echo(f"{check_file} is stale: run `tracker render {plan_path} -o "
                       f"{check_file}`", err=True)
        raise click.exceptions.Exit(EXIT_NO)
    if output is not None:
        from tracker.fsutil import write_atomic

        try:
            write_atomic(output, text)
        except OSError as exc:
            fail(f"{output}: cannot write it ({exc.strerror}): check the folder and permissions")
        click.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(text)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _without_runs(document: str) -> bool:
    from tracker.render.markdown import EVIDENCE_LABEL, NO_RUNS

    return any(line.startswith(EVIDENCE_LABEL) and NO_RUNS in line
               for line in document.splitlines()[:40])


def _as_of(document: str) -> dt.date | None:
    from tracker.render.markdown import AS_OF_LABEL

    for line in document.splitlines()[:40]:
        if line.startswith(AS_OF_LABEL):
            try:
                return dt.date.fromisoformat(line[len(AS_OF_LABEL):].strip(" \\"))
            except ValueError:
                return None
    return None


@cli.command()
@click.argument("plan_path", metavar="[PLAN]", default=DEFAULT_PLAN,
                type=click.Path(path_type=Path))
@click.option("--title", default="Testing Plan", show_default=True, help="Title of the plan.")
@today_option
def init(plan_path: Path, title: str, today: str | None) -> None:
    """Write a commented starter PLAN and git-ignore tracker's local data folder.

    Refuses to overwrite an existing plan.
    """
    from tracker.fsutil import write_atomic
    from tracker.starter import starter_plan

    if plan_path.exists():
        fail(f"{plan_path}: already exists; edit it, or pass another path")
    import json

    try:
        write_atomic(plan_path, starter_plan(json.dumps(title), _today(today)))
    except OSError as exc:
        fail(f"{plan_path}: cannot write it ({exc.strerror}): check the folder")
    click.echo(f"wrote {plan_path}")
    ignore = plan_path.resolve().parent / ".gitignore"
    try:
        lines = ignore.read_text(encoding="utf-8").splitlines() if ignore.exists() else []
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{ignore}: cannot read it ({exc}); add .tracker/ to it by hand")
    if not any(line.strip().rstrip("/") in (".tracker", "/.tracker") for line in lines):
        text = "\n".join([*lines, "# tracker's local run history", ".tracker/"]) + "\n"
        write_atomic(ignore, text)
        click.echo(f"added .tracker/ to {ignore.name}")


@cli.command()
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the schema to this file instead of stdout.")
def schema(output: Path | None) -> None:
    """Print the JSON Schema of plan.yaml, for editors (yaml-language-server)."""
    import json

    from tracker.plan.schema import plan_schema

    text = json.dumps(plan_schema(), indent=2, sort_keys=False) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    from tracker.fsutil import write_atomic

    write_atomic(output, text)
    click.echo(f"wrote {output}", err=True)


plan_option = click.option("--plan", "plan_path", default=DEFAULT_PLAN, show_default=True,
                           type=click.Path(path_type=Path), help="The plan (plan.yaml).")


def _open_store(root: Path):  # type: ignore[no-untyped-def]
    from tracker.store import Store, StoreError, default_store_path

    try:
        return Store.open(default_store_path(root))
    except StoreError as exc:
        fail(str(exc))


@cli.command(context_settings={"ignore_unknown_options": True,
                               "allow_interspersed_args": False})
@plan_option
@click.option("--no-coverage", is_flag=True, help="Run without measuring coverage.")
@click.option("--show-output/--progress", default=None,
              help="Show pytest's own output (default when not in a terminal) or a progress "
                   "line (default in a terminal; pytest's output goes to .tracker/last-run.log).")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED, metavar="[-- PYTEST_ARGS...]")
def run(plan_path: Path, no_coverage: bool, show_output: bool | None,
        pytest_args: tuple[str, ...]) -> None:
    """Run the project's tests under coverage.py and record the run.

    Runs pytest as the project configures it (its ini options, plugins and addopts apply),
    with branch coverage measured where the project says: pytest-cov options passed after --
    (such as --cov=src), else plan.yaml's coverage: setting, else coverage.py's own config
    files, else the project's packages; test files are left out unless the project's own
    coverage configuration decides. Every test's outcome,
    markers and fixtures and every file's coverage are stored as one run in .tracker/. The
    exit code is pytest's.
    """
    from tracker.evidence.pytest_args import from_folder
    from tracker.paths import data_dir
    from tracker.runner import NothingRan, RunError, run_suite
    from tracker.store import StoreError

    plan = _load(plan_path).plan
    assert plan is not None
    root = plan_path.resolve().parent
    store = _open_store(root)
    passthrough = show_output if show_output is not None else not sys.stderr.isatty()
    log_path = data_dir(root) / "last-run.log"
    listener = None
    progress = None
    try:
        log = None if passthrough else log_path.open("w", encoding="utf-8")
        if not passthrough:
            from tracker.progress import ProgressLine

            progress = listener = ProgressLine(sys.stderr)
        try:
            args = from_folder(list(pytest_args), Path.cwd(), root)  # pytest runs in root
            outcome = run_suite(root, args, plan_coverage=plan.coverage,
                                measure=not no_coverage, output=log, listener=listener)
        finally:
            if progress is not None:
                progress.close()
            if log is not None:
                log.close()
        run_id = store.add_run(outcome.record)
    except StoreError as exc:
        fail(f"the run finished but could not be recorded: {exc}")
    except NothingRan as exc:
        if not passthrough:
            _print_log_tail(log_path)
        click.echo(f"tracker: {exc}", err=True)
        raise click.exceptions.Exit(exc.exit_code) from None
    except RunError as exc:
        if not passthrough and log_path.exists():
            sys.stderr.write(log_path.read_text(encoding="utf-8", errors="replace")[-4000:])
        fail(str(exc))
    except KeyboardInterrupt:
        click.echo("interrupted: nothing recorded, earlier runs are intact", err=True)
        raise click.exceptions.Exit(130) from None
    finally:
        store.close()
    if not passthrough:
        _print_log_tail(log_path)
    click.echo(_run_summary(run_id, outcome), err=True)
    raise click.exceptions.Exit(outcome.exit_code)


def _print_log_tail(log_path: Path) -> None:
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


def _run_summary(run_id: int, outcome) -> str:  # type: ignore[no-untyped-def]
    record = outcome.record
    counts = record.counts()
    parts = [f"{n} {name}" for name, n in counts.items() if n]
    seconds = (record.finished - record.started).total_seconds()
    text = f"tracker: run {run_id} recorded: {', '.join(parts) or 'no tests'} in {seconds:.1f} s"
    total = record.coverage_total()
    if total is not None and outcome.settings is not None:
        text += f"; coverage {total:.1f}% ({outcome.settings.origin})"
    if record.collection_errors:
        first = record.collection_errors[0]
        text += (f"; {_count(len(record.collection_errors), 'collection error')}, first: "
                 f"{first.nodeid}: {first.message}")
    if record.commit:
        text += f"; commit {record.commit[:10]}" + (" (dirty)" if record.dirty else "")
    return text


@cli.command()
@plan_option
@click.option("--junit", "junit_file", required=True, type=click.Path(path_type=Path),
              help="JUnit XML written by any test runner.")
@click.option("--coverage", "coverage_file", type=click.Path(path_type=Path),
              help="A coverage.py data file (.coverage) or its JSON report (coverage json).")
@click.option("--commit", help="The commit the results belong to (default: HEAD).")
def ingest(plan_path: Path, junit_file: Path, coverage_file: Path | None,
           commit: str | None) -> None:
    """Record results produced elsewhere (CI artifacts, other runners) as a run.

    Test cases become outcomes with node ids rebuilt as pytest writes them, so the plan's
    links match; coverage comes from a coverage.py data file or its JSON report.
    """
    import datetime as dt_
    import json

    from tracker.evidence.coverage_data import CoverageError, parse_coverage_json, read_data_file
    from tracker.evidence.hashes import file_hashes
    from tracker.evidence.junit import JUnitError, parse_junit
    from tracker.evidence.results import RunRecord
    from tracker.history.gitcli import head_state

    _load(plan_path)
    root = plan_path.resolve().parent
    try:
        outcomes = parse_junit(junit_file, root)
    except JUnitError as exc:
        fail(str(exc))
    coverage = ()
    if coverage_file is not None:
        try:
            head = coverage_file.read_bytes()[:1]
        except OSError as exc:
            fail(f"{coverage_file}: cannot read it ({exc.strerror})")
        try:
            if head == b"{":
                coverage = parse_coverage_json(json.loads(coverage_file.read_text("utf-8")), root)
            else:
                coverage = read_data_file(coverage_file.resolve(), root)
        except (CoverageError, ValueError) as exc:
            fail(f"{coverage_file}: {exc}")
    head_commit, dirty = head_state(root)
    when = dt_.datetime.fromtimestamp(junit_file.stat().st_mtime, dt_.UTC)
    record = RunRecord(
        started=when, finished=when, commit=commit or head_commit,
        dirty=dirty if commit is None else False, args=(str(junit_file),), source="junit",
        exit_code=1 if any(o.outcome in ("failed", "error") for o in outcomes) else 0,
        outcomes=tuple(outcomes), coverage=coverage,
        file_hashes=file_hashes(root, {o.file for o in outcomes} | {f.path for f in coverage}),
    )
    from tracker.store import StoreError

    store = _open_store(root)
    try:
        run_id = store.add_run(record)
    except StoreError as exc:
        fail(str(exc))
    finally:
        store.close()
    click.echo(f"tracker: run {run_id} recorded from {junit_file}: "
               f"{_count(len(outcomes), 'test')}"
               + (f", {_count(len(coverage), 'file')} of coverage" if coverage else ""))


@cli.command()
@plan_option
@click.option("--json", "as_json", is_flag=True, help="Print the documented JSON form.")
@click.option("--all", "show_all", is_flag=True, help="List done items too.")
@click.option("--require", "required", multiple=True, metavar="ID",
              help="Exit 1 unless this phase or item is done (repeatable): a gate for CI.")
@today_option
def status(plan_path: Path, as_json: bool, show_all: bool, required: tuple[str, ...],
           today: str | None) -> None:
    """Summarise the plan: phases, items not done and why, metrics, the review.

    Judged on the repository's files and the latest recorded run. --json prints a stable,
    documented form for scripts; --require PHASE_OR_ITEM exits 1 unless it is done.
    """
    from tracker.render.status import status_json, status_text, unmet

    assessment = _assessment(plan_path, _today(today), quiet_warnings=True, git=False)
    if as_json:
        import json

        click.echo(json.dumps(status_json(assessment), indent=2, ensure_ascii=False))
    else:
        click.echo(status_text(assessment, show_all=show_all), nl=False)
    not_done, unknown = unmet(assessment, required)
    if unknown:
        fail(f"--require {unknown[0]}: no phase or item has this id; check plan.yaml")
    if not_done:
        for line in not_done:
            click.echo(f"required but not done: {line}", err=True)
        raise click.exceptions.Exit(EXIT_NO)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (for ``python -m tracker`` and tests)."""
    try:
        # with standalone_mode=False click returns an Exit's code instead of raising it
        code = cli.main(args=argv, prog_name="tracker", standalone_mode=False)
        return code if isinstance(code, int) else EXIT_OK
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return EXIT_BAD if isinstance(exc, click.UsageError | Failure) else exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
