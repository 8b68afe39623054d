from __future__ import annotations

import pytest

from harness.testkit import build_world, start_lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One in-process lab with both systems for the module."""
    lab = start_lab(tmp_path_factory.mktemp("saml"))
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def world(lab):
    """The standard federated world of the module."""
    return build_world(lab)


@pytest.fixture
def clock(lab):
    """The lab clock, put back to real time after the test."""
    yield lab.clock
    lab.clock.reset()
