"""Entra's sign-in as a plain state machine (``machine``) that returns outcomes (``outcomes``)."""
