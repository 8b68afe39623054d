"""What every command that serves a lab shares: its options from the command line, and
serving until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Callable

from harness.lab.lab import LabOptions


def lab_options(args: argparse.Namespace, **choices: object) -> LabOptions:
    """``LabOptions`` from the lab options every serving command takes, plus ``choices``."""
    return LabOptions(
        state_dir=args.state_dir,
        seed=args.seed,
        host=args.host,
        port_base=args.port_base,
        names=args.hostnames,
        bind=args.bind,
        engine=args.server,
        **choices,  # type: ignore[arg-type]
    )


def wait_for_signal(watch: Callable[[], object] | None = None) -> None:
    """Until SIGINT or SIGTERM; ``watch()`` runs twice a second and may raise to stop."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.5):
        if watch is not None:
            watch()


def interrupt_on_signals() -> None:
    """Ctrl-C and SIGTERM raise KeyboardInterrupt in the main thread, whatever the process
    inherited: a program started in the background by a non-interactive shell (a CI job) has
    SIGINT ignored, and Python then leaves it ignored."""

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, interrupt)
