"""Checks Graph JSON against the CSDL facts in ``tests/data/graph_contract.json``.

The contract is derived from Microsoft Graph v1.0's metadata by ``tools/graph_contract.py``.
A reply conforms when every property it carries is declared on its type (or a base type), and
every value has the declared shape: the JSON form of its Edm type, an enum member, a complex
object checked the same way, a list for a collection, ``null`` only where it is nullable; an
expanded relationship holds objects of its type.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

CONTRACT_FILE = Path(__file__).resolve().parents[2] / "data" / "graph_contract.json"
GRAPH = "microsoft.graph."

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?(Z|[+-]\d\d:\d\d)$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
_TIME = re.compile(r"^\d\d:\d\d(:\d\d(\.\d{1,12})?)?$")
_DURATION = re.compile(r"^-?P(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]*={0,2}$")
_INTEGERS = {"Edm.Byte", "Edm.SByte", "Edm.Int16", "Edm.Int32", "Edm.Int64"}
_NUMBERS = {"Edm.Double", "Edm.Single", "Edm.Decimal"}
_PATTERNS = {
    "Edm.Guid": _GUID,
    "Edm.DateTimeOffset": _DATE_TIME,
    "Edm.Date": _DATE,
    "Edm.TimeOfDay": _TIME,
    "Edm.Duration": _DURATION,
    "Edm.Binary": _BASE64,
}


@cache
def contract() -> dict:
    return json.loads(CONTRACT_FILE.read_text())


def qualified(name: str) -> str:
    """``user``, ``#microsoft.graph.user`` or ``microsoft.graph.user`` -> the last."""
    name = name.lstrip("#")
    return name if "." in name else GRAPH + name


def lineage(type_name: str) -> list[str]:
    """The type and its base types, most derived first."""
    types = contract()["types"]
    out = []
    name: str | None = qualified(type_name)
    while name:
        out.append(name)
        name = types[name].get("baseType")
    return out


def properties(type_name: str) -> dict[str, dict]:
    """Structural properties of a type, its base types' included."""
    types = contract()["types"]
    merged: dict[str, dict] = {}
    for name in reversed(lineage(type_name)):
        merged.update(types[name]["properties"])
    return merged


def navigation(type_name: str) -> dict[str, dict]:
    """Navigation properties of an entity type, its base types' included."""
    types = contract()["types"]
    merged: dict[str, dict] = {}
    for name in reversed(lineage(type_name)):
        merged.update(types[name].get("navigation", {}))
    return merged


def problems(value: object, type_name: str, where: str = "$") -> list[str]:
    """How ``value`` (an entity or complex object) departs from ``type_name``; [] conforms."""
    if not isinstance(value, dict):
        return [f"{where}: expected an object of {type_name}, got {type(value).__name__}"]
    declared = qualified(type_name)
    actual = declared
    if "@odata.type" in value:
        actual = qualified(str(value["@odata.type"]))
        if actual not in contract()["types"]:
            return [f"{where}: @odata.type {value['@odata.type']!r} is not a Graph type"]
        if declared not in lineage(actual):
            return [f"{where}: @odata.type {actual} does not derive from {declared}"]
    props = properties(actual)
    out: list[str] = []
    for name, item in value.items():
        if name.startswith("@odata.") or "@odata." in name:
            continue  # annotations: @odata.type, @odata.context, prop@odata.nextLink…
        spec = props.get(name)
        if spec is None and name in navigation(actual):  # an expanded relationship
            related = navigation(actual)[name]
            items = item if related["collection"] and isinstance(item, list) else [item]
            for i, one in enumerate(items):
                out.extend(problems(one, related["type"], f"{where}.{name}[{i}]"))
            continue
        if spec is None:
            out.append(f"{where}.{name}: no such property on {actual}")
            continue
        out.extend(_value_problems(item, spec, f"{where}.{name}"))
    return out


def _value_problems(item: object, spec: dict, where: str) -> list[str]:
    if spec["collection"]:
        if not isinstance(item, list):
            return [f"{where}: expected a collection of {spec['type']}, got {item!r}"]
        single = {**spec, "collection": False}
        return [p for i, x in enumerate(item) for p in _value_problems(x, single, f"{where}[{i}]")]
    if item is None:
        return [] if spec["nullable"] else [f"{where}: null, but {spec['type']} is not nullable"]
    kind = spec["type"]
    if not kind.startswith("Edm."):
        described = contract()["types"][kind]
        if described["kind"] == "enum":
            return _enum_problems(item, kind, described, where)
        return problems(item, kind, where)
    if kind == "Edm.Boolean":
        ok = isinstance(item, bool)
    elif kind in _INTEGERS:
        ok = isinstance(item, int) and not isinstance(item, bool)
    elif kind in _NUMBERS:
        ok = isinstance(item, int | float) and not isinstance(item, bool)
    elif kind in _PATTERNS:
        ok = isinstance(item, str) and bool(_PATTERNS[kind].match(item))
    else:  # Edm.String, Edm.Stream, Edm.Untyped…
        ok = isinstance(item, str) or kind == "Edm.Untyped"
    return [] if ok else [f"{where}: {item!r} is not a JSON {kind}"]


def _enum_problems(item: object, kind: str, described: dict, where: str) -> list[str]:
    if not isinstance(item, str):
        return [f"{where}: {item!r} is not a member name of {kind}"]
    names = [n.strip() for n in item.split(",")] if described["flags"] else [item]
    unknown = [n for n in names if n not in described["members"]]
    return [f"{where}: {', '.join(unknown)} not a member of {kind}"] if unknown else []
