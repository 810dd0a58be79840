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

Loaded into users' test runs: imports pytest only; coverage is imported when switching.
"""

from __future__ import annotations

from typing import Any

import pytest

OPTION = "--tracker-contexts"


class ContextSwitcher:
    """Switches the running Coverage's dynamic context to each test's file."""

    def __init__(self, cov: Any) -> None:
        self.cov = cov
        self.current: str | None = None

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
            self.current = context
            self.cov.switch_context(context)
