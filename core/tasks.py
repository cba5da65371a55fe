"""Background work on a real task queue (huey).

Storage: a SQLite file in the data folder by default, Redis when ``XIETONG_REDIS_URL`` is set.
``xietong worker`` runs the consumer. Every task runs inside its tenant's context; periodic
tasks run once per tenant that has the declaring plugin enabled.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab

log = logging.getLogger(__name__)


class TaskQueue:
    """The app's queue: one huey instance, one generic task that dispatches by name."""

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self.huey = self._make_huey(kernel.config)
        kernel.app.extensions["xietong.queue"] = self
        self._run = self.huey.task(retries=3, retry_delay=30, name="xietong.run")(self._execute)

    @staticmethod
    def _make_huey(config: Any):
        # Installations (and test runs) that share one Redis must not share a queue.
        name = config.get("XIETONG_QUEUE_NAME") or "xietong"
        mode = config.get("XIETONG_QUEUE", "auto")
        if mode == "memory":
            return MemoryHuey(name, immediate=False)
        if config.get("XIETONG_REDIS_URL"):
            return RedisHuey(name, url=config["XIETONG_REDIS_URL"])
        path = os.path.join(config["XIETONG_DATA"], "tasks.db")
        os.makedirs(config["XIETONG_DATA"], exist_ok=True)
        return SqliteHuey(name, filename=path)

    def register(self) -> None:
        """Collect the plugins' tasks and periodic tasks (hooks crm_tasks, crm_periodic_tasks)."""
        for plugin, tasks in self.kernel.each_plugin("crm_tasks", kernel=self.kernel):
            clash = next((t.name for t in tasks if t.name in self.kernel.tasks), None)
            if clash:
                owner = self.kernel.tasks[clash][0]
                self.kernel.refuse_plugin(plugin, f"task {clash!r} is already declared by {owner}")
                continue
            for task in tasks:
                self.kernel.tasks[task.name] = (plugin, task)
        for plugin, periodics in self.kernel.each_plugin("crm_periodic_tasks", kernel=self.kernel):
            for periodic in periodics:
                self.kernel.periodic_tasks.append((plugin, periodic))
                self._register_periodic(plugin, periodic)

    def _register_periodic(self, plugin: str, periodic: Any) -> None:
        def run_for_every_tenant() -> dict[str, str]:
            return self.run_periodic(plugin, periodic)

        run_for_every_tenant.__name__ = f"periodic_{periodic.name}".replace(".", "_")
        self.huey.periodic_task(crontab(**periodic.schedule), name=f"periodic.{periodic.name}")(
            run_for_every_tenant
        )

    def run_periodic(self, plugin: str, periodic: Any) -> dict[str, str]:
        """Run a periodic task in each tenant with ``plugin`` enabled; one failure stops none."""
        outcome: dict[str, str] = {}
        for tenant in self.kernel.tenants():
            try:
                with self.kernel.tenant_context(tenant.slug) as runtime:
                    if plugin not in runtime.enabled:
                        continue
                    periodic.func(self.kernel)
                outcome[tenant.slug] = "ok"
            except Exception as exc:  # reported, and the next tenant still runs
                log.exception("periodic task %s failed in tenant %s", periodic.name, tenant.slug)
                outcome[tenant.slug] = f"failed: {exc}"
        return outcome

    def enqueue(self, task_name: str, tenant: str, kwargs: dict[str, Any], delay: float | None = None) -> Any:
        """Queue a declared task; it is retried as its :class:`core.contrib.Task` says."""
        if task_name not in self.kernel.tasks:
            raise KeyError(f"unknown task {task_name!r}; plugins declare tasks with crm_tasks")
        declared = self.kernel.tasks[task_name][1]
        args = (task_name, tenant, kwargs)
        if delay:
            return self._run.schedule(args=args, delay=delay, retries=declared.retries,
                                      retry_delay=declared.retry_delay)
        task = self._run.s(*args)
        task.retries, task.retry_delay = declared.retries, declared.retry_delay
        return self.huey.enqueue(task)

    def _execute(self, task_name: str, tenant: str, kwargs: dict[str, Any]) -> Any:
        plugin, task = self.kernel.tasks[task_name]
        with self.kernel.tenant_context(tenant) as runtime:
            if plugin not in runtime.enabled:
                log.info("task %s skipped: module %s is disabled in %s", task_name, plugin, tenant)
                return None
            return task.func(self.kernel, **kwargs)

    def run_pending(self, limit: int = 100) -> int:
        """Execute queued tasks in this process (tests and ``xietong worker --once``)."""
        count = 0
        while count < limit:
            task = self.huey.dequeue()
            if task is None:
                break
            self.huey.execute(task)
            count += 1
        return count
