"""The ``m365lab`` command's options: every sub-command's parser, and the handler each runs.

Handlers are named ``"module:function"`` and imported only when chosen, so ``m365lab up`` never
loads what ``run``, ``report`` or ``federate`` need (the scenario loader, the report writers,
requests): its start-up time is mostly imports.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from harness.drivers import DRIVERS
from harness.lab.federation import MFA_BEHAVIORS
from harness.studio.classroom import MAX_SEATS
from simulators.core.server import ENGINES
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


def add_lab_options(p: argparse.ArgumentParser) -> None:
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
    up.set_defaults(handler="harness.cli.main:cmd_up")
    add_lab_options(up)
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
    serve.set_defaults(handler="harness.cli.main:cmd_serve")
    add_lab_options(serve)
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
        p.set_defaults(handler=f"harness.cli.running:cmd_{name}")
        p.add_argument("--state-dir", type=Path, help="the lab's state directory")
        if name == "env":
            p.add_argument("--json", action="store_true", help="print lab.json itself")

    add_run_parser(sub)
    add_report_parser(sub)
    add_federate_parser(sub)
    add_studio_parsers(sub)
    return parser


def add_run_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``run`` to the ``m365lab`` command's subparsers."""
    p = subparsers.add_parser("run", help="run scenario files (YAML) against a lab")
    p.add_argument("paths", nargs="*", default=["scenarios"], help="files or directories")
    p.add_argument(
        "--driver",
        choices=DRIVERS,
        default=os.environ.get("M365LAB_DRIVER", "http"),
        help="how users reach the pages (default http)",
    )
    p.add_argument("-k", dest="keyword", help="only scenarios whose name/file/tags match")
    p.add_argument("--tags", action="append", default=[], help="only scenarios with a tag (T,U)")
    p.add_argument("-n", dest="workers", type=int, default=1, help="scenarios in parallel")
    p.add_argument("--report", type=Path, default=Path("reports"), help="report directory")
    p.add_argument("--lab", type=Path, help="a running lab's lab.json (default: start one)")
    p.add_argument("--keep-world", action="store_true", help="do not delete worlds afterwards")
    p.add_argument("--headed", action="store_true", help="show the browser")
    p.add_argument("--slow-mo", type=_slow_mo, default=0, metavar="MS", help="slow browser actions")
    p.add_argument("--steps", action="append", default=[], help="load custom steps (module/file)")
    p.add_argument("--check", action="store_true", help="validate the files, run nothing")
    p.add_argument(
        "--list", action="store_true", help="print the selected scenarios (file, name), run nothing"
    )
    p.add_argument(
        "--shard",
        metavar="K/N",
        help="run only shard K of N: a deterministic split for N CI machines",
    )
    p.add_argument(
        "--durations",
        type=Path,
        metavar="JUNIT",
        help="with --shard: balance shards by the durations in an earlier run's junit.xml",
    )
    p.set_defaults(handler="harness.cli.run:cmd_run")
    return p


def add_report_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``report merge`` to the ``m365lab`` command's subparsers."""
    p = subparsers.add_parser("report", help="work with run reports (merge shards)")
    sub = p.add_subparsers(dest="report_command", metavar="ACTION", required=True)
    merge = sub.add_parser("merge", help="join the reports of several shards into one")
    merge.add_argument("directories", nargs="+", type=Path, help="report directories of shards")
    merge.add_argument(
        "--out", type=Path, default=Path("reports"), help="where to write (default reports)"
    )
    p.set_defaults(handler="harness.cli.run:cmd_report")
    return p


def add_federate_parser(sub) -> argparse.ArgumentParser:
    """``m365lab federate``: add the sub-command to ``sub`` (an argparse subparsers object)."""
    p = sub.add_parser(
        "federate",
        help="federate a Microsoft 365 domain to a JumpCloud SAML connector (from its metadata)",
    )
    p.add_argument("--state-dir", type=Path, help="the lab's state directory")
    p.add_argument(
        "--metadata-url",
        required=True,
        help="the connector's IdP metadata URL, e.g. {sso}/saml2/<label>/metadata",
    )
    p.add_argument("--tenant-id", help="default: the descriptor's microsoft.tenant_id")
    p.add_argument("--client-id", help="default: the descriptor's microsoft.app.client_id")
    p.add_argument("--client-secret", help="default: the descriptor's microsoft.app.client_secret")
    p.add_argument("--mfa-behavior", choices=MFA_BEHAVIORS, default=MFA_BEHAVIORS[0])
    p.add_argument("--update", action="store_true", help="update an existing federation")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler="harness.cli.federate:cmd_federate")
    return p


def _number_in(
    option: str, convert: Callable[[str], float], low: int, high: int, unit: str = ""
) -> Callable[[str], float]:
    """An argparse type: ``convert(value)`` within ``low``-``high``, else a one-line error."""

    def parse(value: str) -> float:
        try:
            number = convert(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {option} {value!r}: not a number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"invalid {option} {value}: use {low}-{high}{unit}")
        return number

    return parse


_slow_mo = _number_in("--slow-mo", float, 0, 60_000, " milliseconds")
_seats = _number_in("--seats", int, 1, MAX_SEATS)


def add_studio_parsers(subparsers: Any) -> None:
    """Add ``demo`` and ``classroom`` to the ``m365lab`` command's subparsers; the classroom
    takes ``up``'s lab options."""
    demo = subparsers.add_parser("demo", help="step through one scenario in a browser, narrated")
    demo.add_argument("scenario", type=Path, help="one scenario file (YAML)")
    demo.add_argument("--headed", action="store_true", help="show the browser")
    demo.add_argument(
        "--slow-mo", type=_slow_mo, default=0, metavar="MS", help="slow each browser action"
    )
    demo.add_argument(
        "--pause",
        action="store_true",
        help="wait before each step until Enter here or Next on the dashboard's /demo page",
    )
    demo.set_defaults(handler="harness.cli.studio:cmd_demo")

    room = subparsers.add_parser("classroom", help="start the lab with one world per seat")
    room.add_argument("--seats", type=_seats, required=True, help=f"seats (1-{MAX_SEATS})")
    add_lab_options(room)
    room.set_defaults(handler="harness.cli.studio:cmd_classroom")
