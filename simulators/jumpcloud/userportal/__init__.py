"""The User Portal (``/userconsole``): its pages (``routes.bp``) and their rules (``rules``)."""
