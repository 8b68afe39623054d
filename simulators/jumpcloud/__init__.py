"""The fake JumpCloud: admin API v1/v2, User Portal, admin console (engines plug in)."""
