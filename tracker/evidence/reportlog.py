"""Reading the report of tracker's pytest plugin (``--tracker-report=PATH``) back into values.

The report is JSON Lines, one event per line (see :mod:`tracker.evidence.pytest_plugin` for the
format). :func:`read_report` reads a whole file, e.g. after ``tracker run``; :class:`ReportTail`
follows a file that pytest is still writing, for the live view. Both tolerate a last line cut
short by a run that was killed mid-write, and raise :class:`ReportError`, with a one-line
message, for a file that is not a tracker report.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.evidence.results import OUTCOMES, CollectionError, TestOutcome

#: Newest report format understood; the plugin writes it in the ``start`` event.
REPORT_VERSION = 1

#: Events of format version 1. Unknown events are skipped, for forward compatibility.
EVENTS = ("start", "collected", "test", "collect_error", "collect_skip", "deselected", "finish")


class ReportError(Exception):
    """The file is not a tracker report, or a line of it is malformed. ``str()`` is one line."""


@dataclass
class ReportLog:
    """What a report says so far; complete when :attr:`finished`."""

    outcomes: list[TestOutcome] = field(default_factory=list)
    collection_errors: list[CollectionError] = field(default_factory=list)
    collection_skips: list[CollectionError] = field(default_factory=list)  #: module-level skips
    deselected: list[str] = field(default_factory=list)  #: node ids, in the order reported
    deselected_markers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    collected: int | None = None  #: tests collected (after deselection), once known
    exitstatus: int | None = None  #: pytest's exit status, from the ``finish`` event
    finished: bool = False  #: the ``finish`` event was seen: the session ended normally
    rootdir: str | None = None
    args: tuple[str, ...] = ()  #: pytest's command-line arguments
    pid: int | None = None  #: of the pytest process (the xdist controller)
    started: dt.datetime | None = None  #: UTC
    duration: float | None = None  #: seconds, from the ``finish`` event
    truncated: bool = False  #: the last line was cut short (a run killed mid-write)
    version: int | None = None  #: format version of the report
    #: the folder node ids are made relative to (the plan's), when it is not pytest's rootdir
    base: str | None = None
    _rebase: Callable[[str], str] | None = field(default=None, repr=False, compare=False)

    def _start_rebasing(self) -> None:
        """Node ids are relative to pytest's rootdir; the plan links paths relative to its
        own folder. Where the two differ (a plan in a subfolder of a monorepo whose pytest
        settings sit at the top), the ids are rewritten relative to the plan's folder."""
        if not self.base or not self.rootdir:
            return
        base = Path(os.path.realpath(self.base)).as_posix()
        rootdir = Path(os.path.realpath(self.rootdir)).as_posix()
        if base == rootdir:
            return
        inside = posixpath.relpath(base, rootdir)
        #: ids of tests in the plan's folder, below the rootdir, only lose their first part
        prefix = inside + "/" if not inside.startswith("..") else None

        def rebase(nodeid: str) -> str:
            if prefix is not None and nodeid.startswith(prefix):
                return nodeid[len(prefix):]
            path, sep, rest = nodeid.partition("::")  # elsewhere: ../x/test_a.py::t
            return posixpath.relpath(posixpath.join(rootdir, path), base) + sep + rest
        self._rebase = rebase

    def counts(self) -> dict[str, int]:
        """Number of tests per outcome, in OUTCOMES order."""
        out = dict.fromkeys(OUTCOMES, 0)
        for o in self.outcomes:
            out[o.outcome] += 1
        return out

    def apply(self, event: dict[str, Any], where: str = "report") -> None:
        """Fold one event in. ``where`` (``path:line``) prefixes error messages."""
        kind = event.get("event")
        if self.version is None:
            if kind != "start":
                raise ReportError(f"{where}: not a tracker report (no start event)")
            version = event.get("version")
            if not isinstance(version, int) or isinstance(version, bool) or version < 1:
                raise ReportError(f"{where}: not a tracker report (bad version {version!r})")
            if version > REPORT_VERSION:
                raise ReportError(
                    f"{where}: report format {version} is newer than this tracker "
                    f"understands ({REPORT_VERSION}); upgrade tracker"
                )
            self.version = version
            self.rootdir = _opt(event, "rootdir", str, where)
            self._start_rebasing()
            self.args = tuple(_strings(event, "args", where))
            self.pid = _opt(event, "pid", int, where)
            started = _opt(event, "time", (int, float), where)
            if started is not None:
                try:
                    self.started = dt.datetime.fromtimestamp(started, dt.UTC)
                except (OverflowError, OSError, ValueError):
                    raise ReportError(f"{where}: start event with bad 'time'") from None
            return
        if kind == "start":
            raise ReportError(f"{where}: a second start event")
        if self._rebase is not None:
            _rebase_event(event, self._rebase)
        if kind == "test":
            self.outcomes.append(outcome_from_event(event, where))
        elif kind == "collect_error":
            self.collection_errors.append(collection_error_from_event(event, where))
        elif kind == "collect_skip":
            self.collection_skips.append(collection_error_from_event(event, where))
        elif kind == "deselected":
            self.deselected.extend(_strings(event, "nodeids", where))
            marks = event.get("markers") or {}
            if isinstance(marks, dict):
                self.deselected_markers.update(
                    (str(n), tuple(str(m) for m in names)) for n, names in marks.items()
                    if isinstance(names, list))
        elif kind == "collected":
            self.collected = _req(event, "count", int, where)
        elif kind == "finish":
            self.exitstatus = _req(event, "exitstatus", int, where)
            duration = _opt(event, "duration", (int, float), where)
            self.duration = None if duration is None else float(duration)
            self.finished = True


