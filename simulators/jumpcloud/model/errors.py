"""Errors the model raises; the API turns them into JumpCloud's ``{code, message, status}``."""

from __future__ import annotations

from http import HTTPStatus


class JumpCloudError(Exception):
    """A rule was broken; ``status`` is the HTTP status JumpCloud answers with."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None, details: list | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.details = details

    @property
    def status_text(self) -> str:
        return HTTPStatus(self.status).phrase


class BadRequest(JumpCloudError):
    status = 400


class NotFound(JumpCloudError):
    status = 404


class Conflict(JumpCloudError):
    status = 409


class Forbidden(JumpCloudError):
    status = 403


class Unauthorized(JumpCloudError):
    status = 401


class PasswordRejected(BadRequest):
    """The password breaks the org policy; ``violations`` name the rules JumpCloud describes."""

    def __init__(self, violations: list[str]):
        self.violations = violations
        readable = ", ".join(READABLE.get(v, v) for v in violations)
        super().__init__(f"Password validation fail: {readable}")


READABLE = {
    "minLength": "the password is too short",
    "lowercase": "a lowercase letter is required",
    "uppercase": "an uppercase letter is required",
    "numeric": "a number is required",
    "specialCharacter": "a special character is required",
    "usernameSubstring": "the password must not contain the username",
    "commonPassword": "the password is too common",
    "sequentialOrRepetitiveChars": "no sequential or repeated characters",
    "passwordHistory": "the password was used recently",
    "minChangePeriod": "the password was changed too recently",
    "currentPassword": "the current password is wrong",
}
