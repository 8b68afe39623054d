"""The ``m365lab`` command line: the lab's life (``up``, ``serve``, ``env``, ``status``, ``reset``),
``run`` and ``report merge`` for scenarios, and ``federate``.

``main`` is the console entry point; ``python -m harness.cli`` runs it too.
"""

from harness.cli.main import main

__all__ = ["main"]
