"""Extract the Microsoft Graph types the lab serves from Graph v1.0's CSDL schema.

    .venv/bin/python tools/graph_contract.py CSDL_FILE [--out FILE] [--commit C --commit-date D]
    .venv/bin/python tools/graph_contract.py --runtime-only

CSDL_FILE is Microsoft Graph v1.0's metadata document (CSDL XML, as published in the
msgraph-metadata repository). FILE (default ``tests/data/graph_contract.json``) holds, for
the entity types in ``SERVED`` and every type they reach, the facts a conformance test needs:

- ``types``: per qualified name (``microsoft.graph.user``), its kind (``entity``, ``complex`` or
  ``enum``); for entity and complex types the base type, whether it is abstract, its
  structural properties (``type``, ``collection``, ``nullable``) and, for entity types, its
  navigation properties (``type``, ``collection``); for enum types the members and whether
  they are flags. Reached: base types, the types of structural properties (complex and
  enum, recursively), and the derived types of ``WITH_DERIVED`` (``domainDnsTxtRecord``…).
- ``entitySets`` and ``singletons``: the container's names for the served types.

Provenance is in ``x-provenance``. ``--commit`` / ``--commit-date`` name the source's commit
(default: ``PROVENANCE``'s). The tests read only FILE, never CSDL_FILE.

It also writes ``simulators/microsoft/model/graph_properties.json``: for each type in
``RUNTIME``, every structural property (its base types' included) as ``[type, collection,
nullable]``, the same for every complex type they reach (under ``complex``) and their
navigation properties as ``[type, collection]`` (under ``navigation``), which the lab
reads for ``$select`` and for the properties it keeps without a column of their own.
``--runtime-only`` rewrites just that file from the committed FILE (no CSDL needed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "tests" / "data" / "graph_contract.json"
RUNTIME_OUT = ROOT / "simulators" / "microsoft" / "model" / "graph_properties.json"
RUNTIME = ("user", "group", "organization")
"""Types whose every declared property the lab's ``$select`` accepts."""
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
NAMESPACE = "microsoft.graph"
SERVED = (
    "user",
    "group",
    "domain",
    "domainDnsRecord",
    "internalDomainFederation",
    "organization",
    "directoryObject",
    "identitySecurityDefaultsEnforcementPolicy",
)
"""Entity types the lab's Graph host serves (users, groups, domains and their federation,
organization, deleted items, security defaults)."""
WITH_DERIVED = ("domainDnsRecord",)
"""Served types whose replies carry derived types (``@odata.type``), kept with them."""
PROVENANCE = {
    "source": "Microsoft Graph v1.0 metadata (CSDL)",
    "repository": "https://github.com/microsoftgraph/msgraph-metadata",
    "path": "clean_v10_metadata/cleanMetadata.xml",
    "commit": "f54f11b6",
    "commit_date": "2026-08-20",
    "license": "MIT",
    "copyright": "Copyright (c) 2018 Microsoft Graph",
    "extracted_by": "tools/graph_contract.py (names and types of the types the lab serves)",
}


def qualified(name: str, aliases: dict[str, str]) -> str:
    """``graph.user`` or ``microsoft.graph.user`` -> ``microsoft.graph.user``; Edm types as is."""
    namespace, _, local = name.rpartition(".")
    return f"{aliases.get(namespace, namespace)}.{local}"


def split_type(raw: str, aliases: dict[str, str]) -> tuple[str, bool]:
    """A property's ``Type`` attribute as (qualified item type, is a collection)."""
    if raw.startswith("Collection(") and raw.endswith(")"):
        return qualified(raw[len("Collection(") : -1], aliases), True
    return qualified(raw, aliases), False


