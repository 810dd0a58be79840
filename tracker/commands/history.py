"""``tracker history``: coverage, test count and pass rate along the first-parent line, and what
each item changed. Thin over :func:`tracker.history.runs_history.read_history`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tracker.commands.common import fail, loaded_plan, plan_option
from tracker.render.status_json import delta_data, flaky_data
from tracker.text import json_safe, one_line

if TYPE_CHECKING:
    from tracker.evidence.timeline import CommitRow
    from tracker.history.runs_history import History

#: The ``format`` of ``--json``; bumped when a field changes meaning or goes.
JSON_VERSION = 1


@click.command("history")
@plan_option
@click.option("--item", "item_ids", multiple=True, metavar="ID",
              help="Show what this item changed (repeatable; default: every item linking "
                   "tests).")
@click.option("--flaky", is_flag=True,
              help="Also list tests whose outcome changed between runs of unchanged code.")
@click.option("--json", "as_json", is_flag=True, help="Print the documented JSON form.")
def history_command(plan_path: Path, item_ids: tuple[str, ...], flaky: bool,
                    as_json: bool) -> None:
    """Show how coverage and the test count moved, commit by commit, and what each item changed.

    Lists the commits of the current branch's first-parent line that have runs (recorded,
    imported from notes or backfilled), newest first, with coverage, test count, pass rate
    and their change since the previous listed commit. Runs on a dirty tree and runs of
    other branches are listed apart, never under a commit. For each item: the commit where
    its first linked test arrived, and its targets' coverage and test count just before
    (the nearest run at or before that commit's parent) and now; when no run is that old,
    the tracker backfill command that records one.
    """
    from tracker.errors import StoreError
    from tracker.evidence.workspace import gather_workspace
    from tracker.history.log import PendingLog
    from tracker.history.runs_history import read_history

    root = plan_path.resolve().parent
    pending = PendingLog(root)  # git walks the history while the plan and tests are read
    plan = loaded_plan(plan_path)
    unknown = [i for i in item_ids if plan.item(i) is None]
    if unknown:
        fail(f"--item {unknown[0]}: no item has this id; check {plan_path}")
    items = gather_workspace(plan, root).items
    try:
        found = read_history(root, plan, items, only=item_ids, flaky=flaky, pending=pending)
    except StoreError as exc:
        fail(f"tracker history: {exc}")
    if as_json:
        click.echo(json_safe(json.dumps(history_json(found), indent=2, ensure_ascii=False)))
    else:
        click.echo(history_text(found), nl=False)


def history_json(found: History) -> dict[str, Any]:
    """The documented JSON form (README, ``tracker history``)."""
    line = found.timeline
    return {
        "format": "tracker-history", "version": JSON_VERSION,
        "head": found.log.head, "problem": line.problem,
        "commits": [_row_json(row) for row in line.rows],
        "loose_runs": [{"run": r.run_id, "commit": r.commit, "why": r.why,
                        "started": r.started.isoformat(), "coverage": _num(r.coverage),
                        "tests": r.tests} for r in line.loose],
        "unjudged": [{"commit": c.sha, "date": c.day.isoformat(), "reason": why}
                     for c, why in line.unjudged],
        "items": [delta_data(d) for d in found.deltas],
        "flaky": [flaky_data(f) for f in found.flaky],
    }


def _num(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _row_json(row: CommitRow) -> dict[str, Any]:
    c = row.commit
    return {"commit": c.sha, "date": c.authored.isoformat(), "author": c.author,
            "subject": c.subject, "run": row.run_id, "runs": list(row.runs),
            "source": row.source, "partial": row.partial, "coverage": _num(row.coverage),
            "tests": row.tests, "passed": row.passed, "failed": row.failed,
            "pass_rate": _num(row.pass_rate), "coverage_change": _num(row.coverage_change),
            "tests_change": row.tests_change, "items_arrived": list(row.arrived)}


def history_text(found: History) -> str:
    """The history for a terminal: commits, loose runs, unjudged commits, items, flaky tests."""
    line = found.timeline
    out: list[str] = []
    if line.problem:
        out.append(f"note: {line.problem}")
    out.append(f"{_count(len(line.rows), 'commit')} with runs on the first-parent line"
               + (", newest first:" if line.rows else ""))
    out.extend(_row_text(row) for row in line.rows)
    if line.loose:
        out.append("Runs not filed under a commit of the line:")
        for r in line.loose:
            where = f" on {r.commit[:10]}" if r.commit else ""
            out.append(f"  run {r.run_id}: {r.why}{where}, {_pct(r.coverage)}, "
                       f"{_count(r.tests, 'test')}")
    if line.unjudged:
        out.append("Commits backfill could not judge:")
        out.extend(f"  {c.short}  {one_line(why)}" for c, why in line.unjudged)
    if found.deltas:
        out.append("What each item changed:")
        out.extend(f"  {d.item_id}: {d.describe()}" for d in found.deltas)
    if found.flaky:
        out.append("Flaky tests:")
        out.extend(f"  {one_line(f.nodeid)}: {f.describe()}" for f in found.flaky)
    return "\n".join(out) + "\n"


def _row_text(row: CommitRow) -> str:
    c = row.commit
    coverage = _pct(row.coverage)
    if row.coverage_change is not None:
        coverage += f" ({round(row.coverage_change, 1) or 0.0:+.1f})"  # never "-0.0"
    tests = _count(row.tests, "test") + (f" ({row.tests_change:+d})"
                                         if row.tests_change else "")
    rate = "—" if row.pass_rate is None else f"{row.pass_rate:.0f}% pass"
    tags = [row.source] if row.source != "pytest" else []
    tags += ["partial"] if row.partial else []
    tags += [f"arrived: {', '.join(row.arrived)}"] if row.arrived else []
    extra = f"  [{'; '.join(tags)}]" if tags else ""
    return (f"  {c.short}  {c.day.isoformat()}  {coverage:<16} {tests:<16} {rate:<9} "
            f"{one_line(c.subject)[:40]}{extra}")


def _pct(value: float | None) -> str:
    return "no coverage" if value is None else f"{value:.1f}%"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
