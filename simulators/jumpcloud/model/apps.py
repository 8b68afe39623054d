"""SSO applications (SAML connectors) with a key pair per application."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from simulators.saml.errors import MetadataError
from simulators.saml.keys import SigningKeyPair
from simulators.saml.metadata import federation_domain_from_entity_id

from .base import Backend, dumps, loads
from .errors import BadRequest, Conflict, NotFound
from .ids import is_object_id, iso

OFFICE365 = "office365"
CUSTOM = "custom"
M365_SP_ENTITY_ID = "urn:federation:MicrosoftOnline"
NAMEID_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
LABEL = re.compile(r"^[a-z0-9][a-z0-9_-]{0,127}$")
SSO_PATH = re.compile(r"/saml2/([^/?#]+)/?$")
COLORS = ("#202D38", "#005466", "#3E8696", "#006CAC")

# key: (label, type, position, default, readOnly, required)
_CONFIG_FIELDS: tuple[tuple[str, str, str, int, Any, bool, bool], ...] = (
    ("idpEntityId", "IdP Entity ID", "text", 1, "", False, True),
    ("spEntityId", "SP Entity ID", "text", 2, "", False, True),
    ("acsUrl", "ACS URL", "text", 3, "", False, True),
    ("spCertificate", "SP Certificate", "file", 4, "", False, False),
    ("idpCertificate", "IdP Certificate", "file", 5, "", False, False),
    ("idpPrivateKey", "IdP Private Key", "file", 6, "", False, False),
    ("subjectField", "SAMLSubject NameID", "select", 7, "email", False, True),
    ("overrideNameIdFormat", "SAMLSubject NameID Format", "select", 8, NAMEID_EMAIL, False, False),
    ("signatureAlgorithm", "Signature Algorithm", "select", 9, "RSA-SHA256", False, True),
    ("signAssertion", "Sign Assertion", "checkbox", 10, True, False, False),
    ("signResponse", "Sign Response", "checkbox", 11, False, False, False),
    ("defaultTargetUrl", "Default RelayState", "text", 12, "", False, False),
    ("idpInitUrl", "IdP-Initiated URL", "text", 13, "", True, False),
    ("declareRedirectEndpoint", "Declare Redirect Endpoint", "checkbox", 14, False, False, False),
    ("spErrorFlow", "Login URL", "checkbox", 15, False, False, False),
    ("includeGroups", "Include group attribute", "checkbox", 16, False, False, False),
    ("groupsAttributeName", "Group attribute name", "text", 17, "memberOf", False, False),
    ("constantAttributes", "Constant Attributes", "list", 18, [], False, False),
    ("databaseAttributes", "Attributes", "list", 19, [], False, False),
)
CONFIG_KEYS = tuple(f[0] for f in _CONFIG_FIELDS)
_VALUE_TYPES = {
    "text": str,
    "file": str,
    "select": str,
    "checkbox": bool,
    "list": list,
}
SIGNATURE_ALGORITHMS = ("RSA-SHA256", "RSA-SHA1")
SUBJECT_FIELDS = ("email", "username", "firstname", "lastname", "description", "immutableId")


def _config_defaults(kind: str, label: str, sso_url: str, login_url: str) -> dict:
    config = {
        key: {
            "value": copy.deepcopy(default),
            "label": title,
            "type": kind_,
            "visible": key != "idpPrivateKey",
            "readOnly": read_only,
            "required": required,
            "position": position,
        }
        for key, title, kind_, position, default, read_only, required in _CONFIG_FIELDS
    }
    config["idpInitUrl"]["value"] = f"{sso_url}/saml2/{label}?idp_init=1"
    if kind == OFFICE365:
        fixed = {
            "spEntityId": M365_SP_ENTITY_ID,
            "acsUrl": f"{login_url}/login.srf",
            "subjectField": "immutableId",
            "overrideNameIdFormat": NAMEID_PERSISTENT,
        }
        for key, value in fixed.items():
            config[key]["value"] = value
            config[key]["readOnly"] = True
        config["databaseAttributes"]["value"] = [
            {"name": "IDPEmail", "value": "userPrincipalName", "readOnly": True,
             "required": True, "visible": True}
        ]  # fmt: skip
    return config


class Apps:
    """Applications of an org; the SSO host reads them through ``by_label`` / ``signing_key``."""

    def __init__(self, backend: Backend, urls: Callable[[str], str]) -> None:
        self.backend = backend
        self.urls = urls
        self.label_rows = backend.row_cache()

    # -- reading -------------------------------------------------------------------------
    def _row(self, org_id: str, app_id: str) -> dict:
        row = None
        if is_object_id(app_id):
            row = self.backend.one(
                "SELECT * FROM apps WHERE id = ? AND org_id = ?", (app_id, org_id)
            )
        if row is None:
            raise NotFound(f"Application {app_id} not found")
        return row

    def get(self, org_id: str, app_id: str, *, with_private_key: bool = False) -> dict:
        return self.render(self._row(org_id, app_id), with_private_key=with_private_key)

    def exists(self, org_id: str, app_id: str) -> bool:
        return bool(
            is_object_id(app_id)
            and self.backend.one(
                "SELECT 1 AS x FROM apps WHERE id = ? AND org_id = ?", (app_id, org_id)
            )
        )

    def list(self, org_id: str) -> list[dict]:
        rows = self.backend.all("SELECT * FROM apps WHERE org_id = ? ORDER BY rowid", (org_id,))
        return [self.render(r) for r in rows]

    def by_label(self, label: str) -> dict | None:
        """The live application whose SSO URL ends in ``/saml2/<label>`` (any org)."""
        row = self.row_by_label(label)
        return self.render(row) if row else None

    def row_by_label(self, label: str) -> dict | None:
        """The stored row behind ``by_label`` (``render`` turns it into the document); cached,
        as the IdP asks on every request (see RowCache)."""
        return self.label_rows.get(
            label,
            lambda: self.backend.one(
                "SELECT a.* FROM apps a JOIN orgs o ON o.id = a.org_id "
                "WHERE a.label = ? AND o.deleted = 0",
                (label,),
            ),
        )

    def signing_key(self, org_id: str, app_id: str) -> SigningKeyPair:
        row = self._row(org_id, app_id)
        return SigningKeyPair.from_pem(row["key_pem"], row["cert_pem"], checked=True)

    def config_value(self, app: dict, key: str) -> Any:
        return (app.get("config", {}).get(key) or {}).get("value")

    def render(self, row: dict, *, with_private_key: bool = False) -> dict:
        doc = loads(row["doc"], {})
        config = doc["config"]
        config["idpCertificate"]["value"] = row["cert_pem"]
        config["idpPrivateKey"]["value"] = row["key_pem"] if with_private_key else ""
        return {
            "_id": row["id"],
            **doc,
            "ssoUrl": f"{self.urls('sso')}/saml2/{row['label']}",
            "config": config,
        }

    # -- writing -------------------------------------------------------------------------
    def create(self, org_id: str, body: dict) -> dict:
        """POST /applications: ``name`` (office365 | custom | any template), ``ssoUrl``
        ending in ``/saml2/<label>`` (or ``label``), ``displayLabel``, ``config`` values."""
        kind, label = self._kind_and_label(body)
        self._label_free(label, None)
        doc = self._document(org_id, kind, label, body)
        pair = self._uploaded_pair(body) or SigningKeyPair.generate(
            f"JumpCloud SSO {label}", self.backend.now()
        )
        now = self.backend.now_iso()
        doc["sso"].update(idpCertificateUpdatedAt=now, idpPrivateKeyUpdatedAt=now)
        doc["sso"]["idpCertExpirationAt"] = iso(pair.certificate.not_valid_after_utc)
        app_id = self.backend.new_id()
        with self.backend.tx():
            self.backend.insert(
                "apps",
                {
                    "id": app_id,
                    "org_id": org_id,
                    "label": label,
                    "doc": dumps(doc),
                    "key_pem": pair.key_pem,
                    "cert_pem": pair.cert_pem,
                },
            )
        return self.get(org_id, app_id)

    def replace(self, org_id: str, app_id: str, body: dict) -> dict:
        """PUT: fields not sent go back to defaults; the SSO label cannot change."""
        row = self._row(org_id, app_id)
        kind, label = self._kind_and_label(body, current_label=row["label"])
        if label != row["label"]:
            raise BadRequest("ssoUrl: the SSO IdP URL label cannot be changed; recreate the app")
        old = loads(row["doc"])
        doc = self._document(org_id, kind, label, body)
        pair = self._uploaded_pair(body, current_cert=row["cert_pem"])  # before any write
        doc["sso"] = {**old["sso"], **{k: v for k, v in doc["sso"].items() if k == "type"}}
        doc["created"] = old["created"]
        with self.backend.tx() as db:
            db.execute("UPDATE apps SET doc = ? WHERE id = ?", (dumps(doc), app_id))
            self.backend.after_commit(lambda: self.label_rows.forget(label))
        if pair:
            self._store_pair(org_id, app_id, pair)
        return self.get(org_id, app_id)

    def update_config(self, org_id: str, app_id: str, values: dict) -> dict:
        """Change some config values (console form); the rest stays."""
        app = self.get(org_id, app_id)
        body = {k: app[k] for k in ("name", "displayLabel", "description", "active", "ssoUrl")}
        body["config"] = {
            k: {"value": v["value"]} for k, v in app["config"].items() if k != "idpPrivateKey"
        }
        body["config"].pop("idpCertificate", None)
        for key, value in values.items():
            body["config"][key] = {"value": value}
        return self.replace(org_id, app_id, body)

    def rotate_certificate(self, org_id: str, app_id: str) -> dict:
        row = self._row(org_id, app_id)
        pair = SigningKeyPair.generate(f"JumpCloud SSO {row['label']}", self.backend.now())
        self._store_pair(org_id, app_id, pair)
        return self.get(org_id, app_id)

    def delete(self, org_id: str, app_id: str) -> dict:
        app = self.get(org_id, app_id)
        label = self._row(org_id, app_id)["label"]
        with self.backend.tx() as db:
            db.execute("DELETE FROM apps WHERE id = ?", (app_id,))
            self.backend.after_commit(lambda: self.label_rows.forget(label))
        return app

    # -- internals -----------------------------------------------------------------------
    def _kind_and_label(self, body: dict, current_label: str | None = None) -> tuple[str, str]:
        if not isinstance(body, dict):
            raise BadRequest("body must be a JSON object")
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise BadRequest("name: is required")
        label = body.get("label")
        sso_url = body.get("ssoUrl")
        if label is None and isinstance(sso_url, str):
            match = SSO_PATH.search(sso_url)
            if not match:
                raise BadRequest("ssoUrl: must end in /saml2/<label>")
            label = match.group(1)
        if label is None:
            label = current_label
        if not isinstance(label, str) or not LABEL.match(label):
            raise BadRequest(
                "ssoUrl: is required and its label must be lowercase letters, digits, - or _"
            )
        return (OFFICE365 if name == OFFICE365 else name), label

    def _label_free(self, label: str, app_id: str | None) -> None:
        clash = self.backend.one(
            "SELECT a.id FROM apps a JOIN orgs o ON o.id = a.org_id "
            "WHERE a.label = ? AND o.deleted = 0 AND a.id != ?",
            (label, app_id or ""),
        )
        if clash:
            raise Conflict(f"ssoUrl: the SSO IdP URL label {label!r} is already in use")

    def _document(self, org_id: str, kind: str, label: str, body: dict) -> dict:
        config = _config_defaults(kind, label, self.urls("sso"), self.urls("login"))
        given = body.get("config") or {}
        if not isinstance(given, dict):
            raise BadRequest("config: must be an object")
        for key, item in given.items():
            if key not in config or key in ("idpCertificate", "idpPrivateKey"):
                continue
            value = item.get("value") if isinstance(item, dict) else item
            if value is None:
                continue
            expected = _VALUE_TYPES[config[key]["type"]]
            if not isinstance(value, expected):
                raise BadRequest(f"config.{key}.value: must be a {expected.__name__}")
            if config[key]["readOnly"] and kind == OFFICE365 and value != config[key]["value"]:
                raise BadRequest(f"config.{key}: is fixed by the Microsoft 365 connector")
            config[key]["value"] = value
        self._check_config(kind, config)
        display_label = body.get("displayLabel") or body.get("displayName") or label
        if not isinstance(display_label, str):
            raise BadRequest("displayLabel: must be a string")
        active = body.get("active", True)
        if not isinstance(active, bool):
            raise BadRequest("active: must be a boolean")
        return {
            "name": kind,
            "displayName": "Microsoft 365" if kind == OFFICE365 else "Custom SAML App",
            "displayLabel": display_label,
            "description": str(body.get("description") or ""),
            "active": active,
            "beta": False,
            "color": COLORS[0],
            "logo": {"url": "", "color": COLORS[0]},
            "learnMore": "",
            "organization": org_id,
            "created": self.backend.now_iso(),
            "databaseAttributes": [],
            "sso": {"type": "saml", "jit": False, "hidden": False, "beta": False},
            "config": config,
        }

    @staticmethod
    def _check_config(kind: str, config: dict) -> None:
        entity_id = config["idpEntityId"]["value"]
        if not entity_id:
            raise BadRequest("config.idpEntityId: is required")
        if kind == OFFICE365:
            try:
                federation_domain_from_entity_id(entity_id)
            except MetadataError as exc:
                raise BadRequest(f"config.idpEntityId: {exc}") from None
        else:
            for key in ("spEntityId", "acsUrl"):
                if not config[key]["value"]:
                    raise BadRequest(f"config.{key}: is required")
        if config["signatureAlgorithm"]["value"] not in SIGNATURE_ALGORITHMS:
            raise BadRequest(
                f"config.signatureAlgorithm: must be one of {', '.join(SIGNATURE_ALGORITHMS)}"
            )
        if config["subjectField"]["value"] not in SUBJECT_FIELDS:
            raise BadRequest(f"config.subjectField: must be one of {', '.join(SUBJECT_FIELDS)}")

    @staticmethod
    def _uploaded_pair(body: dict, current_cert: str | None = None) -> SigningKeyPair | None:
        """The key pair a body uploads; ``None`` when it keeps the app's own.

        A GET shows the certificate with an empty private key, so a body that echoes the
        current certificate without a key (a read-modify-write client) leaves the pair as is.
        """
        config = body.get("config") or {}
        key, cert = (_file_value(config, name) for name in ("idpPrivateKey", "idpCertificate"))
        if not key and (not cert or _same_pem(cert, current_cert)):
            return None
        if not (key and cert):
            raise BadRequest("config: idpPrivateKey and idpCertificate must be uploaded together")
        try:
            return SigningKeyPair.from_pem(key, cert)
        except (ValueError, TypeError) as exc:
            raise BadRequest(f"config.idpCertificate: unusable key pair: {exc}") from None

    def _store_pair(self, org_id: str, app_id: str, pair: SigningKeyPair) -> None:
        row = self._row(org_id, app_id)
        doc = loads(row["doc"])
        now = self.backend.now_iso()
        doc["sso"].update(
            idpCertificateUpdatedAt=now,
            idpPrivateKeyUpdatedAt=now,
            idpCertExpirationAt=iso(pair.certificate.not_valid_after_utc),
        )
        with self.backend.tx() as db:
            db.execute(
                "UPDATE apps SET key_pem = ?, cert_pem = ?, doc = ? WHERE id = ?",
                (pair.key_pem, pair.cert_pem, dumps(doc), app_id),
            )
            self.backend.after_commit(lambda: self.label_rows.forget(row["label"]))


def _file_value(config: dict, name: str) -> str | None:
    """``config[name].value`` of a file field: ``{"value": "PEM"}``, or absent."""
    item = config.get(name)
    if item is None:
        return None
    if not isinstance(item, dict):
        raise BadRequest(f"config.{name}: must be an object with a value")
    value = item.get("value")
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"config.{name}.value: must be a string")
    return value


def _same_pem(a: str, b: str | None) -> bool:
    return b is not None and "".join(a.split()) == "".join(b.split())