class Csdl:
    """Every entity, complex and enum type of one CSDL document, by qualified name."""

    def __init__(self, path: Path) -> None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        self.root = etree.parse(str(path), parser).getroot()
        self.nodes: dict[str, etree._Element] = {}
        self.aliases: dict[str, str] = {}
        for schema in self.root.iter(f"{EDM}Schema"):
            namespace = schema.get("Namespace")
            self.aliases[namespace] = namespace
            if schema.get("Alias"):
                self.aliases[schema.get("Alias")] = namespace
        for schema in self.root.iter(f"{EDM}Schema"):
            namespace = schema.get("Namespace")
            for node in schema:
                if node.tag in (f"{EDM}EntityType", f"{EDM}ComplexType", f"{EDM}EnumType"):
                    self.nodes[f"{namespace}.{node.get('Name')}"] = node

    def describe(self, name: str) -> dict:
        node = self.nodes[name]
        if node.tag == f"{EDM}EnumType":
            return {
                "kind": "enum",
                "flags": node.get("IsFlags") == "true",
                "members": [m.get("Name") for m in node.iter(f"{EDM}Member")],
            }
        out: dict = {
            "kind": "entity" if node.tag == f"{EDM}EntityType" else "complex",
            "baseType": qualified(node.get("BaseType"), self.aliases)
            if node.get("BaseType")
            else None,
            "abstract": node.get("Abstract") == "true",
            "properties": {},
        }
        for prop in node.iter(f"{EDM}Property"):
            item, collection = split_type(prop.get("Type"), self.aliases)
            out["properties"][prop.get("Name")] = {
                "type": item,
                "collection": collection,
                "nullable": prop.get("Nullable", "true") != "false",
            }
        if out["kind"] == "entity":
            out["navigation"] = {}
            for nav in node.iter(f"{EDM}NavigationProperty"):
                item, collection = split_type(nav.get("Type"), self.aliases)
                out["navigation"][nav.get("Name")] = {"type": item, "collection": collection}
        return out

    def derived(self, name: str) -> list[str]:
        """Entity types whose base type is ``name``."""
        return [
            n
            for n, node in self.nodes.items()
            if node.get("BaseType") and qualified(node.get("BaseType"), self.aliases) == name
        ]

    def container(self, kept: set[str]) -> tuple[dict[str, str], dict[str, str]]:
        """(entity sets, singletons) of the container whose type is one of ``kept``."""
        sets: dict[str, str] = {}
        singletons: dict[str, str] = {}
        for node in self.root.iter(f"{EDM}EntitySet", f"{EDM}Singleton"):
            kind = node.get("EntityType") or node.get("Type")
            name = qualified(kind, self.aliases)
            if name in kept:
                target = sets if node.tag == f"{EDM}EntitySet" else singletons
                target[node.get("Name")] = name
        return dict(sorted(sets.items())), dict(sorted(singletons.items()))


def extract(csdl: Csdl, served: tuple[str, ...] = SERVED) -> dict:
    """The types reached from ``served`` (see the module docstring), sorted by name."""
    types: dict[str, dict] = {}
    pending = [f"{NAMESPACE}.{name}" for name in served]
    for name in WITH_DERIVED:
        pending.extend(csdl.derived(f"{NAMESPACE}.{name}"))
    while pending:
        name = pending.pop()
        if name in types or name.startswith("Edm."):
            continue
        if name not in csdl.nodes:
            raise SystemExit(f"graph_contract: the CSDL has no type {name}")
        described = types[name] = csdl.describe(name)
        if described["kind"] == "enum":
            continue
        if described["baseType"]:
            pending.append(described["baseType"])
        pending.extend(p["type"] for p in described["properties"].values())
    sets, singletons = csdl.container({n for n, t in types.items() if t["kind"] == "entity"})
    return {
        "types": dict(sorted(types.items())),
        "entitySets": sets,
        "singletons": singletons,
    }


def _flattened(types: dict, name: str) -> dict[str, list]:
    """A type's structural properties, its base types' included, as [type, collection, nullable]."""
    merged: dict[str, list] = {}
    current: str | None = name
    while current:
        for prop, fact in types[current]["properties"].items():
            merged.setdefault(prop, [fact["type"], fact["collection"], fact["nullable"]])
        current = types[current]["baseType"]
    return dict(sorted(merged.items()))


