"""Entry point for ``python -m tracker``."""

from tracker.cli import entry

raise SystemExit(entry())
