"""Fault injection steps (``PUT /_lab/faults`` in every lab process). Rules are lab-wide, so a
scenario using them runs alone and the rules are cleared after it."""

from __future__ import annotations

from harness.scenario.context import StepContext
from harness.scenario.errors import StepError
from harness.scenario.registry import step


@step("faults.set", exclusive=True)
def set_faults(
    ctx: StepContext,
    rules: list[dict] | None = None,
    host: str = "*",
    method: str = "*",
    path: str = "*",
    status: int | None = None,
    retry_after: int | None = None,
    count: int | None = None,
    probability: float = 1.0,
    latency_ms: int = 0,
    code: str | None = None,
    message: str | None = None,
) -> list[dict]:
    """Replace the fault rules: a list under ``rules``, or one rule from the other arguments.

    A rule makes matching requests (``host`` name, ``method``, ``path`` glob) wait
    ``latency_ms`` and/or fail with ``status`` (with ``Retry-After``), ``count`` times at most,
    with the given ``probability``. Returns the rules as the lab holds them.
    """
    if rules is None:
        rule = {
            "host": host,
            "method": method,
            "path": path,
            "status": status,
            "retry_after": retry_after,
            "count": count,
            "probability": probability,
            "latency_ms": latency_ms,
            "code": code,
            "message": message,
        }
        rules = [{k: v for k, v in rule.items() if v is not None}]
    elif status is not None or latency_ms or host != "*" or path != "*":
        raise StepError("give either 'rules' or the fields of one rule, not both")
    return ctx.each_process("PUT", "/_lab/faults", json={"rules": rules})[0].json()["rules"]


@step("faults.clear", exclusive=True)
def clear(ctx: StepContext) -> None:
    """Remove every fault rule."""
    ctx.each_process("DELETE", "/_lab/faults")
