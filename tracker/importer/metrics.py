"""Success metrics written as people write them, turned into tracker metrics.

"Code Coverage: Increase from ~70% to >90%" has a baseline, a target and a known measure
(coverage.total); "Bug escape rate: Reduce by 80%" has none that tracker can measure, so it
stays qualitative with its words as the target. A measure is inferred only when the title
names one and the target is a comparison tracker can check; everything else is qualitative.
"""

from __future__ import annotations

import re

from tracker.importer.draft import DraftMetric
from tracker.importer.ids import ID_PATTERN
from tracker.importer.inline import empty_cell, normal_key, strip_emphasis, unescape_cell
from tracker.importer.markdown import code_span
from tracker.importer.tables import Table
from tracker.plan.measures import parse_measure, parse_target

_FROM_TO = re.compile(r"(?i)(?:^|\b)from\s+(.{1,60}?)\s+to\s+(.{1,60})$")
_ARROW = re.compile(r"(.{1,60}?)\s*(?:→|->|=>)\s*(.{1,60})$")
_UP = ("increase", "raise", "improve", "grow", "expand", "boost", "add")
_DOWN = ("reduce", "decrease", "cut", "lower", "drop", "shrink", "halve")
_LEAD_WORDS = re.compile(r"(?i)^(?:maintain|keep(?:\s+(?:it|them))?|reach|achieve|hit|target:?|"
                         r"goal:?|stay|remain|get|aim for|increase to|raise to|reduce to|"
                         r"decrease to|improve to|at)\s+")
_PHRASES = ((r"at least", ">="), (r"no less than", ">="), (r"minimum(?: of)?", ">="),
            (r"at most", "<="), (r"no more than", "<="), (r"maximum(?: of)?", "<="),
            (r"more than", ">"), (r"over", ">"), (r"above", ">"), (r"greater than", ">"),
            (r"less than", "<"), (r"under", "<"), (r"below", "<"), (r"within", "<="))
_UNITS = ((r"milliseconds?|msecs?", "ms"), (r"seconds?|secs?", "s"), (r"minutes?|mins?", "min"),
          (r"hours?|hrs?", "h"))
_NUMBER = re.compile(r"(>=|<=|>|<|==|=)?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(\+)?\s*"
                     r"(%|ms|s|min|m|h)?")
_FIRST_NUMBER = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?")
_TIME_UNITS = {"ms", "s", "min", "m", "h"}


def normal_target(text: str, direction: str | None = None) -> str | None:
    """A target tracker can check ("> 90%", ">= 600", "< 5 min"), or None."""
    value = strip_emphasis(text).strip().lower()
    if len(value) > 80:
        return None
    value = value.replace("≥", ">=").replace("≤", "<=").replace("~", "").replace("≈", "")
    value = _LEAD_WORDS.sub("", value).strip()
    for phrase, op in _PHRASES:
        value = re.sub(rf"^{phrase}\s+", op + " ", value)
    for pattern, unit in _UNITS:
        value = re.sub(rf"(?<=[0-9\s])(?:{pattern})$", unit, value)
    match = _NUMBER.fullmatch(value.strip())
    if match is None:
        return None
    op, number, plus, unit = match.group(1), match.group(2).replace(",", ""), match.group(3), \
        match.group(4) or ""
    if plus:
        op = op or ">="
    op = op or ("<=" if direction == "down" else ">=")
    unit = "min" if unit == "m" else unit
    shown = f"{op} {number}{unit if unit in ('', '%') else ' ' + unit}"
    try:
        parse_target(shown)
    except ValueError:
        return None
    return shown


def _direction(text: str) -> str | None:
    first = normal_key(text).split(" ", 1)[0] if text.strip() else ""
    if first.startswith(_UP):
        return "up"
    if first.startswith(_DOWN):
        return "down"
    return None


def _number(text: str | None) -> float | None:
    match = _FIRST_NUMBER.search((text or "")[:80])
    try:
        return float(match.group(0).replace(",", "")) if match else None
    except ValueError:
        return None


def _trend(baseline: str | None, target: str) -> str | None:
    """"down" when the target is below the baseline (30% → 10%), "up" when above."""
    low, high = _number(baseline), _number(target)
    if low is None or high is None or low == high:
        return None
    return "down" if high < low else "up"


def split_goal(rest: str) -> tuple[str | None, str | None, str | None]:
    """(baseline, target as written, direction) of "Increase from ~70% to >90%"."""
    rest = strip_emphasis(rest).strip().rstrip(".")
    if not rest or len(rest) > 200:
        return None, rest or None, None
    direction = _direction(rest)
    match = _FROM_TO.search(rest) or _ARROW.fullmatch(rest)
    if match:
        return match.group(1).strip(), match.group(2).strip(), direction
    return None, rest, direction


def infer_measure(title: str, target: str | None) -> str | None:
    """The tracker measure a metric's title names, when its target can be checked."""
    if target is None:
        return None
    key = normal_key(title)
    words = key.split()
    unit = target.rsplit(" ", 1)[-1] if " " in target else ""
    number = target.split(" ", 1)[-1]
    timed = any(number.endswith(u) for u in (" ms", " s", " min", " h")) or unit in _TIME_UNITS
    if "coverage" in words and not timed:
        return "coverage.total"
    if ("pass rate" in key or "passing rate" in key or "success rate" in key) and not timed:
        return "tests.pass_rate"
    if ("ratio" in words or "share" in words or "proportion" in words) and not timed:
        marker = _marker(words)
        return f"tests.ratio(marker={marker})" if marker else None
    if ("test count" in key or "number of tests" in key or "tests count" in key
            or key in ("tests", "total tests", "test cases")) and not number.endswith("%") \
            and not timed:
        return "tests.count"
    if timed and any(w in key for w in ("duration", "runtime", "run time", "speed", "suite time",
                                        "pipeline time", "ci time", "execution time",
                                        "test time")):
        return "tests.duration"
    return None


