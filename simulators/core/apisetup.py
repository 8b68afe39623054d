"""The set-up every authenticated JSON API blueprint shares: authenticate, then map errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response

E = TypeVar("E", bound=Exception)


def guard_api(
    bp: Blueprint,
    authenticate: Callable[[], object],
    error: type[E],
    render: Callable[[E], Response],
) -> Blueprint:
    """Authenticate every request of ``bp`` first (``authenticate`` raises to refuse), and
    answer ``error`` raised by its handlers (or by ``authenticate``) with ``render``."""

    def _authenticate() -> None:
        authenticate()

    bp.before_request(_authenticate)
    bp.register_error_handler(error, render)
    return bp
