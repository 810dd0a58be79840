"""What backfill has judged, keyed by the hash of the trees that matter (see
:mod:`tracker.history.treekey`): the reason a second backfill of a range runs nothing.

Kept in tracker's git-ignored data folder, beside the store rather than in it: the store keeps
runs by commit and prunes old ones, while a key's result must outlive both (a new commit with
the same trees reuses it). Per key: the run as a note line (``runs/<key>.json``), or why the
commit cannot be judged. Per commit: its key under the last spec used, and whether its run was
stored. A lost index only means running again.

Every result is written as soon as it is known, so a backfill stopped by Ctrl-C resumes where
it stopped. Two backfills at once may each write the index; both are merged on saving.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.fsutil import write_atomic
from tracker.paths import data_dir, make_dirs

#: Bumped when the index's shape changes; an index of another version is ignored (rebuilt).
INDEX_VERSION = 1


@dataclass(frozen=True, slots=True)
class Judged:
    """What one key's run gave."""

    status: str  #: "ran", or "unjudged" (then ``reason`` says why)
    commit: str  #: the commit it ran at
    when: str  #: ISO time of the run (UTC)
    reason: str | None = None


class BackfillIndex:
    """The index of one project; :meth:`save` after each change."""

    def __init__(self, root: Path) -> None:
        self.folder = data_dir(root) / "backfill"
        self.path = self.folder / "index.json"
        self.results: dict[str, Judged] = {}
        self.commits: dict[str, str] = {}  #: commit → its key (last computed)
        self.runs: dict[str, int] = {}  #: commit → the id of the run backfill stored for it
        self._load()

    def _load(self) -> None:
        data = _read(self.path)
        for key, value in data.get("results", {}).items():
            with contextlib.suppress(TypeError):
                self.results[key] = Judged(**value)
        self.commits.update(data.get("commits", {}))
        self.runs.update(data.get("runs", {}))

    def line(self, key: str) -> str | None:
        """The note line of the run judged under ``key``; None when there is none."""
        try:
            return (self.folder / "runs" / f"{key}.json").read_text(encoding="utf-8")
        except OSError:
            return None

    def judged(self, key: str, commit: str, *, line: str | None = None,
               reason: str | None = None) -> None:
        """Record the result of ``key`` (run at ``commit``): its run's line, or a reason."""
        when = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        if line is not None:
            make_dirs(self.folder / "runs")
            write_atomic(self.folder / "runs" / f"{key}.json", line)
            self.results[key] = Judged("ran", commit, when)
        else:
            self.results[key] = Judged("unjudged", commit, when, reason or "unknown")

    def unjudged(self) -> dict[str, str]:
        """Every commit whose key could not be judged, and why."""
        out = {}
        for sha, key in self.commits.items():
            result = self.results.get(key)
            if result is not None and result.status == "unjudged":
                out[sha] = result.reason or "unknown"
        return out

    def save(self) -> None:
        """Write the index, merged with what another backfill wrote meanwhile."""
        on_disk = _read(self.path)
        results = {**on_disk.get("results", {}),
                   **{key: _fields(j) for key, j in self.results.items()}}
        data = {"version": INDEX_VERSION, "results": results,
                "commits": {**on_disk.get("commits", {}), **self.commits},
                "runs": {**on_disk.get("runs", {}), **self.runs}}
        make_dirs(self.folder)
        write_atomic(self.path, json.dumps(data, indent=0, sort_keys=True))


def _fields(judged: Judged) -> dict[str, Any]:
    return {"status": judged.status, "commit": judged.commit, "when": judged.when,
            "reason": judged.reason}


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != INDEX_VERSION:
        return {}
    return data
