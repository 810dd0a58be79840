"""The run store's shared sets: what a run deselected, stored once however many runs share it.

Part of the store (:mod:`tracker.store`): only the store's modules know SQL.

A subset run (``-m smoke``, ``-k retry``) of a big suite deselects almost all of it: 61,573
of 62,000 tests for a 427-test run. Stored as one row a test, every such run added ~9 MB to
the store, though the same ``-m`` deselects the same tests run after run. So a run refers to
its deselected set (``runs.deselected_set``), and a set is one compressed row keyed by the
SHA-256 of its content: the first run of a selection adds the set once, compressed (node ids
share their file and class prefixes, so they shrink about tenfold); every later run of the
same selection adds nothing but the reference. Sets no run refers to any more (pruned or
deleted runs) are dropped with them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Mapping, Sequence

#: Version of a set's encoding, its ``v`` field. A reader refuses a higher one (a damaged or
#: newer store), never guesses.
SET_VERSION = 1

Deselected = tuple[tuple[str, ...], dict[str, tuple[str, ...]]]


def encode(nodeids: Sequence[str], markers: Mapping[str, Sequence[str]]) -> bytes:
    """The set's canonical JSON (order kept: it is the order pytest deselected them in).

    ``{"v": 1, "files": [[file, [entry, ...]], ...], "marks": [[name, ...], ...]}``: the node
    ids grouped by consecutive runs of the same file, each entry the id's part after the
    file's ``::`` (``null`` for an id without one), or ``[part, k]`` when the test has
    markers ``marks[k]``: the few distinct marker lists are written once. ASCII with
    ``\\u`` escapes, so names with undecodable bytes (lone surrogates) survive.
    """
    files: list[list[object]] = []
    marks: dict[tuple[str, ...], int] = {}
    current: str | None = None
    entries: list[object] = []
    for nodeid in nodeids:
        file, sep, rest = nodeid.partition("::")
        part: str | None = rest if sep else None
        if not files or file != current:
            current, entries = file, []
            files.append([file, entries])
        names = tuple(markers.get(nodeid, ()))
        if names:
            index = marks.setdefault(names, len(marks))
            entries.append([part, index])
        else:
            entries.append(part)
    data = {"v": SET_VERSION, "files": files, "marks": [list(m) for m in marks]}
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def decode(text: bytes) -> Deselected:
    """The node ids and their markers back from :func:`encode`'s JSON; ValueError (or
    KeyError, TypeError) for anything else, which the store reports as damage."""
    data = json.loads(text)
    if data.get("v") != SET_VERSION:
        raise ValueError(f"a deselected set of unknown version {data.get('v')!r}")
    marks = [tuple(str(n) for n in m) for m in data["marks"]]
    nodeids: list[str] = []
    markers: dict[str, tuple[str, ...]] = {}
    for file, entries in data["files"]:
        for entry in entries:
            part, index = (entry[0], entry[1]) if isinstance(entry, list) else (entry, None)
            nodeid = str(file) if part is None else f"{file}::{part}"
            nodeids.append(nodeid)
            if index is not None:
                markers[nodeid] = marks[index]
    return tuple(nodeids), markers


def store_set(db: sqlite3.Connection, nodeids: Sequence[str],
              markers: Mapping[str, Sequence[str]]) -> int | None:
    """The id of the set holding exactly ``nodeids`` (with their markers), added if new;
    None for no deselected test."""
    if not nodeids:
        return None
    text = encode(nodeids, markers)
    digest = hashlib.sha256(text).hexdigest()
    row = db.execute("SELECT id FROM deselected_sets WHERE digest = ?", (digest,)).fetchone()
    if row is not None:
        return int(row[0])
    set_id = db.execute("INSERT INTO deselected_sets (digest, count, data) VALUES (?, ?, ?)",
                        (digest, len(nodeids), zlib.compress(text, 6))).lastrowid
    assert set_id is not None
    return set_id


def load_set(db: sqlite3.Connection, run_id: int) -> Deselected:
    """What run ``run_id`` deselected: ``((), {})`` when it deselected nothing."""
    row = db.execute("SELECT s.data FROM runs AS r JOIN deselected_sets AS s"
                     " ON s.id = r.deselected_set WHERE r.id = ?", (run_id,)).fetchone()
    if row is None:
        return (), {}
    try:
        text = zlib.decompress(row[0])
    except zlib.error as exc:
        raise ValueError(f"a deselected set is not compressed data ({exc})") from exc
    return decode(text)


def drop_unused(db: sqlite3.Connection) -> None:
    """Delete the sets no run refers to any more (their runs were pruned or deleted)."""
    db.execute("DELETE FROM deselected_sets WHERE id NOT IN"
               " (SELECT deselected_set FROM runs WHERE deselected_set IS NOT NULL)")


def migrate_rows(db: sqlite3.Connection) -> None:
    """Schema version 7: move the one-row-a-test deselected rows of ``not_run`` into sets.

    Reads the rows as version 3 wrote them (the node id as text, or as a BLOB of its
    surrogatepass bytes; the markers as a JSON list in ``message``) and leaves ``not_run``
    with the collection skips only.
    """
    runs = [run_id for (run_id,) in db.execute(
        "SELECT DISTINCT run_id FROM not_run WHERE kind = 'deselected' ORDER BY run_id")]
    for run_id in runs:
        nodeids: list[str] = []
        markers: dict[str, tuple[str, ...]] = {}
        for nodeid, message in db.execute(
                "SELECT nodeid, message FROM not_run WHERE run_id = ? AND kind = 'deselected'"
                " ORDER BY seq", (run_id,)):
            name = nodeid.decode("utf-8", "surrogatepass") if type(nodeid) is bytes else nodeid
            nodeids.append(name)
            if message:
                markers[name] = tuple(json.loads(message))
        db.execute("UPDATE runs SET deselected_set = ? WHERE id = ?",
                   (store_set(db, nodeids, markers), run_id))
    db.execute("DELETE FROM not_run WHERE kind = 'deselected'")
