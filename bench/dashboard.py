"""Dashboard figures: the server time of the journey view over a full journal.

A default-world lab (in this process) fills its journal to 20,000 entries with real sign-ins of
its people, several browsers at once, none sending ``X-Lab-Trace`` (alice federated, nora not
bound, carol suspended, dave with TOTP, bob managed); one of them is dave mistyping his JumpCloud
password and his code first (a sign-in of about 20 exchanges). Then it times what a journey
page does on the server: group the whole journal into journeys, find that sign-in, draw its
sequence diagram, decode every message of its exchanges and explain its outcome, once with the
per-entry caches cold and once warm (as a live dashboard has them: it has seen all but the
newest sign-in before).

Target: median ≤ 100 ms.

Then the live feed: a fresh lab, a listener on the dashboard's ``/events`` as a browser keeps
it open, alice signing in ``--signins`` times; for every exchange of those sign-ins, the time
from the journal recording it (``wall_time``) to its event arriving. Target: median ≤ 300 ms.

    python bench/dashboard.py [--entries 20000] [--runs 15] [--workers 4] [--signins 20]
                              [--only view|live]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyotp

from harness.clients.useragent import UserAgent
from harness.drivers.flows import Credentials, Journey, sign_in_microsoft
from harness.drivers.http import HttpDriver
from harness.lab import Lab, LabOptions
from harness.studio import journeys as journeys_module
from harness.studio.diagram import sequence_svg
from harness.studio.journeys import Journey as StudioJourney
from harness.studio.journeys import group_journeys
from harness.studio.messages import decode_exchange
from simulators.core.explanations import explain
from simulators.core.httpclient import lab_session
from simulators.core.journal import TRACE_HEADER

PEOPLE = ("alice", "nora", "carol", "dave", "bob")
TARGET_MS = 100.0
LIVE_TARGET_MS = 300.0
SIGNIN_HOSTS = {"portal", "login", "console", "sso"}


def start_lab(state_dir: Path) -> Lab:
    return Lab(LabOptions(state_dir=state_dir, port_base=0)).start()


def _person(lab: Lab, name: str) -> dict:
    return next(p for p in lab.descriptor()["people"] if p["upn"].startswith(name + "@"))


def _totp(lab: Lab) -> Callable[[str, str], str]:
    return lambda secret, _host: pyotp.TOTP(secret).at(lab.ctx.clock.now())


def browser_signin(lab: Lab, name: str) -> str:
    """One sign-in at the portal by a browser-like agent (no trace header); its outcome."""
    person = _person(lab, name)
    driver = HttpDriver(str(lab.ctx.ca_file))
    driver.agent.headers.pop(TRACE_HEADER)
    creds = Credentials(
        username=person["upn"],
        password=person["password"],
        jumpcloud_username=person["jumpcloud_username"],
        jumpcloud_password=person["password"],
        totp_secret=person.get("totp_secret"),
    )
    try:
        return sign_in_microsoft(Journey(driver, lab.ctx.url, _totp(lab), creds)).outcome
    finally:
        driver.close()


def clumsy_dave(lab: Lab) -> None:
    """dave mistypes his JumpCloud password twice and his code three times before signing in:
    a sign-in of about 20 exchanges."""
    dave = _person(lab, "dave")
    with UserAgent(str(lab.ctx.ca_file)) as agent:
        agent.headers.pop(TRACE_HEADER)
        home = agent.get(lab.ctx.url("portal") + "/")
        page = agent.get(home.link("signin-link"))
        page = page.form("credentials").fill(loginfmt=dave["upn"]).submit()
        for password in ("wrong", "wrong again", dave["password"]):
            page = page.form("login-form").fill(email=dave["upn"], password=password).submit()
        for _ in range(3):
            page = page.form("mfa-form").fill(otp="000000").submit()
        code = pyotp.TOTP(dave["totp_secret"]).at(lab.ctx.clock.now())
        page = page.form("mfa-form").fill(otp=code).submit()
        if page.page_id != "portal.signedin":
            raise RuntimeError(f"dave's sign-in ended on {page.page_id}")


def fill_journal(lab: Lab, total: int, workers: int) -> list[dict]:
    """Sign people in from ``workers`` browsers at once until ``total`` entries were journaled.

    They are read as they come: the journal itself keeps at most 48 MiB of bodies, about as
    many sign-in entries as a two-process lab's dashboard merges.
    """
    journal = lab.ctx.journal
    stop = threading.Event()
    kept: list[dict] = []

    def browse(offset: int) -> None:
        i = offset
        while not stop.is_set():
            browser_signin(lab, PEOPLE[i % len(PEOPLE)])
            i += 1

    threads = [threading.Thread(target=browse, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    while len(kept) < total - 100:
        time.sleep(0.5)
        kept += journal.query(since=kept[-1]["seq"] if kept else None)
    stop.set()
    for thread in threads:
        thread.join()
    clumsy_dave(lab)
    kept += journal.query(since=kept[-1]["seq"])
    return kept[-total:]


def journey_view(entries: list[dict]) -> tuple[StudioJourney, int]:
    """What a journey page computes: every journey, the chosen one's diagram, its decoded
    messages and its explanation; the journey and the size of what was produced."""
    found = group_journeys(entries)
    journey = max((j for j in found if j.who and j.who.startswith("dave")), key=_last)
    size = len(sequence_svg(journey))
    for exchange in journey.exchanges:
        size += sum(len(m.fields) for m in decode_exchange(exchange))
    if journey.outcome:
        size += len(explain(journey.outcome).cause)
    return journey, size


def _last(journey: StudioJourney) -> float:
    return journey.wall_started


def time_view(entries: list[dict], runs: int, *, cold: bool) -> list[float]:
    """Seconds per journey view. ``cold`` forgets every entry before each run; warm, the first
    run sees the newest sign-in for the first time and each run the oldest entries dropped,
    as a dashboard refreshing a full journal does."""
    step = 20
    samples = []
    if not cold:
        journey_view(entries[:-step])
    for run in range(runs):
        if cold:
            journeys_module.clear_caches()
        seen = entries if cold else entries[step * run :]
        t0 = time.perf_counter()
        journey_view(seen)
        samples.append(time.perf_counter() - t0)
    return samples


def report(entries: list[dict], runs: int) -> dict:
    journey, _ = journey_view(entries)
    cold = time_view(entries, runs, cold=True)
    warm = time_view(entries, runs, cold=False)
    return {
        "entries": len(entries),
        "journeys": len(group_journeys(entries)),
        "exchanges_in_view": len(journey.exchanges),
        "view_title": journey.title,
        "cold_median_ms": round(statistics.median(cold) * 1000, 1),
        "warm_median_ms": round(statistics.median(warm) * 1000, 1),
    }


def collect(total: int, workers: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        lab = start_lab(Path(tmp))
        try:
            return fill_journal(lab, total, workers)
        finally:
            lab.stop()


# -- the live feed ---------------------------------------------------------------------------


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


def live_latency(signins: int) -> list[float]:
    """Seconds from each sign-in exchange being journaled to its event reaching a listener."""
    with tempfile.TemporaryDirectory() as tmp:
        lab = start_lab(Path(tmp))
        try:
            arrivals: list[tuple[float, dict]] = []
            ready = threading.Event()
            threading.Thread(target=_listen, args=(lab, arrivals, ready), daemon=True).start()
            ready.wait(10)
            started = time.time()
            for _ in range(signins):
                if browser_signin(lab, "alice") != "ok":
                    raise RuntimeError("alice's sign-in failed")
            time.sleep(1.0)  # the last events are on their way
        finally:
            lab.stop()
    return sorted(
        received - entry["wall_time"]
        for received, entry in arrivals
        if entry["host"] in SIGNIN_HOSTS and (entry.get("wall_time") or 0) >= started
    )


def print_live(signins: int) -> bool:
    """Measure and print the live feed's latency; whether the median meets its target."""
    samples = live_latency(signins)
    if not samples:
        print("live feed: no events arrived")
        return False
    median = statistics.median(samples) * 1000
    p95 = samples[max(int(len(samples) * 0.95) - 1, 0)] * 1000
    verdict = "ok" if median <= LIVE_TARGET_MS else "over"
    print(
        f"live feed: {len(samples)} sign-in exchanges, median {median:.1f} ms, p95 {p95:.1f} ms, "
        f"max {samples[-1] * 1000:.1f} ms (target median ≤ {LIVE_TARGET_MS:g} ms: {verdict})"
    )
    return median <= LIVE_TARGET_MS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--save", type=Path, help="keep the journal in this JSON file")
    parser.add_argument("--load", type=Path, help="time a journal saved by --save")
    parser.add_argument("--signins", type=int, default=20, help="sign-ins for the live feed")
    parser.add_argument("--only", choices=("view", "live"), help="one of the two figures")
    args = parser.parse_args(argv)
    if args.only == "live":
        return 0 if print_live(args.signins) else 1
    t0 = time.perf_counter()
    entries = (
        json.loads(args.load.read_text()) if args.load else collect(args.entries, args.workers)
    )
    filled = time.perf_counter() - t0
    if args.save:
        args.save.write_text(json.dumps(entries))
    figures = report(entries, args.runs)
    print(f"journal: {figures['entries']} entries from real sign-ins ({filled:.0f} s to fill)")
    print(f"journeys: {figures['journeys']}; view: {figures['view_title']!r}, "
          f"{figures['exchanges_in_view']} exchanges")  # fmt: skip
    for name in ("cold", "warm"):
        value = figures[f"{name}_median_ms"]
        verdict = "ok" if value <= TARGET_MS else "over"
        print(
            f"journey view, cache {name}: median {value} ms (target ≤ {TARGET_MS:g} ms: {verdict})"
        )
    if args.only == "view":
        return 0
    return 0 if print_live(args.signins) else 1


if __name__ == "__main__":
    sys.exit(main())
