"""The user agent's cookie store follows RFC 6265 as browsers apply it."""

from __future__ import annotations

import time

from harness.clients.cookies import CookieJar, default_path, parse_set_cookie, path_match


def jar_with(host: str, path: str, *headers: str) -> CookieJar:
    jar = CookieJar()
    jar.receive(host, path, list(headers))
    return jar


def test_host_only_cookie_goes_back_to_its_host_only():
    jar = jar_with("login.example.test", "/", "s=1; Path=/; Secure; HttpOnly")
    assert jar.header("login.example.test", "/x", secure=True) == "s=1"
    assert jar.header("sub.login.example.test", "/x", secure=True) is None
    assert jar.header("example.test", "/x", secure=True) is None


def test_domain_cookie_reaches_subdomains_but_never_another_site():
    jar = jar_with("login.example.test", "/", "d=1; Domain=.example.test; Path=/")
    assert jar.header("portal.example.test", "/", secure=True) == "d=1"
    rejected = jar_with("login.example.test", "/", "x=1; Domain=other.test")
    assert len(rejected) == 0


def test_ip_hosts_share_cookies_across_ports_as_browsers_do():
    jar = jar_with("127.0.0.1", "/", "a=1; Path=/")
    assert jar.header("127.0.0.1", "/", secure=True) == "a=1"
    assert len(jar_with("127.0.0.1", "/", "b=1; Domain=0.0.1")) == 0


def test_secure_cookies_stay_off_plain_http():
    jar = jar_with("h.test", "/", "s=1; Secure")
    assert jar.header("h.test", "/", secure=False) is None


def test_paths_default_match_and_order_longest_first():
    assert (
        default_path("/a/b/c") == "/a/b" and default_path("/a") == "/" and default_path("") == "/"
    )
    assert path_match("/a/b", "/a") and path_match("/a/", "/a/") and not path_match("/ab", "/a")
    jar = jar_with("h.test", "/app/page", "short=1; Path=/", "long=2; Path=/app")
    assert jar.header("h.test", "/app/x", secure=True) == "long=2; short=1"
    assert jar.header("h.test", "/other", secure=True) == "short=1"


def test_max_age_wins_over_expires_and_a_past_date_deletes():
    jar = jar_with("h.test", "/", "k=1; Path=/")
    jar.receive("h.test", "/", ["k=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"])
    assert jar.header("h.test", "/", secure=True) is None
    jar.receive("h.test", "/", ["m=1; Max-Age=3600; Expires=Thu, 01 Jan 1970 00:00:00 GMT"])
    assert jar.header("h.test", "/", secure=True) == "m=1"
    jar.receive("h.test", "/", ["m=1; Max-Age=0"])
    assert len(jar) == 0


def test_expiry_is_checked_when_sending():
    now = time.time()
    cookie = parse_set_cookie("t=1; Max-Age=1", "h.test", "/", now - 5)
    assert cookie is not None and cookie.expired(now)


def test_malformed_headers_are_ignored_not_fatal():
    jar = jar_with("h.test", "/", "novalue", "=empty", "ok=1; Expires=garbage; Max-Age=soon")
    assert jar.as_dict() == {"ok": "1"}


def test_replacing_a_cookie_keeps_its_place_and_clear_is_selective():
    jar = jar_with("h.test", "/", "a=1", "b=2")
    jar.receive("h.test", "/", ["a=3"])
    assert jar.header("h.test", "/", secure=True) == "a=3; b=2"
    jar.clear("h.test", "/", "a")
    assert jar.as_dict() == {"b": "2"}
    jar.clear()
    assert len(jar) == 0