def _rebase_event(event: dict[str, Any], rebase: Callable[[str], str]) -> None:
    """Rewrite an event's node ids in place (the listener sees the same ids as the log)."""
    nodeid = event.get("nodeid")
    if isinstance(nodeid, str):
        event["nodeid"] = rebase(nodeid)
    nodeids = event.get("nodeids")
    if isinstance(nodeids, list):
        event["nodeids"] = [rebase(n) if isinstance(n, str) else n for n in nodeids]
    marks = event.get("markers")  # deselected tests' markers, by node id
    if isinstance(marks, dict):
        event["markers"] = {rebase(n) if isinstance(n, str) else n: m for n, m in marks.items()}


def outcome_from_event(event: dict[str, Any], where: str = "report") -> TestOutcome:
    """A ``test`` event as a TestOutcome."""
    outcome = _req(event, "outcome", str, where)
    if outcome not in OUTCOMES:
        raise ReportError(f"{where}: unknown outcome {outcome!r}")
    duration = _opt(event, "duration", (int, float), where)
    return TestOutcome(
        nodeid=_req(event, "nodeid", str, where),
        outcome=outcome,
        duration=float(duration or 0.0),
        markers=tuple(_strings(event, "markers", where)),
        fixtures=tuple(_strings(event, "fixtures", where)),
        plan_items=tuple(_strings(event, "plan_items", where)),
        message=_opt(event, "message", str, where),
    )


def collection_error_from_event(event: dict[str, Any], where: str = "report") -> CollectionError:
    """A ``collect_error`` event as a CollectionError."""
    return CollectionError(
        nodeid=_req(event, "nodeid", str, where),
        message=_opt(event, "message", str, where) or "",
    )


def read_report(path: str | os.PathLike[str]) -> ReportLog:
    """Read a whole report. A cut-short last line is skipped (``truncated`` is then set)."""
    tail = ReportTail(path)
    tail.finish()
    return tail.log


class ReportTail:
    """Follows a report while pytest writes it: each :meth:`poll` returns the events
    completed since the last call (a partial last line stays buffered) and folds them into
    :attr:`log`. A file that does not exist yet gives no events. When the file is replaced
    or shrinks (a new run), reading starts over: the next events begin with a ``start``
    event and :attr:`log` is fresh."""

    def __init__(self, path: str | os.PathLike[str], base: str | None = None) -> None:
        self.path = Path(path)
        self.base = base  #: node ids are made relative to this folder (see ReportLog.base)
        self.log = ReportLog(base=base)
        self._offset = 0
        self._line = 0
        self._buffer = b""
        self._identity: tuple[int, int] | None = None

    def reset(self) -> None:
        self.log = ReportLog(base=self.base)
        self._offset = 0
        self._line = 0
        self._buffer = b""
        self._identity = None

    def poll(self) -> list[dict[str, Any]]:
        """New complete events, oldest first. Raises ReportError on a malformed line.

        A file that has not grown since the last call is only stat'ed: a live view polls
        often, to show each result soon after pytest writes it."""
        if self._identity is not None:
            try:
                stat = os.stat(self.path)
            except OSError:
                stat = None
            if stat is not None and (stat.st_dev, stat.st_ino) == self._identity \
                    and stat.st_size == self._offset:
                return []
        try:
            with open(self.path, "rb") as file:
                stat = os.fstat(file.fileno())
                identity = (stat.st_dev, stat.st_ino)
                if self._identity is not None and (
                    identity != self._identity or stat.st_size < self._offset
                ):
                    self.reset()
                self._identity = identity
                file.seek(self._offset)
                data = file.read()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ReportError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        self._offset += len(data)
        *lines, self._buffer = (self._buffer + data).split(b"\n")
        events = []
        for raw in lines:
            self._line += 1
            event = self._parse(raw)
            if event is not None:
                events.append(event)
        return events

    def finish(self) -> list[dict[str, Any]]:
        """The last events of a report whose writer is done (poll, then flush); ReportError
        when there is no report, or it is empty."""
        if not self.path.is_file():
            raise ReportError(f"{self.path}: no such report file")
        events = [*self.poll(), *self.flush()]
        if self.log.version is None:
            raise ReportError(f"{self.path}: empty, not a tracker report")
        return events

    def flush(self) -> list[dict[str, Any]]:
        """Take the buffered unterminated last line as complete if it is JSON (a writer that
        is done); otherwise mark the log truncated and drop the line."""
        raw, self._buffer = self._buffer, b""
        if not raw.strip():
            return []
        self._line += 1
        if self.log.version is not None and _decode(raw) is None:
            self.log.truncated = True
            return []
        event = self._parse(raw)
        return [] if event is None else [event]

    def _parse(self, raw: bytes) -> dict[str, Any] | None:
        where = f"{self.path}:{self._line}"
        if not raw.strip():
            return None
        event = _decode(raw)
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            if self.log.version is None:
                raise ReportError(f"{where}: not a tracker report")
            if event is None:
                raise ReportError(f"{where}: malformed line (not JSON)")
            raise ReportError(f"{where}: malformed line (not an event)")
        self.log.apply(event, where)
        return event


def _decode(raw: bytes) -> Any:
    """The JSON value of a line, None when it is not JSON."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _req(event: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = _opt(event, key, kind, where)
    if value is None:
        raise ReportError(f"{where}: {event.get('event')} event without {key!r}")
    return value


def _opt(event: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = event.get(key)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise ReportError(f"{where}: {event.get('event')} event with bad {key!r}: {value!r}")
    return value


def _strings(event: dict[str, Any], key: str, where: str) -> list[str]:
    value = event.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ReportError(f"{where}: {event.get('event')} event with bad {key!r}")
    return value
