"""Why a sign-in or a sync failed, and how to fix it: one catalogue for every error the lab shows.

Keys: ``AADSTSnnnnn`` (with the SAML sub-reason Entra's page shows as ``#error-subreason``, when
one says more), ``jumpcloud:<reason>`` (JumpCloud's pages), ``sync:<status>`` (``syncStatus`` of
the Microsoft 365 directory integration), and the generic codes of the lab's own error pages.
Texts are ``str.format`` templates over the values the caller knows (``user``, ``upn``,
``name_id``, ``immutable_id``, ``issuer``, ``expected_issuer``, ``domain``, ``app``, ``client_id``,
``tenant``, …); a value it does not know reads as a neutral phrase. ``fix_link`` is
``<host>:<path>`` on the lab (a page can turn it into a URL).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, replace
from html import escape

from flask import current_app, has_app_context


@dataclass(frozen=True)
class Explanation:
    """What was compared, why it failed, how to fix it, and where."""

    title: str
    compared: str
    cause: str
    fix: str
    fix_link: str | None = None

    def fill(self, values: Mapping[str, object]) -> Explanation:
        known = _Values({k: str(v) for k, v in values.items() if v not in (None, "")})
        return replace(
            self,
            title=_sentence(_format(self.title, known)),
            compared=_format(self.compared, known),
            cause=_sentence(_format(self.cause, known)),
            fix=_sentence(_format(self.fix, known)),
            fix_link=_format(self.fix_link, known) if self.fix_link else None,
        )


_DEFAULTS = {
    "user": "the user",
    "upn": "the user's UPN",
    "name_id": "(the NameID JumpCloud sent)",
    "immutable_id": "(none)",
    "issuer": "the Issuer",
    "expected_issuer": "the issuerUri of the domain",
    "domain": "the user's domain",
    "app": "the application",
    "client_id": "the application",
    "tenant": "the tenant",
    "scope": "the scope",
    "redirect_uri": "the redirect URI",
    "idp_email": "the IDPEmail value",
    "audience": "the Audience",
    "destination": "the Destination",
    "parameter": "a parameter",
    "grant_type": "the grant type",
    "jumpcloud_id": "",
    "detail": "see the message",
    "sub_reason": "see the error's sub-reason",
    "sub_reason_text": "see the error's sub-reason",
    "resource": "the resource",
}


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return _DEFAULTS.get(key, f"the {key.replace('_', ' ')}")


def _sentence(text: str) -> str:
    """A sentence that starts with a neutral phrase ("the user …") starts with a capital; one
    that starts with a name ("nora …") keeps it as written."""
    return "T" + text[1:] if text.startswith("the ") else text


def _format(template: str, values: _Values) -> str:
    try:
        return string.Formatter().vformat(template, (), values)
    except (ValueError, IndexError, AttributeError):
        return template


def _e(title: str, compared: str, cause: str, fix: str, link: str | None = None) -> Explanation:
    return Explanation(title, compared, cause, fix, link)


USERS = "console:/users"
DIRECTORIES = "console:/directories"
APPLICATIONS = "console:/applications"
BIND = "Bind {user}: Console → Users → {user} → Directories → Microsoft 365"

AADSTS: dict[int, Explanation] = {
    50006: _e(
        "The SAML signature does not verify",
        "the assertion's signature vs the signingCertificate of {domain}",
        "The Response was changed after JumpCloud signed it, or signed with another key.",
        "Send the Response unaltered; if JumpCloud's certificate was rotated, federate the "
        "domain again from the connector's metadata (m365lab federate).",
        APPLICATIONS,
    ),
    50008: _e(
        "Entra could not use the SAML assertion",
        "the SAML Response vs what Entra requires of an assertion",
        "The assertion is missing a part Entra needs or has one it refuses ({sub_reason}).",
        "Check the Microsoft 365 connector's configuration in JumpCloud and send its Response "
        "unaltered.",
        APPLICATIONS,
    ),
    50011: _e(
        "The redirect URI is not registered",
        "redirect_uri {redirect_uri} vs the redirect URIs of {client_id}",
        "The application asked Entra to send the answer to an address it did not register.",
        "Register the redirect URI on the application (Graph: applications → web.redirectUris) "
        "or send the one registered.",
    ),
    50013: _e(
        "The assertion did not validate",
        "the client assertion's signature and lifetime vs the application's keys",
        "The signed assertion is not valid: wrong key, altered, or expired.",
        "Sign a fresh assertion with the application's registered certificate.",
    ),
    50034: _e(
        "No such user in the tenant",
        "the user name typed ({upn}) vs the users of {tenant}",
        "Entra has no account with this user name in the tenant.",
        "Check the spelling, or create the user (Graph POST /users) or bind it in JumpCloud so "
        "the integration exports it.",
        USERS,
    ),
    50049: _e(
        "Unknown instance",
        "the authority of the request vs the lab's login host",
        "The client asked for an authority the lab does not serve.",
        "Use the lab's login URL as the authority and disable instance discovery.",
    ),
    50053: _e(
        "The account is locked",
        "failed sign-ins of {upn} vs the lockout threshold (10)",
        "Too many wrong passwords: Entra locks the account for a while (smart lockout).",
        "Wait for the lockout to end (advance the lab clock), then sign in with the right "
        "password.",
    ),
    50055: _e(
        "The password has expired",
        "the password's age vs the password policy",
        "{upn}'s Microsoft 365 password expired.",
        "Change it on the next page, or let JumpCloud set it (password authority) by signing in "
        "at the User Portal.",
    ),
    50057: _e(
        "The account is disabled",
        "accountEnabled of {upn}",
        "The Microsoft 365 account is disabled (accountEnabled false). JumpCloud disables it "
        "when the user is suspended, locked out or expired (per its settings) or unbound.",
        "Activate the user in JumpCloud (Console → Users → {user} → Activate) or set "
        "accountEnabled true in Microsoft 365.",
        USERS,
    ),
    50058: _e(
        "Nobody is signed in",
        "prompt=none vs an Entra session",
        "A silent sign-in was asked (prompt=none) but the browser has no Entra session.",
        "Sign in interactively first (drop prompt=none).",
    ),
    50059: _e(
        "No tenant could be found",
        "the request's tenant and user vs the lab's tenants",
        "The request names no tenant and no user that would identify one.",
        "Use a tenant id or verified domain in the authority, or a login_hint.",
    ),
    50074: _e(
        "The verification code is wrong",
        "the code typed vs the user's authenticator (TOTP on the lab clock)",
        "The code did not match the current time step of the user's authenticator.",
        "Type the current code; check that the authenticator's clock matches the lab clock.",
    ),
    50076: _e(
        "Multi-factor authentication is required",
        "the multipleauthn claim from JumpCloud vs the domain's federatedIdpMfaBehavior",
        "Microsoft 365 requires MFA and the sign-in did not bring it: the IdP did not say it "
        "did MFA, or the domain does not accept the IdP's MFA.",
        "Turn on MFA for {user} in JumpCloud (the assertion then carries multipleauthn) and set "
        "federatedIdpMfaBehavior to acceptIfMfaDoneByFederatedIdp.",
        USERS,
    ),
    50079: _e(
        "The user must register for MFA",
        "the user's registered methods vs the tenant's MFA requirement",
        "Security defaults require MFA and {upn} has no method registered.",
        "Register an authenticator on the next page.",
    ),
    50107: _e(
        "The Issuer is not a federated domain's issuerUri",
        "Issuer {issuer} vs issuerUri {expected_issuer} of {domain}",
        "Entra finds the federated domain by the assertion's Issuer; none has this issuerUri.",
        "Make the connector's IdP entity id and the domain's issuerUri the same: federate the "
        "domain again from the connector's metadata, or fix the IdP entity id in JumpCloud.",
        APPLICATIONS,
    ),
    50126: _e(
        "Wrong user name or password",
        "the password typed vs {upn}'s Microsoft 365 password",
        "The password is not the account's. In a managed domain JumpCloud sets it at the first "
        "User Portal sign-in after binding (password authority).",
        "Type the right password; for a JumpCloud-managed user, sign in at the User Portal "
        "once so JumpCloud pushes the password.",
    ),
    50148: _e(
        "PKCE verifier does not match",
        "code_verifier vs the code_challenge of the authorization request",
        "The token request's code_verifier is not the one the challenge was made from.",
        "Send the code_verifier of the same authorization request.",
    ),
    500011: _e(
        "The resource is not in the tenant",
        "the requested resource ({resource}) vs the tenant's service principals",
        "The scope names a resource the tenant does not have.",
        "Ask for a resource the tenant has, e.g. https://graph.microsoft.com/.default.",
    ),
    500081: _e(
        "The signing certificate is not the domain's",
        "the certificate in the Signature vs signingCertificate of {domain}",
        "JumpCloud signed with a certificate Entra does not hold for the domain, typically "
        "after the connector's certificate was rotated.",
        "Federate the domain again from the connector's metadata (new signingCertificate), or "
        "set nextSigningCertificate before rotating.",
        APPLICATIONS,
    ),
    500133: _e(
        "The assertion is outside its time window",
        "NotBefore/NotOnOrAfter vs the lab clock",
        "The assertion was used too late or too early.",
        "Sign in again; check the lab clock (PUT /_lab/clock).",
    ),
    51004: _e(
        "No Microsoft 365 user has this NameID as immutable ID",
        "NameID {name_id} vs onPremisesImmutableId of {upn}: {immutable_id}",
        "{user} is not bound to the Microsoft 365 directory in JumpCloud, so the Microsoft "
        "account has no immutable ID (or another one) and Entra finds nobody with the NameID "
        "JumpCloud sent.",
        BIND + "; the integration then sets onPremisesImmutableId to the JumpCloud user id.",
        USERS,
    ),
    54005: _e(
        "The authorization code was already used",
        "the code vs the codes already redeemed",
        "An authorization code can be redeemed once.",
        "Start a new sign-in for a new code, or use the refresh token.",
    ),
    65001: _e(
        "No consent for the application",
        "the requested scopes vs the grants of {client_id}",
        "Nobody consented to the application's permissions in this tenant.",
        "Sign in interactively and accept, or grant admin consent.",
    ),
    65004: _e(
        "Consent was declined",
        "the user's answer on the consent page",
        "The user chose Cancel on the consent page.",
        "Sign in again and accept the permissions.",
    ),
    700016: _e(
        "The application is not in the tenant",
        "client_id {client_id} vs the applications of {tenant}",
        "The tenant has no application (or service principal) with this id.",
        "Use the client id of an app registered in this tenant, or consent to the multi-tenant "
        "app first.",
    ),
    70000: _e(
        "A grant parameter is not valid",
        "{parameter} vs what was issued",
        "The code or token sent is not valid for this client, redirect URI or user.",
        "Send the code (or token) as issued, with the same client and redirect URI.",
    ),
    70003: _e(
        "Unsupported grant type",
        "grant_type {grant_type} vs the grants the endpoint supports",
        "The token endpoint does not support this grant.",
        "Use authorization_code, refresh_token or client_credentials.",
    ),
    70008: _e(
        "The code or refresh token expired",
        "the grant's age vs its lifetime on the lab clock",
        "The authorization code or refresh token expired or was revoked.",
        "Sign in again for a new grant.",
    ),
    70011: _e(
        "The scope is not valid",
        "scope {scope} vs the scopes the application may ask for",
        "The scope is malformed or mixes resources.",
        "Ask for scopes of one resource, e.g. https://graph.microsoft.com/.default.",
    ),
    7000215: _e(
        "Wrong client secret",
        "the secret sent vs the secrets of {client_id}",
        "The client secret is not one of the application's (maybe its id, not its value).",
        "Send the secret's value; create a new secret if it was lost.",
    ),
    7000218: _e(
        "No client credential",
        "the token request vs a confidential client",
        "A confidential client must send client_secret or client_assertion.",
        "Send the application's client secret.",
    ),
    7000222: _e(
        "The client secret expired",
        "the secret's end date vs the lab clock",
        "The application's secret is past its end date.",
        "Add a new secret to the application and use it.",
    ),
    90002: _e(
        "No such tenant",
        "tenant {tenant} vs the lab's tenants",
        "The authority names a tenant the lab does not have.",
        "Use the world's tenant id or one of its verified domains.",
    ),
    90072: _e(
        "The account is not in this tenant",
        "the signed-in account's home tenant vs {tenant}",
        "The user signed in with an account of another tenant.",
        "Sign in with an account of this tenant.",
    ),
    90094: _e(
        "Admin consent is required",
        "the requested permissions vs what a user may consent to",
        "The application asks for permissions only an administrator can grant.",
        "Have a Global Administrator grant admin consent.",
    ),
    900144: _e(
        "A required parameter is missing",
        "the request vs the parameters the endpoint needs",
        "The request lacks '{parameter}'.",
        "Send the parameter.",
    ),
    900971: _e(
        "No reply address",
        "the request vs the application's redirect URIs",
        "No redirect URI was given and the application has none to fall back on.",
        "Send redirect_uri (registered on the application).",
    ),
    9002313: _e(
        "The request is malformed",
        "the request vs the protocol",
        "The request is not a valid OAuth/OpenID request: {detail}",
        "Fix the request as the message says.",
    ),
    90081: _e(
        "The SAML message could not be read",
        "the posted SAMLResponse vs a well-formed SAML 2.0 message",
        "Entra could not decode or parse the message ({sub_reason}).",
        "Post the Response as JumpCloud produced it (base64 of the XML, unaltered).",
    ),
}

_SAML_STRUCTURE = _e(
    "The SAML Response is not built as Entra requires",
    "the structure of the Response vs SAML 2.0 and Entra's rules",
    "Entra refused the Response: {sub_reason_text}",
    "Send the Response as JumpCloud's Microsoft 365 connector produces it; if a custom app "
    "signs for Microsoft 365, sign the assertion with RSA-SHA256, one assertion, unencrypted.",
    APPLICATIONS,
)

SUB_REASONS: dict[str, Explanation] = {
    "IMMUTABLE_ID_NOT_FOUND": AADSTS[51004],
    "IDPEMAIL_MISSING": _e(
        "The assertion has no IDPEmail",
        "the assertion's attributes vs the IDPEmail Entra needs",
        "Entra needs the IDPEmail attribute (the user's UPN) and the assertion has none.",
        "Keep the Microsoft 365 connector's IDPEmail attribute; for a custom app add it.",
        APPLICATIONS,
    ),
    "IDPEMAIL_MISMATCH": _e(
        "IDPEmail is not the user's UPN",
        "IDPEmail {idp_email} vs the UPN of the user with the immutable ID {name_id}: {upn}",
        "The immutable ID names one user and IDPEmail another: the UPN changed in Microsoft "
        "365 (or in JumpCloud) without a sync.",
        "Let the integration sync {user} (Console → Users → {user} → Directories), or fix the "
        "UPN translation rule.",
        DIRECTORIES,
    ),
    "USER_NOT_IN_FEDERATED_DOMAIN": _e(
        "The user is not in the federated domain",
        "the UPN's domain ({domain}) vs the domain whose issuerUri is {issuer}",
        "The assertion came from the IdP of one domain for a user of another.",
        "Federate the user's domain, or give the user a UPN in the federated domain.",
    ),
    "TENANT_MISMATCH": _e(
        "The user is in another tenant",
        "the user's tenant vs the tenant of the federated domain",
        "The immutable ID matches a user of another tenant.",
        "Sign in at this tenant with one of its users.",
    ),
    "USER_DISABLED": AADSTS[50057],
    "IDP_MFA_NOT_PERFORMED": AADSTS[50076],
    "IdsLocked": AADSTS[50053],
    "InvalidOtc": AADSTS[50074],
    "UNKNOWN_ISSUER": AADSTS[50107],
    "ISSUER_MISMATCH": _e(
        "The Response Issuer differs from the assertion Issuer",
        "Response Issuer vs assertion Issuer {issuer}",
        "The Response and its assertion name different issuers.",
        "Send one Issuer (the connector's IdP entity id) in both.",
    ),
    "KEY_MISMATCH": AADSTS[500081],
    "CERT_NOT_VALID": _e(
        "The signing certificate is not valid",
        "the certificate's validity vs the lab clock",
        "The certificate in the domain's federation settings is expired or not valid yet.",
        "Rotate the connector's certificate and federate the domain again.",
        APPLICATIONS,
    ),
    "INVALID_SIGNATURE": AADSTS[50006],
    "AUDIENCE_MISMATCH": _e(
        "The Audience is not Microsoft's",
        "Audience {audience} vs urn:federation:MicrosoftOnline",
        "The assertion is meant for another service provider.",
        "Set the SP entity id of the connector to urn:federation:MicrosoftOnline.",
        APPLICATIONS,
    ),
    "DESTINATION_MISMATCH": _e(
        "The Response was sent to another address",
        "Destination {destination} vs Entra's login.srf",
        "The Response's Destination is not the address it was posted to.",
        "Set the connector's ACS URL to Entra's login.srf.",
        APPLICATIONS,
    ),
    "RECIPIENT_MISMATCH": _e(
        "The Recipient is not Entra's",
        "SubjectConfirmationData Recipient vs Entra's login.srf",
        "The assertion's Recipient is another address.",
        "Set the connector's ACS URL to Entra's login.srf.",
        APPLICATIONS,
    ),
    "IN_RESPONSE_TO_MISMATCH": _e(
        "The Response answers another request",
        "InResponseTo vs the AuthnRequest ID Entra sent",
        "The Response's InResponseTo names no request of this sign-in (an old or another "
        "browser's Response).",
        "Start the sign-in again from Microsoft 365.",
    ),
    "UNSOLICITED_NOT_ALLOWED": _e(
        "An unsolicited Response was refused",
        "a Response without InResponseTo vs the SP's settings",
        "The Response answers no request and the service provider does not take IdP-initiated "
        "sign-ins.",
        "Start the sign-in at the service provider.",
    ),
    "REPLAY": _e(
        "The assertion was already used",
        "the assertion ID vs the ones Entra has seen",
        "The same assertion was posted twice.",
        "Start the sign-in again for a fresh assertion.",
    ),
    "EXPIRED": _e(
        "The assertion has expired",
        "NotOnOrAfter vs the lab clock",
        "The assertion was posted after its NotOnOrAfter (5 minutes of grace).",
        "Sign in again; if the lab clock was moved, reset it.",
    ),
    "NOT_YET_VALID": _e(
        "The assertion is not valid yet",
        "NotBefore vs the lab clock",
        "The assertion's NotBefore is in the future for Entra.",
        "Check the lab clock and the IdP's clock.",
    ),
}
_STRUCTURE_REASONS = (
    "MISSING_MESSAGE",
    "DUPLICATE_MESSAGE",
    "MALFORMED_BASE64",
    "MESSAGE_TOO_LARGE",
    "MALFORMED_DEFLATE",
    "XML_SYNTAX",
    "DTD_FORBIDDEN",
    "ENTITY_FORBIDDEN",
    "PROCESSING_INSTRUCTION",
    "TOO_DEEP",
    "TOO_MANY_ELEMENTS",
    "WRONG_ROOT",
    "UNSUPPORTED_VERSION",
    "MISSING_ID",
    "DUPLICATE_ID",
    "NO_ASSERTION",
    "MULTIPLE_ASSERTIONS",
    "ASSERTION_WRONG_PLACE",
    "ENCRYPTED_ASSERTION_UNSUPPORTED",
    "MISSING_ISSUER",
    "SIGNATURE_WRONG_PLACE",
    "TOO_MANY_SIGNATURES",
    "REFERENCE_MISMATCH",
    "MULTIPLE_REFERENCES",
    "DISALLOWED_ALGORITHM",
    "DEPRECATED_ALGORITHM",
    "DISALLOWED_TRANSFORM",
    "SIGNATURE_OBJECT",
    "SIGNATURE_MALFORMED",
    "NO_SIGNATURE",
    "ASSERTION_NOT_SIGNED",
    "STATUS_NOT_SUCCESS",
    "NO_BEARER_CONFIRMATION",
    "BAD_TIMESTAMP",
    "MISSING_CONDITIONS",
    "MISSING_AUTHN_STATEMENT",
    "MULTIPLE_AUTHN_STATEMENTS",
    "MISSING_NAMEID",
    "EMPTY_NAMEID",
    "NAMEID_TOO_LONG",
    "NAMEID_FORMAT",
    "NAMEID_HAS_CHILD_NODES",
    "DUPLICATE_ATTRIBUTE",
    "ATTRIBUTE_MALFORMED",
    "UNEXPECTED",
)
"""Sub-reasons of AADSTS50008/90081 that share one explanation (the message names which)."""
for _reason in _STRUCTURE_REASONS:
    SUB_REASONS.setdefault(_reason, _SAML_STRUCTURE)

SUB_REASON_TEXT = {
    "NO_SIGNATURE": "nothing in it is signed",
    "ASSERTION_NOT_SIGNED": "the assertion is not signed",
    "DEPRECATED_ALGORITHM": "it is signed with SHA-1, which Entra refuses",
    "DISALLOWED_ALGORITHM": "its signature algorithm is not allowed",
    "ENCRYPTED_ASSERTION_UNSUPPORTED": "the assertion is encrypted",
    "MULTIPLE_ASSERTIONS": "it holds more than one assertion",
    "NO_ASSERTION": "it holds no assertion",
    "STATUS_NOT_SUCCESS": "its status is not Success (the IdP refused)",
    "NAMEID_FORMAT": "the NameID format is not one Entra accepts",
    "MISSING_NAMEID": "the assertion has no NameID",
    "EMPTY_NAMEID": "the NameID is empty",
    "MALFORMED_BASE64": "it is not valid base64",
    "XML_SYNTAX": "it is not well-formed XML",
}

JUMPCLOUD: dict[str, Explanation] = {
    "suspended": _e(
        "{user} is suspended in JumpCloud",
        "the state of {user} in JumpCloud vs ACTIVATED",
        "A suspended JumpCloud user cannot sign in anywhere, so JumpCloud sends no assertion "
        "(and the integration disabled the Microsoft 365 account).",
        "Activate {user}: Console → Users → {user} → Activate.",
        USERS,
    ),
    "not_assigned": _e(
        "{user} may not use {app}",
        "the applications bound to {user} (directly or through a group) vs {app}",
        "JumpCloud gives an assertion only for applications the user is bound to.",
        "Bind {user} (or one of its groups) to the application: Console → Applications → "
        "{app} → users and groups.",
        APPLICATIONS,
    ),
    "app_not_found": _e(
        "No such SSO application",
        "the SSO URL's label vs the organization's applications",
        "The SAML request went to an application label JumpCloud does not have.",
        "Use the SSO URL of the application (its metadata), or federate the domain again.",
        APPLICATIONS,
    ),
    "app_inactive": _e(
        "The SSO application is not active",
        "the application's state",
        "The application exists but is switched off.",
        "Activate the application in the console.",
        APPLICATIONS,
    ),
    "mfa_failed": _e(
        "The verification code is wrong",
        "the code typed vs {user}'s TOTP on the lab clock",
        "The code does not match the current time step.",
        "Type the current code of the authenticator enrolled for {user}.",
    ),
    "signin_incomplete": _e(
        "The User Portal sign-in did not finish",
        "the round trips to the User Portal vs 3",
        "The browser came back from the User Portal three times without a session: cookies "
        "are blocked or the session of another organization is in the way.",
        "Allow cookies for the lab's hosts, sign out of other organizations, start again.",
    ),
    "invalid_saml_request": _e(
        "The SAML request is not valid",
        "the AuthnRequest vs what the application expects (signature, ACS URL, size)",
        "JumpCloud could not accept the AuthnRequest: {detail}",
        "Send a well-formed AuthnRequest; if the app holds the SP's certificate, sign it with "
        "the matching key.",
        APPLICATIONS,
    ),
    "invalid_acs_url": _e(
        "The ACS URL is not the application's",
        "AssertionConsumerServiceURL of the request vs the ACS URLs of {app}",
        "The service provider asked JumpCloud to send the assertion to an address the "
        "application does not list.",
        "Add the URL to the application's ACS URLs (Console → Applications → {app}), or send "
        "the configured one.",
        APPLICATIONS,
    ),
    "no_passive": _e(
        "No session for a passive sign-in",
        "IsPassive=true vs a JumpCloud session",
        "The service provider asked for a sign-in without any page, and nobody is signed in.",
        "Sign in at the User Portal first, or send the request without IsPassive.",
    ),
    "invalid_credentials": _e(
        "Wrong user name or password",
        "the password typed vs {user}'s JumpCloud password",
        "The user name, email or password is not right.",
        "Type the JumpCloud password; an administrator can reset it in the console.",
        USERS,
    ),
    "ambiguous": _e(
        "More than one account matches",
        "the name typed vs the usernames and emails of the organizations",
        "The user name matches accounts in several organizations.",
        "Sign in with the email address.",
    ),
    "locked": _e(
        "{user} is locked out",
        "failed sign-ins vs the organization's lockout policy",
        "Too many wrong passwords locked the JumpCloud account.",
        "Unlock {user}: Console → Users → {user} → Unlock, or wait for the lockout to end.",
        USERS,
    ),
    "staged": _e(
        "{user} is not activated yet",
        "the state of {user} vs ACTIVATED",
        "A staged user has not set a password yet.",
        "Activate {user} in the console (Users → {user} → Activate).",
        USERS,
    ),
    "invalid_otp": _e(
        "The verification code is wrong",
        "the code typed vs {user}'s TOTP on the lab clock",
        "The code does not match the current time step.",
        "Type the current code of the authenticator enrolled for {user}.",
    ),
    "csrf": _e(
        "The form expired",
        "the form's token vs the session's",
        "The page was open too long, or the session changed, so its form is no longer valid.",
        "Reload the page and submit again.",
    ),
    "session_expired": _e(
        "The sign-in session expired",
        "the pending sign-in vs its 5 minutes",
        "The sign-in waited too long between steps.",
        "Sign in again.",
    ),
    "password_mismatch": _e(
        "The new passwords do not match",
        "the new password vs its confirmation",
        "The two new-password fields differ, so nothing was changed.",
        "Type the same new password in both fields.",
    ),
    "password_policy": _e(
        "The password does not meet the policy",
        "the new password vs the organization's password policy",
        "The new password is too short, too simple or reused.",
        "Choose a password the policy allows.",
    ),
    "password_change": _e(
        "The password was not changed",
        "the form vs the password rules",
        "The password change did not go through.",
        "Try again with the current password and a new one the policy allows.",
    ),
    "invalid_request": _e(
        "The request is not valid",
        "the form vs what the console accepts",
        "The console could not apply the change: {detail}",
        "Correct the form as the message says.",
    ),
    "login_required": AADSTS[50058],
}

SYNC: dict[str, Explanation] = {
    "Exported": _e(
        "Exported to Microsoft 365",
        "the JumpCloud user vs its Microsoft 365 account",
        "The integration created or updated the Microsoft 365 account.",
        "Nothing to fix.",
    ),
    "Paused": _e(
        "Sync is paused",
        "the integration's authorization vs Microsoft 365",
        "The Microsoft 365 authorization failed (admin disabled, grant revoked or expired), so "
        "changes wait.",
        "Reauthorize: Console → Cloud Directories → Microsoft 365 → Reauthorize; pending "
        "changes are then pushed.",
        DIRECTORIES,
    ),
    "DomainNotVerified": _e(
        "The UPN's domain is not verified in Microsoft 365",
        "the domain of {upn} vs the tenant's verified domains",
        "Microsoft 365 accepts UPNs only in verified domains, so the user was not exported.",
        "Verify the domain in Microsoft 365 (Graph: domains/{domain}/verify) or give the user "
        "an email in a verified domain.",
        DIRECTORIES,
    ),
    "ImmutableIdInUse": _e(
        "Another system set this account's immutable ID",
        "onPremisesImmutableId {immutable_id} vs the JumpCloud user id",
        "JumpCloud does not take over an account another system manages.",
        "Clear onPremisesImmutableId in Microsoft 365 (after taking the account out of that "
        "system), then bind again.",
        DIRECTORIES,
    ),
    "OnPremisesSyncEnabled": _e(
        "The account is synchronized from Active Directory",
        "onPremisesSyncEnabled of {upn}",
        "Microsoft 365 accepts changes to it only from on-premises Active Directory.",
        "Manage the user in Active Directory, or stop its directory sync first.",
    ),
    "ImmutableIdRefused": _e(
        "Microsoft 365 refused the immutable ID",
        "the user's domain vs a federated domain and an initial domain to park the UPN",
        "Entra does not change the immutable ID of a federated-domain user in place, and the "
        "workaround (move to the initial domain) was not possible.",
        "Move the UPN to a managed domain, bind again, then move it back.",
    ),
    "FederatedSkipped": _e(
        "Password not pushed: federated domain",
        "the user's domain vs Managed",
        "Users of a federated domain authenticate at JumpCloud; Microsoft 365 keeps no "
        "password for them.",
        "Nothing to fix.",
    ),
    "Synced": _e(
        "Synced",
        "the JumpCloud user vs its Microsoft 365 account",
        "The integration pushed the user's attributes (and, in a managed domain, the password).",
        "Nothing to fix.",
    ),
    "Bound": _e(
        "Bound to an existing Microsoft 365 user",
        "the user's email vs the UPNs and mail of Microsoft 365 users",
        "A Microsoft 365 user with the same UPN or mail existed; JumpCloud took it over and set "
        "its immutable ID.",
        "Nothing to fix; if the account was managed by another system, that system's "
        "federation no longer signs it in.",
    ),
    "Queued": _e(
        "Queued",
        "the change vs Graph's throttling",
        "Graph asked JumpCloud to wait (throttling); the change is pushed after the delay.",
        "Nothing to fix; it goes through by itself.",
    ),
    "Waiting": _e(
        "Waiting for members",
        "the group's members vs at least one",
        "A group is exported to Microsoft 365 once it has at least one member.",
        "Add a member to the group.",
        DIRECTORIES,
    ),
    "WillRetry": _e(
        "Will retry",
        "the change vs Graph's answer",
        "Graph failed for a while (a server error or timeout); JumpCloud retries.",
        "Nothing to fix unless it lasts; check the lab's fault rules (/_lab/faults).",
    ),
    "InternalError": _e(
        "Internal sync error",
        "the change vs the sync engine",
        "The lab's sync engine hit an internal error: {detail}",
        "See the server log and the journal.",
    ),
    "ManagerNotSet": _e(
        "Synced without the manager",
        "the user's manager vs the users bound to this instance",
        "The manager is not bound to the Microsoft 365 directory, so the link cannot be set.",
        "Bind the manager too.",
        USERS,
    ),
    "GraphError": _e(
        "Microsoft 365 refused the change",
        "the change vs Graph's answer",
        "Graph answered with an error: {detail}",
        "Fix what Graph names, then let the integration retry.",
        DIRECTORIES,
    ),
}

GENERIC: dict[str, Explanation] = {
    code: _e(
        title,
        "the request vs what the page or API accepts",
        cause,
        fix,
    )
    for code, title, cause, fix in (
        ("bad_request", "Bad request", "The request is not valid.", "Fix the request."),
        ("unauthorized", "Not signed in", "A credential is missing or wrong.", "Sign in."),
        ("forbidden", "Not allowed", "The caller may not do this.", "Use an allowed account."),
        ("not_found", "Not found", "No such page or object.", "Check the address."),
        ("method_not_allowed", "Wrong method", "The address does not take this method.",
         "Use the method the page offers."),
        ("conflict", "Conflict", "The object already exists or changed.", "Reload and retry."),
        ("payload_too_large", "Too large", "The request body is too large.", "Send less."),
        ("unsupported_media_type", "Wrong content type", "The body's type is not accepted.",
         "Send the type the API documents."),
        ("too_many_requests", "Too many requests", "The service throttled the caller.",
         "Wait for Retry-After, then retry."),
        ("internal_server_error", "Internal error", "The lab hit an internal error.",
         "See the journal entry's error and report it."),
        ("service_unavailable", "Unavailable", "The service is unavailable (maybe a fault "
         "rule).", "Retry later or remove the fault rule."),
        ("error", "Error", "The request failed.", "See the message."),
    )
}  # fmt: skip

_SYNC_MESSAGES = (
    ("synchronized from on-premises", "OnPremisesSyncEnabled"),
    ("refused the immutable ID", "ImmutableIdRefused"),
    ("password not synced (federated", "FederatedSkipped"),
    ("manager not set", "ManagerNotSet"),
    ("Exported", "Exported"),
    ("Bound to", "Bound"),
    ("Synced", "Synced"),
    ("Queued", "Queued"),
    ("Paused", "Paused"),
    ("Waiting", "Waiting"),
    ("Will retry", "WillRetry"),
    ("Internal sync error", "InternalError"),
)


def sync_code(status: Mapping[str, object]) -> str:
    """The catalogue key (``sync:<name>``) of a ``syncStatus`` object ``{code, message,
    details}`` of the Microsoft 365 directory integration."""
    details = status.get("details")
    if isinstance(details, list):
        for detail in details:
            code = detail.get("code") if isinstance(detail, dict) else None
            if isinstance(code, str) and code in SYNC:
                return f"sync:{code}"
    message = str(status.get("message") or "")
    for text, name in _SYNC_MESSAGES:
        if text in message[:200] if text[0].islower() else message.startswith(text):
            return f"sync:{name}"
    return "sync:GraphError"


_AADSTS = re.compile(r"^AADSTS(\d+)$", re.IGNORECASE)
UNKNOWN = _e(
    "{code}",
    "(no comparison known)",
    "The lab has no explanation for this code yet.",
    "See the error message.",
)


def lookup(code: str, sub_reason: str | None = None) -> Explanation | None:
    """The template for ``code`` (and ``sub_reason``), or None when the catalogue lacks it."""
    code = (code or "").strip()
    if sub_reason and sub_reason in SUB_REASONS:
        match = _AADSTS.match(code)
        specific = SUB_REASONS[sub_reason]
        if (
            match is None
            or specific is not _SAML_STRUCTURE
            or int(match.group(1))
            in (
                50008,
                90081,
            )
        ):
            return specific
    match = _AADSTS.match(code)
    if match:
        return AADSTS.get(int(match.group(1)))
    if code.startswith("jumpcloud:"):
        reason = code.split(":", 1)[1]
        return JUMPCLOUD.get(reason) or GENERIC.get(reason)
    if code.startswith("sync:"):
        return SYNC.get(code.split(":", 1)[1])
    snake = re.sub(r"(?<!^)([A-Z])", r"_\1", code).lower()
    return GENERIC.get(snake)


def explain(code: str, values: Mapping[str, object] | None = None) -> Explanation:
    """Why ``code`` happened and how to fix it, with ``values`` filled in.

    ``values`` may hold ``sub_reason`` (Entra's ``#error-subreason``), which picks a more
    precise entry. An unknown code gets a neutral explanation naming it.
    """
    values = dict(values or {})
    sub = values.get("sub_reason")
    template = lookup(code, str(sub) if sub else None) or UNKNOWN
    values.setdefault("code", code)
    if sub:
        values.setdefault("sub_reason_text", SUB_REASON_TEXT.get(str(sub), str(sub)))
    return template.fill(values)


def more_details_html(code: str | None, **values: object) -> str:
    """The "More details" block of an error page, as HTML (a ``<details>``: no script needed);
    empty without a code. Pages call it as the Jinja global ``more_details`` (``|safe``: every
    value in it is escaped here)."""
    if not code:
        return ""
    text = explain(str(code), {k: v for k, v in values.items() if v})
    link = ""
    if text.fix_link:
        host, _, path = text.fix_link.partition(":")
        ctx = current_app.extensions.get("m365lab.ctx") if has_app_context() else None
        try:
            href = ctx.url(host) + path if ctx is not None else None
        except (KeyError, ValueError):
            href = None
        if href:
            link = f" <a id='more-fix-link' href='{escape(href)}'>Open</a>"
    return (
        "<details id='more-details'><summary>More details</summary>"
        f"<p id='more-title'><strong>{escape(text.title)}</strong></p><dl>"
        f"<dt>Compared</dt><dd id='more-compared'>{escape(text.compared)}</dd>"
        f"<dt>Cause</dt><dd id='more-cause'>{escape(text.cause)}</dd>"
        f"<dt>Fix</dt><dd id='more-fix'>{escape(text.fix)}{link}</dd></dl></details>"
    )
