"""Where a webhook may go: http(s) only, to hosts the tenant admin allows, never to internal
addresses (loopback, private, link-local, cloud metadata) unless the admin explicitly allows
private targets. Checked when a URL is registered and again, after DNS, on every delivery;
the connection then goes to the checked address, so DNS cannot swap it in between.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.settings import get_setting

ALLOWED_HOSTS_KEY = "webhooks.allowed_hosts"
ALLOW_PRIVATE_KEY = "webhooks.allow_private"
METADATA = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}


class UnsafeTarget(ValueError):
    """The URL may not receive webhooks; the message says why and what to change."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def parse_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path+query) of an http(s) URL, or UnsafeTarget."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeTarget("only http and https URLs can receive webhooks")
    if not parts.hostname:
        raise UnsafeTarget("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeTarget("put no user name or password in the URL; check the signature instead")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80), path


def allowed_hosts() -> list[str]:
    return [h.lower() for h in get_setting(ALLOWED_HOSTS_KEY, []) or []]


def host_allowed(host: str, patterns: list[str]) -> bool:
    """Whether ``host`` matches an allowed pattern (``example.com``, ``*.example.com``)."""
    return any(fnmatch.fnmatchcase(host, pattern) for pattern in patterns)


def address_forbidden(address: str) -> str:
    """Why ``address`` is internal ("" when it is a public address)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip in METADATA:
        return "a cloud metadata address"
    for check, reason in (
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_private, "a private address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_reserved, "a reserved address"),
    ):
        if check:
            return reason
    return ""


def check_registration(url: str) -> str:
    """Validate a URL an admin registers; returns it normalised or raises UnsafeTarget."""
    scheme, host, _port, _path = parse_url(url)
    if not host_allowed(host, allowed_hosts()):
        raise UnsafeTarget(f"host {host!r} is not in the allowed webhook hosts; an admin adds it first")
    if METADATA & _literal(host):
        raise UnsafeTarget("cloud metadata addresses can never receive webhooks")
    return url.strip()


def _literal(host: str) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return {ipaddress.ip_address(host.strip("[]"))}
    except ValueError:
        return set()


def resolve(url: str) -> Target:
    """The address a delivery connects to, after every check; UnsafeTarget otherwise."""
    scheme, host, port, path = parse_url(url)
    if not host_allowed(host, allowed_hosts()):
        raise UnsafeTarget(f"host {host!r} is no longer an allowed webhook host")
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnsafeTarget(f"cannot resolve {host!r}: {exc}") from None
    addresses = sorted({info[4][0] for info in infos})
    allow_private = bool(get_setting(ALLOW_PRIVATE_KEY, False))
    for address in addresses:
        reason = address_forbidden(address)
        if reason == "a cloud metadata address" or (reason and not allow_private):
            raise UnsafeTarget(f"{host!r} resolves to {address}, {reason}; webhooks may not go there")
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
