"""One password or IAM token shared by every prober of a drill, refreshed before it expires."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from proxyctl.tokens import TOKEN_LIFETIME_SECONDS


class TokenCache:
    """One password or IAM token for every prober, made anew after `refresh_after` (a
    fraction) of its lifetime, so that no connection is attempted with an expiring one."""

    def __init__(
        self,
        make_token: Callable[[], str],
        lifetime: float = TOKEN_LIFETIME_SECONDS,
        refresh_after: float = 0.8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < refresh_after <= 1:
            raise ValueError("refresh_after is a fraction of the lifetime, in (0, 1]")
        self._make = make_token
        self._max_age = lifetime * refresh_after
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._made = 0.0

    def __call__(self) -> str:
        with self._lock:  # one refresh at a time; the others wait for its token
            now = self._clock()
            if self._token is None or now - self._made >= self._max_age:
                self._token = self._make()
                self._made = now  # taken before signing: the token ages from then at the latest
            return self._token

    def renew(self) -> str:
        """A new token now, kept for the next callers: a shell signs anew at every connect."""
        with self._lock:
            now = self._clock()
            self._token = self._make()
            self._made = now
            return self._token
