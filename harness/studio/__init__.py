"""The trainer studio's core: journal entries grouped into sign-in journeys, drawn, decoded.

- :mod:`harness.studio.journeys`: ``group_journeys(entries)`` → :class:`Journey` objects;
- :mod:`harness.studio.diagram`: ``sequence_svg(journey)``, a server-side sequence diagram;
- :mod:`harness.studio.messages`: the SAML messages and JWTs of an exchange as fields, compared
  with what the other side expected (:class:`Facts`, ``facts_from_lab``);
- the explanation of each error code is ``simulators.core.explanations.explain``.
"""
