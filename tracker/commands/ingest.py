"""``tracker ingest``: record results produced elsewhere (CI artifacts, other runners)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.commands.common import EXIT_BAD, count, fail, load_or_exit, plan_option
from tracker.commands.noting import Noting, note_option
from tracker.commands.run import open_store

if TYPE_CHECKING:
    from tracker.evidence.results import FileCoverage


@click.command("ingest")
@plan_option
@click.option("--junit", "junit_files", required=True, multiple=True,
              type=click.Path(path_type=Path),
              help="JUnit XML written by any test runner; repeat it for the reports of shards "
                   "(their union is recorded).")
@click.option("--coverage", "coverage_files", multiple=True, type=click.Path(path_type=Path),
              help="A coverage.py data file (.coverage) or its JSON report (coverage json); "
                   "repeat it for shards (combined as coverage.py combines, never averaged).")
@click.option("--commit", help="The commit the results belong to (default: HEAD).")
@note_option
def ingest_command(plan_path: Path, junit_files: tuple[Path, ...],
                   coverage_files: tuple[Path, ...], commit: str | None, note: bool | None) -> None:
    """Record results produced elsewhere (CI artifacts, other runners) as a run.

    Test cases become outcomes with node ids rebuilt as pytest writes them, so the plan's
    links match; coverage comes from coverage.py data files or their JSON reports. Several
    --junit and --coverage files (the shards of one suite) are recorded as one run: the union
    of the tests (a test in several reports counts with its worst outcome) and the coverage
    combined by coverage.py. With --note (or plan.yaml's runs: {note: true}) the run is also
    attached to its commit as a git note.
    """
    import datetime as dt

    from tracker.errors import StoreError
    from tracker.evidence.hashes import file_hashes
    from tracker.evidence.junit import JUnitError, parse_junit_files
    from tracker.evidence.results import RunRecord
    from tracker.history.gitcli import head_state

    loaded = load_or_exit(plan_path)
    assert loaded.plan is not None  # load_or_exit exits otherwise
    noting = Noting.of(note, loaded.plan)
    root = plan_path.resolve().parent
    if noting.insisted and commit is None:
        from tracker.commands.noting import refuse_dirty_tree

        refuse_dirty_tree(root)
    try:
        outcomes = parse_junit_files(list(junit_files), root)
    except JUnitError as exc:
        fail(str(exc))
    coverage = _read_coverage(list(coverage_files), root) if coverage_files else ()
    head_commit, dirty = head_state(root)
    times = [dt.datetime.fromtimestamp(f.stat().st_mtime, dt.UTC) for f in junit_files]
    record = RunRecord(
        started=min(times), finished=max(times), commit=_commit(root, commit) or head_commit,
        dirty=dirty if commit is None else False, args=tuple(map(str, junit_files)),
        source="junit",
        exit_code=1 if any(o.outcome in ("failed", "error") for o in outcomes) else 0,
        outcomes=tuple(outcomes), coverage=coverage,
        file_hashes=file_hashes(root, {o.file for o in outcomes} | {f.path for f in coverage}),
    )
    store = open_store(root)
    noted = None
    try:
        from tracker.pending import record_run

        # kept aside first and recorded after runs kept earlier: a locked store loses nothing
        run_id = record_run(store, root, record, lambda line: click.echo(line, err=True))
        if noting.wanted:
            from tracker.history.run_notes import note_recorded

            noted = note_recorded(root, store, run_id, record)
    except StoreError as exc:
        fail(str(exc))
    finally:
        store.close()
    named = str(junit_files[0]) if len(junit_files) == 1 else count(len(junit_files), "report")
    click.echo(f"tracker: run {run_id} recorded from {named}: "
               f"{count(len(outcomes), 'test')}"
               + (f", {count(len(coverage), 'file')} of coverage" if coverage else ""))
    if noted is not None:
        click.echo(noted[1], err=True)
        if not noted[0] and noting.insisted:
            raise click.exceptions.Exit(EXIT_BAD)


def _commit(root: Path, given: str | None) -> str | None:
    """The full id of the commit --commit names, when this repository has it; else as given
    (results of a commit this clone lacks are still recorded under its name)."""
    if given is None:
        return None
    from tracker.history.notes import NotesError, resolve_commit

    try:
        return resolve_commit(root, given)
    except NotesError:
        return given


def _read_coverage(coverage_files: list[Path], root: Path) -> tuple[FileCoverage, ...]:
    """Per-file coverage from coverage.py data files or their JSON reports, combined; exit 2
    when one cannot be read or they did not measure the same code.

    Data files are combined by coverage.py itself; JSON reports (which list the missing lines
    and branch arcs) are combined with them exactly by tracker.evidence.shards.
    """
    import json

    from tracker.evidence.coverage_data import (
        CoverageError,
        parallel_parts,
        parse_coverage_json,
        read_data_files,
    )
    from tracker.evidence.shards import NotOneSuite, combine_coverage

    parts: list[tuple[FileCoverage, ...]] = []
    data_files: list[Path] = []
    for coverage_file in coverage_files:
        if not coverage_file.exists():
            if not parallel_parts(coverage_file):
                fail(f"{coverage_file}: no such file, nor parallel parts "
                     f"({coverage_file.name}.*)")
            data_files.append(coverage_file.resolve())  # parallel = true: not yet combined
            continue
        try:
            head = coverage_file.read_bytes()[:1]
        except OSError as exc:
            fail(f"{coverage_file}: cannot read it ({exc.strerror})")
        if head != b"{":
            data_files.append(coverage_file.resolve())
            continue
        try:
            parts.append(parse_coverage_json(json.loads(coverage_file.read_text("utf-8")), root))
        except (CoverageError, ValueError) as exc:
            fail(f"{coverage_file}: {exc}")
    if data_files:
        try:
            parts.insert(0, read_data_files(data_files, root))
        except CoverageError as exc:
            fail(f"{', '.join(map(str, coverage_files))}: {exc}")
    try:
        return combine_coverage(parts)
    except NotOneSuite as exc:
        fail(f"--coverage: {exc}")
