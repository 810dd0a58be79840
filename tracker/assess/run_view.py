"""The run the statuses are judged on, indexed for quick lookups by node id, file, marker
and plan item.

Big plans link thousands of items to one run, many of them the same way: every lookup here
is computed once per distinct link and shared, which keeps judging linear in the plan.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tracker import metrics as measures
from tracker.assess.verdicts import Tally
from tracker.evidence.hashes import conftest_candidates
from tracker.evidence.keyword import haystack, keyword_filter
from tracker.evidence.layering import is_partial_run
from tracker.plan.model import LinkKind

if TYPE_CHECKING:  # a run's modules: a plan judged without one never imports them
    from tracker.evidence.own_coverage import OwnCoverage
    from tracker.evidence.results import (
        CollectionError,
        FileCoverage,
        RunRecord,
        TestOutcome,
    )
    from tracker.evidence.values import ItemEvidence, LinkResult, StaticTest

#: a target's coverage and the counts behind it
_TargetCoverage = tuple[float | None, measures.CoverageCounts | None]


class RunView:
    """The latest run indexed for quick lookups by node id, file, marker and plan item."""

    def __init__(self, run: RunRecord, now: dict[str, str],
                 static: dict[str, StaticTest] | None = None) -> None:
        self.run = run
        self.now = now  #: the hashes of the files now
        #: files linked or measured whose content changed since the run
        self.changed = frozenset(f for f, h in run.file_hashes.items()
                                 if now.get(f) not in (None, h))
        #: measured files changed since the run whose coverage is shown (an older whole run
        #: when the latest ran a subset): their coverage no longer describes the code
        self.coverage_changed = self.changed if run.coverage_hashes is None else frozenset(
            f for f, h in run.coverage_hashes.items() if now.get(f) not in (None, h))
        #: no whole run among the runs laid together: nothing measured the targets' coverage
        self.no_whole_run = (run.coverage_hashes is None and not run.coverage
                             and is_partial_run(run))
        self.sources = static or {}  #: the tests the source shows, by node id
        self._static = static  #: as given (see advance)
        self._tallies: dict[tuple[object, ...], Tally] = {}
        self._coverage: dict[tuple[str, ...], _TargetCoverage] = {}
        self._own: dict[tuple[tuple[str, ...], tuple[str, ...]], OwnCoverage | None] = {}
        self._measured: frozenset[str] | None = None
        self.by_base: dict[str, list[TestOutcome]] = {}
        self.by_id: dict[str, TestOutcome] = {}
        self.by_file: dict[str, list[TestOutcome]] = {}
        self.by_item: dict[str, list[TestOutcome]] = {}
        for o in run.outcomes:
            self.by_id[o.nodeid] = o
            self.by_base.setdefault(o.base_id, []).append(o)
            self.by_file.setdefault(o.file, []).append(o)
            for item_id in o.plan_items:
                self.by_item.setdefault(item_id, []).append(o)
        #: scopes the run could not collect (files, folders whose conftest.py failed, packages)
        self.broken = _scopes_of(run.collection_errors)
        self.skipped = _scopes_of(run.collection_skips)
        self.deselected: dict[str, list[str]] = {}  #: by base id: the deselected cases
        self._deselected_ids = frozenset(run.deselected)
        for nodeid in run.deselected:
            self.deselected.setdefault(nodeid.partition("[")[0], []).append(nodeid)
        self._scopes: dict[str, list[TestOutcome]] | None = None
        self._conftests: dict[str, tuple[str, ...]] = {}
        self.coverage: dict[str, FileCoverage] = {f.path: f for f in run.coverage}
        self._dynamic: dict[tuple[LinkKind, str, tuple[str, ...]],
                            tuple[dict[str, TestOutcome], frozenset[str]]] = {}
        self._linked: dict[tuple[LinkKind, str, tuple[str, ...], tuple[str, ...]],
                           tuple[dict[str, TestOutcome], dict[str, None], frozenset[str]]] = {}
        self._named: list[tuple[TestOutcome, str]] | None = None
        self._by_marker: dict[str, list[str]] | None = None

    def advance(self, run: RunRecord, news: Iterable[TestOutcome], now: dict[str, str],
                static: dict[str, StaticTest] | None) -> bool:
        """Show ``run`` instead, in place, when it differs from the run shown only in the
        outcomes ``news`` of tests this run has too, each with the same markers, fixtures
        and plan items (a live run reporting the tests of the last run again); False,
        with nothing changed, otherwise (a new test, other marks: build a new view).

        Which tests each link selects then stays the same: the results of the links
        worked out so far are kept with the new outcomes put in, and a live update costs
        what its few new results touch, not a pass over the whole run for every link.
        """
        if (now is not self.now and now != self.now) or static is not self._static:
            return False
        if len(run.outcomes) != len(self.run.outcomes):
            return False
        swapped: dict[str, TestOutcome] = {}
        for new in news:
            old = self.by_id.get(new.nodeid)
            if old is None or (old.markers, old.fixtures, old.plan_items) != (
                    new.markers, new.fixtures, new.plan_items):
                return False
            if old is not new:
                swapped[new.nodeid] = new
        for nodeid, new in swapped.items():
            old = self.by_id[nodeid]
            self.by_id[nodeid] = new
            for table, key in ((self.by_base, new.base_id), (self.by_file, new.file),
                               *((self.by_item, item) for item in new.plan_items)):
                cases = table[key]
                cases[next(i for i, o in enumerate(cases) if o is old)] = new
        for found in [*(f for f, _ in self._dynamic.values()),
                      *(f for f, _, _ in self._linked.values())]:
            for nodeid in found.keys() & swapped.keys():
                found[nodeid] = swapped[nodeid]
        self.run = run
        self._tallies.clear()  # they hold the old outcomes; the items judged again redo them
        self._scopes = self._named = None  # built again only if a new link needs them
        return True

    def tally(self, item_id: str, ev: ItemEvidence) -> Tally:
        """What the run says about an item's linked tests.

        Items with the same evidence get the same tally, computed once (with its counts):
        big plans link many items the same way, and one run shows the same for each.
        """
        own = item_id if item_id in self.by_item else None
        key = (tuple([(link.link.kind, link.link.value, link.files, link.tests)
                      for link in ev.links]), ev.marked, own)
        known = self._tallies.get(key)
        if known is None:
            known = self._tallies[key] = self._tally(ev, own)
        return known

    def _tally(self, ev: ItemEvidence, own: str | None) -> Tally:
        found: dict[str, TestOutcome] = {}
        not_run: dict[str, None] = {}
        files: set[str] = set()
        for link in ev.links:
            selected, missing, where = self.linked(link)
            found.update(selected)  # dicts merge at C speed
            not_run.update(missing)
            files.update(where)
        for nodeid in ev.marked:
            results = self.static(nodeid)
            if not results:
                not_run[nodeid] = None
            found.update((o.nodeid, o) for o in results)
            files.add(nodeid.split("::", 1)[0])
        for o in self.by_item.get(own, ()) if own is not None else ():
            found[o.nodeid] = o
            files.add(o.file)
        # a case that ran is not missing, whatever else was deselected (the sets' common
        # part found at C speed: marker links select hundreds of results, missing few)
        for nodeid in not_run.keys() & found.keys() if not_run else ():
            del not_run[nodeid]
        deselected = tuple(n for n in not_run if n in self._deselected_ids)
        return Tally(tuple(found.values()), tuple(not_run), _in_scopes(files, self.broken),
                     frozenset(files), deselected, _in_scopes(files, self.skipped),
                     self.cases(not_run))

    def cases(self, nodeids: Iterable[str]) -> int:
        """The test cases some tests the source shows stand for."""
        return sum([source_cases(self.sources, n) for n in nodeids])

    def stale(self, ev: ItemEvidence, tally: Tally) -> tuple[str, ...]:
        """Linked test files, the conftest.py files they load, and targets whose content
        changed since the run."""
        if not self.changed:
            return ()
        files = set(tally.files)
        for path in tally.files:
            files.update(self.conftests(path))
        for target in ev.targets:
            files.update(target.files)
        return tuple(sorted(files & self.changed))

    def conftests(self, path: str) -> tuple[str, ...]:
        """The conftest.py files the run hashed that pytest loads for the test file ``path``
        (each folder's list found once)."""
        folder = path.rpartition("/")[0]
        known = self._conftests.get(folder)
        if known is None:
            hashed = self.run.file_hashes
            known = self._conftests[folder] = tuple(c for c in conftest_candidates(path)
                                                    if c in hashed)
        return known

    def target_coverage(self, ev: ItemEvidence) -> _TargetCoverage:
        """Coverage of an item's targets in the run and the counts behind it."""
        files = tuple([f for target in ev.targets for f in target.files])
        if not files:
            return None, None
        known = self._coverage.get(files)
        if known is None:
            known = self._coverage[files] = self._target_coverage(files)
        return known

    def _target_coverage(self, files: tuple[str, ...]) -> _TargetCoverage:
        coverage, unique = self.coverage, dict.fromkeys(files)  # overlapping targets count once
        measured = [coverage[f] for f in unique if f in coverage]
        counts = measures.coverage_counts(measured)
        if counts is None:  # nothing measured: unknown, whether or not the files are Python
            return None, None
        return counts.percent, counts

    def own_coverage(self, ev: ItemEvidence, tally: Tally) -> OwnCoverage | None:
        """What the item's own tests (the files of its linked tests that ran) ran of its
        targets; None when the run recorded no contexts or measured no target."""
        files = tuple([f for target in ev.targets for f in target.files])
        if not files or not self.run.test_file_lines or not tally.outcomes:
            return None
        tests = tuple(sorted({o.file for o in tally.outcomes}))
        key = (files, tests)
        if key not in self._own:
            from tracker.evidence.own_coverage import own_coverage

            self._own[key] = own_coverage(self.run, tests, files)
        return self._own[key]

    def coverage_unknown(self, ev: ItemEvidence) -> str | None:
        """Why the run cannot tell the coverage of the item's targets as they are now, when
        only a run of the whole suite can: None when it can, or the item has no targets."""
        files = {f for target in ev.targets for f in target.files}
        if not files:
            return None
        if self.no_whole_run:
            return "coverage of targets not measured: no run of the whole suite yet"
        measured = self.measured()
        if measured and not files & measured:
            other = f"{len(measured)} other file" + ("" if len(measured) == 1 else "s")
            return (f"coverage of targets not measured: the run's coverage left them out (it "
                    f"measured {other}, such as {min(measured)}: check coverage's `source` "
                    "setting)")
        changed = sorted(files & self.coverage_changed)
        if not changed:
            return None
        shown = ", ".join(changed[:3]) + (", …" if len(changed) > 3 else "")
        return (f"coverage of targets not measured since {shown} changed: "
                "needs a run of the whole suite")

    def measured(self) -> frozenset[str]:
        """The files the run's coverage measured (built once)."""
        if self._measured is None:
            self._measured = frozenset(f.path for f in self.run.coverage)
        return self._measured

    def named(self) -> list[tuple[TestOutcome, str]]:
        """Every result with the names a ``-k`` expression is matched against, built once."""
        if self._named is None:
            self._named = [(o, haystack(names_of(o))) for o in self.run.outcomes]
        return self._named

    def static(self, nodeid: str) -> list[TestOutcome]:
        """Results of a test the source shows: every case of it, or the one case named."""
        if "[" in nodeid:
            found = self.by_id.get(nodeid) or self.by_id.get(escaped_id(nodeid))
            return [found] if found else []
        return self.by_base.get(nodeid, [])

    def scope(self, prefix: str) -> list[TestOutcome]:
        """Results under a folder, file, class or test (every case), by its node id prefix."""
        if self._scopes is None:
            scopes: dict[str, list[TestOutcome]] = {}
            for o in self.run.outcomes:
                head, _, rest = o.nodeid.partition("::")
                keys = set()
                folder = head
                while folder:
                    keys.add(folder)
                    folder = folder.rpartition("/")[0]
                key = head
                for part in rest.partition("[")[0].split("::"):
                    key = f"{key}::{part}"
                    keys.add(key)
                for key in keys:
                    scopes.setdefault(key, []).append(o)
            self._scopes = scopes
        return self._scopes.get(prefix.rstrip("/"), [])

    def dynamic(self, link: LinkResult) -> tuple[dict[str, TestOutcome], frozenset[str]]:
        """Results the link selects at run time (markers or tests the source cannot show),
        by node id, and their files.

        Big plans repeat the same marker or ``-k`` link many times: each is computed once.
        """
        key = (link.link.kind, link.link.value, link.files)
        found = self._dynamic.get(key)
        if found is None:
            selected = self._select(link)
            found = self._dynamic[key] = ({o.nodeid: o for o in selected},
                                          frozenset(o.file for o in selected))
        return found

    def linked(self, link: LinkResult
               ) -> tuple[dict[str, TestOutcome], dict[str, None], frozenset[str]]:
        """Everything one link contributes: results by node id, the tests the source shows
        that did not run, and the files involved. Computed once per distinct link."""
        key = (link.link.kind, link.link.value, link.files, link.tests)
        known = self._linked.get(key)
        if known is None:
            selected, where = self.dynamic(link)
            found = dict(selected)
            missing: dict[str, None] = {}
            by_run = (link.link.kind in (LinkKind.MARKER, LinkKind.FIXTURE)
                      and self.run.source == "pytest")  # JUnit XML records neither
            for nodeid in link.tests:
                results = self.static(nodeid)
                if by_run and results:  # the run knows its markers and fixtures for sure:
                    results = [o for o in results if o.nodeid in selected]
                    if not results:  # the source scan guessed (a @given argument named
                        continue     # like the fixture, a mark a hook removed)
                cases = self.deselected.get(nodeid) if "[" not in nodeid else None
                if cases:  # some or all of its cases were filtered out of the run
                    missing.update(dict.fromkeys(cases))
                elif not results:
                    missing[nodeid] = None
                found.update((o.nodeid, o) for o in results)
            if link.link.kind is LinkKind.MARKER:  # cases filtered out of the run that carry
                for nodeid in self.deselected_marked(link.link.value):  # it (their own marks
                    if nodeid not in found:                           # the source cannot see)
                        missing[nodeid] = None
            files = frozenset({*link.files, *where, *(t.split("::", 1)[0] for t in link.tests),
                               *(t.split("::", 1)[0] for t in missing)})
            known = self._linked[key] = (found, missing, files)
        return known

    def deselected_marked(self, marker: str) -> list[str]:
        """Deselected tests that carry ``marker``."""
        if self._by_marker is None:
            self._by_marker = {}
            for nodeid, names in self.run.deselected_markers.items():
                for name in names:
                    self._by_marker.setdefault(name, []).append(nodeid)
        return self._by_marker.get(marker, [])

    def _select(self, link: LinkResult) -> list[TestOutcome]:
        value = link.link.value
        match link.link.kind:
            case LinkKind.MARKER:
                return [o for o in self.run.outcomes if value in o.markers]
            case LinkKind.FIXTURE:
                return [o for o in self.run.outcomes if value in o.fixtures]
            case LinkKind.KEYWORD:
                named = self.named()
                hits = keyword_filter(value)([names for _, names in named])
                return [o for (o, _), hit in zip(named, hits, strict=True) if hit]
            case LinkKind.GLOB:
                return [o for f in link.files for o in self.by_file.get(f, [])]
            case LinkKind.PATH:  # what ran under it, also what the source could not show
                return self.scope(value)  # (unittest classes, doctests, generated tests)
            case LinkKind.NODE:
                one = self.by_id.get(value) or self.by_id.get(escaped_id(value))
                return [one] if one is not None else self.scope(value)
        return []


def escaped_id(nodeid: str) -> str:
    """A node id as pytest writes it: non-ASCII characters of parameter ids escaped
    (``test_x[ünï]`` → ``test_x[\\xfcn\\xef]``), as pytest does unless told not to."""
    head, bracket, params = nodeid.partition("[")
    if not bracket or params.isascii():
        return nodeid
    return head + bracket + params.encode("unicode_escape").decode("ascii")


def _scopes_of(errors: tuple[CollectionError, ...]) -> dict[str, str]:
    """Collection errors or skips by the file or folder they stand for (``tests/integration``
    when its conftest.py failed)."""
    return {e.nodeid.split("::", 1)[0].rstrip("/"): e.message for e in errors}


def _in_scopes(files: set[str], scopes: dict[str, str]) -> tuple[str, ...]:
    """``path: message`` of each scope (file or folder) holding one of ``files``."""
    if not scopes:
        return ()
    return tuple(f"{scope}: {message}" for scope, message in sorted(scopes.items())
                 if any(f == scope or f.startswith(scope + "/") or not scope for f in files))


def names_of(outcome: TestOutcome) -> list[str]:
    """The names a ``-k`` expression is matched against: path parts, test names, markers."""
    parts = outcome.nodeid.split("::")
    return [*parts[0].split("/"), *parts[1:], *outcome.markers]

def source_cases(static: dict[str, StaticTest], nodeid: str) -> int:
    """The test cases a test the source shows stands for: its parameters, or one case."""
    test = static.get(nodeid)
    return test.cases if test is not None and "[" not in nodeid else 1
