"""``tracker store rebuild``: recreate a lost or damaged run store from the runs noted in git.

Thin over :func:`tracker.history.run_notes.rebuild_store`. The old file is moved aside
(``tracker.db.broken-<time>``), never deleted: it may hold local runs that no note has.
"""

from __future__ import annotations

from pathlib import Path

import click

from tracker.commands.common import count, fail, plan_option


@click.group("store")
def store_command() -> None:
    """Look after the local run store (.tracker/tracker.db beside the plan).

    The store is a cache of what git holds: runs noted under refs/notes/tracker can always be
    imported again, so a lost or damaged store is rebuilt from them (tracker store rebuild).
    """


@store_command.command("rebuild")
@plan_option
@click.option("--force", is_flag=True,
              help="Rebuild a store that is not damaged too (it is moved aside, not deleted).")
def rebuild_command(plan_path: Path, force: bool) -> None:
    """Recreate the run store from the runs noted in git (refs/notes/tracker).

    A damaged store is moved aside to tracker.db.broken-<time> (never deleted), a new one is
    created and every noted run is imported into it. Runs only the old store had (never
    noted, such as runs of a dirty tree) stay in the moved file. Fetch the notes others
    pushed first with tracker sync, or run it afterwards.
    """
    import datetime as dt

    from tracker.errors import StoreError
    from tracker.history.notes import NotesError
    from tracker.history.run_notes import rebuild_store
    from tracker.paths import default_store_path

    root = plan_path.resolve().parent
    path = default_store_path(root)
    try:
        done = rebuild_store(root, path, now=dt.datetime.now(dt.UTC), force=force)
    except (NotesError, StoreError) as exc:
        fail(f"tracker store rebuild: {exc}")
    for warning in done.imported.bad:
        click.echo(f"tracker: warning: {warning}", err=True)
    if done.moved_to is not None:
        why = f" ({done.damage})" if done.damage else ""
        state = "damaged" if done.damage else "old"
        click.echo(f"tracker: moved the {state} store to {done.moved_to}{why}", err=True)
    click.echo(f"tracker: rebuilt {path} from the notes of "
               f"{count(done.imported.notes, 'commit')}: "
               f"{count(done.imported.imported, 'run')} imported")
