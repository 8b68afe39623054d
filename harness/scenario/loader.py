"""Read scenario files, validate them completely, and find them on disk."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.scenario.errors import Problem, ScenarioLoadError, StepDefinitionError
from harness.scenario.registry import REGISTRY, Registry, load_steps_module
from harness.scenario.schema import schema_errors
from harness.scenario.values import expressions, static_problems
from harness.scenario.yamlnodes import YamlSyntaxError, line_of, load_with_lines

SCENARIO_SUFFIXES = (".yaml", ".yml")
STEPS_MODULE_NAME = "scenario_steps.py"
STEP_KEYS = ("id", "say")
"""Keys a step may carry beside its ``<step name>: <arguments>`` pair."""


@dataclass
class StepCall:
    """One step of a scenario as written: its name, arguments and where it is."""

    index: int
    name: str
    args: dict[str, Any]
    id: str | None
    line: int | None
    say: str | None = None
    """The trainer's narration for this step (``say:``), shown by ``m365lab demo`` and reports."""

    @property
    def label(self) -> str:
        return f"step {self.index} ({self.name})"


@dataclass
class Scenario:
    """A validated scenario file."""

    path: Path
    name: str
    steps: list[StepCall]
    description: str = ""
    tags: list[str] = field(default_factory=list)
    world: dict[str, Any] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    exclusive: bool = False
    """Uses a lab-wide step (clock, faults): must not run alongside other scenarios."""

    @property
    def slug(self) -> str:
        return self.path.stem


def load_scenario(path: str | Path, registry: Registry = REGISTRY) -> Scenario:
    """Parse and validate one file; ScenarioLoadError lists every problem found."""
    path = Path(path)
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioLoadError([Problem(shown, None, f"cannot read: {exc}")]) from exc
    try:
        data, lines, duplicates = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise ScenarioLoadError([Problem(shown, exc.line, f"bad YAML: {exc}")]) from None
    problems = [
        Problem(shown, line, f"duplicate key '{dup_path[-1]}'") for dup_path, line in duplicates
    ]
    for schema_path, message in schema_errors(data):
        index, name = _step_of(data, schema_path)
        problems.append(Problem(shown, line_of(lines, schema_path), message, index, name))
    if problems:
        raise ScenarioLoadError(problems)
    scenario = Scenario(
        path=path,
        name=data["name"],
        steps=[],
        description=data.get("description", ""),
        tags=list(data.get("tags", [])),
        world=dict(data.get("world") or {}),
        vars=dict(data.get("vars") or {}),
    )
    problems += _check_expressions(
        shown, ("world",), scenario.world, lines, set(), scenario.vars, None
    )
    ids: set[str] = set()
    for position, raw in enumerate(data["steps"]):
        call, step_problems = _step(shown, position, raw, lines, registry, ids, scenario.vars)
        problems += step_problems
        if call is not None:
            scenario.steps.append(call)
            spec = registry.get(call.name)
            scenario.exclusive |= bool(spec and spec.exclusive)
            if call.id:
                ids.add(call.id)
    if problems:
        raise ScenarioLoadError(problems)
    return scenario


