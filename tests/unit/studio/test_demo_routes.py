"""The demo's routes on a bare Flask app: the page without script, Next as a form, the JSON."""

from __future__ import annotations

import threading

from flask import Flask

from harness.studio import demo
from harness.studio.demo import Phase, controller_for


class Journal:
    """A dashboard with an empty journal."""

    def collect(self, trace: str | None) -> tuple[list[dict], list[str]]:
        return [], []


def app_with_waiting_step():
    system = Journal()
    app = Flask(__name__)
    demo.register(app, system)
    controller = controller_for(system)
    controller.start("Narrated", 2, pause=True)
    runner = threading.Thread(
        target=controller.before_step, args=(1, "signin.microsoft", "Alice <signs in>")
    )
    runner.start()
    assert controller.wait_for(Phase.WAITING, 1, timeout=5)
    return app.test_client(), controller, runner


def test_idle_page_says_how_to_start():
    app = Flask(__name__)
    demo.register(app, Journal())
    page = app.test_client().get("/demo").get_data(as_text=True)
    assert "data-phase='idle'" in page and "m365lab demo SCENARIO" in page
    assert app.test_client().get("/api/demo").get_json()["phase"] == "idle"


def test_page_shows_step_and_escaped_narration_and_next_releases_it():
    client, controller, runner = app_with_waiting_step()
    page = client.get("/demo").get_data(as_text=True)
    assert "Step 1 of 2: <code>signin.microsoft</code>" in page
    assert "<p id='demo-say' class='say'>Alice &lt;signs in&gt;</p>" in page
    assert "<form id='demo-next' method='post' action='/demo/next'>" in page
    state = client.get("/api/demo").get_json()
    assert (state["phase"], state["say"], state["journey"]) == ("waiting", "Alice <signs in>", None)
    reply = client.post("/demo/next", data={"step": "1"})
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/demo")
    runner.join(5)
    assert controller.state.phase is Phase.RUNNING and controller.state.advanced_by == "dashboard"


def test_next_from_another_origin_is_refused():
    client, controller, runner = app_with_waiting_step()
    reply = client.post("/demo/next", data={"step": "1"}, headers={"Origin": "https://evil.test"})
    assert reply.status_code == 403
    assert controller.state.phase is Phase.WAITING
    reply = client.post("/demo/next", data={"step": "1"}, headers={"Origin": "http://localhost"})
    assert reply.status_code == 303
    runner.join(5)
    assert not runner.is_alive()
