"""Which test file ran which lines: a coverage.py dynamic context per test file.

``tracker run`` passes ``--tracker-contexts`` when it measures coverage; the plugin then
registers :class:`ContextSwitcher` in the process that runs the tests (the controller, or
each xdist worker, whose coverage :mod:`.worker_coverage` started). Before each test's setup
it switches coverage.py's dynamic context to the test's file (``tests/test_cart.py``), as
pytest-cov's ``--cov-context=test`` switches it to the node id: the combined data then says
which test file ran each line (``CoverageData.contexts_by_lineno``), and an item's own
coverage is what its tests' files ran of its targets.

One context a test *file*, not a test: the switch happens only when the file changes (a
few hundred times in a big suite, not thousands), the data stays small, and the figure a
note must carry stays small too (per test file, per measured file, line ranges). Lines run
while modules are imported (collection) are in no test file's context, as with pytest-cov.

Each switch makes coverage.py write what was measured so far to its data file. It opens
and closes its SQLite connection around every such write (about 1 ms each, most of what
contexts cost a run): the switcher keeps that connection open from the first switch to the
end of the session (:meth:`ContextSwitcher.hold`), so the writes share one connection and
one transaction, committed when the session finishes, before coverage.py saves at exit.

Loaded into users' test runs: imports pytest only; coverage is imported when switching.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

OPTION = "--tracker-contexts"


class ContextSwitcher:
    """Switches the running Coverage's dynamic context to each test's file."""

    def __init__(self, cov: Any) -> None:
        self.cov = cov
        self.current: str | None = None
        self._held: contextlib.ExitStack | None = None

    @classmethod
    def running(cls) -> ContextSwitcher | None:
        """A switcher for the Coverage measuring this process; None when none is, or when
        the project's own configuration sets ``dynamic_context`` (coverage.py would mix its
        contexts with ours: the run then records no test file's lines, and no item shows an
        own figure rather than a wrong one)."""
        try:
            import coverage
        except ImportError:
            return None
        cov = coverage.Coverage.current()
        if cov is None or cov.get_option("run:dynamic_context"):
            return None
        return cls(cov)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        context = item.nodeid.split("::", 1)[0]
        if context != self.current:
            first = self.current is None
            self.current = context
            self.cov.switch_context(context)
            if first:  # after coverage.py's first write, which starts the file afresh
                self.hold()

    def hold(self) -> None:
        """Keep the data file's connection open until :meth:`release`.

        This reaches into coverage.py: the Coverage's collector (``_collector``, private)
        and the data it writes to (``covdata``), whose ``keep_db_open()`` (coverage.py
        7.x, there for its reports) enters the connection once, so that the writes of
        every switch nest inside it rather than reconnecting. When any of them is missing
        (another coverage.py), nothing is held: each switch reconnects, slower but the
        same data.
        """
        data = getattr(getattr(self.cov, "_collector", None), "covdata", None)
        keep = getattr(data, "keep_db_open", None)
        if keep is None or self._held is not None:
            return
        stack = contextlib.ExitStack()
        stack.enter_context(keep())
        self._held = stack

    def release(self) -> None:
        """Commit and close the held connection (coverage.py reopens it as it needs)."""
        held, self._held = self._held, None
        if held is not None:
            held.close()

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        # First: before an xdist worker's coverage is saved (the plugin's own hook), and
        # before coverage.py's save at exit; a save closes the connection, uncommitted.
        self.release()

    def pytest_unconfigure(self) -> None:
        self.release()  # a session cut short before it finished
