"""Configuration: defaults, then the environment (CONTRACT.md), then what the caller passes."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    # None: plugins come from the ``crm.plugins`` entry-point group. A list: exactly these
    # (PluginMeta objects or "module:attr" strings) — how tests pick a plugin set.
    "XIETONG_PLUGINS": None,
    # Plugins to skip even if installed (names).
    "XIETONG_DISABLED_PLUGINS": (),
    "XIETONG_DATA": "./instance",
    "XIETONG_DATABASE_URL": None,
    "XIETONG_REDIS_URL": None,
    # PostgreSQL layout: tenant schemas are prefix + slug; control tables in their own schema.
    "XIETONG_SCHEMA_PREFIX": "t_",
    "XIETONG_CONTROL_SCHEMA": "xietong_control",
    # Task queue: "auto" (Redis when XIETONG_REDIS_URL is set, else SQLite) or "memory" (tests).
    "XIETONG_QUEUE": "auto",
    # The queue's name (Redis key prefix): installations sharing one Redis need different names.
    "XIETONG_QUEUE_NAME": "xietong",
    "XIETONG_DEFAULT_TENANT": "default",
    "XIETONG_DEFAULT_LANGUAGE": "zh_CN",
    "XIETONG_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    # Reverse proxies in front of the app that add X-Forwarded-For and X-Forwarded-Proto (0:
    # none, the headers are ignored). Login throttling and the audit log use the client's
    # address; without this, behind a proxy every user has the proxy's.
    "XIETONG_PROXY_HOPS": 0,
}

ENV_KEYS = (
    "XIETONG_DATA", "XIETONG_DATABASE_URL", "XIETONG_REDIS_URL", "XIETONG_SECRET_KEY",
    # Several installations sharing one PostgreSQL database or one Redis keep apart with these.
    "XIETONG_SCHEMA_PREFIX", "XIETONG_CONTROL_SCHEMA", "XIETONG_QUEUE_NAME",
    "XIETONG_PROXY_HOPS",
)


def build_config(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, environment and ``overrides`` (highest wins) into one dict."""
    config = dict(DEFAULTS)
    for key in ENV_KEYS:
        if os.environ.get(key):
            config[key] = os.environ[key]
    config.update(overrides or {})
    data = Path(config["XIETONG_DATA"]).expanduser().resolve()
    config["XIETONG_DATA"] = str(data)
    config["XIETONG_PROXY_HOPS"] = _proxy_hops(config.get("XIETONG_PROXY_HOPS"))
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = config.get("XIETONG_SECRET_KEY") or _stored_secret(data)
    return config


def _proxy_hops(value: Any) -> int:
    """The number of trusted reverse proxies, as given in the environment or the config."""
    text = str(value if value not in (None, "") else 0).strip()
    if not text.isdigit() or int(text) > 10:
        raise ValueError(
            f"XIETONG_PROXY_HOPS must be the number of reverse proxies in front of Xietong "
            f"(0 to 10, usually 1), not {value!r}"
        )
    return int(text)


def _stored_secret(data: Path) -> str:
    """The secret key generated once into the data folder, so sessions survive restarts."""
    path = data / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
