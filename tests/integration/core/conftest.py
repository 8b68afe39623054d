from __future__ import annotations

import pytest

from harness.lab import Lab, LabOptions
from simulators.core.httpclient import lab_session

from .labsystems import RelaySystem


@pytest.fixture(scope="module")
def relay_lab(tmp_path_factory):
    """A lab serving only the test relay system (login, sso, graph hosts) on free ports."""
    options = LabOptions(
        state_dir=tmp_path_factory.mktemp("relay"),
        port_base=0,
        systems=("relay", "dashboard"),
        system_classes={"relay": RelaySystem},
        default_world=False,
    )
    lab = Lab(options).start()
    yield lab
    lab.stop()


@pytest.fixture
def admin(relay_lab):
    session = lab_session(relay_lab.ctx.ca_file)
    session.headers["Authorization"] = f"Bearer {relay_lab.ctx.admin_token}"
    return session
