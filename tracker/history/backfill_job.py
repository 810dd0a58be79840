"""One backfill job: the suite run in a worktree by a process of its own.

``python -m tracker.history.backfill_job REQUEST`` reads a JSON request, runs
:func:`tracker.runner.run_suite` on the worktree's copy of the plan's folder and writes a JSON
result next to it: the run as a note line (tracker.evidence.note_format, the versioned form
runs travel in), or why the commit cannot be judged.

A process per job, rather than a thread, because each job needs its own environment: the
worktree's import paths go first on the tests' ``PYTHONPATH`` (see
:func:`tracker.history.worktrees.import_paths`), set only after this process imported the
current tracker, so the job itself never runs a past commit's code.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from tracker import __version__
from tracker.evidence.results import RunRecord
from tracker.text import one_line

#: Words of a collection error that mean the environment lacks a module the code imports.
_MISSING_MODULE = ("ModuleNotFoundError", "No module named", "ImportError", "cannot import name")


def unjudged_reason(run: RunRecord) -> str | None:
    """Why a finished run says nothing about the commit's tests; None when it is evidence.

    A run whose every test file failed to collect proves nothing about the tests (pytest ran
    none): the collection crashed, often because the environment lacks a module that commit
    needed. Files failing beside tests that ran are ordinary evidence (failing items).
    """
    if run.outcomes or not run.collection_errors:
        return None
    first = run.collection_errors[0]
    message = f"{first.nodeid or 'collection'}: {first.message}"
    more = len(run.collection_errors) - 1
    if more:
        message += f" (and {more} more)"
    if any(word in e.message for e in run.collection_errors for word in _MISSING_MODULE):
        return f"a module the environment lacks (or renamed since): {message}"
    return f"tests cannot be collected: {message}"


def _run_error(text: str, log: Path) -> str:
    """Why pytest gave no run, in words for the backfill's summary. When it did not start,
    the runner points "above", to a terminal; a backfill wrote pytest's output to ``log``,
    so its last line (pytest's own complaint: a config it no longer reads, a plugin missing)
    is quoted instead, with where the rest is."""
    if not text.startswith("pytest did not start"):
        return f"pytest: {text}"
    try:
        with log.open("rb") as handle:
            handle.seek(max(0, log.stat().st_size - 4096))
            tail = handle.read().decode("utf-8", "replace")
    except OSError:
        return f"pytest: {text}"
    said = next((line for line in reversed(tail.splitlines()) if line.strip()), "")
    if not said:
        return f"pytest: {text}"
    head = text.split(":", 1)[0]  # "pytest did not start (exit 1)"
    return f"{head}: {one_line(said)[:300]} (its output: {log})"


def main(argv: list[str]) -> int:
    request: dict[str, Any] = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    result_path = Path(request["result"])
    started = time.monotonic()
    try:
        result = _run(request)
    except KeyboardInterrupt:
        return 130
    result["seconds"] = time.monotonic() - started
    tmp = result_path.with_name(result_path.name + ".tmp")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.replace(tmp, result_path)
    return 0


def _run(request: dict[str, Any]) -> dict[str, Any]:
    from tracker.evidence.note_format import NoteRefused, encode_run
    from tracker.plan.model import CoverageConfig
    from tracker.runner import RunError, run_suite

    paths = [*request["pythonpath"], *filter(None, [os.environ.get("PYTHONPATH")])]
    if paths:  # the worktree's code first, for pytest only: this process has its imports
        os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    coverage = CoverageConfig(tuple(request["source"]), tuple(request["omit"]))
    with open(request["log"], "w", encoding="utf-8", errors="replace") as log:
        try:
            outcome = run_suite(Path(request["root"]), list(request["args"]),
                                plan_coverage=coverage, measure=request["measure"],
                                output=log)
        except RunError as exc:  # NothingRan included: no tests collected, all deselected
            return {"status": "unjudged", "reason": _run_error(str(exc), Path(request["log"]))}
    record = outcome.record
    reason = unjudged_reason(record)
    if reason is not None:
        return {"status": "unjudged", "reason": reason}
    # The worktree held exactly the commit when pytest started; files the tests wrote since
    # do not make the code run another commit's.
    record = dataclasses.replace(record, commit=request["commit"], dirty=False)
    try:
        line = encode_run(record, __version__)
    except NoteRefused as exc:
        return {"status": "unjudged", "reason": str(exc)}
    return {"status": "ran", "line": line.text}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
