"""Two plugins claiming the same entity key, blueprint name or task name: the one loaded later
(dependency order, then name) is marked broken with the reason, and its dependents with it;
the app and the first one run."""

from __future__ import annotations

import pytest

from tests.conftest import NOTES

CLASH = "tests.plugins.clash"


@pytest.mark.xietong_plugins(NOTES, f"{CLASH}:entity", f"{CLASH}:blueprint", f"{CLASH}:task",
                             f"{CLASH}:follower")
def test_clashing_contributions_break_only_the_later_plugin(kernel, client, tenant):
    reasons = {name: kernel.plugins[name].reason for name in
               ("stray_entity", "stray_blueprint", "stray_task", "stray_follower")}
    assert reasons["stray_entity"] == "entity type 'note' is already declared by notes"
    assert reasons["stray_blueprint"] == "blueprint name 'notes' is already taken by notes"
    assert reasons["stray_task"] == "task 'notes.add' is already declared by notes"
    assert reasons["stray_follower"] == "depends on broken plugin stray_blueprint"
    assert kernel.healthy() == ["core", "notes"]

    # what the broken plugins gave before their clash was noticed is forgotten
    assert kernel.entity_types["note"].plugin == "notes"
    assert "clash_thing" not in kernel.entity_types
    assert kernel.tasks["notes.add"][0] == "notes"
    # the follower's blueprint was mounted before it went down with its dependency: 404 now
    assert client.get(f"/t/{tenant}/follower/").status_code in (401, 302, 404)
    assert client.get(f"/t/{tenant}/follower/").status_code != 200
    assert client.get(f"/t/{tenant}/clash/").status_code == 404
