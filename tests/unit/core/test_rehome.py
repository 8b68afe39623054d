"""Rewriting stored URLs when the hosts move (pure logic)."""

from __future__ import annotations

from simulators.core.rehome import moves_between, rewrite


def test_only_changed_hosts_move():
    previous = {"login": "https://127.0.0.1:8443", "sso": "https://127.0.0.1:8447"}
    current = {"login": "https://127.0.0.1:9443", "sso": "https://127.0.0.1:8447", "new": "x"}
    assert moves_between(previous, current) == {"https://127.0.0.1:8443": "https://127.0.0.1:9443"}


def test_urls_are_rewritten_with_paths_quotes_and_at_the_end():
    moves = {"https://127.0.0.1:8443": "https://lab.example:443"}
    text = '{"a": "https://127.0.0.1:8443/login.srf", "b": "https://127.0.0.1:8443"}'
    assert rewrite(text, moves) == (
        '{"a": "https://lab.example:443/login.srf", "b": "https://lab.example:443"}'
    )
    assert rewrite("https://127.0.0.1:8443", moves) == "https://lab.example:443"


def test_a_longer_port_is_not_a_match():
    moves = {"https://127.0.0.1:8443": "https://127.0.0.1:9443"}
    assert rewrite("https://127.0.0.1:84430/x", moves) == "https://127.0.0.1:84430/x"


def test_hosts_that_swap_urls_move_once():
    moves = {"https://h:1": "https://h:2", "https://h:2": "https://h:1"}
    assert (
        rewrite('["https://h:1/a", "https://h:2/b"]', moves) == '["https://h:2/a", "https://h:1/b"]'
    )
