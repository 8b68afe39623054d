"""``/v1.0/domains`` and ``/v1.0/domains/{id}/federationConfiguration``."""

from __future__ import annotations

from flask import Response

from simulators.microsoft.graph.auth import DOMAIN_ADMIN_ROLES, require
from simulators.microsoft.graph.common import (
    graph_base,
    graph_blueprint,
    json_body,
    no_content,
    reply,
)
from simulators.microsoft.graph.serialize import (
    context,
    domain_json,
    federation_json,
    verification_records,
)
from simulators.microsoft.model.errors import bad_request, unknown_property
from simulators.microsoft.permissions import (
    DOMAINS_READ,
    DOMAINS_WRITE,
    FEDERATION_READ,
    FEDERATION_WRITE,
)
from simulators.microsoft.services import services

bp = graph_blueprint("domains", __name__)


def _tenants():
    return services().directory.tenants


@bp.get("/domains")
def list_domains():
    who = require(DOMAINS_READ)
    rows = _tenants().domains(who.tenant_id)
    return reply(
        {
            "@odata.context": context(graph_base(), "domains"),
            "value": [domain_json(r) for r in rows],
        }
    )


@bp.get("/domains/<name>")
def get_domain(name: str):
    who = require(DOMAINS_READ)
    row = _tenants().require_domain(who.tenant_id, name)
    return reply({"@odata.context": context(graph_base(), "domains/$entity"), **domain_json(row)})


@bp.post("/domains")
def create_domain():
    who = require(DOMAINS_WRITE, admin_roles=DOMAIN_ADMIN_ROLES)
    body = json_body()
    for key in body:
        if key not in ("id", "@odata.type"):
            raise unknown_property(key, "domain")
    if not isinstance(body.get("id"), str):
        raise bad_request("Invalid value specified for property 'id' of resource 'Domain'.")
    row = _tenants().add_domain(who.tenant_id, body["id"], verified=False)
    return reply(
        {"@odata.context": context(graph_base(), "domains/$entity"), **domain_json(row)}, 201
    )


@bp.get("/domains/<name>/verificationDnsRecords")
def verification_dns_records(name: str):
    who = require(DOMAINS_READ)
    row = _tenants().require_domain(who.tenant_id, name)
    return reply(
        {
            "@odata.context": context(
                graph_base(), f"domains('{row['name']}')/verificationDnsRecords"
            ),
            "value": verification_records(row["name"], who.tenant_id),
        }
    )


@bp.post("/domains/<name>/verify")
def verify_domain(name: str):
    who = require(DOMAINS_WRITE, admin_roles=DOMAIN_ADMIN_ROLES)
    row = _tenants().verify_domain(who.tenant_id, name)
    body = domain_json(row)
    body["availabilityStatus"] = "AvailableImmediately"
    return reply({"@odata.context": context(graph_base(), "domains/$entity"), **body})


@bp.patch("/domains/<name>")
def update_domain(name: str):
    who = require(DOMAINS_WRITE, admin_roles=DOMAIN_ADMIN_ROLES)
    _tenants().update_domain(who.tenant_id, name, json_body())
    return no_content()


@bp.delete("/domains/<name>")
def delete_domain(name: str):
    who = require(DOMAINS_WRITE, admin_roles=DOMAIN_ADMIN_ROLES)
    users = services().directory.users
    _tenants().delete_domain(
        who.tenant_id, name, lambda: users.count_on_domain(who.tenant_id, name.lower())
    )
    return no_content()


# -- federationConfiguration ---------------------------------------------------------------
def _fed_context(domain: str, entity: bool = False) -> str:
    suffix = "/$entity" if entity else ""
    return context(graph_base(), f"domains('{domain}')/federationConfiguration{suffix}")


@bp.get("/domains/<name>/federationConfiguration")
def list_federation(name: str):
    who = require(FEDERATION_READ)
    row = _tenants().require_domain(who.tenant_id, name)
    current = _tenants().federation(who.tenant_id, name)
    value = [federation_json(current)] if current else []
    return reply({"@odata.context": _fed_context(row["name"]), "value": value})


@bp.get("/domains/<name>/federationConfiguration/$count")
def count_federation(name: str):
    who = require(FEDERATION_READ)
    _tenants().require_domain(who.tenant_id, name)
    found = _tenants().federation(who.tenant_id, name)
    return Response("1" if found else "0", mimetype="text/plain")


@bp.post("/domains/<name>/federationConfiguration")
def create_federation(name: str):
    who = require(FEDERATION_WRITE, admin_roles=DOMAIN_ADMIN_ROLES)
    data = _tenants().create_federation(who.tenant_id, name, json_body())
    return reply({"@odata.context": _fed_context(name.lower(), True), **federation_json(data)}, 201)


@bp.get("/domains/<name>/federationConfiguration/<fed_id>")
def get_federation(name: str, fed_id: str):
    who = require(FEDERATION_READ)
    data = _tenants().require_federation(who.tenant_id, name, fed_id)
    return reply({"@odata.context": _fed_context(name.lower(), True), **federation_json(data)})


@bp.patch("/domains/<name>/federationConfiguration/<fed_id>")
def update_federation(name: str, fed_id: str):
    who = require(FEDERATION_WRITE, admin_roles=DOMAIN_ADMIN_ROLES)
    data = _tenants().update_federation(who.tenant_id, name, fed_id, json_body())
    return reply({"@odata.context": _fed_context(name.lower(), True), **federation_json(data)})


@bp.delete("/domains/<name>/federationConfiguration/<fed_id>")
def delete_federation(name: str, fed_id: str):
    who = require(FEDERATION_WRITE, admin_roles=DOMAIN_ADMIN_ROLES)
    _tenants().delete_federation(who.tenant_id, name, fed_id)
    return no_content()
