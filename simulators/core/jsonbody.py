"""Parsing JSON request bodies so that no input can crash a host.

Python's parser recurses once per nesting level: a body of thousands of ``[`` raises
``RecursionError``, which no endpoint expects. Every JSON body the hosts read goes through
``parse_json`` (Flask's ``request.get_json`` included, through ``SafeJSONProvider``), which turns
that into the ``ValueError`` every endpoint already answers with its service's 400.
"""

from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider

TOO_DEEP = "JSON nested too deeply"


def parse_json(text: str | bytes) -> Any:
    """``json.loads``; ValueError (never RecursionError) for any input it cannot take."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(TOO_DEEP) from None


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with ``loads`` that cannot raise RecursionError."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError(TOO_DEEP) from None
