"""The step library. Generic steps: ``flow`` (wait, value), ``clock``, ``faults``, ``http``,
``expect``; system steps: ``jumpcloud`` and ``microsoft`` (admin APIs), ``journeys`` (users
through the drivers). Importing a module registers its steps in ``harness.scenario.REGISTRY``.
"""
