"""The admin console pages (``routes.bp``) and their rules (``rules``)."""
