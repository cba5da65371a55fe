"""The hello plugin's own tests, written with the fixtures Xietong CRM ships (core.testing).

``@pytest.mark.xietong_plugins`` loads exactly this plugin, so the tests do not depend on what
else is installed; every test that touches a database runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest
from xietong_hello.models import Greeting

from core.migrations import MigrationRecord
from core.web.testing import bearer, login, make_user

pytestmark = pytest.mark.xietong_plugins("xietong_hello:plugin")


@pytest.fixture
def hello_tenant(tenant_factory) -> str:
    """A tenant that has enabled hello."""
    return tenant_factory(modules=["hello"])


@pytest.fixture
def api(kernel, client, hello_tenant):
    """Call the tenant's API as an admin with a bearer token: ``api("GET", "/hello/greetings")``."""
    headers = bearer(kernel, hello_tenant, make_user(kernel, hello_tenant, "api-admin", role="admin"))

    def call(method: str, path: str, **kwargs):
        return client.open(f"/t/{hello_tenant}/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


def test_the_plugin_loads(kernel):
    entry = kernel.plugins["hello"]
    assert entry.ok and entry.version == "1.0.0" and entry.meta.title_zh == "你好"


def test_enabling_creates_the_table_with_its_migration(kernel, hello_tenant, tenant_factory):
    with kernel.tenant_context(hello_tenant) as runtime:
        assert "hello_greeting" in runtime.database.get_tables()
        steps = [r.name for r in MigrationRecord.select().where(MigrationRecord.plugin == "hello")]
        assert steps == ["0001_initial"]
    without = tenant_factory(modules=[])
    with kernel.tenant_context(without) as runtime:
        assert "hello_greeting" not in runtime.database.get_tables()


def test_api_creates_lists_and_reads_greetings(api):
    created = api("POST", "/hello/greetings", json={"message": "你好，世界", "customer_id": 7})
    assert created.status_code == 201
    greeting = created.json
    assert greeting["message"] == "你好，世界" and greeting["customer_id"] == 7
    assert greeting["created_at"].endswith("+00:00")
    assert api("GET", f"/hello/greetings/{greeting['id']}").json == greeting
    assert api("GET", "/hello/greetings").json == {"items": [greeting], "next": None}
    assert api("GET", "/hello/greetings/999").status_code == 404


BAD_GREETINGS = [
    ({"message": ""}, "message"),
    ({"message": "x" * 201}, "message"),
    ({"message": "hi", "customer_id": "7"}, "customer_id"),
    ({"message": "hi", "colour": "red"}, "colour"),
]


def test_api_refuses_bad_greetings(api):
    for body, field in BAD_GREETINGS:
        response = api("POST", "/hello/greetings", json=body)
        assert response.status_code == 422, body
        assert field in response.json["error"]["fields"], body
    malformed = api("POST", "/hello/greetings", data="not json", content_type="application/json")
    assert malformed.status_code == 400
    assert api("GET", "/hello/greetings").json["items"] == []


def test_page_and_customer_tab(kernel, client, hello_tenant):
    with kernel.tenant_context(hello_tenant):
        Greeting.create(message="for everyone")
        Greeting.create(message="for customer 3", customer_id=3)
    login(client, hello_tenant, make_user(kernel, hello_tenant, "ann", role="sales"))
    page = client.get(f"/t/{hello_tenant}/hello/")
    assert page.status_code == 200
    assert "for everyone" in page.text and "2 greeting(s)" in page.text
    tab = client.get(f"/t/{hello_tenant}/hello/customers/3")
    assert tab.status_code == 200
    assert "for customer 3" in tab.text and "for everyone" not in tab.text
    assert "<html" not in tab.text  # a fragment, loaded into the record page


def test_record_tab_widget_and_menu_only_where_enabled(kernel, hello_tenant, tenant_factory):
    without = tenant_factory(modules=[])
    for slug, enabled in ((hello_tenant, True), (without, False)):
        user = make_user(kernel, slug, "ann", role="admin")
        with kernel.tenant_context(slug) as runtime:
            if enabled:
                Greeting.create(message="hi")
            customer = type("Customer", (), {"id": 3})()
            answers = runtime.hooks.crm_record_tabs(kernel=kernel, entity="customer", record=customer,
                                                    user=user)
            tabs = [t for r in answers if r for t in r]
            widgets = [w for r in runtime.hooks.crm_dashboard_widgets(kernel=kernel, user=user) for w in r]
            menu = [m for r in runtime.hooks.crm_menu_items(kernel=kernel, user=user) for m in r]
            assert ("hello" in {t.key for t in tabs}) is enabled
            assert ("hello" in {m.key for m in menu}) is enabled
            latest = [w for w in widgets if w.key == "hello.latest"]
            assert bool(latest) is enabled
            if enabled:
                tab = next(t for t in tabs if t.key == "hello")
                assert (tab.endpoint, tab.endpoint_args) == ("hello.customer_tab", {"customer_id": 3})
                assert latest[0].data(kernel, user, latest[0].settings) == {
                    "kind": "list", "items": [{"title": "hi"}], "empty": "No greetings yet.",
                }


def test_a_tenant_without_the_module_gets_404(kernel, client, hello_tenant, tenant_factory):
    without = tenant_factory(modules=[])
    login(client, without, make_user(kernel, without, "ann", role="admin"))
    assert client.get(f"/t/{without}/hello/").status_code == 404
    assert client.get(f"/t/{without}/api/v1/hello/greetings").status_code == 404
