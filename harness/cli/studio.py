"""``m365lab demo`` and ``m365lab classroom``: the trainer studio's commands."""

from __future__ import annotations

import argparse
import queue
import sys
import threading
from typing import Any

from harness.cli.report_console import print_lab_table
from harness.cli.serving import interrupt_on_signals, lab_options, wait_for_signal
from harness.dashboard import DashboardSystem
from harness.drivers import release_thread_resources
from harness.drivers.browser import MISSING_MESSAGE, chromium_available
from harness.errors import DefaultWorldError, DescriptorError, LabError
from harness.lab.descriptor import LabDescriptor
from harness.lab.lab import Lab, LabOptions
from harness.scenario.errors import ScenarioLoadError
from harness.scenario.loader import load_all
from harness.scenario.runner import Runner, RunOptions
from harness.studio.classroom import build_seats, classroom_for
from harness.studio.demo import DemoController, controller_for

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _err(message: str) -> None:
    print(f"m365lab: {message}", file=sys.stderr)


def cmd_demo(args: argparse.Namespace) -> int:
    """Run one scenario with the browser driver against a lab of its own, step by step."""
    interrupt_on_signals()
    try:
        if args.scenario.is_dir():
            raise ScenarioLoadError([])  # reported below as "not one file"
        [scenario] = load_all([args.scenario])
    except ScenarioLoadError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        _err(f"demo: {args.scenario} is not one valid scenario file; nothing was run")
        return EXIT_USAGE
    if not chromium_available():
        _err(f"demo: {MISSING_MESSAGE}")
        return EXIT_FAILED
    try:
        lab = Lab(LabOptions(port_base=0, default_world=False)).start()
    except (LabError, OSError) as exc:
        _err(f"demo: cannot start a lab: {exc}")
        return EXIT_FAILED
    try:
        return _demo(lab, scenario, args)
    finally:
        lab.stop()


def _dashboard(lab: Lab) -> DashboardSystem:
    found = lab.system("dashboard")
    if not isinstance(found, DashboardSystem):
        raise TypeError(f"the lab's dashboard is a {type(found).__name__}")
    return found


def _demo(lab: Any, scenario: Any, args: argparse.Namespace) -> int:
    dashboard = _dashboard(lab)
    controller = controller_for(dashboard)
    lines = _read_terminal(controller) if args.pause else None
    print(f"Demo: {scenario.name} ({len(scenario.steps)} steps)")
    print(f"Dashboard: {dashboard.signin_link().replace('/?token=', '/demo?token=')}")
    print(f"Descriptor: {lab.descriptor_path}", flush=True)

    def before_step(step) -> None:
        print(f"Step {step.index}/{len(scenario.steps)}: {step.name}", flush=True)
        if step.say:
            print(f"  {step.say}", flush=True)
        if args.pause:
            print("  Press Enter (or Next on the dashboard) to run it.", flush=True)
        controller.before_step(step.index, step.name, step.say)

    options = RunOptions(
        driver="browser", headed=args.headed, slow_mo=args.slow_mo, before_step=before_step
    )
    controller.start(scenario.name, len(scenario.steps), pause=args.pause)
    try:
        descriptor = LabDescriptor(lab.descriptor_path, lab.descriptor())
        result = Runner(descriptor, options).run(scenario)
    finally:
        controller.close()
        release_thread_resources()  # this thread's Chromium
    controller.finish(result.status)
    print(f"{result.status.upper()}: {scenario.name} ({result.duration:.1f}s)", flush=True)
    if not result.ok:
        print(f"  {result.failure_message}", flush=True)
    if lines is not None:
        print("The lab keeps running for the dashboard: press Enter to stop it.", flush=True)
        _drain(lines)
        lines.get()
    return EXIT_OK if result.ok else EXIT_FAILED


def _read_terminal(controller: DemoController) -> queue.Queue[str | None]:
    """Enter in the terminal lets a waiting step run; other lines (and EOF, as None) are
    queued for whoever waits on the terminal next."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in sys.stdin:
            if controller.advance("terminal").value != "released":
                lines.put(line)
        lines.put(None)

    threading.Thread(target=read, name="demo-terminal", daemon=True).start()
    return lines


def _drain(lines: queue.Queue[str | None]) -> None:
    """Forget Enter presses made while steps ran (they must not stop the lab at once)."""
    while True:
        try:
            if lines.get_nowait() is None:
                lines.put(None)
                return
        except queue.Empty:
            return


def cmd_classroom(args: argparse.Namespace) -> int:
    """Start the lab like ``up``, add one world per seat, serve their handouts until Ctrl-C."""
    options = lab_options(args, publish=True)
    try:
        lab = Lab(options).start()
    except (LabError, DescriptorError, OSError) as exc:
        _err(f"classroom: cannot start the lab: {exc}")
        return EXIT_FAILED
    try:
        print(f"m365lab: building {args.seats} seat world(s)…", file=sys.stderr, flush=True)
        descriptor = lab.descriptor()
        state_dir = lab.descriptor_path.parent if lab.descriptor_path is not None else None
        seats = build_seats(descriptor, args.seats, state_dir)
        dashboard = _dashboard(lab)
        classroom_for(dashboard).set_seats(seats, descriptor["tls"]["server_spki_sha256"])
        _classroom_banner(lab, dashboard.signin_link(), len(seats))
        wait_for_signal()
    except DefaultWorldError as exc:
        _err(f"classroom: cannot build the seats' worlds: {exc}")
        return EXIT_FAILED
    finally:
        lab.stop()
    print("m365lab: stopped", file=sys.stderr)
    return EXIT_OK


def _classroom_banner(lab: Any, link: str, seats: int) -> None:
    print_lab_table(lab.descriptor(), lab.descriptor_path, dashboard_link=link)
    handouts = link.replace("/?token=", "/handouts?token=")
    print(f"Classroom: {seats} seat(s); handouts: {handouts}", flush=True)
