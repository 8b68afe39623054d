"""A lab for the harness tests: its hosts are served by small page-map stand-ins (no Microsoft or
JumpCloud logic), so these tests exercise the harness itself through the real core: HTTPS, control
plane, journal, clock, faults, worlds, and page flows through both drivers."""

from __future__ import annotations

import pytest

from harness.lab import Lab, LabOptions

from .pagesystems import FlowJumpCloud, FlowMicrosoft


@pytest.fixture(scope="session")
def harness_lab(tmp_path_factory):
    options = LabOptions(
        state_dir=tmp_path_factory.mktemp("harness-lab"),
        port_base=0,
        default_world=False,
        system_classes={"microsoft": FlowMicrosoft, "jumpcloud": FlowJumpCloud},
    )
    lab = Lab(options).start()
    yield lab
    lab.stop()


@pytest.fixture(scope="session")
def lab_json(harness_lab) -> str:
    return str(harness_lab.descriptor_path)
