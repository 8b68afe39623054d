"""Loading and validating scenario files: every problem as path:line: step N (name): message."""

from __future__ import annotations

import textwrap

import pytest

from harness.scenario.errors import ScenarioLoadError
from harness.scenario.loader import load_all, load_scenario


def write(tmp_path, text: str, name: str = "s.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def problems(path) -> list[str]:
    with pytest.raises(ScenarioLoadError) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


def test_valid_file_loads_with_lines_ids_and_scalar_form(tmp_path):
    path = write(
        tmp_path,
        """
        name: ok
        tags: [a, b]
        vars: {who: alice}
        steps:
          - value: ${vars.who}
            id: who
          - clock.advance: 5m
          - expect.equals: {actual: "${steps.who}", expected: alice}
        """,
    )
    scenario = load_scenario(path)
    assert [s.name for s in scenario.steps] == ["value", "clock.advance", "expect.equals"]
    assert [s.line for s in scenario.steps] == [5, 7, 8]
    assert scenario.steps[0].id == "who"
    assert scenario.steps[1].args == {"by": "5m"}
    assert scenario.exclusive  # clock steps are lab-wide
    assert scenario.tags == ["a", "b"]


def test_unknown_step_names_line_step_and_suggestion(tmp_path):
    path = write(
        tmp_path,
        """
        name: bad
        steps:
          - value: 1
          - clock.advanse: 5m
        """,
    )
    [message] = problems(path)
    assert message.endswith(
        "s.yaml:4: step 2 (clock.advanse): unknown step 'clock.advanse' "
        "(did you mean clock.advance?)"
    )


def test_bad_argument_type_points_at_the_argument_line(tmp_path):
    path = write(
        tmp_path,
        """
        name: bad
        steps:
          - http.request:
              host: login
              expect_status: "two hundred"
        """,
    )
    [message] = problems(path)
    assert "s.yaml:5: step 1 (http.request): argument 'expect_status' must be int | list[int]" in (
        message
    )
    assert "got str 'two hundred'" in message


def test_missing_and_unknown_arguments_are_all_reported(tmp_path):
    path = write(
        tmp_path,
        """
        name: bad
        steps:
          - expect.equals:
              actual: 1
              expectd: 1
        """,
    )
    found = problems(path)
    assert any(":5: step 1 (expect.equals): unknown argument 'expectd'" in m for m in found)
    assert any(":3: step 1 (expect.equals): missing argument 'expected'" in m for m in found)


def test_bad_yaml_reports_its_line(tmp_path):
    path = write(tmp_path, "name: bad\nsteps:\n  - value: [1, 2\n  - wait: 1\n")
    [message] = problems(path)
    assert message.startswith(str(path)) or ":" in message
    assert "bad YAML" in message
    assert ":4:" in message


def test_unresolvable_expressions_are_found_before_running(tmp_path):
    path = write(
        tmp_path,
        """
        name: bad
        steps:
          - value: ${steps.later.id}
          - value: 2
            id: later
          - value: ${nowhere.x}
          - value: ${vars.missing}
        """,
    )
    found = problems(path)
    assert any(
        ":3: step 1 (value): unresolvable ${steps.later.id}: no earlier step has id 'later'" in m
        for m in found
    )
    assert any(":6: step 3 (value): unresolvable ${nowhere.x}: unknown root" in m for m in found)
    assert any(":7: step 4 (value): unresolvable ${vars.missing}" in m for m in found)


def test_schema_errors_top_level_and_step_shape(tmp_path):
    path = write(
        tmp_path,
        """
        name: bad
        colour: red
        steps:
          - value: 1
            wait: 2
          - id: 3x
            value: 1
        """,
    )
    found = problems(path)
    assert any(":1:" in m and "'colour' was unexpected" in m for m in found)
    assert any(":6: step 2 (value): step id '3x' must be a name" in m for m in found)


def test_step_with_two_names_and_duplicate_keys(tmp_path):
    path = write(
        tmp_path,
        """
        name: bad
        name: worse
        steps:
          - value: 1
            wait: 2
        """,
    )
    found = problems(path)
    assert any(":2: duplicate key 'name'" in m for m in found)


def test_step_with_two_names_is_an_error(tmp_path):
    path = write(tmp_path, "name: bad\nsteps:\n  - value: 1\n    wait: 2\n")
    [message] = problems(path)
    assert ":3: step 1 (?): a step is one '<step name>: <arguments>' pair" in message


def test_load_all_reports_every_file_and_runs_nothing(tmp_path):
    write(tmp_path, "name: a\nsteps:\n  - nope: 1\n", "a.yaml")
    write(tmp_path, "name: b\nsteps: []\n", "b.yaml")
    write(tmp_path, "name: c\nsteps:\n  - wait: 0\n", "c.yaml")
    with pytest.raises(ScenarioLoadError) as info:
        load_all([tmp_path])
    text = str(info.value)
    assert "a.yaml:3: step 1 (nope): unknown step 'nope'" in text
    assert "b.yaml:2: steps: [] should be non-empty" in text
    assert "c.yaml" not in text


def test_say_is_narration_carried_on_the_step(tmp_path):
    path = write(
        tmp_path,
        """
        name: narrated
        vars: {who: alice}
        steps:
          - value: 1
            say: "  ${vars.who} starts at the portal  "
          - clock.advance: 5m
        """,
    )
    scenario = load_scenario(path)
    assert scenario.steps[0].say == "${vars.who} starts at the portal"
    assert scenario.steps[1].say is None


@pytest.mark.parametrize(
    ("value", "found"), [("3", "int 3"), ("[a, b]", "list ['a', 'b']"), ("''", "str ''")]
)
def test_say_that_is_not_text_names_file_line_and_step(tmp_path, value, found):
    path = write(
        tmp_path,
        f"""
        name: bad narration
        steps:
          - value: 1
          - clock.advance: 5m
            say: {value}
        """,
    )
    [message] = problems(path)
    assert message.endswith(f"s.yaml:5: step 2 (clock.advance): say: must be text; found {found}")


def test_say_expressions_are_checked_before_running(tmp_path):
    path = write(
        tmp_path,
        """
        name: narration names nothing
        steps:
          - value: 1
            say: "${steps.nope} signs in"
        """,
    )
    [message] = problems(path)
    assert "s.yaml:4: step 1 (value):" in message and "nope" in message
