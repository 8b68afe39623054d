"""Fault injection rules set through ``PUT /_lab/faults`` (status, Retry-After, latency)."""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field

_RULE_KEYS = {
    "host",
    "method",
    "path",
    "status",
    "retry_after",
    "count",
    "probability",
    "latency_ms",
    "code",
    "message",
}


@dataclass
class FaultRule:
    """One rule: requests matching host/method/path get a delay and/or an error status."""

    host: str = "*"
    method: str = "*"
    path: str = "*"
    status: int | None = None
    retry_after: int | None = None
    count: int | None = None
    probability: float = 1.0
    latency_ms: int = 0
    code: str | None = None
    message: str | None = None
    hits: int = field(default=0)

    def matches(self, host: str, method: str, path: str) -> bool:
        return (
            fnmatch.fnmatchcase(host, self.host)
            and (self.method == "*" or self.method.upper() == method.upper())
            and fnmatch.fnmatchcase(path, self.path)
        )

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in (*sorted(_RULE_KEYS), "hits")}


def parse_rule(data: object, index: int) -> FaultRule:
    """Validate one rule; ValueError names the rule index and the problem."""
    where = f"rules[{index}]"
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be an object")
    unknown = set(data) - _RULE_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    rule = FaultRule(**data)
    for name in ("host", "method", "path"):
        if not isinstance(getattr(rule, name), str):
            raise ValueError(f"{where}.{name} must be a string")
    if rule.status is not None and not (isinstance(rule.status, int) and 400 <= rule.status <= 599):
        raise ValueError(f"{where}.status must be an HTTP error status (400-599)")
    for name in ("retry_after", "count", "latency_ms"):
        value = getattr(rule, name)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise ValueError(f"{where}.{name} must be a non-negative integer")
    if not isinstance(rule.probability, int | float) or not 0 <= rule.probability <= 1:
        raise ValueError(f"{where}.probability must be between 0 and 1")
    if rule.status is None and not rule.latency_ms:
        raise ValueError(f"{where} needs a status or a latency_ms")
    return rule


class FaultRules:
    """The active rules of a process; the first matching rule with budget left applies."""

    def __init__(self, seed: int | None = None) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def replace(self, body: object) -> list[dict]:
        if isinstance(body, dict):
            body = body.get("rules", body if set(body) & _RULE_KEYS else None)
        if not isinstance(body, list):
            raise ValueError('body must be {"rules": [...]} or a list of rules')
        rules = [parse_rule(item, i) for i, item in enumerate(body)]
        with self._lock:
            self._rules = rules
        return self.describe()

    def clear(self) -> None:
        with self._lock:
            self._rules = []

    def describe(self) -> list[dict]:
        with self._lock:
            return [r.to_dict() for r in self._rules]

    def active(self) -> bool:
        """Whether any rule is set (read without the lock: a list reference swaps atomically)."""
        return bool(self._rules)

    def pick(self, host: str, method: str, path: str) -> FaultRule | None:
        """The rule to apply to this request, counting it against the rule's budget."""
        with self._lock:
            for rule in self._rules:
                if rule.count is not None and rule.hits >= rule.count:
                    continue
                if not rule.matches(host, method, path):
                    continue
                if rule.probability < 1 and self._random.random() >= rule.probability:
                    continue
                rule.hits += 1
                return rule
        return None
