"""The malloc arena cap is applied on glibc and harmless elsewhere."""

from __future__ import annotations

import platform

import pytest

from simulators.core.memory import limit_malloc_arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_the_arena_cap_is_accepted_on_glibc():
    assert limit_malloc_arenas() is True


def test_asking_again_does_nothing_new():
    assert limit_malloc_arenas() == limit_malloc_arenas()
