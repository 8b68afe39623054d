"""pytest plugin: scenario YAML files under a ``scenarios`` directory become tests, plus fixtures.

Register it with the ``pytest11`` entry point (or ``-p harness.pytest_plugin``). Options:
``--driver http|browser``, ``--lab lab.json`` (a running lab; default: one in-process lab per
session, i.e. per xdist worker), ``--scenario-steps MODULE``, ``--scenario-artifacts DIR``.
Fixtures: ``lab`` (the lab's descriptor), ``world`` (a fresh world), ``http_user`` (a
:class:`~harness.clients.useragent.UserAgent`), ``browser_user`` (a Playwright page).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.clients.useragent import UserAgent
from harness.drivers.browser import MISSING_MESSAGE, BrowserDriver, chromium_available
from harness.lab.descriptor import LabDescriptor
from harness.lab.lab import Lab, LabOptions
from harness.lab.world import create_world
from harness.report.junit import failure_text
from harness.scenario.errors import ScenarioLoadError, StepDefinitionError
from harness.scenario.loader import SCENARIO_SUFFIXES, load_scenario, steps_modules_for
from harness.scenario.registry import load_steps_module
from harness.scenario.results import ScenarioResult
from harness.scenario.runner import Runner, RunOptions
from simulators.core.journal import new_trace_id

SCENARIOS_DIR = "scenarios"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("m365lab", "m365lab scenarios")
    group.addoption(
        "--driver",
        choices=("http", "browser"),
        default=os.environ.get("M365LAB_DRIVER", "http"),
        help="how scenario users reach the pages (default http)",
    )
    group.addoption("--lab", default=None, help="run against this running lab's lab.json")
    group.addoption(
        "--scenario-steps", action="append", default=[], help="load custom steps (module/file)"
    )
    group.addoption(
        "--scenario-artifacts", default=None, help="directory for screenshots (default: none)"
    )


class LabHandle:
    """The session's lab: started on first use (or read from ``--lab``), stopped at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._lab = None
        self._descriptor = None

    def descriptor(self):
        if self._descriptor is None:
            path = self.config.getoption("--lab")
            if path:
                self._descriptor = LabDescriptor.load(path)
            else:
                self._lab = Lab(LabOptions(port_base=0, default_world=False)).start()
                self._descriptor = LabDescriptor(self._lab.descriptor_path, self._lab.descriptor())
        return self._descriptor

    def stop(self) -> None:
        if self._lab is not None:
            self._lab.stop()
            self._lab = None


_HANDLE = pytest.StashKey[LabHandle]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_HANDLE] = LabHandle(config)
    for module in config.getoption("--scenario-steps") or []:
        load_steps_module(module)


def pytest_unconfigure(config: pytest.Config) -> None:
    handle = config.stash.get(_HANDLE, None)
    if handle is not None:
        handle.stop()


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix in SCENARIO_SUFFIXES and SCENARIOS_DIR in file_path.parent.parts:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    """One scenario file: validated at collection, one item."""

    def collect(self):
        for module in steps_modules_for([self.path], [self.config.rootpath]):
            load_steps_module(module)
        scenario = load_scenario(self.path)
        yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ScenarioLoadError | StepDefinitionError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)


class ScenarioFailed(Exception):
    """A scenario that did not pass; carries its result."""

    def __init__(self, result) -> None:
        super().__init__(result.failure_message)
        self.result = result


class ScenarioItem(pytest.Item):
    """Runs one scenario in its own world and trace."""

    def __init__(self, *, scenario, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.extra_keyword_matches.update(scenario.tags)  # -k matches tags too
        self.result: ScenarioResult | None = None

    def runtest(self) -> None:
        driver = self.config.getoption("--driver")
        if driver == "browser":
            _skip_without_chromium()
        artifacts = self.config.getoption("--scenario-artifacts")
        options = RunOptions(driver=driver, artifacts_dir=Path(artifacts) if artifacts else None)
        runner = Runner(self.config.stash[_HANDLE].descriptor(), options)
        self.result = result = runner.run(self.scenario)
        self.user_properties.append(("trace", result.trace))
        if not result.ok:
            raise ScenarioFailed(result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ScenarioFailed):
            return failure_text(excinfo.value.result)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, 0, f"scenario: {self.name}"


def _skip_without_chromium() -> None:
    if not chromium_available():
        pytest.skip(MISSING_MESSAGE)


# -- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def lab(pytestconfig: pytest.Config):
    """The lab's descriptor (``.url(host)``, ``.ca_bundle``, ``.data``, ``.control()``)."""
    return pytestconfig.stash[_HANDLE].descriptor()


@pytest.fixture
def world(lab) -> Iterator:
    """A fresh, isolated world (deleted afterwards)."""
    client = lab.control()
    created = create_world(client, {})
    yield created
    created.delete()
    client.session.close()


@pytest.fixture
def http_user(lab) -> Iterator:
    """A scripted user agent trusting only the lab CA, with its own trace (``.trace``)."""
    agent = UserAgent(lab.ca_bundle)
    yield agent
    agent.close()


@pytest.fixture
def browser_user(lab) -> Iterator:
    """A Playwright page in Chromium pinned to the lab's key, sending its own trace."""
    _skip_without_chromium()
    driver = BrowserDriver(lab.data["tls"]["server_spki_sha256"], trace=new_trace_id())
    yield driver.page
    driver.close()
