"""The bundled scenario suite's wall time, a generated large suite, and one browser sign-in.

    python bench/suite.py [--skip-browser] [--signins N] [--copies N] [--skip-large]

Prints: lab start; the whole of ``scenarios/`` with the http driver serially (target <= 60 s)
and with 2 workers (target <= 40 s); with the browser driver and 2 workers (target <= 6 min);
the median of N federated Microsoft 365 sign-ins (portal -> Entra -> JumpCloud -> SAML -> portal)
in a fresh browser context once Chromium is up (target <= 1 s); the per-scenario overhead of a
trivial scenario (its world made and dropped; target <= 100 ms); and a generated suite (every
bundled scenario --copies times, each copy with fresh worlds, written to a temporary directory
and never committed) run by ``m365lab run -n 1`` and ``-n 2`` as a user runs it, with the
speed-up (target >= 1.6x on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.drivers import release_thread_resources  # noqa: E402
from harness.drivers.browser import chromium_available  # noqa: E402
from harness.lab import Lab, LabOptions  # noqa: E402
from harness.lab.descriptor import LabDescriptor  # noqa: E402
from harness.lab.world import create_world  # noqa: E402
from harness.scenario.context import StepContext  # noqa: E402
from harness.scenario.loader import load_all  # noqa: E402
from harness.scenario.registry import REGISTRY  # noqa: E402
from harness.scenario.runner import Runner, RunOptions  # noqa: E402
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


TRIVIAL = {
    "name": "trivial",
    "world": {"microsoft": {}, "jumpcloud": {}},
    "steps": [{"wait": 0}],
}


def trivial_overhead(descriptor: LabDescriptor, count: int = 30) -> list[float]:
    """Seconds per trivial scenario (world made, one no-op step, world dropped), serially."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trivial.yaml"
        path.write_text(yaml.safe_dump(TRIVIAL))
        scenario = load_all([path])[0]
        runner = Runner(descriptor, RunOptions())
        runner.run(scenario)  # warm-up
        samples = []
        for _ in range(count):
            started = time.perf_counter()
            result = runner.run(scenario)
            samples.append(time.perf_counter() - started)
            assert result.ok, result.failure_message
    return samples


def generate_suite(directory: Path, copies: int) -> int:
    """Every bundled scenario ``copies`` times under ``directory``; the number of files."""
    count = 0
    for source in load_all([ROOT / "scenarios"]):
        text = source.path.read_text(encoding="utf-8")
        for k in range(1, copies + 1):
            name = json.dumps(f"{source.name} (copy {k})")
            copy = re.sub(r"(?m)^name:.*$", lambda _, n=name: f"name: {n}", text, count=1)
            (directory / f"{source.path.stem}_{k:02}.yaml").write_text(copy, encoding="utf-8")
            count += 1
    return count


def run_cli_suite(directory: Path, workers: int, report: Path) -> tuple[float, str]:
    """Wall seconds of ``m365lab run DIRECTORY -n WORKERS`` (its own labs) and its last line."""
    command = [sys.executable, "-m", "harness.cli", "run", str(directory), "-n", str(workers)]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "--report", str(report)], cwd=ROOT, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if " passed, " in line]
    return wall, (lines[-1] if lines else done.stderr.strip()[-300:])


def large_suite(copies: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        suite = Path(tmp) / "suite"
        suite.mkdir()
        count = generate_suite(suite, copies)
        walls = {}
        for workers in (1, 2):
            walls[workers], summary = run_cli_suite(suite, workers, Path(tmp) / f"r{workers}")
            label = f"generated {count}, m365lab run -n {workers}"
            print(f"{label:<34} {walls[workers]:6.1f} s  ({summary.split(' · ')[0]})")
        print(f"speed-up -n 2 over -n 1             {walls[1] / walls[2]:6.2f} x  (target >= 1.6)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--signins", type=int, default=15)
    parser.add_argument("--copies", type=int, default=10, help="copies of each bundled scenario")
    parser.add_argument("--skip-large", action="store_true", help="skip the generated suite")
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
        samples = trivial_overhead(descriptor)
        print(
            f"trivial scenario, median            {statistics.median(samples) * 1000:6.1f} ms"
            f" (target <= 100 ms; n={len(samples)}, world made and dropped)"
        )
    finally:
        lab.stop()
    if not args.skip_large:
        large_suite(args.copies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
