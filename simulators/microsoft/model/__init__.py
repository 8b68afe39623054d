"""The directory: tenants, domains, users, applications, grants and sign-in state (no Flask)."""
