"""Desktop widgets: my pipeline, the team funnel, stale deals and quota progress.

Each ``data(kernel, user, settings)`` returns one of the desktop's data kinds (``stats``,
``chart``, ``list``, ``stat``; see docs/desktop.md) and reads only what ``user`` may see.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from core.contrib import Widget
from core.identity.models import utcnow
from core.web.charts import funnel as funnel_chart
from plugins.funnel import quotas as quota_service
from plugins.funnel import reports, stats
from plugins.funnel import stages as stage_service
from plugins.funnel.models import OPEN, Quota
from plugins.funnel.periods import today


def _zh() -> bool:
    locale = get_locale()
    return bool(locale and locale.language == "zh")


def my_pipeline(kernel: Any, user: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """The user's open deals by stage, with the weighted total."""
    open_stages = [s for s in stage_service.stages_of() if s.kind == OPEN]
    cells = stats.totals([user.id], [s.id for s in open_stages])
    items, weighted = [], Decimal(0)
    for stage in open_stages:
        n, cents = cells.get((user.id, stage.id), (0, 0))
        weighted += stats.money(cents * stage.probability // 100)
        if n:
            items.append({"label": f"{stage_service.stage_label(stage, _zh())} ({stage.probability}%)",
                          "value": f"{n} · {stats.money(cents):,}"})
    items.append({"label": _("Weighted pipeline"), "value": f"{weighted:,}"})
    return {"kind": "stats", "items": items}


def team_funnel(kernel: Any, user: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """The funnel of every deal the user's scope reaches (their team, or the company)."""
    data = reports.matrix(user)
    zh = _zh()
    rows = [(f"{(c['name_zh'] if zh and c['name_zh'] else c['name'])} {c['probability']}%", c["deals"])
            for c in data["funnel"] if c["kind"] == OPEN]
    return {"kind": "chart", "option": funnel_chart(rows, title=_("Team funnel")), "height": 260}


def stale_deals(kernel: Any, user: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """Open deals the user can see whose stage has not moved for the tenant's N days."""
    rows = reports.stale_deals(user, limit=int(settings.get("limit", 8)))
    now = utcnow()
    return {
        "kind": "list",
        "items": [{"title": deal.title, "url": url_for("deals_pages.record", record_id=deal.id),
                   "meta": _("%(days)d days", days=(now - deal.stage_changed_at).days),
                   "highlight": True} for deal in rows],
        "empty": _("No stale deals."),
        "more_url": url_for("deals_pages.index", stale="1"),
    }


def quota_progress(kernel: Any, user: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """Progress against the user's current quota: won so far, as a share of the target."""
    day = today()
    quota = (Quota.live().where((Quota.owner == user.id) & (Quota.period_start <= day)
                                & (Quota.period_end >= day)).order_by(Quota.period_end).first())
    if quota is None:
        return {"kind": "stat", "value": "—", "label": _("No quota for today.")}
    progress = quota_service.progress(quota)
    share = (Decimal(progress["attainment"]) * 100).quantize(Decimal("0.1"))
    return {"kind": "stat", "value": f"{Decimal(progress['won']):,}",
            "label": _("won of %(amount)s", amount=f"{quota.amount:,}"), "progress": str(share)}


def widgets() -> list[Widget]:
    deal = ("deal", "read")
    return [
        Widget(key="funnel.my_pipeline", title="My pipeline", title_zh="我的跟单", data=my_pipeline,
               size="small", module="funnel", permission=deal),
        Widget(key="funnel.team_funnel", title="Team funnel", title_zh="团队漏斗", data=team_funnel,
               size="medium", module="funnel", permission=deal),
        Widget(key="funnel.stale_deals", title="Stale deals", title_zh="停滞跟单", data=stale_deals,
               size="medium", module="funnel", permission=deal, settings={"limit": 8}),
        Widget(key="funnel.quota_progress", title="Quota progress", title_zh="目标进度",
               data=quota_progress, size="small", module="funnel", permission=("quota", "read")),
    ]
