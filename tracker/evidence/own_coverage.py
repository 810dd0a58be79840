"""What an item's own tests cover of its targets, from the lines each test file ran.

The whole run's coverage of a target says nothing about *this* item's tests: an item whose
only test never touches its target still showed "targets covered 100.0%". A run recorded
with contexts (:mod:`tracker.evidence.test_contexts`) knows which test file ran which lines
(``RunRecord.test_file_lines``); this module adds up what the item's test files ran of its
targets. Pure arithmetic on run values, no I/O: the judge calls it and only compares.

Statements only (contexts are read per line, not per branch arc). Lines that ran while
pytest imported the test modules (a module's ``def`` and ``class`` lines, its imports: the
``""`` entry) ran for no test in particular: they count for no item and are left out of the
figure, which is therefore the share of the targets' statements that only tests can run
that the item's test files ran. An item whose tests call every function of its target
fully gets 100%, one whose tests never call into it 0%.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tracker.evidence.results import RunRecord


@dataclass(frozen=True, slots=True)
class OwnCoverage:
    """The targets' statements that only tests run (not at import), and how many of them
    the item's own test files ran."""

    statements: int
    covered: int

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.statements if self.statements else 100.0


def own_coverage(run: RunRecord, test_files: Iterable[str],
                 targets: Iterable[str]) -> OwnCoverage | None:
    """What ``test_files`` ran of ``targets`` (each counted once) in ``run``; None when the
    run recorded no contexts or measured none of the targets."""
    if not run.test_file_lines:
        return None
    measured = {f.path: f for f in run.coverage}
    paths = [p for p in dict.fromkeys(targets) if p in measured]
    if not paths:
        return None
    ran = [run.test_file_lines.get(test, {}) for test in dict.fromkeys(test_files) if test]
    imported = run.test_file_lines.get("", {})
    statements = covered = 0
    for path in paths:
        file = measured[path]
        at_import = set(imported.get(path, ())).difference(file.missing)
        lines: set[int] = set()
        for files in ran:
            lines.update(files.get(path, ()))
        lines.difference_update(file.missing)  # never more than the run itself ran
        lines.difference_update(at_import)
        testable = max(file.statements - len(at_import), 0)
        statements += testable
        covered += min(len(lines), testable)
    return OwnCoverage(statements, covered)
