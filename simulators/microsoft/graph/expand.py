"""``$expand`` on users: ``manager``, ``directReports`` and ``memberOf``, with a nested
``$select``.

Graph expands one relationship per request on directory objects, returns at most 20 related
objects in an expanded collection (with no next link), and takes ``$select`` (and
``$levels=1``) inside the parentheses. A user without a manager has no ``manager`` property.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulators.microsoft.graph.serialize import group_json, parse_select, user_json
from simulators.microsoft.model.declared import canonical, navigation
from simulators.microsoft.model.directory import Directory
from simulators.microsoft.model.errors import DirectoryError, bad_request

EXPANDABLE = {"manager": "user", "directReports": "user", "memberOf": "group"}
"""The relationships the lab expands, with the type of what they hold (for a nested
``$select``; directory roles and administrative units are not modelled)."""
EXPANDED_AT_MOST = 20


@dataclass(frozen=True)
class Expand:
    name: str
    select: tuple[str, ...] | None


def _parse_error(message: str) -> DirectoryError:
    return DirectoryError(400, "BadRequest", f"Parsing OData Select and Expand failed: {message}")


def parse_expand(raw: str | None) -> Expand | None:
    """The one relationship ``$expand`` names, with its nested ``$select``; Graph's errors."""
    if raw is None or not raw.strip():
        return None
    items = _split_top_level(raw)
    if not items:
        raise _parse_error(f"Syntax error in '$expand={raw}'.")
    if len(items) > 1:
        raise bad_request("Expanding more than one navigation property is not supported.")
    head, _, rest = items[0].partition("(")
    given = head.strip()
    name = navigation("user", given)
    if name is None:
        if canonical("user", given) is not None:
            raise _parse_error(
                f"Property '{given}' on type 'microsoft.graph.user' is not a navigation "
                "property or complex property. Only navigation properties can be expanded."
            )
        raise _parse_error(
            f"Could not find a property named '{given}' on type 'microsoft.graph.user'."
        )
    if name not in EXPANDABLE:
        raise bad_request(
            f"'$expand' of '{name}' is not supported by this lab (only {', '.join(EXPANDABLE)})."
        )
    select = None
    if rest:
        if not rest.rstrip().endswith(")"):
            raise _parse_error(f"Syntax error in '$expand={raw}'.")
        for option in filter(None, (o.strip() for o in rest.rstrip()[:-1].split(";"))):
            key, _, value = option.partition("=")
            if key.strip().lower() == "$select":
                select = parse_select(value, collection=True, type_name=EXPANDABLE[name])
            elif key.strip().lower() == "$levels" and value.strip() == "1":
                continue
            else:
                raise bad_request("Invalid $select properties.")  # Graph's words for the rest
    return Expand(name, select)


def _split_top_level(raw: str) -> list[str]:
    """Comma-separated items, commas inside parentheses kept."""
    items, depth, start = [], 0, 0
    for i, char in enumerate(raw):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(raw[start:i])
            start = i + 1
    items.append(raw[start:])
    return [item for item in items if item.strip()]


def expanded(
    directory: Directory, tenant_id: str, rows: list[dict], expand: Expand | None
) -> dict[str, dict]:
    """By row id, the property the expansion adds (nothing for a user without a manager)."""
    ids = [row["id"] for row in rows]
    if expand is None:
        return {i: {} for i in ids}
    select = expand.select
    if expand.name == "manager":
        found = directory.managers.managers_of(tenant_id, ids)
        return {i: {"manager": _user(found[i], select)} if i in found else {} for i in ids}
    if expand.name == "directReports":
        related = directory.managers.reports_of(tenant_id, ids)
        render = _user
    else:
        related = directory.groups.memberships_of(tenant_id, ids)
        render = _group
    return {
        i: {expand.name: [render(row, select) for row in related[i][:EXPANDED_AT_MOST]]}
        for i in ids
    }


def _user(row: dict, select: tuple[str, ...] | None) -> dict:
    return {"@odata.type": "#microsoft.graph.user", **user_json(row, select)}


def _group(row: dict, select: tuple[str, ...] | None) -> dict:
    return {"@odata.type": "#microsoft.graph.group", **group_json(row, select)}
