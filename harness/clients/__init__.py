"""Clients of the lab that act as a person would: the HTTP user agent (``useragent``), its
cookie store (``cookies``) and the admin-consent flow driven through it (``consent``)."""
