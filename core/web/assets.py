"""Front-end assets from npm, copied into ``core/web/static/vendor/`` at set-up time.

Third-party code is never committed: ``package.json`` pins the packages, ``npm ci`` fetches
them into ``node_modules/`` and this module copies the few files the pages load. Run::

    python -m core.web.assets          # npm ci when node_modules is missing, then copy

The app also copies them on start when ``vendor/`` is incomplete and ``node_modules/`` is
there (a development checkout), and logs how to fix it when neither is.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
VENDOR = Path(__file__).parent / "static" / "vendor"

# vendor path → path under node_modules
FILES = {
    "bootstrap/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "bootstrap/bootstrap.bundle.min.js": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap/LICENSE": "bootstrap/LICENSE",
    "htmx/htmx.min.js": "htmx.org/dist/htmx.min.js",
    "htmx/LICENSE": "htmx.org/LICENSE",
    "echarts/echarts.min.js": "echarts/dist/echarts.min.js",
    "echarts/LICENSE": "echarts/LICENSE",
    "swagger-ui/swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
    "swagger-ui/swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui/LICENSE": "swagger-ui-dist/LICENSE",
}


def missing(vendor: Path = VENDOR) -> list[str]:
    """Vendor files not yet in place."""
    return [name for name in FILES if not (vendor / name).exists()]


def copy_assets(node_modules: Path = NODE_MODULES, vendor: Path = VENDOR) -> list[str]:
    """Copy every file in :data:`FILES`; raise FileNotFoundError naming what npm must install."""
    absent = [src for src in FILES.values() if not (node_modules / src).exists()]
    if absent:
        raise FileNotFoundError(f"not in {node_modules}: {', '.join(absent)}; run 'npm ci' in {ROOT}")
    copied = []
    for target, source in FILES.items():
        destination = vendor / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(node_modules / source, destination)
        copied.append(target)
    return copied


def ensure_vendor(app: Any) -> None:
    """On start: copy assets when they are missing and node_modules is at hand, else warn."""
    if not missing():
        return
    if NODE_MODULES.exists():
        try:
            copy_assets()
            return
        except (OSError, FileNotFoundError) as exc:
            log.warning("could not copy front-end assets: %s", exc)
    log.warning("front-end assets are missing in %s; run 'python -m core.web.assets'", VENDOR)


def main(argv: list[str] | None = None) -> int:
    """Install (npm ci, when node_modules is missing) and copy the front-end assets."""
    if not (NODE_MODULES / "bootstrap").exists():
        npm = shutil.which("npm")
        if npm is None:
            print("npm is not installed: install Node.js (e.g. 'apt-get install npm')", file=sys.stderr)
            return 1
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True)
    copied = copy_assets()
    print(f"copied {len(copied)} asset files into {VENDOR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
