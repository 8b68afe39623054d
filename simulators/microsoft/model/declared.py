"""The properties Graph v1.0 declares on user, group and organization, and the user properties
the lab keeps without a column of their own.

``graph_properties.json`` holds Graph's CSDL facts (``tools/graph_contract.py`` derives it):
each property of user, group and organization as ``[type, collection, nullable]``, the
properties of the complex types they use, and their navigation properties. ``$select``
accepts any of them; the writable user and group properties in ``PROFILES`` are kept as one
JSON object per row (the ``profile`` column), checked against their declared type; the rest
come back as Graph shows a property without a value.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from simulators.microsoft.model.errors import DirectoryError, bad_request, unknown_property

PROPERTIES_FILE = "graph_properties.json"
_FACTS: dict = json.loads(resources.files(__package__).joinpath(PROPERTIES_FILE).read_text())
TYPES = ("user", "group", "organization")
"""Entity types whose declared properties the file holds."""
_BY_LOWER = {t: {n.lower(): n for n in _FACTS[t]} for t in TYPES}

UNSET_DATE = "0001-01-01T00:00:00Z"
"""What Graph returns for a non-nullable date the directory has no value for (``birthday``)."""
_UNSET_OVERRIDES = {"deviceEnrollmentLimit": 5, "mobileDeviceManagementAuthority": "unknown"}
"""Non-nullable properties whose unset value is a documented default (or the enum's first
member) rather than the type's."""

USER_PROFILE = frozenset(
    {
        "aboutMe",
        "ageGroup",
        "birthday",
        "consentProvidedForMinor",
        "employeeHireDate",
        "employeeLeaveDateTime",
        "employeeOrgData",
        "employeeType",
        "faxNumber",
        "hireDate",
        "interests",
        "mySite",
        "onPremisesExtensionAttributes",
        "pastProjects",
        "preferredDataLocation",
        "preferredName",
        "responsibilities",
        "schools",
        "skills",
    }
)
"""Writable user properties (Graph's user-update documentation) the lab has no column for."""
GROUP_PROFILE = frozenset({"classification", "preferredDataLocation", "preferredLanguage", "theme"})
"""Writable group properties (Graph's group documentation) the lab has no column for."""
PROFILES = {"user": USER_PROFILE, "group": GROUP_PROFILE}
NOT_SIMULATED = {
    "membershipRule": "dynamic membership",
    "membershipRuleProcessingState": "dynamic membership",
    "isAssignableToRole": "role-assignable groups",
}
"""Writable group properties for features the lab does not simulate: refused, never stored."""
_CHOICES = {
    "ageGroup": {"Minor", "NotAdult", "Adult"},
    "consentProvidedForMinor": {"Granted", "Denied", "NotRequired"},
}
"""String properties whose values Graph documents as a closed list (``null`` too)."""
MERGED = frozenset({"employeeOrgData", "onPremisesExtensionAttributes"})
"""Complex properties a PATCH merges into (each member is a directory attribute of its own)."""


def canonical(type_name: str, given: str) -> str | None:
    """The declared spelling of a property name (Graph matches names case-insensitively)."""
    return _BY_LOWER[type_name].get(given.lower())


def is_declared(type_name: str, name: str) -> bool:
    return name in _FACTS[type_name]


def declared(type_name: str) -> list[str]:
    """Every structural property of the type, in name order."""
    return list(_FACTS[type_name])


def navigation(type_name: str, given: str) -> str | None:
    """The declared spelling of a navigation property (``manager``…), matched in any case."""
    lowered = given.lower()
    return next((n for n in _FACTS["navigation"][type_name] if n.lower() == lowered), None)


def unset_value(type_name: str, name: str) -> Any:
    """A declared property without a value, as Graph shows it."""
    kind, collection, nullable = _FACTS[type_name][name]
    if collection:
        return []
    if nullable:
        return None
    if name in _UNSET_OVERRIDES:
        return _UNSET_OVERRIDES[name]
    return {"Edm.DateTimeOffset": UNSET_DATE, "Edm.Boolean": False}.get(kind, 0)


def profile_value(type_name: str, row: Mapping[str, Any], name: str) -> Any:
    """A ``PROFILES`` property of a stored user or group, or its unset value."""
    value = _stored(row.get("profile")).get(name)
    return value if value is not None else unset_value(type_name, name)


@functools.lru_cache(maxsize=1024)
def _stored(profile: str | None) -> dict:
    """A ``profile`` column parsed once for all the properties a reply shows (read only)."""
    return json.loads(profile or "{}")


def merged_profile(type_name: str, current: str | None, body: dict) -> str | None:
    """The ``profile`` column after applying ``body``'s ``PROFILES`` properties; Graph's 400
    naming the first property whose value its declared type refuses."""
    try:
        return _merged(type_name, current, body)
    except ValueError as exc:
        raise bad_request(
            f"Invalid value specified for property '{exc}' of resource '{type_name.title()}'.",
            target=str(exc),
        ) from None


def _merged(type_name: str, current: str | None, body: dict) -> str | None:
    stored: dict = json.loads(current or "{}")
    for name in sorted(PROFILES[type_name] & set(body)):
        value = _checked(name, _FACTS[type_name][name], body[name])
        if name in MERGED and isinstance(value, dict):
            value = {**stored.get(name, {}), **value}
        if value is None or value == [] or value == {}:
            stored.pop(name, None)
        else:
            stored[name] = value
    return json.dumps(stored, sort_keys=True) if stored else None


def _checked(name: str, fact: list, value: Any) -> Any:
    kind, collection, _ = fact
    if value is None:
        return None
    if collection:
        if not isinstance(value, list):
            raise ValueError(name)
        return [_checked(name, [kind, False, False], item) for item in value]
    if kind == "Edm.String":
        if not isinstance(value, str) or len(value) > 1024:
            raise ValueError(name)
        if name in _CHOICES and value not in _CHOICES[name]:
            raise ValueError(name)
        return value
    if kind == "Edm.DateTimeOffset":
        return _instant(name, value)
    members = _FACTS["complex"].get(kind)
    if members is None or not isinstance(value, dict):
        raise ValueError(name)
    out = {}
    for key, item in value.items():
        if key == "@odata.type":
            continue
        if key not in members:
            raise ValueError(name)
        out[key] = _checked(name, members[key], item)
    return out


def _instant(name: str, value: Any) -> str:
    """An ISO 8601 instant, normalized to UTC ``…Z`` as Graph returns it."""
    if not isinstance(value, str):
        raise ValueError(name)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError):  # not a date, or out of range once in UTC
        raise ValueError(name) from None


def refusal(type_name: str, name: str) -> DirectoryError:
    """Graph's error for a property a client may not set: one the type does not declare, a
    read-only one, or one for a feature the lab does not simulate (the lab's words)."""
    if type_name == "group" and name in NOT_SIMULATED:
        return bad_request(
            f"Property '{name}' is not supported by this lab: {NOT_SIMULATED[name]} is not "
            "simulated."
        )
    if is_declared(type_name, name):
        return bad_request(f"Property '{name}' is read-only and cannot be set.")
    return unknown_property(name, type_name)
