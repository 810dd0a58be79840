"""Coverage in pytest-xdist workers, which ``coverage run`` does not reach.

``tracker run`` starts the controller under ``coverage run``; xdist's workers are fresh
interpreters. The plugin calls :func:`start` in each worker when ``tracker run`` has put its
coverage settings in the environment, the way pytest-cov measures its workers, and each
worker saves its own data file for ``tracker run`` to combine.
"""

from __future__ import annotations

import json
import os
from typing import Any

ENV = "TRACKER_COVERAGE"


def settings_env(data_file: str, source: list[str], omit: list[str],
                 config_file: str | bool) -> str:
    """The environment value ``tracker run`` sets for its workers."""
    return json.dumps({"data_file": data_file, "source": source, "omit": omit,
                       "config_file": config_file})


def start() -> Any | None:
    """Start measuring this worker when asked to; None when not asked or not possible."""
    raw = os.environ.get(ENV)
    if not raw:
        return None
    try:
        settings = json.loads(raw)
        import coverage

        cov = coverage.Coverage(data_file=settings["data_file"], data_suffix=True, branch=True,
                                source=settings["source"] or None, omit=settings["omit"] or None,
                                config_file=settings["config_file"])
        cov.start()
    except Exception:  # measuring is a bonus here: never break the user's test run
        return None
    return cov


def stop(cov: Any) -> None:
    """Stop and save a worker's measurement."""
    try:
        cov.stop()
        cov.save()
    except Exception:  # pragma: no cover - a failing save must not fail the tests
        pass


def quiet_controller() -> None:
    """Silence coverage.py's "No data was collected" in the xdist controller: ``coverage
    run`` measures it, but it runs no tests, so it has nothing to collect (the workers
    measure, and their data is combined); the warning would say a failure that is none."""
    try:
        import coverage

        cov = coverage.Coverage.current()
        if cov is not None:
            quiet = cov.get_option("run:disable_warnings")
            cov.set_option("run:disable_warnings",
                           [*(quiet if isinstance(quiet, list) else []), "no-data-collected"])
    except Exception:  # pragma: no cover - quieter output is a bonus: never break the run
        pass
