"""What ``m365lab up`` prints: the hosts, credentials and the people of the default world."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def print_lab_table(
    descriptor: dict,
    path: Path | None,
    console: Console | None = None,
    *,
    dashboard_link: str | None = None,
) -> None:
    # rich loads once the lab is up: its imports stay out of the time to healthy
    from rich.console import Console
    from rich.table import Table

    # piped output (a log, CI) gets a wide console so credentials are never cut
    console = console or Console(width=None if sys.stdout.isatty() else 200)
    hosts = Table(title="m365lab is up", show_lines=False)
    hosts.add_column("host")
    hosts.add_column("URL")
    for name, url in descriptor["urls"].items():
        hosts.add_row(name, url)
    console.print(hosts)
    if dashboard_link:
        console.print(f"Dashboard: {dashboard_link}  (one-time sign-in link)", highlight=False)
    ms, jc = descriptor.get("microsoft"), descriptor.get("jumpcloud")
    if ms:
        console.print(
            f"Microsoft tenant [bold]{ms['initial_domain']}[/] ({ms['tenant_id']}); "
            f"Global Administrator {ms['global_admin']['upn']} / {ms['global_admin']['password']}"
        )
    if jc:
        console.print(
            f"JumpCloud org {jc['org_id']}; admin {jc['admin']['email']} / "
            f"{jc['admin']['password']}; API key {jc['api_key']}"
        )
    people = descriptor.get("people") or []
    if people:
        table = Table(title="People of the default world")
        for column in ("user", "password", "TOTP secret", "sign-in"):
            table.add_column(column, overflow="fold", no_wrap=False, min_width=len(column))
        table.add_column("shows", ratio=1)
        for p in people:
            table.add_row(
                p["upn"], p["password"], p.get("totp_secret") or "", p["sign_in"], p["shows"]
            )
        console.print(table)
    if path:
        console.print(f"Descriptor: {path}   CA bundle: {descriptor['ca_bundle']}")
        console.print(
            'Clients: eval "$(m365lab env' + (f" --state-dir {path.parent}" if path else "") + ')"'
        )
    console.print("Press Ctrl-C to stop.")
