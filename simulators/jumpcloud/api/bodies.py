"""Request bodies checked against JumpCloud's own schema (``request_bodies.json``).

The schemas come from JumpCloud's published descriptions through ``tools/jumpcloud_contract.py``
(provenance inside the file). A body of the wrong shape is a 400 in JumpCloud's error shape, and
nothing is stored: the lab never serves back what its own schema forbids.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

from ..model.errors import BadRequest

if TYPE_CHECKING:
    from jsonschema import Draft4Validator


@cache
def _validator(operation: str) -> Draft4Validator:
    # jsonschema loads with the first body checked: 20 ms of imports kept off start-up
    from jsonschema import Draft4Validator

    schemas = json.loads(files(__package__).joinpath("request_bodies.json").read_text())
    return Draft4Validator(schemas[operation])


def check(operation: str, body: object) -> object:
    """``body`` when it matches the schema of ``operation`` ("POST v2 /usergroups"), else 400."""
    from jsonschema.exceptions import best_match  # loaded by _validator already

    error = best_match(_validator(operation).iter_errors(body))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "body"
        message = error.message if len(error.message) <= 200 else error.message[:200] + "…"
        raise BadRequest(f"{where}: {message}")
    return body
