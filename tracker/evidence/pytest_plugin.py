"""tracker's pytest plugin: links tests to plan items and records outcomes when asked.

Loaded into every pytest run of every project that installs tracker (entry point
``pytest11``), so importing it must stay cheap: no Textual, no GitPython, nothing of ours but
this module until recording is switched on.
"""

from __future__ import annotations

import pytest

MARKER_HELP = "plan(*item_ids): link this test to items of the testing plan (tracker)"


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``plan`` marker so ``--strict-markers`` suites accept it."""
    config.addinivalue_line("markers", MARKER_HELP)
