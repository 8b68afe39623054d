"""Errors raised by one part of the harness and caught by another (a leaf: imports nothing).

Each is one line a user can act on; the command line prints it and exits 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.clients.useragent import Page


class StepError(Exception):
    """A step could not do its job: an unexpected reply or page, a missing value (raised by
    steps and drivers, reported by the scenario runner)."""


class CliError(Exception):
    """An error reported as one line, exit status 1."""


class LabError(Exception):
    """A lab that cannot start; the message is one line a user can act on."""


class DescriptorError(Exception):
    """No usable lab.json; the message says where it looked."""


class SplitError(Exception):
    """A system process could not be started or did not answer."""


class WorldError(Exception):
    """The lab refused a world document; the message is the lab's."""


class DefaultWorldError(Exception):
    """A step of building the default world failed; the message names the step."""


class FederationError(Exception):
    """Federation could not be set up; the message is one line a user can act on."""


class ConsentError(Exception):
    """The consent flow stopped on an error page or an unexpected page; ``code`` is its
    #error-code."""

    def __init__(self, code: str, message: str, page: Page | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.page = page
