"""Extract the JumpCloud API contract the lab is tested against from JumpCloud's Swagger files.

    .venv/bin/python tools/jumpcloud_contract.py [SPEC_DIR] [--out FILE] [--commit C]

SPEC_DIR holds JumpCloud's published API descriptions ``v1.json`` and ``v2.json`` (Swagger 2.0;
required unless ``--bodies-only``). FILE (default ``tests/data/jumpcloud_contract.json``)
is ``{"x-provenance": …, "v1": swagger, "v2": swagger}``: per version a valid Swagger 2.0
document pruned to the operations the lab's console host routes under ``/api`` (its Flask URL
map, read from a lab started here) with their parameters and responses (request samples
dropped), the standard error responses, every definition and parameter reachable through
``$ref``, and the document's host, basePath, schemes, consumes, produces and security
definitions. Provenance is in ``x-provenance`` at the top and in each document's ``info``.
``--commit`` / ``--commit-date`` name the source's commit (default: the one extracted last).
The tests read only FILE.

It also writes ``simulators/jumpcloud/api/request_bodies.json``: for the operations in
``VALIDATED_BODIES``, the request body's schema as a self-contained JSON Schema (draft 4) taken
from FILE, which the lab checks bodies against at run time. ``--bodies-only`` rewrites just that
file from the committed FILE (no Swagger files needed).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "tests" / "data" / "jumpcloud_contract.json"
VERSIONS = {"v1": "/api", "v2": "/api/v2"}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
DROPPED = ("x-codeSamples",)
"""Operation fields left out: request samples in several languages, not part of the contract."""
KEPT = ("swagger", "host", "basePath", "schemes", "consumes", "produces", "securityDefinitions")
PROVENANCE = {
    "source": "JumpCloud API descriptions (Swagger 2.0)",
    "repository": "https://github.com/TheJumpCloud/jcapi-powershell",
    "paths": {
        "v1": "SwaggerSpecs/JumpCloud.SDK.V1.json",
        "v2": "SwaggerSpecs/JumpCloud.SDK.V2.json",
    },
    "commit": "82c20c19",
    "commit_date": "2026-03-31",
    "license": "MIT",
    "copyright": "Copyright (c) 2020 TheJumpCloud",
    "extracted_by": "tools/jumpcloud_contract.py (pruned to the operations the lab serves)",
}
BODIES_OUT = ROOT / "simulators" / "jumpcloud" / "api" / "request_bodies.json"
VALIDATED_BODIES = (("v2", "POST", "/usergroups"), ("v2", "PUT", "/usergroups/{id}"))
"""Operations whose bodies the lab checks against JumpCloud's schema (README: fidelity)."""
_PARAM = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def rule_segments(rule: str) -> list[str | tuple[str, ...] | None]:
    """A Flask rule's segments: a literal, the options of ``any(…)``, or None for a variable."""
    segments: list[str | tuple[str, ...] | None] = []
    for part in rule.strip("/").split("/"):
        match = _PARAM.fullmatch(part)
        if match is None:
            segments.append(part)
        elif match.group(1) == "any":
            segments.append(tuple(o.strip().strip("'\"") for o in match.group(2).split(",")))
        else:
            segments.append(None)
    return segments


def served_rules(app) -> set[tuple[str, str, str]]:
    """(version, METHOD, rule below the version's base path) for the app's admin API routes."""
    served = set()
    for rule in app.url_map.iter_rules():
        version = next(
            (v for v, base in sorted(VERSIONS.items(), key=lambda i: -len(i[1]))
             if rule.rule.startswith(base + "/")),
            None,
        )  # fmt: skip
        if version is None:
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            served.add((version, method, rule.rule[len(VERSIONS[version]) :]))
    return served


def template_matches(rule: str, template: str) -> bool:
    """Whether a spec path template is routed by a Flask rule (variables match variables)."""
    spec = template.strip("/").split("/")
    ours = rule_segments(rule)
    if len(spec) != len(ours):
        return False
    for theirs, mine in zip(spec, ours, strict=True):
        variable = theirs.startswith("{") and theirs.endswith("}")
        if mine is None:
            if not variable:
                return False
        elif isinstance(mine, tuple):
            if variable or theirs not in mine:
                return False
        elif mine != theirs:
            return False
    return True


def served_operations(
    served: Iterable[tuple[str, str, str]], paths: dict[str, dict[str, dict]]
) -> dict[tuple[str, str, str], list[str]]:
    """For each served (version, METHOD, rule): the spec templates of ``paths[version]`` with
    that method which it routes (an empty list: the spec has no such operation)."""
    return {
        (version, method, rule): sorted(
            t
            for t, item in paths.get(version, {}).items()
            if method.lower() in item and template_matches(rule, t)
        )
        for version, method, rule in served
    }


