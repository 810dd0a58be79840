"""Flaky tests found in the run history: outcomes that changed while the code did not.

A test is flaky when two runs of the same code gave it different outcomes. "The same code" is
decided by the content hashes every run keeps: the test's own file, the ``conftest.py`` files
pytest loads for it, and the targets of the items that link it. A change in any of them
explains a change of outcome, so such runs are never compared. A run that did not hash the
test's own file is not used for it; a ``conftest.py`` or target it did not hash counts as
absent (the runner hashes every one that exists). Skips prove nothing and are left out.

Pure: the caller passes the runs (whole, with their outcomes and hashes) and the targets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tracker.evidence.hashes import conftest_candidates
from tracker.evidence.results import FAILING, OUTCOMES, RunRecord

#: Outcomes that say nothing about whether a test works.
_SILENT = frozenset({"skipped"})

_Key = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True, slots=True)
class Flaky:
    """A test whose outcome varied over runs of unchanged code, with its record."""

    nodeid: str
    runs: int  #: runs of unchanged code that ran it, where its outcome varied
    outcomes: tuple[tuple[str, int], ...]  #: how often each outcome came, worst first
    failing_runs: tuple[int, ...]  #: ids of the runs where it failed or errored (stored runs)

    @property
    def failed(self) -> int:
        return sum(n for outcome, n in self.outcomes if outcome in FAILING)

    def describe(self) -> str:
        """"failed 2 of 14 runs of unchanged code"."""
        if self.failed:
            return f"failed {self.failed} of {self.runs} runs of unchanged code"
        seen = ", ".join(f"{n} {outcome}" for outcome, n in self.outcomes)
        return f"varied over {self.runs} runs of unchanged code ({seen})"


def flaky_tests(runs: Iterable[RunRecord],
                targets: Mapping[str, Iterable[str]] | None = None) -> tuple[Flaky, ...]:
    """Every flaky test in ``runs``, the most often failing first.

    ``targets``: for a test file, the target files of the items that link it (their change
    can change the test's outcome too).
    """
    targets = targets or {}
    groups: dict[tuple[str, _Key], list[tuple[int | None, str]]] = {}
    keys: dict[tuple[int, str], _Key | None] = {}  # per run and file: computed once
    for index, run in enumerate(runs):
        for o in run.outcomes:
            if o.outcome in _SILENT:
                continue
            file = o.file
            if (index, file) not in keys:
                keys[(index, file)] = _code_key(run, file, targets.get(file, ()))
            key = keys[(index, file)]
            if key is not None:
                groups.setdefault((o.nodeid, key), []).append((run.id, o.outcome))
    found: dict[str, tuple[int, Counter[str], list[int]]] = {}
    for (nodeid, _), seen in groups.items():
        if len({outcome for _, outcome in seen}) < 2:
            continue
        runs_seen, counts, failing = found.get(nodeid, (0, Counter(), []))
        counts.update(outcome for _, outcome in seen)
        failing.extend(run_id for run_id, outcome in seen
                       if outcome in FAILING and run_id is not None)
        found[nodeid] = (runs_seen + len(seen), counts, failing)
    flaky = [Flaky(nodeid, n, tuple((o, counts[o]) for o in OUTCOMES if counts[o]),
                   tuple(sorted(set(failing))))
             for nodeid, (n, counts, failing) in found.items()]
    return tuple(sorted(flaky, key=lambda f: (-f.failed, -f.runs, f.nodeid)))


def _code_key(run: RunRecord, file: str, targets: Iterable[str]) -> _Key | None:
    """The hashes of what a test of ``file`` ran against; None when its own file's is unknown."""
    hashes = run.file_hashes
    own = hashes.get(file)
    if own is None:
        return None
    paths = [*conftest_candidates(file), *sorted(set(targets))]
    return ((file, own), *((path, hashes.get(path)) for path in paths))
