"""Microsoft 365 Directory Integration: JumpCloud as a Microsoft Graph client over HTTPS.

One of the JumpCloud system's extensions (``M365Integration``). What it does and where:

- consent (``routes``, ``oauth``, ``grants``): ``/m365/authorize`` → Entra (auth code + PKCE,
  delegated scopes of ``scopes``) → ``/m365/oauth/callback``; tokens per instance, encrypted,
  refreshed on the lab clock; ``oAuthStatus`` on ``/api/v2/directories``; a lost grant pauses
  sync until Reauthorize, which pushes what waited.
- import (``importer``): the model's import provider (Graph paging passed through) and
  ``POST /api/v2/office365s/{id}/import/users``.
- export and sync (``engine``, ``subscribers``, ``mapping``): model hooks mark (instance, user)
  links; the engine matches by email, creates or overwrites, sets ``onPremisesImmutableId`` (the
  JumpCloud object id), pushes attribute changes and translation rules, takes over passwords
  at User Portal sign-in, disables on suspend/lockout/expiry/unbind/delete (never deletes).
  Settings changes (rules, actions) arrive through the model's ``on_office365_changed`` hook;
  lockouts and expiries that start or end with time alone through ``clockwatch`` (worker pass
  and a lab-clock subscription). Every Graph write is an ``office_365`` event in the org's log
  (Directory Insights: ``simulators/jumpcloud/api/insights.py``).
- resilience (``retry``, ``graphclient``, ``worker``): Retry-After honoured with bounded retries,
  one token refresh on 401, per-user sync status for other errors, an optional propagation
  delay on the lab clock worked off by a background thread.
- ``harness.clients.consent.authorize_with_user_agent`` (outside the simulator) drives the consent
  like an admin's browser.
"""

from __future__ import annotations

from .integration import M365Integration

__all__ = ["M365Integration"]
