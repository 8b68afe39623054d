"""The bundled scenario suite's wall time, and one browser sign-in.

    python bench/suite.py [--skip-browser] [--signins N]

Prints: lab start; the whole of ``scenarios/`` with the http driver serially (target <= 60 s)
and with 2 workers (target <= 40 s); with the browser driver and 2 workers (target <= 6 min);
the median of N federated Microsoft 365 sign-ins (portal -> Entra -> JumpCloud -> SAML -> portal)
in a fresh browser context once Chromium is up (target <= 1 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.descriptor import LabDescriptor  # noqa: E402
from harness.drivers import release_thread_resources  # noqa: E402
from harness.drivers.browser import chromium_available  # noqa: E402
from harness.lab import Lab, LabOptions  # noqa: E402
from harness.scenario.context import StepContext  # noqa: E402
from harness.scenario.loader import load_all  # noqa: E402
from harness.scenario.registry import REGISTRY  # noqa: E402
from harness.scenario.runner import Runner, RunOptions  # noqa: E402
from harness.world import create_world  # noqa: E402
from simulators.core.journal import new_trace_id  # noqa: E402

PASSWORD = "Bench-Sso-Passw0rd!"


def run_suite(descriptor: LabDescriptor, driver: str, workers: int) -> tuple[float, int, int]:
    """Wall seconds, passed, failed for every scenario under scenarios/."""
    scenarios = load_all([ROOT / "scenarios"])
    runner = Runner(descriptor, RunOptions(driver=driver))
    started = time.perf_counter()
    results = runner.run_all(scenarios, workers=workers)
    wall = time.perf_counter() - started
    failed = [r for r in results if not r.ok]
    for result in failed:
        print(f"    FAILED {result.shown_path}: {result.failure_message}")
    return wall, len(results) - len(failed), len(failed)


def browser_signins(descriptor: LabDescriptor, count: int) -> list[float]:
    """Seconds per federated sign-in, each in a fresh context of one running Chromium."""
    uid = new_trace_id()[:10]
    domain = f"bench-{uid}.test"
    doc = {
        "id": f"w{uid}",
        "microsoft": {"domains": [{"name": domain}]},
        "jumpcloud": {
            "office365": {"domains": [domain], "federated_domain": domain},
            "users": [
                {
                    "username": "ben",
                    "email": f"ben@{domain}",
                    "firstname": "Ben",
                    "lastname": "Bench",
                    "password": PASSWORD,
                },
            ],
            "apps": [{"kind": "office365", "assign_users": ["ben"]}],
            "bindings": ["ben"],
        },
    }
    client = descriptor.control()
    world = create_world(client, doc)
    ctx = StepContext(descriptor, trace=new_trace_id(), world=world, driver_name="browser")

    def run(name: str, **args):
        return REGISTRY.get(name).func(ctx, **args)

    samples = []
    try:
        run("m365.authorize")
        run("federation.federate")
        run("signin.microsoft", username=f"ben@{domain}", password=PASSWORD)  # browser is up
        for _ in range(count):
            run("driver.fresh")
            _ = ctx.driver  # the new context, outside the timing
            started = time.perf_counter()
            run("signin.microsoft", username=f"ben@{domain}", password=PASSWORD)
            samples.append(time.perf_counter() - started)
    finally:
        ctx.close()
        release_thread_resources()
        world.delete()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--signins", type=int, default=15)
    args = parser.parse_args()
    started = time.perf_counter()
    lab = Lab(LabOptions(port_base=0, default_world=False)).start()
    print(f"lab start                          {time.perf_counter() - started:6.1f} s")
    try:
        descriptor = LabDescriptor(lab.descriptor_path, lab.descriptor())
        runs = [("http", 1, 60), ("http", 2, 40)]
        browser = not args.skip_browser and chromium_available()
        if browser:
            runs.append(("browser", 2, 360))
        for driver, workers, target in runs:
            wall, passed, failed = run_suite(descriptor, driver, workers)
            label = f"suite, {driver} driver, -n {workers}"
            print(
                f"{label:<34} {wall:6.1f} s  (target <= {target} s; "
                f"{passed} passed, {failed} failed)"
            )
        if browser:
            samples = browser_signins(descriptor, args.signins)
            print(
                f"browser sign-in (federated), median {statistics.median(samples):6.2f} s  "
                f"(target <= 1 s; n={len(samples)}, min {min(samples):.2f}, "
                f"max {max(samples):.2f})"
            )
        else:
            print("browser runs skipped (no Chromium, or --skip-browser)")
    finally:
        lab.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
