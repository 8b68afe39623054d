"""The trainer dashboard's live feed: time from a sign-in exchange to its server-sent event.

Starts a lab with the default world, listens on the dashboard's ``/events`` as a browser would
(one kept-open HTTPS response), signs alice in ``--signins`` times with the HTTP driver and,
for every exchange of those sign-ins, takes the time from the journal recording it
(``wall_time``) to the event arriving. Prints the median, p95 and max. Target: median <= 300 ms.

    python bench/dashboard.py [--signins 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import pyotp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness.drivers.flows import Credentials, Journey, sign_in_microsoft
from harness.drivers.http import HttpDriver
from harness.lab import Lab, LabOptions
from simulators.core.httpclient import lab_session

LIVE_TARGET_MS = 300.0
SIGNIN_HOSTS = {"portal", "login", "console", "sso"}


def _listen(lab: Lab, arrivals: list[tuple[float, dict]], ready: threading.Event) -> None:
    """Read ``/events`` until the lab stops; note when each exchange event arrives."""
    session = lab_session(lab.ctx.ca_file)
    session.headers["Authorization"] = f"Bearer {lab.ctx.admin_token}"
    with session.get(lab.ctx.url("dashboard") + "/events", stream=True, timeout=60) as reply:
        ready.set()
        event = ""
        for line in reply.iter_lines(chunk_size=1, decode_unicode=True):
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "exchange":
                arrivals.append((time.time(), json.loads(line[6:])))
            if lab.ctx.stopping.is_set():
                return


def _sign_in(lab: Lab, person: dict) -> str:
    creds = Credentials(
        username=person["upn"],
        password=person["password"],
        jumpcloud_username=person["jumpcloud_username"],
        jumpcloud_password=person["password"],
    )
    totp = lambda secret, _host: pyotp.TOTP(secret).now()  # noqa: E731
    journey = Journey(HttpDriver(str(lab.ctx.ca_file)), lab.ctx.url, totp, creds)
    return sign_in_microsoft(journey).outcome


def live_latency(signins: int) -> list[float]:
    """Seconds from each sign-in exchange being journaled to its event reaching a listener."""
    with tempfile.TemporaryDirectory() as state_dir:
        lab = Lab(LabOptions(state_dir=Path(state_dir), port_base=0)).start()
        try:
            alice = next(p for p in lab.descriptor()["people"] if p["upn"].startswith("alice@"))
            arrivals: list[tuple[float, dict]] = []
            ready = threading.Event()
            threading.Thread(target=_listen, args=(lab, arrivals, ready), daemon=True).start()
            ready.wait(10)
            started = time.time()
            for _ in range(signins):
                assert _sign_in(lab, alice) == "ok"
            time.sleep(1.0)  # the last events are on their way
        finally:
            lab.stop()
    return [
        received - entry["wall_time"]
        for received, entry in arrivals
        if entry["host"] in SIGNIN_HOSTS and (entry.get("wall_time") or 0) >= started
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signins", type=int, default=20)
    args = parser.parse_args()
    samples = sorted(live_latency(args.signins))
    if not samples:
        print("no events arrived", file=sys.stderr)
        return 1
    median = statistics.median(samples) * 1000
    p95 = samples[int(len(samples) * 0.95) - 1] * 1000
    print(
        f"live feed: {len(samples)} sign-in exchanges, median {median:.1f} ms, "
        f"p95 {p95:.1f} ms, max {samples[-1] * 1000:.1f} ms (target median <= {LIVE_TARGET_MS:.0f})"
    )
    return 0 if median <= LIVE_TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
