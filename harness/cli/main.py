"""The ``m365lab`` command: dispatch to the chosen sub-command; ``up`` and ``serve`` live here."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

from harness.cli.parsers import build_parser
from harness.cli.report_console import print_lab_table
from harness.cli.serving import lab_options, wait_for_signal
from harness.errors import CliError, DescriptorError, LabError, SplitError
from harness.lab import split
from harness.lab.lab import ALL_SYSTEMS, Lab
from simulators.core.server import PortInUseError


def handler_for(spec: str) -> Callable[..., int]:
    """The function a sub-command runs, from its ``"module:function"`` name."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return handler_for(args.handler)(args)
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
    lab = _start(args, ALL_SYSTEMS, not args.no_default_world, True)
    return _run_until_signal(lab, lambda: _banner(lab))


def _up_split(args) -> int:
    """``up --split``: the systems in child processes, the dashboard and world here."""
    auto_ports = not args.port_base
    try:
        state_dir, args.port_base, temporary = split.prepare(args)
    except SplitError as exc:
        raise CliError(str(exc)) from exc
    args.state_dir = state_dir
    try:
        children, lab = _start_split(args, state_dir, attempts=3 if auto_ports else 1)
        try:

            def banner() -> None:
                _banner(lab)
                logs = state_dir / "logs"
                systems = ", ".join(split.SPLIT_SYSTEMS)
                print(f"Split: {systems} each run in a process of their own (logs: {logs})")

            return _run_until_signal(lab, banner, children.check_alive)
        finally:
            children.stop()
    except SplitError as exc:
        raise CliError(str(exc)) from exc
    finally:
        if temporary:  # the children are gone: nothing writes here any more
            split.remove_state_dir(state_dir)


def _start_split(args, state_dir, attempts: int):
    """The system processes, then the dashboard here; with ``--port-base 0`` a port another
    program took in the meantime means a new block of ports, as ``Lab.start`` does."""
    for attempt in range(attempts):
        children = None
        try:
            children = split.start_system_processes(args, state_dir, args.port_base)
            return children, _start(args, ("dashboard",), not args.no_default_world, True)
        except PortInUseError:
            if children is not None:
                children.stop()
            if attempt == attempts - 1:
                raise
            args.port_base = split.free_port_block(args)
        except BaseException:
            if children is not None:
                children.stop()
            raise
    raise AssertionError("unreachable")


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
