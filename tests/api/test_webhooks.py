"""Webhooks: allowed hosts, the SSRF guard, signed deliveries, retries with backoff, the log."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.api.webhooks import guard, service
from tests.web.conftest import GADGETS, create_gadget, in_tenant, sign_in

pytestmark = pytest.mark.xietong_plugins(GADGETS)


class Receiver:
    """A real HTTP server on loopback that records what it receives and answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def settings(site, hosts, allow_private=False):
    body = {"allowed_hosts": hosts, "allow_private": allow_private}
    response = site.client.put(f"{site.api}/webhooks/settings", json=body, headers=site.headers["admin"])
    assert response.status_code == 200


def register(site, url, events=("gadget.created",)):
    return site.client.post(
        f"{site.api}/webhooks", json={"url": url, "events": list(events)}, headers=site.headers["admin"]
    )


def run_queue(site) -> int:
    return site.app.extensions["xietong.queue"].run_pending()


def deliveries(site, hook_id):
    return site.client.get(f"{site.api}/webhooks/{hook_id}/deliveries", headers=site.headers["admin"]).json[
        "items"
    ]


def test_the_guard_refuses_internal_addresses_and_odd_urls():
    for address in (
        "127.0.0.1",
        "::1",
        "10.1.2.3",
        "192.168.0.9",
        "172.16.5.5",
        "169.254.169.254",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "fe80::1",
        "224.0.0.1",
    ):
        assert guard.address_forbidden(address), address
    assert guard.address_forbidden("93.184.216.34") == ""
    for url in (
        "ftp://example.com/x",
        "file:///etc/passwd",
        "http://user:pw@example.com/",
        "http:///x",
        "http://example.com:99999/",
    ):
        with pytest.raises(guard.UnsafeTarget):
            guard.parse_url(url)
    assert guard.parse_url("https://Example.com/a?b=1") == ("https", "example.com", 443, "/a?b=1")
    assert guard.host_allowed("api.example.com", ["*.example.com"])
    assert not guard.host_allowed("example.com.evil.net", ["example.com", "*.example.com"])


def test_registration_needs_an_allowed_host_a_known_event_and_an_admin(site):
    assert register(site, "https://hooks.example.com/x").status_code == 422  # no host allowed yet
    settings(site, ["hooks.example.com", "169.254.169.254"])
    created = register(site, "https://hooks.example.com/x")
    assert created.status_code == 201 and len(created.json["secret"]) == 64
    assert (
        "secret"
        not in site.client.get(f"{site.api}/webhooks", headers=site.headers["admin"]).json["items"][0]
    )
    for url, events in (
        ("http://169.254.169.254/latest/meta-data", ["gadget.created"]),
        ("gopher://hooks.example.com/", ["gadget.created"]),
        ("https://hooks.example.com/x", ["nope.happened"]),
    ):
        response = register(site, url, events)
        assert response.status_code == 422, url
    sam = site.headers["sales"]
    assert site.client.get(f"{site.api}/webhooks", headers=sam).status_code == 403
    assert (
        site.client.put(
            f"{site.api}/webhooks/settings", json={"allowed_hosts": ["x"]}, headers=sam
        ).status_code
        == 403
    )


def test_loopback_is_refused_at_delivery_unless_explicitly_allowed(site, receiver):
    settings(site, ["127.0.0.1"])
    hook = register(site, receiver.url).json
    create_gadget(site, name="first")
    run_queue(site)
    [log] = deliveries(site, hook["id"])
    assert log["status"] == "failed" and "loopback" in log["error"] and receiver.requests == []


def test_signed_delivery_with_the_record_as_payload(site, receiver):
    settings(site, ["127.0.0.1"], allow_private=True)
    hook = register(site, receiver.url, ["gadget.created", "gadget.deleted"]).json
    item = create_gadget(site, name="Press", amount="99.50")
    site.client.patch(
        f"{site.api}/gadgets/{item['id']}", json={"name": "Press 2"}, headers=site.headers["admin"]
    )
    site.client.delete(f"{site.api}/gadgets/{item['id']}", headers=site.headers["admin"])
    assert run_queue(site) == 2  # created and deleted; updated is not subscribed
    (headers, body), _ = receiver.requests
    expected = hmac.new(
        hook["secret"].encode(), f"{headers['X-Xietong-Timestamp']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Xietong-Signature"] == f"sha256={expected}"
    assert headers["X-Xietong-Event"] == "gadget.created"
    payload = json.loads(body)
    assert (
        payload["tenant"] == site.slug
        and payload["data"]["name"] == "Press"
        and payload["data"]["amount"] == "99.50"
    )
    statuses = [d["status"] for d in deliveries(site, hook["id"])]
    assert statuses == ["success", "success"]


def test_failures_are_retried_with_backoff_then_given_up(site, receiver):
    receiver.status = 500
    settings(site, ["127.0.0.1"], allow_private=True)
    hook = register(site, receiver.url).json
    create_gadget(site, name="Flaky")
    run_queue(site)
    [log] = deliveries(site, hook["id"])
    assert log["status"] == "retrying" and log["attempts"] == 1 and log["error"] == "HTTP 500"
    assert log["next_attempt_at"] > log["last_attempt_at"]
    assert [service.backoff(n) for n in (1, 2, 3)] == [30, 120, 480]
    with in_tenant(site):
        for _ in range(service.MAX_ATTEMPTS - 1):
            status = service.deliver(site.kernel, log["id"])
        assert status == "failed"
    [log] = deliveries(site, hook["id"])
    assert log["attempts"] == service.MAX_ATTEMPTS and log["next_attempt_at"] is None
    assert len(receiver.requests) == service.MAX_ATTEMPTS


def test_a_later_attempt_succeeds_and_ping_reaches_any_webhook(site, receiver):
    receiver.status = 503
    settings(site, ["127.0.0.1"], allow_private=True)
    hook = register(site, receiver.url, ["gadget.updated"]).json
    ping = site.client.post(f"{site.api}/webhooks/{hook['id']}/ping", headers=site.headers["admin"])
    assert ping.status_code == 202
    run_queue(site)
    receiver.status = 204
    with in_tenant(site):
        assert service.deliver(site.kernel, ping.json["id"]) == "success"
    assert json.loads(receiver.requests[-1][1])["event"] == "webhook.ping"


def test_the_admin_pages_show_webhooks_and_their_log_in_both_languages(site, receiver):
    settings(site, ["127.0.0.1"], allow_private=True)
    hook = register(site, receiver.url).json
    create_gadget(site, name="Logged")
    run_queue(site)
    csrf = sign_in(site)
    for lang, word in (("en", "Deliveries"), ("zh_CN", "投递记录")):
        site.client.post(f"{site.web}/language", data={"lang": lang, "csrf_token": csrf})
        page = site.client.get(f"{site.web}/admin/webhooks/{hook['id']}")
        assert page.status_code == 200 and word in page.text and "gadget.created" in page.text
        assert site.client.get(f"{site.web}/admin/webhooks/").status_code == 200
    refused = site.client.post(
        f"{site.web}/admin/webhooks/",
        data={"csrf_token": csrf, "url": "https://elsewhere.example.net/", "events": "gadget.created"},
    )
    assert refused.status_code == 422 and "elsewhere.example.net" in refused.text
    sign_in(site, "sales")
    assert site.client.get(f"{site.web}/admin/webhooks/").status_code == 403