def _refs(node) -> Iterable[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def prune(spec: dict, operations: dict[str, set[str]], version: str) -> dict:
    """``spec`` cut down to ``operations`` ({template: {method}}) and what they reference."""
    paths = {}
    for template, methods in sorted(operations.items()):
        item = spec["paths"][template]
        paths[template] = {
            k: {f: x for f, x in v.items() if f not in DROPPED} if k in METHODS else v
            for k, v in item.items()
            if k not in METHODS or k in methods
        }
    out: dict = {k: spec[k] for k in KEPT if k in spec}
    out["info"] = {
        "title": spec["info"]["title"],
        "version": spec["info"]["version"],
        "description": f"JumpCloud's {version} API, only the operations the lab serves.",
        "x-provenance": {**PROVENANCE, "path": PROVENANCE["paths"][version]},
    }
    if "security" in spec:
        out["security"] = spec["security"]
    out["paths"] = paths
    # The standard error replies are documented once at the top, not on each operation.
    sections: dict[str, dict] = {"responses": dict(spec.get("responses", {}))}
    pending = [*_refs(paths), *_refs(sections["responses"])]
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, section, name = ref.split("/", 2)
        name = name.replace("~1", "/").replace("~0", "~")
        node = spec[section][name]
        sections.setdefault(section, {})[name] = node
        pending.extend(_refs(node))
    for section in ("parameters", "responses", "definitions"):
        if sections.get(section):
            out[section] = dict(sorted(sections[section].items()))
    return out


def lab_rules() -> set[tuple[str, str, str]]:
    """The admin API routes of the console host of a JumpCloud lab started for the purpose."""
    sys.path.insert(0, str(ROOT))
    from harness.lab import Lab, LabOptions

    lab = Lab(LabOptions(port_base=0, systems=("jumpcloud",), default_world=False)).start()
    try:
        console = next(s for s in lab.servers if s.spec.name == "console")
        return served_rules(console.server.wsgi_app)
    finally:
        lab.stop()


def build(spec_dir: Path, served: set[tuple[str, str, str]]) -> dict:
    specs = {v: json.loads((spec_dir / f"{v}.json").read_text()) for v in VERSIONS}
    matched = served_operations(served, {v: s["paths"] for v, s in specs.items()})
    contract: dict = {"x-provenance": PROVENANCE}
    for version, spec in specs.items():
        operations: dict[str, set[str]] = {}
        for (v, method, _rule), templates in matched.items():
            if v == version:
                for template in templates:
                    operations.setdefault(template, set()).add(method.lower())
        contract[version] = prune(spec, operations, version)
    return contract


def request_bodies(contract: dict) -> dict:
    """``{"METHOD version template": JSON Schema}`` for ``VALIDATED_BODIES``, with provenance."""
    extracted_by = "tools/jumpcloud_contract.py (request bodies, from the contract)"
    out: dict = {"x-provenance": {**contract["x-provenance"], "extracted_by": extracted_by}}
    for version, method, template in VALIDATED_BODIES:
        doc = contract[version]
        operation = doc["paths"][template][method.lower()]
        body = next(p for p in operation.get("parameters", []) if p.get("in") == "body")
        schema: dict = {"$schema": "http://json-schema.org/draft-04/schema#", **body["schema"]}
        pending, definitions = list(_refs(schema)), {}
        while pending:
            name = pending.pop().split("/", 2)[2]
            if name not in definitions:
                definitions[name] = doc["definitions"][name]
                pending.extend(_refs(definitions[name]))
        schema["definitions"] = dict(sorted(definitions.items()))
        out[f"{method} {version} {template}"] = schema
    return out


def write_bodies(contract: dict, out: Path = BODIES_OUT) -> None:
    out.write_text(json.dumps(request_bodies(contract), indent=1) + "\n")
    print(f"{out}: {len(VALIDATED_BODIES)} request bodies")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec_dir", nargs="?", type=Path)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--commit", default=PROVENANCE["commit"], help="the source's commit")
    parser.add_argument("--commit-date", default=PROVENANCE["commit_date"])
    parser.add_argument("--bodies-only", action="store_true", help="rewrite only the bodies")
    args = parser.parse_args(argv)
    if args.bodies_only:
        write_bodies(json.loads(args.out.read_text()))
        return 0
    if args.spec_dir is None:
        parser.error("SPEC_DIR is required (a directory with JumpCloud's v1.json and v2.json)")
    missing = [v for v in VERSIONS if not (args.spec_dir / f"{v}.json").is_file()]
    if missing:
        parser.error(f"{args.spec_dir} has no {', '.join(m + '.json' for m in missing)}")
    served = lab_rules()
    PROVENANCE.update(commit=args.commit, commit_date=args.commit_date)
    contract = build(args.spec_dir, served)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(contract, indent=1, sort_keys=False) + "\n")
    counts = {
        v: sum(len(set(i) & set(METHODS)) for i in contract[v]["paths"].values()) for v in VERSIONS
    }
    print(f"{args.out}: " + ", ".join(f"{v} {n} operations" for v, n in counts.items()))
    write_bodies(contract)
    return 0


if __name__ == "__main__":
    sys.exit(main())
