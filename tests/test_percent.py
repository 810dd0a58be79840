"""Percentages are shown as coverage.py shows them: a rounded figure never crosses 0 or 100."""

from __future__ import annotations

import pytest

from tracker.metrics import percent


@pytest.mark.parametrize(("value", "shown"), [
    (100.0, "100.0%"), (99.968, "99.9%"), (99.95, "99.9%"), (99.94, "99.9%"),
    (0.0, "0.0%"), (0.01, "0.1%"), (0.049, "0.1%"), (84.375, "84.4%"), (50.0, "50.0%"),
])
def test_percentages_never_round_across_0_or_100(value, shown):
    assert percent(value) == shown


def test_precision_zero_reads_like_coverage_reports_default():
    assert [percent(v, 0) for v in (99.6, 0.4, 55.5, 100.0)] == ["99%", "1%", "56%", "100%"]
