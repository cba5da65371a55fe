"""The task queue: tasks run inside their tenant; periodic tasks per enabled tenant; Redis."""

from __future__ import annotations

import datetime as dt

import pytest
import redis
from huey import RedisHuey, SqliteHuey

from tests.conftest import NOTES, PULSE, REDIS_URL
from tests.plugins.notes.models import Note, NoteTick

pytestmark = pytest.mark.xietong_plugins(NOTES, PULSE)


def _titles(kernel, slug: str) -> list[str]:
    with kernel.tenant_context(slug):
        return [n.title for n in Note.select().order_by(Note.id)]


def _ticks(kernel, slug: str) -> list[str]:
    with kernel.tenant_context(slug):
        return [t.tenant for t in NoteTick.select()]


def test_hook_crm_tasks_run_later_inside_their_own_tenant(app, kernel, tenant_factory):
    queue = app.extensions["xietong.queue"]
    assert isinstance(queue.huey, SqliteHuey)
    assert queue.huey.storage.filename.startswith(kernel.config["XIETONG_DATA"])
    first, second = tenant_factory(), tenant_factory()

    kernel.enqueue("notes.add", tenant=first, title="from the queue")
    kernel.enqueue("notes.add", tenant=second, title="for the second")
    assert queue.huey.pending_count() == 2
    assert "from the queue" not in _titles(kernel, first)  # nothing runs before a worker does

    assert queue.run_pending() == 2

    assert _titles(kernel, first) == ["Welcome to notes", "from the queue"]
    assert _titles(kernel, second) == ["Welcome to notes", "for the second"]
    with kernel.tenant_context(first):
        assert Note.get(Note.title == "from the queue").body == f"queued in {first}"
    assert queue.run_pending() == 0


def test_task_of_a_module_the_tenant_disabled_is_skipped(app, kernel, tenant_factory):
    slug = tenant_factory()
    kernel.enqueue("notes.add", tenant=slug, title="too late")
    kernel.disable_modules(slug, ["notes"])
    assert app.extensions["xietong.queue"].run_pending() == 1
    assert "too late" not in _titles(kernel, slug)


def test_unknown_task_is_refused(kernel, tenant):
    with pytest.raises(KeyError, match="unknown task 'notes.nope'"):
        kernel.enqueue("notes.nope", tenant=tenant)


def test_hook_crm_periodic_tasks_run_per_enabled_tenant_failures_stay_local(app, kernel, tenant_factory):
    tenant_factory("a-ok")
    tenant_factory("b-off")
    tenant_factory("c-boom")
    tenant_factory("d-ok")
    tenant_factory("e-never", modules=["pulse"])
    kernel.disable_modules("b-off", ["notes"])
    with kernel.tenant_context("c-boom"):
        Note.create(title="explode")
    assert [(p, t.name) for p, t in kernel.periodic_tasks] == [("notes", "notes.tick")]

    queue = app.extensions["xietong.queue"]
    due = queue.huey.read_periodic(dt.datetime.now())  # what the consumer's scheduler does
    assert [task.name for task in due] == ["periodic.notes.tick"]
    outcome = queue.huey.execute(due[0])

    assert outcome == {
        "a-ok": "ok", "c-boom": "failed: tick refused in c-boom: a note says explode", "d-ok": "ok",
    }
    assert _ticks(kernel, "a-ok") == ["a-ok"]
    assert _ticks(kernel, "d-ok") == ["d-ok"]  # the tenant after the failing one still ran
    assert _ticks(kernel, "b-off") == [] and _ticks(kernel, "c-boom") == []
    with kernel.tenant_context("e-never") as runtime:
        assert "notes_tick" not in runtime.database.get_tables()


@pytest.mark.xietong_config(XIETONG_REDIS_URL=REDIS_URL)
def test_redis_queue(app, kernel, tenant_factory):
    queue = app.extensions["xietong.queue"]
    assert isinstance(queue.huey, RedisHuey)
    assert queue.huey.name == kernel.config["XIETONG_QUEUE_NAME"] != "xietong"
    server = redis.Redis.from_url(REDIS_URL)
    try:
        first, second = tenant_factory(), tenant_factory()
        kernel.enqueue("notes.add", tenant=first, title="via redis")
        kernel.enqueue("notes.add", tenant=second, title="also via redis")
        assert queue.huey.pending_count() == 2
        assert server.llen(queue.huey.storage.queue_key) == 2  # really in Redis, under our own key
        assert queue.run_pending() == 2
        assert _titles(kernel, first)[-1] == "via redis"
        assert _titles(kernel, second)[-1] == "also via redis"
        assert server.llen(queue.huey.storage.queue_key) == 0
    finally:
        queue.huey.storage.flush_all()  # only this queue's keys
        server.close()
