"""What a part of the JumpCloud system with state of its own (the Microsoft 365 integration) is
told: its routes, world creation and deletion, reset and shutdown. Every hook defaults to
nothing, so a part implements only what it needs."""

from __future__ import annotations

from flask import Flask


class Extension:
    """A part of the JumpCloud system that the system calls at each step of its life."""

    def register(self, host: str, app: Flask) -> None:
        """Mount routes on ``host``'s app (called once per host the system serves)."""

    def create_world(self, world_id: str, doc: dict, result: dict) -> None:
        """After the org of ``doc`` is built; may add keys to ``result``."""

    def delete_world(self, world_id: str, org_id: str) -> None:
        """The org is deleted: cancel its pending work at once (its rows go in background)."""

    def reset(self) -> None:
        """Every model row is gone: drop this part's own state."""

    def close(self) -> None:
        """The lab stops."""
