"""Reading test quality and target complexity for the plan, with a cache beside the scan's.

Only what the plan asks about is read: the linked tests of items whose ``expect`` names a
quality threshold, the targets of items that want their complexity (or their own function
names, to tell over-mocking), every test when a metric measures the whole suite
(``quality.*``), and the files a ``complexity.max(glob=...)`` metric names.

Like the static scan's (:mod:`.scancache`), the cache lives in ``.tracker/cache/``
(``quality.json``); a file's entry is used while its size and modification time are
unchanged, the whole cache while tracker's version, the interpreter and the collection
settings are. A damaged cache is ignored, never believed.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker import __version__
from tracker.evidence.fileindex import FileIndex
from tracker.evidence.scancache import MAX_CACHE_BYTES, Stamp, settled
from tracker.evidence.values import StaticTest, Workspace
from tracker.paths import data_dir, replace_quietly
from tracker.plan.measures import parse_measure
from tracker.plan.model import Plan

if TYPE_CHECKING:  # the readers and their values: imported by plans that ask (see wanted)
    from tracker.evidence.quality_values import FunctionComplexity, QualityEvidence, TestQuality

#: Version of the cache file's layout and of what the readers find: bump on either change.
FORMAT = 1


def wanted(plan: Plan) -> bool:
    """Whether the plan asks for anything this module reads."""
    return any(item.expect.quality or item.expect.complexity for _, item in plan.items()) \
        or any(_source_measure(m.measure) for m in plan.metrics)


def gather_quality(plan: Plan, workspace: Workspace, index: FileIndex) -> QualityEvidence:
    """The quality of the tests and the complexity of the files ``plan`` asks about."""
    from tracker.evidence.quality_values import QualityEvidence

    cache = _Cache(data_dir(index.root) / "cache" / "quality.json", _key(index))
    found = QualityEvidence(asyncio_auto=index.config.asyncio_auto)
    tests: dict[str, list[StaticTest]] = {}
    measures = [parse_measure(m.measure) for m in plan.metrics
                if m.measure is not None and _source_measure(m.measure)]
    if any(m.name.startswith("quality.") for m in measures):
        found.whole_suite = True
        for test in index.all_tests():
            tests.setdefault(test.file, []).append(test)
    sources: set[str] = set()
    seen = {t.nodeid for file_tests in tests.values() for t in file_tests}
    for _, item in plan.items():
        evidence = workspace.items.get(item.id)
        if evidence is None:
            continue
        if item.expect.quality and not found.whole_suite:
            for nodeid in evidence.test_ids():
                linked = workspace.tests.get(nodeid.split("[", 1)[0])
                if linked is not None and linked.nodeid not in seen:
                    seen.add(linked.nodeid)
                    tests.setdefault(linked.file, []).append(linked)
        if item.expect.complexity:
            sources.update(f for t in evidence.targets for f in t.files if f.endswith(".py"))
    for measure in measures:
        if measure.name == "complexity.max" and measure.arg:
            files = tuple(f for f in index.glob(measure.arg, tests=False) if f.endswith(".py"))
            found.globs[measure.arg] = files
            sources.update(files)
    for relpath, file_tests in sorted(tests.items()):
        found.tests.update(cache.tests(index, relpath, file_tests))
    for relpath in sorted(sources):
        found.complexity[relpath] = cache.complexity(index, relpath)
    cache.save()
    return found


def _source_measure(text: str | None) -> bool:
    return text is not None and text.strip().startswith(("quality.", "complexity."))


def _key(index: FileIndex) -> list[Any]:
    config = index.config
    return [__version__, sys.version, list(config.python_classes),
            list(config.python_functions)]


class _Cache:
    """Quality by test file and complexity by source file, valid while their stamp is."""

    def __init__(self, path: Path, key: list[Any]) -> None:
        self.path = path
        self.key = key
        self.now_ns = time.time_ns()
        self.changed = False
        data = _read(path, key)
        self.quality: dict[str, Any] = data.get("tests", {})
        self.functions: dict[str, Any] = data.get("complexity", {})
        self.used: set[tuple[str, str]] = set()

    def tests(self, index: FileIndex, relpath: str, tests: list[StaticTest]
              ) -> dict[str, TestQuality]:
        """The quality of ``tests`` of one file, from the cache when it still holds them."""
        stamp = index.stamp(relpath)
        self.used.add(("tests", relpath))
        entry = self.quality.get(relpath)
        if stamp is not None and entry is not None:
            known = _decode_tests(entry, stamp)
            if known is not None and all(t.nodeid in known for t in tests):
                return {t.nodeid: known[t.nodeid] for t in tests}
        from tracker.evidence.quality import read_quality

        read = read_quality(index.read(relpath), tests)
        if stamp is not None and settled(stamp[1], self.now_ns):
            self.quality[relpath] = [stamp[0], stamp[1], {
                nodeid: [q.assertions, [list(w) for w in q.weak], q.mocks, list(q.patched),
                         q.is_async] for nodeid, q in read.items()}]
            self.changed = True
        return read

    def complexity(self, index: FileIndex, relpath: str) -> tuple[FunctionComplexity, ...]:
        stamp = index.stamp(relpath)
        self.used.add(("complexity", relpath))
        entry = self.functions.get(relpath)
        if stamp is not None and entry is not None:
            known = _decode_functions(entry, stamp)
            if known is not None:
                return known
        from tracker.evidence.complexity import complexity_of

        functions = complexity_of(index.read(relpath))
        if stamp is not None and settled(stamp[1], self.now_ns):
            self.functions[relpath] = [stamp[0], stamp[1],
                                       [[f.name, f.line, f.complexity] for f in functions]]
            self.changed = True
        return functions

    def save(self) -> None:
        """Write the cache if anything changed; never raises."""
        if not self.changed:
            return
        tests = {k: v for k, v in self.quality.items() if ("tests", k) in self.used}
        functions = {k: v for k, v in self.functions.items() if ("complexity", k) in self.used}
        text = json.dumps({"format": FORMAT, "key": self.key, "tests": tests,
                           "complexity": functions}, separators=(",", ":"))
        replace_quietly(self.path, text.encode("utf-8"))


def _read(path: Path, key: list[Any]) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_CACHE_BYTES:
                return {}
            data = json.loads(handle.read())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return {}
    return {name: part for name in ("tests", "complexity")
            if isinstance(part := data.get(name), dict)}


def _stamped(entry: Any, stamp: Stamp) -> Any:
    """The entry's payload when it is ``[size, mtime_ns, payload]`` of this stamp."""
    if (isinstance(entry, list) and len(entry) == 3 and type(entry[0]) is int
            and type(entry[1]) is int and (entry[0], entry[1]) == stamp):
        return entry[2]
    return None


