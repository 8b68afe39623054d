"""Microsoft 365 Directory Integration: OAuth consent, import, export, attribute and password
sync, suspension — JumpCloud as a Microsoft Graph client over HTTPS (DESIGN.md §1)."""

from __future__ import annotations

from .integration import M365Integration


def attach(system) -> M365Integration:
    """The JumpCloud system's extension hook (see ``simulators/jumpcloud/system.py``)."""
    return M365Integration(system)


__all__ = ["M365Integration", "attach"]