def runtime_facts(contract: dict) -> dict:
    """``graph_properties.json``: the ``RUNTIME`` types' properties and the complex types they
    reach, from a contract."""
    types = contract["types"]
    provenance = {**contract["x-provenance"], "from": "tests/data/graph_contract.json"}
    out: dict = {"x-provenance": provenance}
    complex_types: dict[str, dict] = {}
    navigation: dict[str, dict] = {}
    for short in RUNTIME:
        out[short] = _flattened(types, f"{NAMESPACE}.{short}")
        navigation[short] = _navigation(types, f"{NAMESPACE}.{short}")
        pending = [fact[0] for fact in out[short].values()]
        while pending:
            name = pending.pop()
            if name in complex_types or types.get(name, {}).get("kind") != "complex":
                continue
            complex_types[name] = _flattened(types, name)
            pending.extend(fact[0] for fact in complex_types[name].values())
    out["complex"] = dict(sorted(complex_types.items()))
    out["navigation"] = navigation
    return out


def _navigation(types: dict, name: str) -> dict[str, list]:
    """An entity type's navigation properties, its base types' included, as [type, collection]."""
    merged: dict[str, list] = {}
    current: str | None = name
    while current:
        for prop, fact in types[current].get("navigation", {}).items():
            merged.setdefault(prop, [fact["type"], fact["collection"]])
        current = types[current]["baseType"]
    return dict(sorted(merged.items()))


def write_runtime(contract: dict, path: Path = RUNTIME_OUT) -> None:
    """One line per property, so a new release of the CSDL reads as a short diff."""
    facts = runtime_facts(contract)
    complex_types = facts.pop("complex")
    navigation = facts.pop("navigation")
    lines = ["{", f' "x-provenance": {json.dumps(facts.pop("x-provenance"))},']
    for short, props in facts.items():
        lines.append(f" {json.dumps(short)}: {{")
        lines.append(",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in props.items()))
        lines.append(" },")
    for key, group in (("complex", complex_types), ("navigation", navigation)):
        rows = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in group.items()]
        lines += [f" {json.dumps(key)}: {{", ",\n".join(rows), " },"]
    lines[-1] = " }"
    lines.append("}")
    path.write_text("\n".join(lines) + "\n")
    print(f"{path}: {', '.join(RUNTIME)} and {len(complex_types)} complex types")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csdl", type=Path, nargs="?", help="Graph v1.0's CSDL metadata document")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--commit", default=PROVENANCE["commit"], help="the source's commit")
    parser.add_argument("--commit-date", default=PROVENANCE["commit_date"])
    parser.add_argument(
        "--runtime-only", action="store_true", help="rewrite graph_properties.json from FILE"
    )
    args = parser.parse_args(argv)
    if args.runtime_only:
        write_runtime(json.loads(args.out.read_text()))
        return 0
    if args.csdl is None:
        parser.error("CSDL_FILE is required unless --runtime-only")
    if not args.csdl.is_file():
        print(f"graph_contract: {args.csdl}: no such file", file=sys.stderr)
        return 2
    provenance = {
        **PROVENANCE,
        "commit": args.commit,
        "commit_date": args.commit_date,
        "sha256": hashlib.sha256(args.csdl.read_bytes()).hexdigest(),
    }
    try:
        contract = extract(Csdl(args.csdl))
    except etree.XMLSyntaxError as exc:
        print(f"graph_contract: {args.csdl}: not a CSDL document: {exc}", file=sys.stderr)
        return 2
    out = {"x-provenance": provenance, **contract}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1, sort_keys=False) + "\n")
    counts = {kind: sum(t["kind"] == kind for t in contract["types"].values()) for kind in
              ("entity", "complex", "enum")}  # fmt: skip
    print(f"{args.out}: {counts['entity']} entity, {counts['complex']} complex and "
          f"{counts['enum']} enum types")  # fmt: skip
    write_runtime(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
