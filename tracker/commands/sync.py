"""``tracker sync [REMOTE]``: share recorded runs through git notes, then import them.

Thin over :mod:`tracker.history.notes_remote` (fetch, merge, push, retried when others push at
the same time) and :mod:`tracker.history.run_notes` (import into the store). Prints what it did
in one line, a warning line per note it could not read; any failure is one line, exit 2.
"""

from __future__ import annotations

from pathlib import Path

import click

from tracker.commands.common import count, fail, plan_option


@click.command("sync")
@plan_option
@click.argument("remote", required=False)
@click.option("--no-push", is_flag=True,
              help="Only fetch and import: for clones that may not push (read-only access).")
def sync_command(plan_path: Path, remote: str | None, no_push: bool) -> None:
    """Share recorded runs with REMOTE through git, then import every noted run.

    Runs attached to their commits as git notes (refs/notes/tracker) are fetched from REMOTE
    (default: the current branch's remote, else origin), merged with this clone's notes
    without losing a run from either side, and pushed back; a push rejected because another
    job pushed at the same moment is fetched, merged and retried. Then every noted run the
    local store lacks is imported (importing twice stores each run once). Notes that cannot
    be read are skipped with a warning naming their commit. Works in shallow clones.
    """
    from tracker.errors import StoreError
    from tracker.history.notes import NotesError
    from tracker.history.notes_remote import default_remote, sync_notes
    from tracker.history.run_notes import import_notes
    from tracker.paths import default_store_path
    from tracker.store import Store

    root = plan_path.resolve().parent
    try:
        name = remote or default_remote(root)
        synced = sync_notes(root, name, push=not no_push)
        with Store.open(default_store_path(root)) as store:
            imported = import_notes(root, store)
    except (NotesError, StoreError) as exc:
        fail(f"tracker sync: {exc}")
    for warning in imported.bad:
        click.echo(f"tracker: warning: {warning}", err=True)
    fetched = (f"fetched the notes of {count(synced.fetched, 'commit')}" if synced.fetched
               else "no new notes")
    pushed = ("pushed" if synced.pushed else "nothing to push" if not no_push
              else "not pushed (--no-push)")
    retried = f" (after {synced.attempts} tries)" if synced.attempts > 1 else ""
    click.echo(f"tracker: synced runs with {name}: {fetched}, {pushed}{retried}; imported "
               f"{count(imported.imported, 'new run')}"
               + (f", skipped {count(len(imported.bad), 'bad note')}" if imported.bad else ""))
