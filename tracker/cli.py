"""The ``tracker`` command group: its options, its commands' names, and ``main``.

Every command lives in its own module under :mod:`tracker.commands` and is imported only
when it runs, so ``tracker check`` and ``tracker render`` start like small scripts and never
pay for Textual, git or the other commands. Nothing imports this module but the entry points.

Exit codes: 0 success, 1 "the answer is no" (stale document, warnings under --strict, a gate
not passed), 2 bad input (with one line per problem, never a traceback).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import importlib
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from tracker import __version__
from tracker.commands.common import (
    DEFAULT_PLAN,
    EXIT_BAD,
    EXIT_OK,
    Failure,
    fail,
    load_or_exit,
    parse_today,
    today_option,
)


class LazyGroup(click.Group):
    """A group whose commands live in their own modules, imported only when used."""

    lazy: dict[str, str] = {
        "approve": "tracker.commands.reviews:approve_command",
        "backfill": "tracker.commands.backfill:backfill_command",
        "check": "tracker.commands.check:check_command",
        "history": "tracker.commands.history:history_command",
        "hooks": "tracker.commands.reviews:hooks_command",
        "import": "tracker.commands.importer:import_command",
        "ingest": "tracker.commands.ingest:ingest_command",
        "init": "tracker.commands.init:init_command",
        "remind": "tracker.commands.reviews:remind_command",
        "render": "tracker.commands.render:render_command",
        "review": "tracker.commands.reviews:review_command",
        "run": "tracker.commands.run:run_command",
        "schema": "tracker.commands.init:schema_command",
        "status": "tracker.commands.status:status_command",
        "store": "tracker.commands.store:store_command",
        "sync": "tracker.commands.sync:sync_command",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, _, attr = self.lazy[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tracker")
@click.option("--plan", "plan_path", default=DEFAULT_PLAN, show_default=True,
              type=click.Path(path_type=Path),
              help="The plan to open in the terminal UI, and the default of every command's "
                   "--plan.")
@today_option
@click.pass_context
def cli(ctx: click.Context, plan_path: Path, today: str | None) -> None:
    """tracker: a phased testing plan as living data, its status earned by evidence.

    Without a command, opens the terminal UI on the plan: phases and items with their
    status and evidence, metrics, history, and live test runs (r: run all, t: run the
    selection, e: edit at the line, /: filter, m: metrics, h: history, ctrl+p: all actions).
    Every command that reads the plan takes its path with --plan (default: ./plan.yaml);
    check, render and init also take it as their argument.
    """
    if ctx.invoked_subcommand is not None:
        return
    from tracker.pickle_cache import write_now

    write_now()  # the UI runs long: its plans go to the cache as they are built
    day = parse_today(today)
    load_or_exit(plan_path)  # a plan that does not load: its errors, exit 2, before any screen
    from tracker.tui.launch import make_app, run_until_quit

    app = make_app(plan_path, day)
    if app.snapshot.store_error:  # as with a broken plan: say it, exit 2, before any screen
        fail(app.snapshot.store_error)
    raise click.exceptions.Exit(run_until_quit(app))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (for ``python -m tracker`` and tests)."""
    try:
        try:
            # with standalone_mode=False click returns an Exit's code instead of raising it
            code = cli.main(args=argv, prog_name="tracker", standalone_mode=False)
        finally:  # output still buffered fails here, not in the interpreter's exit
            sys.stdout.flush()
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
        _drop_stdout()
        return EXIT_OK
    except OSError as exc:
        if exc.errno not in _CANNOT_WRITE:
            raise
        # the output's disk is full (or a file size limit is reached): say so in one line
        _drop_stdout()
        click.echo(f"tracker: cannot write the output ({exc.strerror}): free some space "
                   "and retry", err=True)
        return EXIT_BAD


def entry() -> int:
    """The ``tracker`` program (its console script and ``python -m tracker``): :func:`main`,
    then ready to exit.

    Everything still alive is frozen out of the cyclic collector, as the terminal UI does on
    quitting (tracker.tui.launch): the interpreter's last collections would walk every
    module, class and function a command imported again only to free them at exit, which
    cost a cold ``tracker render`` a tenth of its time. :func:`main` itself does not, so
    tests that call it keep their process's collector as it was.

    A plan built because no cache held it is written to the cache only now, after the
    output, by a child process the command does not wait for
    (:func:`tracker.pickle_cache.write_detached`): pickling it cost a cold ``tracker
    render`` a twentieth of its time. The command then exits at once (:func:`_exit_now`):
    once the child shares its memory, tearing the heap down would copy every page it
    touches, which cost more than the pickling saved.
    """
    from tracker.pickle_cache import deferred_writes, write_detached

    with deferred_writes() as pending:
        code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    gc.freeze()
    if write_detached(pending):
        _exit_now(code)
    return code


def _exit_now(code: int) -> NoReturn:
    """Leave as the interpreter's exit would, less the teardown of every module and object:
    the exit handlers run (``atexit``: temporary folders, coverage in tests), the standard
    streams are flushed, and the process ends with ``code``. Only for :func:`entry` after a
    fork (no other thread runs then: see :func:`tracker.pickle_cache.write_detached`), whose
    files are all written and closed by then."""
    import atexit

    atexit._run_exitfuncs()  # what the interpreter's exit would run first
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


#: Errors writing the output that say where it goes has no room: not tracker's bugs.
_CANNOT_WRITE = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _drop_stdout() -> None:
    """Point stdout at the null device, so that what is still buffered goes nowhere quietly
    instead of failing again (with a traceback) when the interpreter exits."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
