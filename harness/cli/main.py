"""The ``m365lab`` command."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import requests
from rich.console import Console
from rich.table import Table

from harness.cli.federate import add_federate_parser, cmd_federate
from harness.cli.report_console import print_lab_table
from harness.cli.run import add_report_parser, add_run_parser, cmd_report, cmd_run
from harness.cli.serving import lab_options, wait_for_signal
from harness.cli.studio import add_studio_parsers
from harness.errors import CliError, DefaultWorldError, DescriptorError, LabError, SplitError
from harness.lab import split
from harness.lab.default_world import rebuild
from harness.lab.descriptor import LabDescriptor, find_descriptor
from harness.lab.lab import Lab
from simulators.core.server import ENGINES, PortInUseError
from simulators.core.topology import HOSTS, SYSTEM_HOSTS

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad option as one line (no usage dump) and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _port_base(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port base {value!r}: not a number") from None
    if port != 0 and not 1 <= port <= 65535 - len(HOSTS):
        raise argparse.ArgumentTypeError(
            f"invalid port base {port}: use 0 (free ports) or 1-{65535 - len(HOSTS)}"
        )
    return port


def _names(value: str) -> dict[str, str]:
    out = {}
    for item in filter(None, value.split(",")):
        host, sep, name = item.partition("=")
        if not sep or host not in HOSTS or not name:
            raise argparse.ArgumentTypeError(
                f"invalid --hostnames item {item!r}: use HOST=NAME with HOST one of "
                f"{', '.join(HOSTS)}"
            )
        out[host] = name
    return out


def _add_lab_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--state-dir",
        type=Path,
        help="keep state here across restarts (default: a fresh temporary directory)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for generated names and ids")
    p.add_argument(
        "--host",
        default=os.environ.get("M365LAB_HOST", "127.0.0.1"),
        help="public host name or IP of every host (default 127.0.0.1)",
    )
    p.add_argument(
        "--port-base",
        type=_port_base,
        default=_port_base(os.environ.get("M365LAB_PORT_BASE", "8443")),
        help="first port; hosts use consecutive ports (0 = pick free ports)",
    )
    p.add_argument(
        "--hostnames",
        type=_names,
        default=_names(os.environ.get("M365LAB_HOSTNAMES", "")),
        help="per-host public names, e.g. login=login.lab,graph=graph.lab",
    )
    p.add_argument(
        "--bind",
        default=os.environ.get("M365LAB_BIND"),
        help="address to listen on (default: --host if it is an IP, else 0.0.0.0)",
    )
    p.add_argument("--server", choices=ENGINES, default="cheroot", help=argparse.SUPPRESS)


def build_parser() -> Parser:
    parser = Parser(prog="m365lab", description="Fake JumpCloud + Entra ID + Graph + M365 lab.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True

    up = sub.add_parser("up", help="start every host and the default world")
    _add_lab_options(up)
    up.add_argument(
        "--no-default-world",
        action="store_true",
        help="start empty (no seeded tenant, organization or people)",
    )
    up.add_argument(
        "--split",
        action="store_true",
        help="serve Microsoft and JumpCloud from processes of their own (uses two cores "
        "under concurrent load; logs in STATE_DIR/logs)",
    )

    serve = sub.add_parser("serve", help="run one system (what each docker-compose service runs)")
    serve.add_argument("system", choices=sorted(SYSTEM_HOSTS))
    _add_lab_options(serve)
    serve.add_argument(
        "--default-world",
        action="store_true",
        help="once every host of the lab answers, build the default world "
        "(docker-compose's dashboard service does)",
    )

    for name, text in (
        ("env", "print the running lab's environment"),
        ("status", "check every host of the running lab"),
        ("reset", "wipe the running lab and rebuild its default world"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--state-dir", type=Path, help="the lab's state directory")
        if name == "env":
            p.add_argument("--json", action="store_true", help="print lab.json itself")

    add_run_parser(sub)
    add_report_parser(sub)
    add_federate_parser(sub)
    add_studio_parsers(sub, _add_lab_options)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {
        "up": cmd_up,
        "serve": cmd_serve,
        "env": cmd_env,
        "status": cmd_status,
        "reset": cmd_reset,
        "run": cmd_run,
        "report": cmd_report,
        "federate": cmd_federate,
    }.get(args.command) or args.handler
    try:
        return handler(args)
    except (CliError, PortInUseError) as exc:
        print(f"m365lab: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _run_until_signal(lab, banner, watch=None) -> int:
    """Serve until SIGINT/SIGTERM; ``watch()`` runs twice a second and may raise to stop."""
    banner()
    try:
        wait_for_signal(watch)
    finally:
        lab.stop()
    print("m365lab: stopped", file=sys.stderr)
    return 0


def _start(args, systems: tuple[str, ...], default_world: bool, publish: bool):
    """Start a lab from CLI options; errors become one-line CliErrors."""
    options = lab_options(
        args,
        systems=systems,
        default_world=default_world,
        remote_default_world=default_world and systems == ("dashboard",),
        publish=publish,
    )
    lab = Lab(options)
    try:
        return lab.start()
    except (LabError, DescriptorError) as exc:
        raise CliError(str(exc)) from exc
    except OSError as exc:
        if isinstance(exc, PortInUseError):
            raise
        raise CliError(f"cannot start the lab: {exc.strerror or exc}") from exc


def cmd_up(args) -> int:
    if args.split:
        return _up_split(args)
    lab = _start(args, ("microsoft", "jumpcloud", "dashboard"), not args.no_default_world, True)
    return _run_until_signal(lab, lambda: _banner(lab))


def _up_split(args) -> int:
    """``up --split``: the systems in child processes, the dashboard and world here."""
    try:
        state_dir, args.port_base, temporary = split.prepare(args)
    except SplitError as exc:
        raise CliError(str(exc)) from exc
    args.state_dir = state_dir
    try:
        children = split.start_system_processes(args, state_dir, args.port_base)
        try:
            lab = _start(args, ("dashboard",), not args.no_default_world, True)

            def banner() -> None:
                _banner(lab)
                logs = state_dir / "logs"
                print(f"Split: microsoft and jumpcloud each run in a process (logs: {logs})")

            return _run_until_signal(lab, banner, children.check_alive)
        finally:
            children.stop()
    except SplitError as exc:
        raise CliError(str(exc)) from exc
    finally:
        if temporary:  # the children are gone: nothing writes here any more
            split.remove_state_dir(state_dir)


def cmd_serve(args) -> int:
    lab = _start(args, (args.system,), args.default_world, False)
    return _run_until_signal(lab, lambda: _banner(lab))


def _banner(lab) -> None:
    """What ``up`` and ``serve`` print: the URLs, the dashboard's sign-in link, the people."""
    print_lab_table(lab.descriptor(), lab.descriptor_path, dashboard_link=_dashboard_link(lab))


def _dashboard_link(lab) -> str | None:
    """The dashboard's one-time sign-in link, when this process serves the dashboard."""
    try:
        return lab.system("dashboard").signin_link()
    except (KeyError, LookupError, AttributeError):
        return None


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
