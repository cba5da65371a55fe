"""The network graph in real headless Chromium: it draws, a click expands a node one hop, a
double-click opens the customer; in the record tab it runs inside its frame."""

from __future__ import annotations

import pytest

from plugins.customers import relations
from plugins.customers.models import Customer

pytestmark = [pytest.mark.xietong_plugins("plugins.customers:plugin"), pytest.mark.browser]
PASSWORD = "correct horse battery"


NODES_JS = "el => Object.keys(el.xtGraph ? el.xtGraph.nodes : {}).length"
POSITION_JS = """(el, id) => {
  const chart = el.xtGraph.chart;
  const data = chart.getModel().getSeriesByIndex(0).getData();
  for (let i = 0; i < data.count(); i++) {
    if (Number(data.getId(i)) === id) {
      const layout = data.getItemLayout(i);
      const point = chart.convertToPixel({seriesIndex: 0}, layout);
      const box = el.getBoundingClientRect();
      return [box.left + point[0], box.top + point[1]];
    }
  }
  return null;
}"""


def test_graph_draws_expands_and_opens(kernel, tenant, live_server, chromium):
    from core.identity.services import create_user

    with kernel.tenant_context(tenant):
        boss = create_user("boss", PASSWORD, role="admin", language="en")
        hub, near, far, farther = (
            Customer.create(name=n).id for n in ("Hub Co", "Near Co", "Far Co", "Farther Co")
        )
        for source, target, key in (
            (hub, near, "upstream"),
            (near, far, "friend"),
            (far, farther, "competitor"),
        ):
            relations.add_relation(boss, Customer.get_by_id(source), target, key)
    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{live_server}/t/{tenant}/login")
    page.fill("#f-username", "boss")
    page.fill("#f-password", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server}/t/{tenant}/customers/{hub}/network/graph?depth=1")
    graph = page.locator("[data-network-graph]")
    page.wait_for_function(
        f"document.querySelector('[data-network-graph]').xtGraph && ({NODES_JS})"
        "(document.querySelector('[data-network-graph]')) === 2"
    )
    page.wait_for_timeout(1500)  # let the force layout settle before aiming at a node
    x, y = graph.evaluate(POSITION_JS, near)
    page.mouse.click(x, y)
    page.wait_for_function(f"({NODES_JS})(document.querySelector('[data-network-graph]')) === 3")
    names = graph.evaluate("el => Object.values(el.xtGraph.nodes).map(n => n.name).sort()")
    assert names == ["Far Co", "Hub Co", "Near Co"]

    page.wait_for_timeout(1500)
    x, y = graph.evaluate(POSITION_JS, far)
    with page.expect_navigation():
        page.mouse.dblclick(x, y)
    assert page.url.endswith(f"/customers/{far}")

    page.goto(f"{live_server}/t/{tenant}/customers/{hub}/network/tab")
    frame = page.frame_locator("iframe")
    frame.locator("[data-network-graph]").wait_for()
    page.wait_for_function("""() => {
        const el = document.querySelector('iframe').contentDocument.querySelector('[data-network-graph]');
        return el && el.xtGraph && Object.keys(el.xtGraph.nodes).length === 3;
    }""")  # the tab's frame shows depth 2: Hub, Near, Far