def _decode_tests(entry: Any, stamp: Stamp) -> dict[str, TestQuality] | None:
    from tracker.evidence.quality_values import TestQuality

    payload = _stamped(entry, stamp)
    if not isinstance(payload, dict):
        return None
    out = {}
    try:
        for nodeid, (assertions, weak, mocks, patched, is_async) in payload.items():
            if not (type(assertions) is int and type(mocks) is int and type(is_async) is bool
                    and all(type(p) is str for p in patched)
                    and all(type(line) is int and type(kind) is str for line, kind in weak)):
                return None
            out[nodeid] = TestQuality(assertions, tuple((line, kind) for line, kind in weak),
                                      mocks, tuple(patched), is_async)
    except (TypeError, ValueError):  # a value of the wrong shape: read the file again
        return None
    return out


def _decode_functions(entry: Any, stamp: Stamp) -> tuple[FunctionComplexity, ...] | None:
    from tracker.evidence.quality_values import FunctionComplexity

    payload = _stamped(entry, stamp)
    if not isinstance(payload, list):
        return None
    try:
        out = tuple(FunctionComplexity(name, line, value) for name, line, value in payload)
    except (TypeError, ValueError):
        return None
    if not all(type(f.name) is str and type(f.line) is int and type(f.complexity) is int
               for f in out):
        return None
    return out
