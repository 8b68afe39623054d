"""The step registry, custom step modules and the generated reference."""

from __future__ import annotations

import textwrap
from typing import Literal

import pytest

from harness.scenario.docs import reference, step_markdown
from harness.scenario.errors import ScenarioLoadError, StepDefinitionError
from harness.scenario.loader import load_all
from harness.scenario.registry import REGISTRY, Registry, matches


def test_signature_defines_arguments_and_checks():
    registry = Registry()

    @registry.step("team.thing")
    def thing(ctx, name: str, size: int = 1, mode: Literal["a", "b"] = "a") -> dict:
        """Do a thing."""
        return {}

    spec = registry.get("team.thing")
    assert [(p.name, p.type_text, p.required) for p in spec.params] == [
        ("name", "str", True),
        ("size", "int", False),
        ("mode", "'a' | 'b'", False),
    ]
    assert spec.bind("x") == {"name": "x"}
    assert spec.check({"name": "x", "size": True}) == [
        ("size", "argument 'size' must be int, got bool True")
    ]
    assert spec.check({"name": "${steps.a}", "mode": "c"})[0][1].startswith("argument 'mode'")


def test_bad_definitions_are_refused():
    registry = Registry()
    with pytest.raises(StepDefinitionError, match="dotted identifiers"):
        registry.add("bad name", lambda ctx: None)
    with pytest.raises(StepDefinitionError, match=r"\*args"):
        registry.add("x.y", lambda ctx, **kw: None)
    registry.add("x.z", lambda ctx: None)

    def other(ctx) -> None:
        """Another function under the same name."""

    with pytest.raises(StepDefinitionError, match="already registered"):
        registry.add("x.z", other)


def test_type_matching():
    assert matches(1, float) and not matches(True, float)
    assert matches(["a"], list[str]) and not matches(["a", 1], list[str])
    assert matches({"a": 1}, dict[str, int]) and matches(None, int | None)


def test_custom_steps_module_beside_scenarios_is_loaded_before_validation(tmp_path):
    (tmp_path / "scenario_steps.py").write_text(
        textwrap.dedent(
            '''
            from harness.scenario import step

            @step("acme.greet")
            def greet(ctx, who: str, times: int = 1) -> str:
                """Greet someone."""
                return ("hello " + who) * times
            '''
        )
    )
    (tmp_path / "s.yaml").write_text("name: s\nsteps:\n  - acme.greet: {who: x, times: two}\n")
    with pytest.raises(ScenarioLoadError, match=r"s.yaml:3: step 1 \(acme.greet\): argument"):
        load_all([tmp_path])
    (tmp_path / "s.yaml").write_text("name: s\nsteps:\n  - acme.greet: x\n")
    [scenario] = load_all([tmp_path])
    assert scenario.steps[0].args == {"who": "x"}
    assert "acme.greet" in REGISTRY


def test_broken_custom_module_is_one_problem(tmp_path):
    (tmp_path / "scenario_steps.py").write_text("import nonexistent_module_xyz\n")
    (tmp_path / "s.yaml").write_text("name: s\nsteps:\n  - wait: 0\n")
    with pytest.raises(ScenarioLoadError, match="failed to import: ModuleNotFoundError"):
        load_all([tmp_path])


def test_docs_generation_lists_every_step_with_arguments(capsys):
    text = reference()
    assert text.startswith("## Step reference")
    for name in ("clock.advance", "faults.set", "expect.journal_contains", "signin.microsoft"):
        assert f"#### `{name}`" in text
    spec = REGISTRY.get("clock.advance")
    assert "| `by` | `float \\| str` | required |" in step_markdown(spec)
    assert "Lab-wide" in step_markdown(spec)
    from harness.scenario.docs import main

    assert main([]) == 0
    assert "#### `http.request`" in capsys.readouterr().out
