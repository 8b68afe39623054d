"""Steps that shape a scenario itself: waiting, naming a value."""

from __future__ import annotations

import time
from typing import Any

from harness.scenario.context import StepContext
from harness.scenario.errors import StepError
from harness.scenario.registry import step

MAX_WAIT_SECONDS = 300


@step("wait")
def wait(ctx: StepContext, seconds: float) -> None:
    """Wait in real time (at most 300 s); to move lab time use ``clock.advance``."""
    if not 0 <= seconds <= MAX_WAIT_SECONDS:
        raise StepError(f"seconds must be between 0 and {MAX_WAIT_SECONDS}")
    time.sleep(seconds)


@step("value")
def value(ctx: StepContext, value: Any) -> Any:
    """Return ``value`` (after resolving ``${...}``) so later steps can use it by this step's id."""
    return value
