from __future__ import annotations

import pytest

from harness.lab import Lab, LabOptions


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """Both real systems in one in-process lab, on free ports."""
    options = LabOptions(
        state_dir=tmp_path_factory.mktemp("m365"),
        port_base=0,
        systems=("microsoft", "portal", "jumpcloud"),
        default_world=False,
        threads=16,
    )
    lab = Lab(options).start()
    yield lab
    lab.stop()
