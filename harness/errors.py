"""Errors every command may raise (a leaf module: command modules import it, not the CLI)."""

from __future__ import annotations


class CliError(Exception):
    """An error reported as one line, exit status 1."""