def display_path(path: Path) -> str:
    """A scenario file as reports show it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _step_of(data: Any, path: tuple) -> tuple[int | None, str | None]:
    if len(path) < 2 or path[0] != "steps" or not isinstance(path[1], int):
        return None, None
    raw = data["steps"][path[1]]
    if isinstance(raw, str):
        return path[1] + 1, raw
    names = [k for k in raw if k not in STEP_KEYS] if isinstance(raw, dict) else []
    return path[1] + 1, names[0] if names else None


def _step(
    shown: str,
    position: int,
    raw: dict,
    lines: dict,
    registry: Registry,
    ids: set[str],
    variables: dict,
) -> tuple[StepCall | None, list[Problem]]:
    index = position + 1
    base = ("steps", position)
    if isinstance(raw, str):  # a bare step name: no arguments
        raw = {raw: None}
    names = [k for k in raw if k not in STEP_KEYS]
    if len(names) != 1:
        found = ", ".join(map(str, names)) or "none"
        message = (
            f"a step is one '<step name>: <arguments>' pair (plus 'id', 'say'); found: {found}"
        )
        return None, [Problem(shown, line_of(lines, base), message, index, None)]
    name = names[0]
    line = line_of(lines, (*base, name))

    def problem(message: str, sub: tuple = ()) -> Problem:
        return Problem(shown, line_of(lines, (*base, name, *sub)) or line, message, index, name)

    step_id = raw.get("id")
    if step_id is not None and step_id in ids:
        return None, [problem(f"step id '{step_id}' is used by an earlier step")]
    say = raw.get("say")
    if "say" in raw and (not isinstance(say, str) or not say.strip()):
        found = "nothing" if say is None else f"{type(say).__name__} {say!r}"
        where = line_of(lines, (*base, "say")) or line
        return None, [Problem(shown, where, f"say: must be text; found {found}", index, name)]
    spec = registry.get(name)
    if spec is None:
        return None, [problem(f"unknown step '{name}'{registry.suggest(name)}")]
    try:
        args = spec.bind(raw[name])
    except ValueError as exc:
        return None, [problem(str(exc))]
    problems = [problem(message, (arg,) if arg else ()) for arg, message in spec.check(args)]
    problems += _check_expressions(
        shown,
        (*base, name),
        args,
        lines,
        ids,
        variables,
        (index, name),
        scalar=not isinstance(raw[name], dict),
    )
    if say:
        problems += _check_expressions(
            shown, base, {"say": say}, lines, ids, variables, (index, name)
        )
    return StepCall(index, name, args, step_id, line, say.strip() if say else None), problems


def _check_expressions(
    shown: str,
    base: tuple,
    args: dict,
    lines: dict,
    ids: set[str],
    variables: dict,
    step: tuple[int, str] | None,
    *,
    scalar: bool = False,
) -> list[Problem]:
    problems = []
    index, name = step or (None, None)
    for key, value in args.items():
        where = base if scalar else (*base, key)
        for expr in expressions(value):
            message = static_problems(expr, ids, variables)
            if message:
                problems.append(Problem(shown, line_of(lines, where), message, index, name))
    return problems


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Scenario files under ``paths`` (files as given, directories searched recursively)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*") if p.suffix in SCENARIO_SUFFIXES and p.is_file()
            )
        elif path.exists():
            found.append(path)
        else:
            raise ScenarioLoadError([Problem(str(path), None, "no such file or directory")])
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def steps_modules_for(files: Iterable[Path], roots: Iterable[str | Path] = ()) -> list[Path]:
    """``scenario_steps.py`` files beside the scenarios and in their parents up to the roots."""
    stops = {Path(r).resolve() if Path(r).is_dir() else Path(r).resolve().parent for r in roots}
    modules: dict[Path, None] = {}
    for file in files:
        directory = file.resolve().parent
        while True:
            candidate = directory / STEPS_MODULE_NAME
            if candidate.is_file():
                modules.setdefault(candidate)
            if directory in stops or directory.parent == directory or not stops:
                break
            directory = directory.parent
    return sorted(modules, key=lambda p: len(p.parts))


def load_all(
    paths: Iterable[str | Path],
    *,
    steps: Iterable[str] = (),
    registry: Registry = REGISTRY,
) -> list[Scenario]:
    """Load custom steps, then every scenario under ``paths``; any problem stops everything."""
    paths = list(paths)
    files = discover(paths)
    problems: list[Problem] = []
    modules: list[str | Path] = [*steps_modules_for(files, paths), *steps]
    for module in modules:
        try:
            load_steps_module(module)
        except StepDefinitionError as exc:
            problems.append(Problem(str(module), None, str(exc)))
    if problems:
        raise ScenarioLoadError(problems)
    scenarios = []
    for file in files:
        try:
            scenarios.append(load_scenario(file, registry))
        except ScenarioLoadError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioLoadError(problems)
    return scenarios
