"""Running the lab: start and stop it in this process (``lab``) or split across processes
(``split``), find and read its descriptor and control plane (``descriptor``), make worlds
(``world``, ``default_world``), federate a domain (``federation``), move its clock (``clock``),
and wait for what it does in the background (``wait``).

Tests import from here: ``Lab``, ``LabOptions``, ``wait_until``, ...; the modules of this package
import each other by their own names, never through this one.
"""

from harness.errors import LabError
from harness.lab.clock import LabClock
from harness.lab.descriptor import LabClient, LabDescriptor, find_descriptor
from harness.lab.lab import SYSTEM_CLASSES, Lab, LabOptions
from harness.lab.wait import WaitTimeout, wait_answering, wait_until
from harness.lab.world import World, create_world

__all__ = [
    "SYSTEM_CLASSES",
    "Lab",
    "LabClient",
    "LabClock",
    "LabDescriptor",
    "LabError",
    "LabOptions",
    "WaitTimeout",
    "World",
    "create_world",
    "find_descriptor",
    "wait_answering",
    "wait_until",
]
