"""The AADSTS codes this STS emits: name, OAuth ``error`` value and message.

One table for the token endpoint's JSON errors, the authorize redirects and the error pages.
Messages are ``str.format`` templates; missing fields render as an empty string.
"""

from __future__ import annotations

import string
from dataclasses import dataclass


@dataclass(frozen=True)
class Aadsts:
    code: int
    name: str
    error: str
    message: str
    status: int = 400


_TABLE = [
    Aadsts(
        50006,
        "InvalidSignature",
        "invalid_request",
        "Signature verification failed because of an invalid signature.",
    ),
    Aadsts(
        50008,
        "InvalidSamlToken",
        "invalid_request",
        "SAML assertion is missing or misconfigured in the token.",
    ),
    Aadsts(
        50011,
        "InvalidReplyTo",
        "invalid_request",
        "The redirect URI '{redirect_uri}' specified in the request does not match the "
        "redirect URIs configured for the application '{client_id}'. Make sure the "
        "redirect URI sent in the request matches one added to your application in the "
        "Azure portal.",
    ),
    Aadsts(
        50013,
        "InvalidAssertion",
        "invalid_grant",
        "Assertion failed signature validation or is not valid.",
    ),
    Aadsts(
        50034,
        "UserAccountNotFound",
        "invalid_grant",
        "The user account {upn} does not exist in the {tenant} directory. To sign into "
        "this application, the account must be added to the directory.",
    ),
    Aadsts(
        50049,
        "InvalidInstance",
        "invalid_instance",
        "Unknown or invalid instance.",
    ),
    Aadsts(
        50053,
        "IdsLocked",
        "invalid_grant",
        "Your account is locked because you've tried to sign in too many times with an "
        "incorrect user ID or password.",
    ),
    Aadsts(
        50055,
        "InvalidPasswordExpiredPassword",
        "invalid_grant",
        "The password is expired.",
    ),
    Aadsts(
        50057,
        "UserDisabled",
        "invalid_grant",
        "The user account is disabled.",
    ),
    Aadsts(
        50058,
        "UserInformationNotProvided",
        "login_required",
        "A silent sign-in request was sent but no user is signed in.",
    ),
    Aadsts(
        50059,
        "MissingTenantRealmAndNoUserInformationProvided",
        "invalid_request",
        "No tenant-identifying information found in either the request or implied by any "
        "provided credentials.",
    ),
    Aadsts(
        50074,
        "UserStrongAuthClientAuthNRequiredInterrupt",
        "interaction_required",
        "Strong Authentication is required. The verification code you entered was not correct.",
    ),
    Aadsts(
        50076,
        "UserStrongAuthClientAuthNRequired",
        "interaction_required",
        "Due to a configuration change made by your administrator, or because you moved "
        "to a new location, you must use multi-factor authentication to access this "
        "resource.",
    ),
    Aadsts(
        50079,
        "UserStrongAuthEnrollmentRequired",
        "interaction_required",
        "Due to a configuration change made by your administrator, or because you moved "
        "to a new location, you must enroll in multi-factor authentication to access this"
        " resource.",
    ),
    Aadsts(
        50107,
        "InvalidRealmUri",
        "invalid_request",
        "The requested federation realm object '{issuer}' does not exist.",
    ),
    Aadsts(
        50148,
        "PkceMismatch",
        "invalid_grant",
        "The code_verifier does not match the code_challenge supplied in the "
        "authorization request for PKCE.",
    ),
    Aadsts(
        50126,
        "InvalidUserNameOrPassword",
        "invalid_grant",
        "Error validating credentials due to invalid username or password.",
    ),
    Aadsts(
        500011,
        "InvalidResourceServicePrincipalNotFound",
        "invalid_resource",
        "The resource principal named {resource} was not found in the tenant named "
        "{tenant}. This can happen if the application has not been installed by the "
        "administrator of the tenant or consented to by any user in the tenant.",
    ),
    Aadsts(
        500133,
        "InvalidAssertionTime",
        "invalid_grant",
        "Assertion is not within its valid time range.",
    ),
    Aadsts(
        51004,
        "UserAccountNotInDirectory",
        "invalid_grant",
        "The user account {upn} does not exist in the directory.",
    ),
    Aadsts(
        54005,
        "AuthCodeAlreadyRedeemed",
        "invalid_grant",
        "OAuth2 Authorization code was already redeemed, please retry with a new valid "
        "code or use an existing refresh token.",
    ),
    Aadsts(
        65001,
        "DelegationDoesNotExist",
        "invalid_grant",
        "The user or administrator has not consented to use the application with ID "
        "'{client_id}' named '{app_name}'. Send an interactive authorization request for "
        "this user and resource.",
    ),
    Aadsts(
        65004,
        "UserDeclinedConsent",
        "access_denied",
        "User declined to consent to access the app.",
    ),
    Aadsts(
        700016,
        "UnauthorizedClient_DoesNotMatchRequest",
        "unauthorized_client",
        "Application with identifier '{client_id}' was not found in the directory "
        "'{tenant}'. This can happen if the application has not been installed by the "
        "administrator of the tenant or consented to by any user in the tenant. You may "
        "have sent your authentication request to the wrong tenant.",
    ),
    Aadsts(
        70000,
        "InvalidGrant",
        "invalid_grant",
        "The provided value for the input parameter '{parameter}' is not valid.",
    ),
    Aadsts(
        70003,
        "UnsupportedGrantType",
        "unsupported_grant_type",
        "The app requested an unsupported grant type '{grant_type}'.",
    ),
    Aadsts(
        70008,
        "ExpiredOrRevokedGrant",
        "invalid_grant",
        "The provided authorization code or refresh token has expired due to inactivity. "
        "Send a new interactive authorization request for this user and resource.",
    ),
    Aadsts(
        70011,
        "InvalidScope",
        "invalid_scope",
        "The provided value for the input parameter 'scope' is not valid. The scope "
        "'{scope}' is not valid.",
    ),
    Aadsts(
        7000215,
        "InvalidClientSecretProvided",
        "invalid_client",
        "Invalid client secret provided. Ensure the secret being sent in the request is "
        "the client secret value, not the client secret ID, for a secret added to app "
        "'{client_id}'.",
        401,
    ),
    Aadsts(
        7000218,
        "MissingClientCredential",
        "invalid_client",
        "The request body must contain the following parameter: 'client_assertion' or "
        "'client_secret'.",
        401,
    ),
    Aadsts(
        7000222,
        "InvalidClientSecretExpiredKeysProvided",
        "invalid_client",
        "The provided client secret keys for app '{client_id}' are expired. Visit the "
        "Azure portal to create new keys for your app.",
        401,
    ),
    Aadsts(
        90002,
        "InvalidTenantName",
        "invalid_request",
        "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
        "and are signing into the correct cloud.",
    ),
    Aadsts(
        90072,
        "PassThroughUserMfaError",
        "invalid_grant",
        "The external account that the user signs in with doesn't exist on the tenant "
        "that they signed into.",
    ),
    Aadsts(
        90094,
        "AdminConsentRequired",
        "invalid_grant",
        "{app_name} needs permission to access resources in your organization that only an "
        "admin can grant. Ask an admin to grant permission to this app before you can use it.",
    ),
    Aadsts(
        900144,
        "MissingParameter",
        "invalid_request",
        "The request body must contain the following parameter: '{parameter}'.",
    ),
    Aadsts(
        900971,
        "NoReplyAddress",
        "invalid_request",
        "No reply address provided.",
    ),
    Aadsts(
        9002313,
        "InvalidRequest",
        "invalid_request",
        "Invalid request. Request is malformed or invalid: {detail}",
    ),
    # Emitted only by the SAML leg (``/login.srf``).
    Aadsts(
        90081,
        "OrgIdWsFederationMessageInvalid",
        "invalid_request",
        "An error occurred when the service tried to process a WS-Federation message. "
        "The message isn't valid.",
    ),
    Aadsts(
        500081,
        "SigningKeyNotRegistered",
        "invalid_request",
        "Unable to verify the token signature. The signing key identifier doesn't match any "
        "valid registered keys.",
    ),
]

AADSTS: dict[int, Aadsts] = {entry.code: entry for entry in _TABLE}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def lookup(code: int) -> Aadsts:
    return AADSTS[code]


def message(code: int, **fields: object) -> str:
    """The readable text of ``code`` with its placeholders filled (missing ones left blank)."""
    return string.Formatter().vformat(AADSTS[code].message, (), _Blank(fields))


class AadstsError(Exception):
    """A sign-in or token failure carrying its AADSTS code and message fields."""

    def __init__(self, code: int, sub_reason: str | None = None, **fields: object) -> None:
        super().__init__(f"AADSTS{code}")
        self.code = code
        self.entry = AADSTS[code]
        self.fields = fields
        self.sub_reason = sub_reason

    @property
    def text(self) -> str:
        return message(self.code, **self.fields)
