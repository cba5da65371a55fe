"""Widget data is cached briefly per user and made stale by the modules' signals."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from core.signals import record_created, record_updated
from plugins.desktop.cache import MemoryBackend, RedisBackend, WidgetCache
from plugins.desktop.tests.conftest import LAB
from plugins.desktop.tests.widgetlab.hooks import calls
from plugins.desktop.tests.widgetlab.models import LabItem
from plugins.desktop.tests.widgetlab.signals import lab_changed

pytestmark = pytest.mark.xietong_plugins(*LAB)
REDIS_URL = os.environ.get("XIETONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def count(user) -> tuple[int, bool]:
    body = user.get(user.api("/widgets/lab.count")).get_json()
    return body["data"]["value"], body["cached"]


def add_item(kernel, tenant: str, name: str, announce: bool = True) -> None:
    with kernel.tenant_context(tenant):
        item = LabItem.create(name=name)
        if announce:
            record_created.send(kernel, tenant=tenant, entity="lab_item", record=item)


def test_second_request_is_served_from_the_cache(app, tenant, person):
    user = person(tenant, "li")
    assert count(user) == (0, False)
    assert count(user) == (0, True)
    with app.app_context():
        assert calls(tenant, "lab.count") == 1


def test_cache_is_per_user(app, tenant, person):
    li, wang = person(tenant, "li"), person(tenant, "wang")
    count(li)
    assert count(wang) == (0, False)
    data = wang.get(wang.api("/widgets/lab.count")).get_json()["data"]
    assert data["label"] == "items for wang"


def test_record_signal_of_the_module_invalidates(kernel, tenant, person):
    user = person(tenant, "li")
    count(user)
    add_item(kernel, tenant, "first")
    assert count(user) == (1, False)
    assert count(user) == (1, True)


def test_change_without_a_signal_waits_for_the_ttl(kernel, tenant, person):
    user = person(tenant, "li")
    count(user)
    add_item(kernel, tenant, "quiet", announce=False)
    assert count(user) == (0, True)  # stale until the TTL passes: signals are the fast path


def test_module_signal_invalidates(kernel, tenant, person):
    user = person(tenant, "li")
    count(user)
    add_item(kernel, tenant, "second", announce=False)
    with kernel.tenant_context(tenant):
        lab_changed.send(kernel, tenant=tenant)
    assert count(user) == (1, False)


def test_other_modules_signals_leave_the_cache_alone(kernel, tenant, person):
    user = person(tenant, "li", role="manager")
    count(user)
    with kernel.tenant_context(tenant):
        record_updated.send(kernel, tenant=tenant, entity="announcement", record=None)
    assert count(user)[1] is True


def test_signal_in_another_tenant_leaves_this_one_cached(kernel, tenant_factory, person):
    first, second = tenant_factory(), tenant_factory()
    user = person(first, "li")
    count(user)
    add_item(kernel, second, "elsewhere")
    assert count(user) == (0, True)


def test_cache_seconds_zero_is_never_cached(tenant, person):
    user = person(tenant, "li")
    first = user.get(user.api("/widgets/lab.fresh")).get_json()
    second = user.get(user.api("/widgets/lab.fresh")).get_json()
    assert (first["cached"], second["cached"]) == (False, False)
    assert second["data"]["value"] == first["data"]["value"] + 1
    assert first["data"]["limit"] == 5  # the widget's settings reach its data function


@pytest.mark.xietong_config(XIETONG_DESKTOP_CACHE_SECONDS=0.3)
def test_entries_expire(kernel, tenant, person):
    user = person(tenant, "li")
    count(user)
    add_item(kernel, tenant, "quiet", announce=False)
    time.sleep(0.5)
    assert count(user) == (1, False)


def test_failures_are_not_cached(app, tenant, person):
    user = person(tenant, "li")
    assert user.get(user.api("/widgets/lab.boom")).status_code == 500
    assert user.get(user.api("/widgets/lab.boom")).status_code == 500


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_backends_share_one_contract(backend):
    store = MemoryBackend() if backend == "memory" else RedisBackend(REDIS_URL)
    cache = WidgetCache(store, prefix=f"test:{uuid.uuid4().hex}:", ttl=30)
    key = cache.key("acme", 7, "lab.count", ["widgetlab", "core"])
    assert cache.get(key) == (False, None)
    cache.set(key, {"value": "1.50", "items": [1, 2]})
    assert cache.get(key) == (True, {"value": "1.50", "items": [1, 2]})
    assert cache.key("acme", 7, "lab.count", ["widgetlab", "core"]) == key
    cache.invalidate("other-tenant", "widgetlab")
    assert cache.key("acme", 7, "lab.count", ["widgetlab", "core"]) == key
    cache.invalidate("acme", "unrelated")
    assert cache.key("acme", 7, "lab.count", ["widgetlab", "core"]) == key
    cache.invalidate("acme", "widgetlab")
    fresh = cache.key("acme", 7, "lab.count", ["widgetlab", "core"])
    assert fresh != key and cache.get(fresh) == (False, None)
    cache.invalidate("acme")  # "*": everything in the tenant
    assert cache.key("acme", 7, "lab.count", ["widgetlab", "core"]) != fresh
    cache.set("short", 1, ttl=0.05)
    time.sleep(0.2)
    assert cache.get("short") == (False, None)


def test_memory_backend_is_bounded():
    store = MemoryBackend(max_entries=3)
    for i in range(5):
        store.set(f"k{i}", str(i), 30)
    assert [store.get(f"k{i}") for i in range(5)] == [None, None, "2", "3", "4"]


@pytest.mark.xietong_config(XIETONG_REDIS_URL=REDIS_URL)
def test_redis_cache_is_shared_by_two_apps(kernel, tenant, person, make_desktop_app):
    user = person(tenant, "li")
    count(user)
    other = make_desktop_app()  # another process on the same installation
    other_client = other.test_client()
    headers = {"Authorization": f"Bearer {user.token}"}
    body = other_client.get(f"/t/{tenant}/api/v1/desktop/widgets/lab.count", headers=headers).get_json()
    assert body["cached"] is True
    add_item(kernel, tenant, "seen everywhere")
    body = other_client.get(f"/t/{tenant}/api/v1/desktop/widgets/lab.count", headers=headers).get_json()
    assert (body["data"]["value"], body["cached"]) == (1, False)
