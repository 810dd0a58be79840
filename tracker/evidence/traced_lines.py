"""The statements each test file ran, from the lines coverage.py traced in its context.

coverage.py's data holds traced lines; its reports count statements, translating the lines
of a multi-line statement to the statement. An item's own coverage
(:mod:`tracker.evidence.own_coverage`) compares what its test files ran with the run's
statements, so it must count the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TestFileLines = dict[str, dict[str, tuple[int, ...]]]


def relative(path: str, root: Path) -> str:
    """A measured file's path relative to ``root`` (as given when outside it)."""
    p = Path(path)
    if p.is_absolute():
        try:
            return p.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix()


def _statement_lines(report: Any, root: Path) -> dict[str, frozenset[int]]:
    """Each reported file's statements, where the report shows exactly them: the lines run
    or missing, less the excluded ones, when they are as many as its statements (the lines
    run may hold lines that are no statement, such as a class's docstring)."""
    out: dict[str, frozenset[int]] = {}
    for name, entry in report["files"].items():
        shown = frozenset(entry.get("executed_lines", ())).union(entry.get("missing_lines", ()))
        shown -= frozenset(entry.get("excluded_lines", ()))
        if len(shown) == entry.get("summary", {}).get("num_statements"):
            out[relative(name, root)] = shown
    return out


def statements_only(found: TestFileLines, report: Any, cov: Any, data: Any, root: Path
                    ) -> TestFileLines:
    """The statements each context ran, from the lines it traced, as coverage.py's reports
    count them.

    The data holds traced lines, not statements: a call written over six lines traces its
    continuation lines, a decorated ``def`` its ``def`` line, excluded code its own lines.
    Counted raw, a test that ran one such call "covered" six statements, and an item's own
    figure read 100% of a target half of which no test ran. coverage.py's reports translate
    traced lines to the statements they belong to and keep the statements
    (``FileReporter.translate_lines`` and ``lines``, its plugin interface); so do we, parsing
    only the files that traced a line that is not one of their statements.
    """
    statements = _statement_lines(report, root)
    names = {relative(name, root): name for name in data.measured_files()}
    reporters: dict[str, Any] = {}
    parsed: dict[str, frozenset[int]] = {}

    def translated(path: str, lines: tuple[int, ...]) -> tuple[int, ...]:
        known = statements.get(path)
        if known is not None and all(n in known for n in lines):
            return lines
        if path not in reporters:
            reporters[path] = _reporter(cov, names.get(path))
        reporter = reporters[path]
        if reporter is None and known is None:
            return ()  # neither the report nor coverage.py can tell its statements
        try:
            if reporter is not None:
                if path not in parsed:
                    parsed[path] = frozenset(reporter.lines())
                known = parsed[path]
                lines = tuple(reporter.translate_lines(lines))
        except Exception:  # noqa: BLE001 - a file coverage.py cannot parse: as reported
            pass
        return tuple(sorted(n for n in lines if n in (known or ())))

    out: TestFileLines = {}
    for test, files in found.items():
        kept = {path: translated(path, lines) for path, lines in files.items()}
        out[test] = {path: lines for path, lines in kept.items() if lines}
    return out


def _reporter(cov: Any, name: str | None) -> Any:
    """coverage.py's file reporter of a Python file, or None (another plugin's file, or a
    coverage.py without it): its traced lines are then kept where the report shows
    statements, which may miss a multi-line statement but never counts one twice."""
    if name is None or not name.endswith(".py"):
        return None
    try:
        from coverage.python import PythonFileReporter

        return PythonFileReporter(name, cov)
    except Exception:  # noqa: BLE001 - an internal moved: fall back to the report
        return None
