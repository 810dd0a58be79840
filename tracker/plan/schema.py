"""JSON Schema of plan.yaml, built from the same key tables the loader enforces."""

from __future__ import annotations

from typing import Any

from tracker import __version__
from tracker.plan import fields
from tracker.plan.measures import MEASURES

SCHEMA_ID = "https://tracker.invalid/schema/plan-v1.json"

_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_SCALAR = {"type": ["string", "number"]}


def _type(spec: str, description: str) -> dict[str, Any]:
    if spec.startswith("["):
        return {"type": "array", "items": _type(spec[1:-1], ""), "description": description}
    if spec.startswith("@"):
        return {"$ref": f"#/$defs/{spec[1:]}", "description": description}
    shapes: dict[str, dict[str, Any]] = {
        "str": {"type": "string"},
        "text": {"type": "string"},
        "id": {"type": ["string", "number"], "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]*$"},
        "date": _DATE,
        "int": {"type": "integer", "minimum": 0},
        "number": {"type": "number"},
        "bool": {"type": "boolean"},
        "scalar": _SCALAR,
        "weeks": {"type": ["string", "integer"], "pattern": r"^\s*\d+\s*(-\s*\d+)?\s*$"},
        "duration": {"type": "string", "pattern": r"^\s*\d+\s*(d|days?|w|wk|weeks?)\s*$"},
        "target": {"type": ["string", "number"]},
        "claim": {"enum": list(fields.CLAIMS)},
        "testlink": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/testlink"}]},
        "filecheck": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/filecheck"}]},
        "related": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/related"}]},
    }
    out = dict(shapes[spec])
    if description:
        out["description"] = description
    return out


def _object(table: dict[str, fields.Field], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {key: _type(spec, desc) for key, (spec, desc) in table.items()},
    }
    if required:
        schema["required"] = list(required)
    return schema


_REQUIRED = {"section": ("title",), "phase": ("id", "title"), "item": ("id", "text"),
             "metric": ("id", "title"), "risk": ("risk",), "approval": ("role",),
             "related": ("title",)}


def plan_schema() -> dict[str, Any]:
    """The schema as a JSON-ready dict (draft 2020-12)."""
    defs = {name: _object(table, _REQUIRED.get(name, ()))
            for name, table in fields.TABLES.items() if name != "plan"}
    defs["testlink"]["minProperties"] = defs["testlink"]["maxProperties"] = 1
    defs["metric"]["properties"]["measure"]["examples"] = [
        f"{n}({a}=...)" if a else n for n, a in MEASURES.items()]
    schema = _object(fields.PLAN, ("title",))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "tracker plan.yaml",
        "description": f"A phased testing plan tracked by tracker {__version__}.",
        **schema,
        "$defs": defs,
    }
