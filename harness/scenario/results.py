"""What a run produced: per scenario and per step, plus the journal timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PASSED, FAILED, ERROR, SKIPPED = "passed", "failed", "error", "skipped"


@dataclass
class StepResult:
    """One step as it ran."""

    index: int
    name: str
    line: int | None
    args: dict[str, Any]
    step_id: str | None = None
    status: str = SKIPPED
    duration: float = 0.0
    resolved: dict[str, Any] | None = None
    value: Any = None
    message: str = ""
    expected: Any = None
    actual: Any = None
    has_expectation: bool = False
    traceback: str = ""
    screenshots: list[Path] = field(default_factory=list)
    say: str = ""
    """The step's narration (``say:``) as it ran, expressions resolved."""

    @property
    def label(self) -> str:
        return f"step {self.index} ({self.name})"


@dataclass
class ScenarioResult:
    """One scenario as it ran."""

    name: str
    path: Path
    shown_path: str
    trace: str
    driver: str
    tags: list[str] = field(default_factory=list)
    description: str = ""
    world_id: str | None = None
    status: str = PASSED
    duration: float = 0.0
    steps: list[StepResult] = field(default_factory=list)
    setup_error: str = ""
    timeline: list[dict] = field(default_factory=list)
    timeline_error: str = ""
    screenshots: list[tuple[str, Path]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == PASSED

    @property
    def failed_step(self) -> StepResult | None:
        return next((s for s in self.steps if s.status in (FAILED, ERROR)), None)

    @property
    def failure_message(self) -> str:
        step = self.failed_step
        if step is not None:
            line = f"{self.shown_path}:{step.line}: " if step.line else f"{self.shown_path}: "
            return f"{line}{step.label}: {step.message}"
        return self.setup_error
