"""Widget data, cached briefly per user, invalidated by the modules' signals.

A cached value's key holds the *generations* of the modules the widget reads (its own module,
every module it depends on, ``core``, and ``*`` for changes of unknown origin). A signal from a
module bumps that module's generation in that tenant, so every widget reading it misses its
cache on the next request; nothing has to be found and deleted. Entries also expire after a
short TTL, which bounds staleness from changes no signal announces.

In-process memory by default (per worker process; with several processes a change is seen by
the others within the TTL). With ``XIETONG_REDIS_URL`` set, values and generations live in
Redis and every process sees an invalidation at once.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from typing import Any

DEFAULT_TTL = 30.0
MAX_ENTRIES = 20_000
ANY_MODULE = "*"


class MemoryBackend:
    """A bounded, thread-safe LRU with expiry, and a dict of generations."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._values: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._generations: dict[str, int] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._values.get(key)
            if item is None:
                return None
            if item[0] < time.monotonic():
                del self._values[key]
                return None
            self._values.move_to_end(key)
            return item[1]

    def set(self, key: str, value: str, ttl: float) -> None:
        with self._lock:
            self._values[key] = (time.monotonic() + ttl, value)
            self._values.move_to_end(key)
            while len(self._values) > self.max_entries:
                self._values.popitem(last=False)

    def generations(self, keys: list[str]) -> list[int]:
        with self._lock:
            return [self._generations.get(key, 0) for key in keys]

    def bump(self, key: str) -> None:
        with self._lock:
            self._generations[key] = self._generations.get(key, 0) + 1


class RedisBackend:
    """The same interface on Redis: values with SETEX, generations with INCR."""

    def __init__(self, url: str):
        import redis

        self._redis = redis.Redis.from_url(url)

    def get(self, key: str) -> str | None:
        raw = self._redis.get(key)
        return None if raw is None else raw.decode()

    def set(self, key: str, value: str, ttl: float) -> None:
        self._redis.set(key, value, px=max(1, int(ttl * 1000)))

    def generations(self, keys: list[str]) -> list[int]:
        return [int(raw or 0) for raw in self._redis.mget(keys)]

    def bump(self, key: str) -> None:
        self._redis.incr(key)


class WidgetCache:
    """Per-user widget data keyed by tenant, user, widget, language and module generations."""

    def __init__(self, backend: Any, prefix: str, ttl: float = DEFAULT_TTL):
        self.backend = backend
        self.prefix = prefix
        self.ttl = ttl

    def _generation_keys(self, tenant: str, modules: list[str]) -> list[str]:
        return [f"{self.prefix}gen:{tenant}:{module}" for module in modules]

    def key(self, tenant: str, user_id: Any, widget: str, modules: list[str], variant: str = "") -> str:
        """The cache key of one widget's data for one user, at the current generations."""
        names = sorted(set(modules) | {ANY_MODULE})
        generations = self.backend.generations(self._generation_keys(tenant, names))
        stamp = ".".join(str(n) for n in generations)
        return f"{self.prefix}data:{tenant}:{user_id}:{widget}:{variant}:{stamp}"

    def get(self, key: str) -> tuple[bool, Any]:
        raw = self.backend.get(key)
        if raw is None:
            return False, None
        return True, json.loads(raw)

    def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        ttl = self.ttl if ttl is None else ttl
        if ttl > 0:
            self.backend.set(key, json.dumps(value, ensure_ascii=False, default=str), ttl)

    def invalidate(self, tenant: str, module: str = ANY_MODULE) -> None:
        """Make every cached widget reading ``module`` in ``tenant`` stale (``*``: all)."""
        self.backend.bump(self._generation_keys(tenant, [module])[0])


def build_cache(config: Any) -> WidgetCache:
    """The cache an app's configuration asks for (Redis when ``XIETONG_REDIS_URL`` is set).

    The key prefix is derived from the installation (data folder, database, schema prefix) so
    two installations sharing one Redis never read each other's entries.
    """
    ttl = float(config.get("XIETONG_DESKTOP_CACHE_SECONDS", DEFAULT_TTL))
    identity = "|".join(str(config.get(k) or "") for k in (
        "XIETONG_DATA", "XIETONG_DATABASE_URL", "XIETONG_SCHEMA_PREFIX"))
    prefix = "xietong:desktop:" + hashlib.sha1(identity.encode()).hexdigest()[:10] + ":"
    url = config.get("XIETONG_REDIS_URL")
    backend = RedisBackend(url) if url else MemoryBackend()
    return WidgetCache(backend, prefix, ttl)
