"""Results of test runs as plain values: what the pytest plugin, JUnit ingestion and the store
exchange. No I/O here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tracker.pickling import pickled_by_fields

#: Outcomes, worst first: a test's outcome is the worst of its setup, call and teardown.
OUTCOMES = ("error", "failed", "xpassed", "passed", "xfailed", "skipped")
PASSING = frozenset({"passed", "xfailed"})
FAILING = frozenset({"failed", "error"})


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TestOutcome:
    """One test case's result in one run."""

    __test__ = False

    nodeid: str  #: pytest node id relative to the root, parameters included
    outcome: str  #: one of OUTCOMES
    duration: float = 0.0  #: seconds, setup + call + teardown
    markers: tuple[str, ...] = ()
    fixtures: tuple[str, ...] = ()
    plan_items: tuple[str, ...] = ()  #: from @pytest.mark.plan(...)
    message: str | None = None  #: first line of the failure, error or skip reason

    @property
    def file(self) -> str:
        return self.nodeid.split("::", 1)[0]

    @property
    def base_id(self) -> str:
        """The node id without parameters: ``f.py::test_x[1]`` → ``f.py::test_x``."""
        head, bracket, _ = self.nodeid.partition("[")
        return head if bracket else self.nodeid


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class CollectionError:
    """A file or node pytest could not collect."""

    nodeid: str
    message: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class FileCoverage:
    """coverage.py's measurement of one source file."""

    path: str  #: relative to the root, forward slashes
    statements: int
    missing: tuple[int, ...] = ()  #: line numbers not executed
    branches: int = 0
    missing_branches: int = 0  #: branch destinations never taken
    #: the branch arcs never taken, ``(from_line, to_line)`` as coverage.py reports them (a
    #: negative destination is an exit from the code object starting at that line). Known
    #: when there are exactly ``missing_branches`` of them; older records and reports that
    #: only count them leave this empty. With them, shards of one suite combine exactly.
    missing_arcs: tuple[tuple[int, int], ...] = ()

    @property
    def arcs_known(self) -> bool:
        """Whether :attr:`missing_arcs` lists every missing branch (not only a count)."""
        return len(self.missing_arcs) == self.missing_branches

    @property
    def covered_statements(self) -> int:
        return self.statements - len(self.missing)

    @property
    def percent(self) -> float:
        """Statement+branch coverage, as coverage.py's report computes it."""
        total = self.statements + self.branches
        if not total:
            return 100.0
        return 100.0 * (self.covered_statements + self.branches - self.missing_branches) / total


@dataclass(frozen=True)
class RunRecord:
    """One recorded run: what ran, on which code, and what came out."""

    started: dt.datetime  #: UTC
    finished: dt.datetime  #: UTC
    commit: str | None = None
    dirty: bool = False
    args: tuple[str, ...] = ()
    exit_code: int = 0
    source: str = "pytest"  #: "pytest" (tracker run) or "junit" (tracker ingest)
    outcomes: tuple[TestOutcome, ...] = ()
    coverage: tuple[FileCoverage, ...] = ()
    collection_errors: tuple[CollectionError, ...] = ()
    file_hashes: dict[str, str] = field(default_factory=dict)  #: path → sha1 at run time
    id: int | None = None  #: set by the store
    deselected: tuple[str, ...] = ()  #: collected, then deselected (-m, -k, --deselect)
    #: the markers of deselected tests that have any (a case's own marks included)
    deselected_markers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    collection_skips: tuple[CollectionError, ...] = ()  #: skipped while collecting, and why
    #: set by layering (:mod:`.layering`) when the coverage is an older whole run's: that
    #: run's hashes of the files it measured, to tell whether the coverage still describes
    #: the code. None: the coverage (if any) is this run's own.
    coverage_hashes: dict[str, str] | None = None
    #: which lines each test file's tests ran, by test file then measured source file
    #: (coverage.py contexts, one a test file: see tracker.evidence.test_contexts); what an
    #: item's own tests cover is read from it. Empty when the run recorded no contexts.
    test_file_lines: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Number of tests per outcome."""
        out = dict.fromkeys(OUTCOMES, 0)
        for o in self.outcomes:
            out[o.outcome] = out.get(o.outcome, 0) + 1
        return out

    def coverage_total(self) -> float | None:
        """Total coverage over all measured files, None when nothing was measured."""
        if not self.coverage:
            return None
        statements = sum(f.statements + f.branches for f in self.coverage)
        if not statements:
            return 100.0
        covered = sum(f.covered_statements + f.branches - f.missing_branches
                      for f in self.coverage)
        return 100.0 * covered / statements
