"""``m365lab env``, ``status`` and ``reset``: commands on a lab that is already running."""

from __future__ import annotations

import json
import shlex
import sys

import requests
from rich.console import Console
from rich.table import Table

from harness.errors import CliError, DefaultWorldError, DescriptorError
from harness.lab.default_world import rebuild
from harness.lab.descriptor import LabDescriptor, find_descriptor


def _descriptor(args) -> LabDescriptor:
    try:
        return LabDescriptor.load(find_descriptor(args.state_dir))
    except DescriptorError as exc:
        raise CliError(str(exc)) from exc


def cmd_env(args) -> int:
    desc = _descriptor(args)
    if args.json:
        print(json.dumps(desc.data, indent=2))
        return 0
    for name, value in (
        ("M365LAB_DESCRIPTOR", str(desc.path.resolve()) if desc.path is not None else ""),
        ("REQUESTS_CA_BUNDLE", desc.ca_bundle),
        ("SSL_CERT_FILE", desc.ca_bundle),
    ):
        print(f"export {name}={shlex.quote(value)}")
    return 0


def cmd_status(args) -> int:
    desc = _descriptor(args)
    client = desc.control()
    table = Table(title=f"m365lab at {desc.path}")
    for column in ("host", "url", "status", "process"):
        table.add_column(column)
    down = 0
    for host in client.hosts():
        try:
            health = client.health(host)
            table.add_row(host, desc.url(host), "[green]ok[/]", health["process"][:8])
        except requests.RequestException as exc:
            down += 1
            reason = type(exc).__name__
            table.add_row(host, desc.url(host), f"[red]down[/] ({reason})", "-")
    Console().print(table)
    if down:
        print(f"m365lab: {down} host(s) not answering", file=sys.stderr)
    return 1 if down else 0


def cmd_reset(args) -> int:
    desc = _descriptor(args)
    try:
        desc.control().reset()
        rebuilt = rebuild(desc)
    except requests.RequestException as exc:
        raise CliError(f"cannot reach the lab: {exc}") from exc
    except DefaultWorldError as exc:
        message = f"the lab was reset but the default world could not be rebuilt: {exc}"
        raise CliError(message) from exc
    print("m365lab: reset" + (" and rebuilt the default world" if rebuilt else ""))
    return 0
