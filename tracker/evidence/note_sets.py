"""A run's deselected tests in a note line, compactly: a ``-m`` run of 427 tests of a
62,000-test suite deselects 61,573, and listing each as ``{"id": ..., "markers": [...]}``
made its note 5 MB.

Above :data:`COMPACT_ABOVE` ids the note carries them as one field (format version 2)::

    "deselected_z": {"encoding": "zlib+base64", "count": 61573, "data": "eNrtvWtz..."}

``data`` is the base64 (standard alphabet, with padding) of the zlib stream of a JSON array,
in the order pytest deselected them, of one entry per test: its node id as a string, or
``[node id, marker, ...]`` for a test with markers. Order, ids and markers survive exactly,
whatever characters the ids hold (JSON escapes them); node ids repeat their files and
classes, so they compress about tenfold. Fewer ids stay a readable list, as in version 1.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

#: More deselected tests than this are written compactly; fewer stay a readable list.
COMPACT_ABOVE = 1000

ENCODING = "zlib+base64"

#: A compact set that expands to more than this is refused unread (a zip bomb).
MAX_EXPANDED_BYTES = 256 * 2**20


class BadSet(ValueError):
    """A compact set that cannot be read; the message says why, in a few words."""


def encode_set(ids: tuple[str, ...], markers: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """The ``deselected_z`` field of ``ids`` with their ``markers``."""
    entries = [[nodeid, *markers[nodeid]] if markers.get(nodeid) else nodeid for nodeid in ids]
    text = json.dumps(entries, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    data = base64.b64encode(zlib.compress(text.encode("utf-8"), 6)).decode("ascii")
    return {"encoding": ENCODING, "count": len(ids), "data": data}


def decode_set(field: object) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """The ids and markers a ``deselected_z`` field holds; BadSet when it is not one."""
    if not isinstance(field, dict):
        raise BadSet("deselected_z is not a mapping")
    if field.get("encoding") != ENCODING:
        raise BadSet(f"deselected_z has an unknown encoding (this tracker reads {ENCODING})")
    count, data = field.get("count"), field.get("data")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise BadSet("deselected_z has no count")
    if not isinstance(data, str):
        raise BadSet("deselected_z has no data")
    try:
        packed = base64.b64decode(data.encode("ascii"), validate=True)
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_EXPANDED_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:
            raise BadSet("deselected_z is truncated or expands too far")
        entries = json.loads(raw.decode("utf-8"))
    except (UnicodeError, binascii.Error, zlib.error, ValueError) as exc:
        if isinstance(exc, BadSet):
            raise
        raise BadSet(f"deselected_z data cannot be read ({type(exc).__name__})") from exc
    if not isinstance(entries, list) or len(entries) != count:
        raise BadSet("deselected_z does not hold count entries")
    ids: list[str] = []
    markers: dict[str, tuple[str, ...]] = {}
    for entry in entries:
        if isinstance(entry, str):
            ids.append(entry)
        elif (isinstance(entry, list) and len(entry) > 1
              and all(isinstance(part, str) for part in entry)):
            ids.append(entry[0])
            markers[entry[0]] = tuple(entry[1:])
        else:
            raise BadSet("deselected_z: an entry is neither an id nor [id, marker, ...]")
    return tuple(ids), markers
