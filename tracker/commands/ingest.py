"""``tracker ingest``: record results produced elsewhere (CI artifacts, other runners)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.commands.common import count, fail, load_or_exit, plan_option
from tracker.commands.run import open_store

if TYPE_CHECKING:
    from tracker.evidence.results import FileCoverage


@click.command("ingest")
@plan_option
@click.option("--junit", "junit_file", required=True, type=click.Path(path_type=Path),
              help="JUnit XML written by any test runner.")
@click.option("--coverage", "coverage_file", type=click.Path(path_type=Path),
              help="A coverage.py data file (.coverage) or its JSON report (coverage json).")
@click.option("--commit", help="The commit the results belong to (default: HEAD).")
def ingest_command(plan_path: Path, junit_file: Path, coverage_file: Path | None,
                   commit: str | None) -> None:
    """Record results produced elsewhere (CI artifacts, other runners) as a run.

    Test cases become outcomes with node ids rebuilt as pytest writes them, so the plan's
    links match; coverage comes from a coverage.py data file or its JSON report.
    """
    import datetime as dt

    from tracker.errors import StoreError
    from tracker.evidence.hashes import file_hashes
    from tracker.evidence.junit import JUnitError, parse_junit
    from tracker.evidence.results import RunRecord
    from tracker.history.gitcli import head_state

    load_or_exit(plan_path)
    root = plan_path.resolve().parent
    try:
        outcomes = parse_junit(junit_file, root)
    except JUnitError as exc:
        fail(str(exc))
    coverage: tuple[FileCoverage, ...] = ()
    if coverage_file is not None:
        coverage = _read_coverage(coverage_file, root)
    head_commit, dirty = head_state(root)
    when = dt.datetime.fromtimestamp(junit_file.stat().st_mtime, dt.UTC)
    record = RunRecord(
        started=when, finished=when, commit=commit or head_commit,
        dirty=dirty if commit is None else False, args=(str(junit_file),), source="junit",
        exit_code=1 if any(o.outcome in ("failed", "error") for o in outcomes) else 0,
        outcomes=tuple(outcomes), coverage=coverage,
        file_hashes=file_hashes(root, {o.file for o in outcomes} | {f.path for f in coverage}),
    )
    store = open_store(root)
    try:
        run_id = store.add_run(record)
    except StoreError as exc:
        fail(str(exc))
    finally:
        store.close()
    click.echo(f"tracker: run {run_id} recorded from {junit_file}: "
               f"{count(len(outcomes), 'test')}"
               + (f", {count(len(coverage), 'file')} of coverage" if coverage else ""))


def _read_coverage(coverage_file: Path, root: Path) -> tuple[FileCoverage, ...]:
    """Per-file coverage from a coverage.py data file or its JSON report; exit 2 when it
    cannot be read."""
    import json

    from tracker.evidence.coverage_data import (
        CoverageError,
        parse_coverage_json,
        read_data_file,
    )

    try:
        head = coverage_file.read_bytes()[:1]
    except OSError as exc:
        fail(f"{coverage_file}: cannot read it ({exc.strerror})")
    try:
        if head == b"{":
            return tuple(parse_coverage_json(json.loads(coverage_file.read_text("utf-8")), root))
        return tuple(read_data_file(coverage_file.resolve(), root))
    except (CoverageError, ValueError) as exc:
        fail(f"{coverage_file}: {exc}")
