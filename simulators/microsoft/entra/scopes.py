"""Reading OAuth ``scope`` values: Graph resource prefixes, ``/.default``, OIDC scopes."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from simulators.microsoft.entra.aadsts import AadstsError
from simulators.microsoft.ids import GRAPH_APP_ID
from simulators.microsoft.permissions import DELEGATED_SCOPES, OIDC_SCOPES

GRAPH_HOSTS = {"graph.microsoft.com"}


@dataclass
class RequestedScopes:
    """A parsed scope parameter: OIDC scopes, Graph scopes, and whether ``.default`` was asked."""

    oidc: list[str] = field(default_factory=list)
    graph: list[str] = field(default_factory=list)
    default: bool = False


def is_graph_resource(resource: str, graph_url: str) -> bool:
    """Does a scope prefix name Graph (its URL, app id, the lab's graph host with any port)?"""
    resource = resource.rstrip("/")
    if resource.lower() == GRAPH_APP_ID:
        return True
    parts = urlsplit(resource)
    if parts.scheme not in ("https", "http") or parts.path not in ("", "/"):
        return False
    lab_host = urlsplit(graph_url).hostname
    return (parts.hostname or "").lower() in GRAPH_HOSTS | {lab_host}


def parse_scopes(raw: str | None, graph_url: str, tenant: str = "") -> RequestedScopes:
    """Split a scope string; unknown resources raise 500011, unknown Graph scopes 70011."""
    result = RequestedScopes()
    for item in (raw or "").split():
        if item in OIDC_SCOPES:
            if item not in result.oidc:
                result.oidc.append(item)
            continue
        resource, slash, name = item.rpartition("/")
        if slash:
            if not is_graph_resource(resource, graph_url):
                raise AadstsError(500011, resource=resource, tenant=tenant)
        else:
            name = item
        if name == ".default":
            result.default = True
        elif name in DELEGATED_SCOPES:
            if name not in result.graph:
                result.graph.append(name)
        else:
            raise AadstsError(70011, scope=item)
    return result


def client_credentials_scope(raw: str | None, graph_url: str, tenant: str) -> None:
    """Client credentials need exactly one ``<graph>/.default`` scope."""
    if not raw or not raw.strip():
        raise AadstsError(900144, parameter="scope")
    items = raw.split()
    for item in items:
        resource, slash, name = item.rpartition("/")
        if not slash or name != ".default":
            raise AadstsError(70011, scope=item)
        if not is_graph_resource(resource, graph_url):
            raise AadstsError(500011, resource=resource, tenant=tenant)