def _marker(words: list[str]) -> str | None:
    """"integration" from "integration test ratio" or "ratio of integration tests"."""
    for index, word in enumerate(words):
        if word in ("test", "tests") and index > 0:
            candidate = words[index - 1]
            if candidate not in ("of", "the", "all", "total", "unit") and \
                    re.fullmatch(r"[a-z_][a-z0-9_]*", candidate):
                return candidate
    return None


def make_metric(title: str, rest: str | None, line: int, *, qualitative: bool = False,
                baseline: str | None = None, note: str | None = None) -> DraftMetric:
    """A metric from its title and goal text; measured when a measure fits."""
    found_baseline, target, direction = split_goal(rest or "")
    baseline = baseline if baseline is not None else found_baseline
    direction = direction or (_trend(baseline, target) if target else None)
    measured = normal_target(target, direction) if target else None
    measure = None if qualitative else infer_measure(title, measured)
    shown = measured if measure else target
    return DraftMetric(title=title, line=line, measure=measure, baseline=baseline,
                       target=shown, note=note)


def metric_line(text: str, line: int, qualitative: bool) -> DraftMetric | None:
    """A metric from a list line: "Code Coverage: Increase from ~70% to >90%"."""
    stripped = text.strip()
    if len(stripped) > 400:
        return None
    title, sep, rest = stripped.partition(":")
    if sep and title.endswith("**"):  # **Title**: rest
        title = title[:-2]
    elif sep and rest.startswith("**"):  # **Title:** rest
        rest = rest[2:]
    title = strip_emphasis(title.strip(" *_"))
    if not sep:
        title, rest = strip_emphasis(stripped), ""
    if not title:
        return None
    return make_metric(title, rest.strip(), line, qualitative=qualitative)


def metric_table(table: Table, rendered: bool, qualitative: bool) -> list[DraftMetric] | None:
    """Metrics from a table headed like "Metric | Baseline | Target", or None.

    A "Measure" column names each metric's tracker measure (`coverage.total`; empty for a
    qualitative one), as ``tracker render`` writes it; a rendered Metric cell starts with
    the metric's id in code, like a rendered item. Without them the measure is inferred
    from the title and the id made from it.
    """
    name = table.column("metric", "kpi", "measure")
    target = table.column("target", "goal", "to")
    if name is None or target is None:
        return None
    measure = table.column("measure", exclude=(name,))
    baseline = table.column("baseline", "from", "before", "start", "starting")
    current = table.column("current", "now", "today")
    if baseline is None:
        baseline, current = current, None
    note = table.column("notes", "note", "comment", "comments", "remarks")
    known = {name, target, baseline, current, note, measure, table.column("met", "status")}
    out = []
    for number, cells in table.rows:
        value = {i: unescape_cell(c, rendered) for i, c in enumerate(cells)}
        metric_id, title = _id_and_title(value[name], rendered)
        if empty_cell(title):
            continue
        goal = value[target] if not empty_cell(value[target]) else None
        base = value[baseline] if baseline is not None and not empty_cell(value[baseline]) \
            else None
        named = _named_measure(value[measure], rendered) if measure is not None else None
        extras = [f"{table.header[i].strip()}: {value[i]}" for i in range(len(cells))
                  if (i not in known or (i == measure and named is None and not rendered))
                  and not empty_cell(value[i])]
        remark = value[note] if note is not None and not empty_cell(value[note]) else None
        remark = "; ".join([*(([remark]) if remark else []), *extras]) or None
        is_qualitative = qualitative or (current is not None
                                         and normal_key(value[current]) == "qualitative")
        metric = make_metric(title, None, number, qualitative=True, baseline=base, note=remark)
        metric.id, metric.target = metric_id, goal
        if named is not None:
            _measured_as(metric, named, goal)
        elif not is_qualitative and goal is not None and not (rendered and measure is not None):
            measured = normal_target(goal, _direction(goal) or _trend(base, goal))
            found = infer_measure(title, measured)
            if found:
                metric.measure, metric.target = found, measured
        out.append(metric)
    return out


def _id_and_title(cell: str, rendered: bool) -> tuple[str | None, str]:
    """A rendered Metric cell's id (in code) and title; a person's cell is all title."""
    if not rendered:
        return None, strip_emphasis(cell)
    span = code_span(cell, 0)
    if span is None or not ID_PATTERN.fullmatch(span[0]) or not cell[span[1]:].strip():
        return None, cell
    return span[0], cell[span[1]:].strip()


def _named_measure(cell: str, rendered: bool) -> str | None:
    """The tracker measure a Measure cell names (`coverage.total`), or None."""
    span = code_span(cell.strip(), 0)
    text = span[0] if span is not None else cell.strip()
    if not rendered and span is None:
        text = text.strip("`*_ ")
    try:
        parse_measure(text)
    except ValueError:
        return None
    return text


def _measured_as(metric: DraftMetric, measure: str, goal: str | None) -> None:
    """Give ``metric`` the measure its table names, if its target can be checked."""
    if goal is None:
        metric.measure = measure
        return
    try:
        parse_target(goal)
    except ValueError:
        measured = normal_target(goal, _direction(goal))
        if measured is None:
            return  # a goal tracker cannot check: the metric stays qualitative
        goal = measured
    metric.measure, metric.target = measure, goal
