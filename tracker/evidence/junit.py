"""Test results from JUnit XML, the format nearly every test runner can write.

So CI artifacts, other machines' runs and non-Python suites count as evidence too. Node ids
are rebuilt the way pytest writes them (``classname`` ``tests.test_x.TestK`` → file
``tests/test_x.py`` when that file exists) so they match the plan's links.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from tracker.evidence.results import OUTCOMES, TestOutcome

MAX_JUNIT_BYTES = 512 * 1024 * 1024


class JUnitError(Exception):
    """The file is not JUnit XML, or not a shape we understand."""


def _nodeid(root: Path, classname: str, name: str, file: str | None) -> str:
    parts = [p for p in classname.split(".") if p]
    if file:
        path = file.replace("\\", "/")
        module = path[:-3].replace("/", ".") if path.endswith(".py") else None
        rest = parts[len(module.split(".")):] if module and classname.startswith(module) else []
        return "::".join([path, *rest, name])
    for k in range(len(parts), 0, -1):
        candidate = "/".join(parts[:k]) + ".py"
        if (root / candidate).is_file():
            return "::".join([candidate, *parts[k:], name])
    return "::".join([p for p in (classname, name) if p])


def _message(element: ET.Element) -> str | None:
    text = element.get("message") or (element.text or "").strip()
    return text.splitlines()[0][:500] if text else None


def parse_junit(path: Path, root: Path) -> list[TestOutcome]:
    """Every test case of a JUnit XML file as an outcome."""
    try:
        if path.stat().st_size > MAX_JUNIT_BYTES:
            raise JUnitError(f"{path}: larger than 512 MB; split the report")
        tree = ET.parse(path)
    except FileNotFoundError as exc:
        raise JUnitError(f"{path}: no such file") from exc
    except ET.ParseError as exc:
        line, column = exc.position
        raise JUnitError(f"{path}:{line}:{column}: not well-formed XML: pass the JUnit XML "
                         "file your test runner wrote") from exc
    except OSError as exc:
        raise JUnitError(f"{path}: cannot read it ({exc.strerror})") from exc
    top = tree.getroot()
    if top.tag not in ("testsuites", "testsuite"):
        raise JUnitError(f"{path}:1: root element <{top.tag}> is not <testsuites> or "
                         "<testsuite>: this is not a JUnit report")
    outcomes: list[TestOutcome] = []
    for case in top.iter("testcase"):
        name = case.get("name")
        if not name:
            raise JUnitError(f"{path}: a <testcase> has no name attribute: unknown JUnit shape")
        try:
            duration = float(case.get("time") or 0.0)
        except ValueError:
            duration = math.nan
        if not 0.0 <= duration < math.inf:  # "abc", "nan", "inf", "-1": not a duration
            raise JUnitError(f"{path}: testcase {name!r} has time={case.get('time')!r}, "
                             "not a number of seconds")
        outcome, message = "passed", None
        for child in case:
            if child.tag == "failure":
                outcome, message = "failed", _message(child)
            elif child.tag == "error":
                outcome, message = "error", _message(child)
            elif child.tag == "skipped":
                kind = child.get("type", "")
                outcome = "xfailed" if kind == "pytest.xfail" else "skipped"
                message = _message(child)
            if outcome != "passed":
                break
        nodeid = _nodeid(root, case.get("classname", ""), name, case.get("file"))
        outcomes.append(TestOutcome(nodeid=nodeid, outcome=outcome, duration=duration,
                                    message=message))
    return _worst_per_test(outcomes)  # pytest writes a teardown error as a second testcase


def parse_junit_files(paths: list[Path], root: Path) -> list[TestOutcome]:
    """The union of several JUnit XML files (the reports of CI shards), in file order.

    A test reported by more than one file counts with its worst outcome, as within one file:
    a failure is never hidden by another report's pass.
    """
    return _worst_per_test([o for path in paths for o in parse_junit(path, root)])


def _worst_per_test(outcomes: list[TestOutcome]) -> list[TestOutcome]:
    seen: dict[str, TestOutcome] = {}
    for o in outcomes:
        previous = seen.get(o.nodeid)
        if previous is None or _rank(o.outcome) < _rank(previous.outcome):
            seen[o.nodeid] = o
    return list(seen.values())


def _rank(outcome: str) -> int:
    return OUTCOMES.index(outcome)
