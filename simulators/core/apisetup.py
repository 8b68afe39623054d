"""The set-up every authenticated JSON API blueprint shares: authenticate, then map errors."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response


def guard_api(
    bp: Blueprint,
    authenticate: Callable[[], object],
    error: type[Exception],
    render: Callable[[Exception], Response],
) -> Blueprint:
    """Authenticate every request of ``bp`` first (``authenticate`` raises to refuse), and
    answer ``error`` raised by its handlers (or by ``authenticate``) with ``render``."""

    def _authenticate() -> None:
        authenticate()

    bp.before_request(_authenticate)
    bp.register_error_handler(error, render)
    return bp
