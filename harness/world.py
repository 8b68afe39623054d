"""Isolated worlds: a tenant plus an organization, seeded and joined through public APIs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulators.core.context import System

if TYPE_CHECKING:
    from harness.lab import Lab


def _implements_worlds(system: System) -> bool:
    return type(system).create_world is not System.create_world


def can_build_default(lab: Lab) -> bool:
    """The default world needs both the Microsoft and the JumpCloud system in this process."""
    names = {s.name for s in lab.systems if _implements_worlds(s)}
    return {"microsoft", "jumpcloud"} <= names


def build_default_world(lab: Lab) -> dict:
    """Create the default world (DESIGN.md §4) and return its lab.json sections."""
    raise RuntimeError("the default world needs the Microsoft and JumpCloud systems")
