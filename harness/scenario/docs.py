"""``python -m harness.scenario.docs``: the step reference in Markdown, from the registry."""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Sequence

from harness.scenario.registry import REGISTRY, Param, Registry, StepSpec, load_steps_module

STEP_KEYS_TEXT = """Beside its `<name>: <arguments>` pair, every step may carry:

- `id: NAME` — names its result for later steps (`${steps.NAME…}`);
- `say: TEXT` — the trainer's narration: one or two sentences saying what happens and why.
  `m365lab demo` shows it on the dashboard's demo page before the step runs, and the HTML report
  shows it under the step. It is text (anything else is a load error naming the file, line and
  step) and may use `${…}` values like arguments.

```yaml
  - signin.microsoft: {username: "alice@${vars.domain}", password: "${vars.password}"}
    say: Alice types her address at the portal; her domain is federated, so Entra sends her
      to JumpCloud.
```"""


def _default(param: Param) -> str:
    if param.required:
        return "required"
    return f"`{param.default!r}`" if param.default is not None else "`null`"


def step_markdown(spec: StepSpec) -> str:
    lines = [f"#### `{spec.name}`", ""]
    doc = inspect.cleandoc(spec.doc) if spec.doc else "(undocumented)"
    lines += [doc, ""]
    if spec.exclusive:
        lines += ["Lab-wide: a scenario using it runs alone.", ""]
    if spec.params:
        lines += ["| argument | type | default |", "|---|---|---|"]
        for p in spec.params:
            type_text = p.type_text.replace("|", "\\|")
            lines.append(f"| `{p.name}` | `{type_text}` | {_default(p)} |")
        lines += ["", f"Scalar form: `- {spec.name}: <{spec.params[0].name}>`.", ""]
    else:
        lines += ["No arguments.", ""]
    return "\n".join(lines)


def reference(registry: Registry = REGISTRY) -> str:
    """The whole step reference, grouped by the part of the name before the first dot."""
    specs = list(registry)
    groups: dict[str, list[StepSpec]] = {}
    for spec in specs:
        group = spec.name.split(".", 1)[0] if "." in spec.name else "general"
        groups.setdefault(group, []).append(spec)
    out = ["## Step reference", "", f"{len(specs)} steps, generated from the registry.", ""]
    out += [STEP_KEYS_TEXT, ""]
    for group in sorted(groups):
        out += [f"### {group}", ""]
        out += [step_markdown(spec) for spec in groups[group]]
    return "\n".join(out).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.scenario.docs", description=__doc__)
    parser.add_argument("--steps", action="append", default=[], help="also load this module")
    args = parser.parse_args(argv)
    for module in args.steps:
        load_steps_module(module)
    sys.stdout.write(reference())
    return 0


if __name__ == "__main__":
    sys.exit(main())
