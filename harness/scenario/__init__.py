"""Scenarios: YAML files of steps run against an isolated world of the lab.

Format (one scenario per file; validated completely before anything runs)::

    name: Suspended user cannot sign in        # required
    description: What this scenario shows.     # optional
    tags: [sso, suspension]                    # optional; select with --tags
    world:                                     # optional seed document, merged on top of a
      seed: 7                                  #   fresh isolated world (POST /_lab/worlds)
      microsoft: {...}                         #   the Microsoft system's half
      jumpcloud: {...}                         #   the JumpCloud system's half
    vars:                                      # optional constants: ${vars.password}
      password: "Winter-2025!"
    steps:                                     # required, at least one
      - jumpcloud.create_user:                 # {<step name>: {arguments}}
          username: alice
          password: ${vars.password}
        id: alice                              # optional: names the step's result
      - jumpcloud.suspend_user: ${steps.alice.id}   # {<step name>: scalar} fills the
      - signin.microsoft:                           #   step's first argument
          username: alice@contoso.com
          password: ${vars.password}
          expect: jumpcloud:suspended
      - expect.journal_contains: {host: sso, status: 200}
      - signout                                # a bare name: a step without arguments

Values: ``${steps.<id>...}`` (an earlier step's result), ``${world.<system>...}`` (what the
world returned: ids, credentials), ``${people.<key>...}`` (the world's people, keyed by the
local part of their UPN), ``${vars...}``, ``${lab...}`` (lab.json without the admin token),
``${scenario.trace}``, ``${scenario.uid}``, ``${env.NAME}``. A value that is exactly one
expression keeps its type. ``world:`` and ``vars:`` are resolved before the world is created and
may use ``${scenario...}``, ``${lab...}``, ``${env...}`` (and ``world:`` also ``${vars...}``):
``${scenario.uid}`` is unique per run, so names that must be unique lab-wide (a verified domain
belongs to one live tenant) are written e.g. ``contoso-${scenario.uid}.test``.

Every problem is reported as ``path:line: step N (name): message`` -- bad YAML, schema
violations, unknown steps, unknown/missing/mistyped arguments and unresolvable ``${...}``
references to step ids or variables -- and a file with any problem runs nothing.

Custom steps: a ``scenario_steps.py`` beside the scenarios (or ``--steps MODULE``) registers
functions with ``@step("team.action")`` (see :mod:`harness.scenario.registry`).
"""

import importlib
from typing import Any

_EXPORTS = {
    "StepContext": "context",
    "ExpectationFailed": "errors",
    "Problem": "errors",
    "ResolveError": "errors",
    "ScenarioLoadError": "errors",
    "StepError": "errors",
    "Scenario": "loader",
    "StepCall": "loader",
    "load_all": "loader",
    "load_scenario": "loader",
    "REGISTRY": "registry",
    "Registry": "registry",
    "step": "registry",
    "RunOptions": "runner",
    "Runner": "runner",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    # Lazy, so that drivers can import harness.scenario.errors without a cycle.
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"harness.scenario.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'harness.scenario' has no attribute {name!r}")
