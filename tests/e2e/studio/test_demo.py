"""``m365lab demo --pause``: each step waits for Next on the dashboard or Enter in the terminal,
and the dashboard's demo page shows the step and its narration."""

from __future__ import annotations

import textwrap

from .conftest import NEEDS_CHROMIUM, SCREENSHOTS, lab_of

pytestmark = [NEEDS_CHROMIUM]

SCENARIO = """
name: Narrated demo
vars: {who: Alice}
steps:
  - value: 1
    say: ${vars.who} opens the portal.
  - value: 2
    say: "Entra sends her to JumpCloud: the domain is federated."
  - page.open: {host: dashboard, path: /api/demo, auth: admin}
"""


def test_pause_waits_for_next_on_the_dashboard_and_enter_in_the_terminal(
    command, chromium, tmp_path
):
    scenario = tmp_path / "narrated.yaml"
    scenario.write_text(textwrap.dedent(SCENARIO).lstrip())
    demo = command("demo", str(scenario), "--pause")
    link = demo.wait_for(r"^Dashboard: (https://\S+/demo\?token=\S+)$").group(1)
    lab = lab_of(demo.wait_for(r"^Descriptor: (.+)$").group(1))
    page = chromium(lab["tls"]["server_spki_sha256"])

    page.goto(link)
    assert page.url.endswith("/demo")  # the one-time token is gone from the address
    assert page.get_attribute("#demo-phase", "data-phase") == "waiting"
    assert page.inner_text("#demo-step") == "Step 1 of 3: value"
    assert page.inner_text("#demo-say") == "Alice opens the portal."
    demo.wait_for(r"^Step 1/3: value$")
    page.screenshot(path=str(SCREENSHOTS / "demo-step-1.png"))

    page.click("#demo-next-button")  # a POST form: works without script
    page.wait_for_selector("#demo-step:has-text('Step 2 of 3')")
    assert page.inner_text("#demo-say") == "Entra sends her to JumpCloud: the domain is federated."
    assert page.get_attribute("#demo-phase", "data-phase") == "waiting"
    demo.wait_for(r"^Step 2/3: value$")
    state = page.evaluate("fetch('/api/demo').then(r => r.json())")
    assert (state["phase"], state["index"], state["advanced_by"]) == ("waiting", 2, "")

    demo.type("\n")  # Enter in the terminal; the page follows by itself (script)
    page.wait_for_selector("#demo-step:has-text('Step 3 of 3')", timeout=10_000)
    demo.wait_for(r"^Step 3/3: page.open$")
    demo.type("\n")
    page.wait_for_selector("#demo-phase[data-phase='finished']", timeout=30_000)
    assert page.inner_text("#demo-status") == "passed"
    demo.wait_for(r"^PASSED: Narrated demo")
    demo.wait_for(r"press Enter to stop")
    demo.type("\n")
    assert demo.process.wait(30) == 0


def test_without_pause_the_demo_runs_through_and_exits(command, tmp_path):
    scenario = tmp_path / "narrated.yaml"
    scenario.write_text(textwrap.dedent(SCENARIO).lstrip())
    demo = command("demo", str(scenario), "--slow-mo", "0")
    demo.wait_for(r"^  Alice opens the portal\.$")
    demo.wait_for(r"^PASSED: Narrated demo")
    assert demo.process.wait(30) == 0


def test_ctrl_c_while_a_step_waits_stops_the_lab_quietly(command, tmp_path):
    """Even when started with SIGINT ignored, as a shell's background job (a CI job) is."""
    scenario = tmp_path / "narrated.yaml"
    scenario.write_text(textwrap.dedent(SCENARIO).lstrip())
    demo = command("demo", str(scenario), "--pause", sigint_ignored=True)
    demo.wait_for(r"^Step 1/3: value$")
    demo.wait_for(r"Press Enter")
    assert demo.stop() == 130
    assert "Traceback" not in demo.output()
