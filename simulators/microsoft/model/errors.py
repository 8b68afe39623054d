"""Errors the directory model raises; Graph renders them as OData errors."""

from __future__ import annotations


class DirectoryError(Exception):
    """A rule of the directory was broken: carries Graph's status, code and message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: list[dict] | None = None,
        target: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.target = target


def bad_request(message: str, **kwargs) -> DirectoryError:
    return DirectoryError(400, "Request_BadRequest", message, **kwargs)


def not_found(object_id: str) -> DirectoryError:
    return DirectoryError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{object_id}' does not exist or one of its queried reference-property "
        "objects are not present.",
    )


def unsupported_query(message: str = "Unsupported Query.") -> DirectoryError:
    return DirectoryError(400, "Request_UnsupportedQuery", message)


def unknown_property(name: str, type_name: str) -> DirectoryError:
    return bad_request(
        f"Property '{name}' does not exist on type 'microsoft.graph.{type_name}'. Make sure to "
        "only use property names that are defined by the type."
    )


def invalid_values() -> DirectoryError:
    return bad_request("One or more properties contains invalid values.")


def segment_not_found(segment: str) -> DirectoryError:
    """A path segment Graph does not know: 400 ``BadRequest`` (not 404), as Graph answers."""
    return DirectoryError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")
