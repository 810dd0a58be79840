"""``--note``, shared by ``tracker run`` and ``tracker ingest``: attach the recorded run to its
commit as a git note (refs/notes/tracker), so that ``tracker sync`` shares it.

A run of a dirty tree is never noted: no commit holds the code it ran. ``run --note`` checks
that before the tests start (a long suite is not run for nothing) and again after, since the
tree may change while the tests run. A refusal is one line and exit 2; the run itself stays
recorded in the local store either way, and its summary is printed first.

plan.yaml's ``runs: {note: true}`` makes noting the project's default. Asked for by the plan
rather than by the person typing, a run that cannot be noted (uncommitted changes, the usual
case while working) is said in one line and is not an error: the command exits as it would
have without notes. ``--no-note`` turns the default off for one command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tracker.commands.common import fail

if TYPE_CHECKING:
    from tracker.plan.model import Plan

F = TypeVar("F", bound=Callable[..., Any])


def note_option(function: F) -> F:
    """``--note/--no-note``, the same on every command that records a run."""
    return click.option(
        "--note/--no-note", default=None,
        help="Also attach the run to its commit as a git note (refs/notes/tracker), to share "
             "with tracker sync. Refused, exit 2, for a tree with uncommitted changes. "
             "Default: plan.yaml's runs: {note: ...}, else no.",
    )(function)


@dataclass(frozen=True, slots=True)
class Noting:
    """Whether a command notes its run, and whether failing to is an error."""

    wanted: bool  #: note the run
    insisted: bool  #: --note was typed: a run that cannot be noted is exit 2

    @classmethod
    def of(cls, flag: bool | None, plan: Plan) -> Noting:
        """``--note``/``--no-note`` when given, else the plan's ``runs: {note: ...}``."""
        if flag is not None:
            return cls(flag, flag)
        return cls(plan.runs.note, False)


def refuse_dirty_tree(root: Path) -> None:
    """Exit 2 before any work when the tree has uncommitted changes or no commit."""
    from tracker.history.gitcli import head_state

    commit, dirty = head_state(root)
    if commit is None:
        fail("--note: there is no commit to attach the run to (not a git repository, or no "
             "commit yet)")
    if dirty:
        fail(f"--note: tracked files differ from commit {commit[:10]}: a note holds only runs "
             "of committed code; commit (or stash) the changes, then run again")
