"""The step registry: steps are Python functions registered by name; their signature is the schema.

```python
from harness.scenario import step, StepContext

@step("acme.create_invoice")
def create_invoice(ctx: StepContext, customer: str, amount: float = 0.0) -> dict:
    '''Create an invoice through the ACME API; returns it.'''
```

The first parameter receives the :class:`~harness.scenario.context.StepContext`; every other
parameter is a step argument, with its type hint checked before anything runs (unless the value
holds a ``${...}`` expression, which is checked after it is resolved). The return value is the
step's result, referable as ``${steps.<id>...}`` when the step has an ``id``.
Steps that change lab-wide state (the clock, fault rules) are registered with
``exclusive=True``: scenarios using them never run alongside others.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import inspect
import sys
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

from harness.scenario.errors import StepDefinitionError
from harness.scenario.values import has_expression

_REQUIRED = inspect.Parameter.empty
BUILTIN_MODULES = (
    "harness.steps.flow",
    "harness.steps.clock",
    "harness.steps.faults",
    "harness.steps.http",
    "harness.steps.expect",
    "harness.steps.page",
    "harness.steps.jumpcloud",
    "harness.steps.microsoft",
    "harness.steps.journeys",
    "harness.steps.m365",
    "harness.steps.saml",
    "harness.steps.mfa",
)


@dataclass
class Param:
    """One argument of a step."""

    name: str
    hint: Any
    default: Any = _REQUIRED

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED

    @property
    def type_text(self) -> str:
        return type_text(self.hint)


@dataclass
class StepSpec:
    """A registered step: its name, function, arguments and documentation."""

    name: str
    func: Callable[..., Any]
    params: list[Param]
    exclusive: bool = False
    doc: str = ""

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else ""

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def bind(self, raw: Any) -> dict[str, Any]:
        """Arguments as a mapping: ``{step: {args}}``; a scalar or list fills the first argument."""
        if raw is None:
            return {}
        if isinstance(raw, dict):
            return dict(raw)
        if not self.params:
            raise ValueError(f"takes no arguments, got {raw!r}")
        return {self.params[0].name: raw}

    def check(self, args: dict[str, Any], *, resolved: bool = False) -> list[tuple[str, str]]:
        """Problems with ``args`` as (argument name or '', message)."""
        problems: list[tuple[str, str]] = []
        names = {p.name for p in self.params}
        for name in args:
            if name not in names:
                known = ", ".join(sorted(names)) or "none"
                problems.append((name, f"unknown argument '{name}' (arguments: {known})"))
        for p in self.params:
            if p.name not in args:
                if p.required:
                    problems.append(("", f"missing argument '{p.name}' ({p.type_text})"))
                continue
            value = args[p.name]
            if not resolved and has_expression(value):
                continue
            if not matches(value, p.hint):
                problems.append(
                    (
                        p.name,
                        f"argument '{p.name}' must be {p.type_text}, "
                        f"got {type(value).__name__} {_short(value)}",
                    )
                )
        return problems


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def matches(value: Any, hint: Any) -> bool:
    """Whether a YAML value fits a type hint (str, int, float, bool, list[...], dict[...], unions,
    Literal, Any)."""
    if hint is Any or hint is _REQUIRED or hint is object:
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(matches(value, arg) for arg in typing.get_args(hint))
    if origin is Literal:
        return value in typing.get_args(hint)
    if origin in (list, tuple):
        args = typing.get_args(hint)
        return isinstance(value, list) and (not args or all(matches(v, args[0]) for v in value))
    if origin is dict:
        args = typing.get_args(hint)
        return isinstance(value, dict) and (
            not args or all(matches(v, args[1]) for v in value.values())
        )
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def type_text(hint: Any) -> str:
    """A hint as people read it: ``int``, ``str | None``, ``'ok' | 'AADSTS50126'``."""
    if hint is _REQUIRED or hint is Any:
        return "any"
    if hint is None or hint is type(None):
        return "null"
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        return " | ".join(type_text(a) for a in typing.get_args(hint))
    if origin is Literal:
        return " | ".join(repr(a) for a in typing.get_args(hint))
    if origin in (list, tuple, dict):
        args = ", ".join(type_text(a) for a in typing.get_args(hint))
        name = "list" if origin is tuple else origin.__name__
        return f"{name}[{args}]" if args else name
    return getattr(hint, "__name__", str(hint))


def _hints(func: Callable) -> dict[str, Any]:
    """Type hints of ``func``, evaluated one by one so an unresolvable ``ctx`` hint is harmless."""
    out: dict[str, Any] = {}
    namespace = {**getattr(func, "__globals__", {}), "Any": Any, "Literal": Literal}
    for name, param in inspect.signature(func).parameters.items():
        hint = param.annotation
        if isinstance(hint, str):
            try:
                hint = eval(hint, namespace)  # annotations of a registered step function
            except Exception:
                hint = Any
        out[name] = hint
    return out


class Registry:
    """Steps by name."""

    def __init__(self) -> None:
        self._steps: dict[str, StepSpec] = {}
        self._builtins_loaded = False

    def step(self, name: str, *, exclusive: bool = False) -> Callable[[Callable], Callable]:
        """Decorator: register ``func`` as the step ``name``."""

        def register(func: Callable) -> Callable:
            self.add(name, func, exclusive=exclusive)
            return func

        return register

    def add(self, name: str, func: Callable, *, exclusive: bool = False) -> StepSpec:
        if not name or not all(part.isidentifier() for part in name.split(".")):
            raise StepDefinitionError(f"step name {name!r} must be dotted identifiers")
        params = list(inspect.signature(func).parameters.values())
        if not params or params[0].kind not in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            raise StepDefinitionError(
                f"step {name!r}: {func.__qualname__} must take the step context first"
            )
        hints = _hints(func)
        args = []
        for p in params[1:]:
            if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
                raise StepDefinitionError(
                    f"step {name!r}: *args/**kwargs are not allowed; name every argument"
                )
            args.append(Param(p.name, hints.get(p.name, Any), p.default))
        existing = self._steps.get(name)
        if existing and _origin(existing.func) != _origin(func):
            raise StepDefinitionError(
                f"step {name!r} is already registered by {_origin(existing.func)}"
            )
        spec = StepSpec(name, func, args, exclusive, inspect.getdoc(func) or "")
        self._steps[name] = spec
        return spec

    def get(self, name: str) -> StepSpec | None:
        self.load_builtins()
        return self._steps.get(name)

    def names(self) -> list[str]:
        self.load_builtins()
        return sorted(self._steps)

    def __iter__(self) -> Iterator[StepSpec]:
        return (self._steps[n] for n in self.names())

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def suggest(self, name: str) -> str:
        close = difflib.get_close_matches(name, self.names(), n=3, cutoff=0.8)
        return f" (did you mean {', '.join(close)}?)" if close else ""

    def load_builtins(self) -> None:
        if self._builtins_loaded:
            return
        self._builtins_loaded = True
        for module in BUILTIN_MODULES:
            importlib.import_module(module)


def _origin(func: Callable) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', '?')}"


REGISTRY = Registry()
"""The registry scenarios use; built-in and custom steps register here."""

step = REGISTRY.step


@dataclass
class StepsModules:
    """Custom step modules loaded so far (by resolved file path or module name)."""

    loaded: dict[str, types.ModuleType] = field(default_factory=dict)


_LOADED = StepsModules()


def load_steps_module(spec: str | Path) -> types.ModuleType:
    """Import a custom steps module by dotted name or file path (once per file)."""
    text = str(spec)
    if text.endswith(".py") or "/" in text or Path(text).is_file():
        path = Path(text).resolve()
        key = str(path)
        if key in _LOADED.loaded:
            return _LOADED.loaded[key]
        if not path.is_file():
            raise StepDefinitionError(f"steps module {text} does not exist")
        module_name = "m365lab_steps_" + str(abs(hash(key)))
        module_spec = importlib.util.spec_from_file_location(module_name, path)
        if module_spec is None or module_spec.loader is None:
            raise StepDefinitionError(f"cannot import steps module {text}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[module_name] = module
        try:
            module_spec.loader.exec_module(module)
        except StepDefinitionError:
            raise
        except Exception as exc:
            del sys.modules[module_name]
            raise StepDefinitionError(
                f"steps module {text} failed to import: {type(exc).__name__}: {exc}"
            ) from exc
        _LOADED.loaded[key] = module
        return module
    try:
        return importlib.import_module(text)
    except ImportError as exc:
        raise StepDefinitionError(f"cannot import steps module {text!r}: {exc}") from exc
