"""When to retry a Graph call: 429/503/504 honour ``Retry-After``, bounded in count and wait."""

from __future__ import annotations

from dataclasses import dataclass

RETRYABLE = frozenset({429, 503, 504})


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (integer or decimal seconds); None if unusable.

    Graph sends integer seconds (its documentation shows a decimal once); an HTTP date is not
    used by Graph, so it is treated as absent and the default delay applies.
    """
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of one request.

    ``max_retries`` further attempts after the first; ``max_total_wait`` caps the seconds slept
    for one request; without ``Retry-After`` the delay doubles from ``base_delay`` up to
    ``max_delay``. A ``Retry-After`` above ``max_delay`` is still honoured if the total allows.
    """

    max_retries: int = 5
    max_total_wait: float = 60.0
    base_delay: float = 1.0
    max_delay: float = 30.0

    def delay(
        self, attempt: int, status: int, retry_after: str | None, waited: float
    ) -> float | None:
        """Seconds to sleep before retry number ``attempt`` (1-based), or None to give up.

        ``status`` 0 stands for a connection failure (retried like a 503 without header).
        """
        if status not in RETRYABLE and status != 0:
            return None
        if attempt > self.max_retries:
            return None
        seconds = parse_retry_after(retry_after)
        if seconds is None:
            seconds = min(self.base_delay * 2 ** (attempt - 1), self.max_delay)
        if waited + seconds > self.max_total_wait:
            return None
        return seconds
