"""The compact form of a run's deselected tests in a note: exact round trips, in order, and
anything else refused with a reason."""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.evidence import note_sets
from tracker.evidence.note_sets import BadSet, decode_set, encode_set

ODD_IDS = ("tests/a.py::test_x[\t\n\"'\\]", "tests/ü.py::T::test_ü[😀]", "tests/a.py::test_a",
           "tests/a.py::test_x[1]", "tests/b.py::Test::test_y")


def test_ids_and_markers_survive_in_order():
    markers = {"tests/a.py::test_a": ("slow", "db"), ODD_IDS[0]: ("we\"ird",)}
    field = encode_set(ODD_IDS, markers)
    assert field["encoding"] == "zlib+base64" and field["count"] == len(ODD_IDS)
    assert json.loads(json.dumps(field, ensure_ascii=True)) == field  # plain JSON values
    assert decode_set(field) == (ODD_IDS, markers)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1), st.lists(st.text(), max_size=3)),
                unique_by=lambda pair: pair[0], max_size=30))
def test_any_ids_round_trip(pairs):
    ids = tuple(nodeid for nodeid, _ in pairs)
    markers = {nodeid: tuple(m) for nodeid, m in pairs if m}
    assert decode_set(encode_set(ids, markers)) == (ids, markers)


def test_a_suite_of_ids_compresses_tenfold():
    ids = tuple(f"tests/pkg{i % 40}/test_module_{i // 100}.py::TestThing::test_case_{i}"
                f"[param-{i % 7}]" for i in range(20_000))
    listed = len(json.dumps([{"id": i} for i in ids]))
    assert len(json.dumps(encode_set(ids, {}))) * 10 < listed


def packed(value: object) -> str:
    return base64.b64encode(zlib.compress(json.dumps(value).encode())).decode()


@pytest.mark.parametrize(("field", "reason"), [
    ([], "not a mapping"),
    ({"encoding": "gzip", "count": 0, "data": ""}, "unknown encoding"),
    ({"encoding": "zlib+base64", "count": True, "data": packed([])}, "no count"),
    ({"encoding": "zlib+base64", "count": 0}, "no data"),
    ({"encoding": "zlib+base64", "count": 0, "data": "not base64!"}, "cannot be read"),
    ({"encoding": "zlib+base64", "count": 0, "data": base64.b64encode(b"xx").decode()},
     "cannot be read"),
    ({"encoding": "zlib+base64", "count": 2, "data": packed(["a"])}, "count entries"),
    ({"encoding": "zlib+base64", "count": 1, "data": packed([3])}, "neither an id"),
    ({"encoding": "zlib+base64", "count": 1, "data": packed([["a"]])}, "neither an id"),
    ({"encoding": "zlib+base64", "count": 1, "data": packed({"a": 1})}, "count entries"),
])
def test_what_is_not_a_set_is_refused_with_a_reason(field, reason):
    with pytest.raises(BadSet, match=reason):
        decode_set(field)


def test_a_set_that_expands_too_far_is_refused_unread(monkeypatch):
    field = encode_set(tuple(f"t{i}" for i in range(1000)), {})
    monkeypatch.setattr(note_sets, "MAX_EXPANDED_BYTES", 1000)
    with pytest.raises(BadSet, match="expands too far"):
        decode_set(field)
