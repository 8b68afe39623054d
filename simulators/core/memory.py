"""Keep a long-running lab's memory bounded where the C allocator would otherwise let it grow."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)
ARENAS = 2


@functools.cache
def limit_malloc_arenas() -> bool:
    """Cap glibc's malloc arenas at ``ARENAS`` for this process; False where not glibc.

    glibc gives each busy thread an arena of its own (up to 8 per core) and keeps what is freed
    in it. A host's worker threads take turns allocating journal bodies and replies, so the
    memory freed when the journal drops old entries sat in other threads' arenas: RSS kept
    rising after the journal reached its cap.
    """
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    return bool(mallopt(M_ARENA_MAX, ARENAS))
