"""Judging the plan's metrics: the current value of each measure, whether its target is
met, and its trend over recorded runs."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tracker import metrics as measures
from tracker.assess.quality import source_measure
from tracker.assess.verdicts import MACHINE_DEPENDENT, MetricAssessment
from tracker.evidence.bundle import RunPoint
from tracker.evidence.values import Workspace
from tracker.plan.measures import SOURCE_MEASURES, parse_measure
from tracker.plan.model import Metric

if TYPE_CHECKING:  # a run's module: imported only when there is one
    from tracker.evidence.results import RunRecord


def judge_metric(metric: Metric, run: RunRecord | None,
            history: tuple[RunPoint, ...], workspace: Workspace | None = None
            ) -> MetricAssessment:
    if metric.qualitative or not metric.measure:
        return MetricAssessment(metric, None, None, "qualitative")
    measure = parse_measure(metric.measure)
    if measure.name in SOURCE_MEASURES:  # read from the source: no run needed
        value = None if workspace is None else source_measure(
            measure, workspace.quality, workspace.tests)
        met = None if value is None or metric.target is None else \
            measures.meets(value, metric.target)
        shown = measures.display(measure, value) if value is not None else (
            "no function in the files the glob matches" if measure.name == "complexity.max"
            else "no test to read")
        return MetricAssessment(metric, value, met, shown)
    trend = _trend(measure.name, measure.arg, history)
    machine = measure.name in MACHINE_DEPENDENT
    if run is None:
        return MetricAssessment(metric, None, None, "not yet measured", trend, machine)
    value = measures.measure_value(measure, run)
    met = None
    if value is not None and metric.target is not None:
        met = measures.meets(value, metric.target)
    shown = (measures.unmeasurable(measure, run) if value is None else None) \
        or measures.display(measure, value)
    return MetricAssessment(metric, value, met, shown, trend, machine)


def _trend(name: str, arg: str | None, history: tuple[RunPoint, ...]) -> tuple[float, ...]:
    """A metric over recorded runs, for the measures run summaries can give."""
    values: list[float | None]
    match name:
        case "coverage.total":
            values = [p.coverage_total for p in history]
        case "tests.count":
            values = [float(p.test_count) for p in history]
        case "tests.passed":
            values = [float(p.counts.get("passed", 0)) for p in history]
        case "tests.failed":
            values = [float(p.counts.get("failed", 0) + p.counts.get("error", 0))
                      for p in history]
        case "tests.pass_rate":
            values = [_rate(p) for p in history]
        case "tests.duration":
            values = [p.seconds for p in history]
        case _:
            values = []
    return tuple(v for v in values if v is not None)


def _rate(point: RunPoint) -> float | None:
    ran = point.test_count - point.counts.get("skipped", 0) - point.counts.get("xfailed", 0)
    return 100.0 * point.counts.get("passed", 0) / ran if ran else None
