"""``trustsim app [--port P] [--host H] [--rules FILE] [--preset NAME] [--open]``: the students' app.

Starts the Solara server of :mod:`sim.app` and prints its address. It listens on 127.0.0.1
(this computer only) unless ``--host`` says otherwise. ``--rules`` loads a rule plug-in:
that runs the plug-in's Python code (see ``docs/students.md``); it is checked first, with a
short test run, so a mistake in it is reported here, in one line, not in the browser.
Stop the server with Ctrl-C.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
from pathlib import Path

from sim.core.plugins import load_plugin
from sim.core.presets import get_preset
from sim.errors import UserError
from sim.run.single import check_plugin

DEFAULT_PORT = 8765
LOOPBACK = "127.0.0.1"


def add_parser(sub):
    p = sub.add_parser("app")   # its help: sim.commands.COMMANDS
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
    p.add_argument("--host", default=LOOPBACK,
                   help=f"address to listen on (default: {LOOPBACK}, this computer only; 0.0.0.0 opens it to "
                        "your network, with no password)")
    p.add_argument("--rules", type=Path, default=None, metavar="FILE",
                   help="a rule plug-in (Python file; its code runs) whose rules and hooks the app uses")
    p.add_argument("--preset", default="mixed", help="preset shown first (default: mixed)")
    p.add_argument("--open", action="store_true", help="also open the page in your web browser")
    p.set_defaults(func=app_command)


def app_command(args) -> int:
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")  # before solara is imported: no usage reports
    problems = []
    if not 1 <= args.port <= 65535:
        problems.append(f"--port: expected an integer in [1, 65535], got {args.port}")
    if problems:
        raise UserError(problems)
    get_preset(args.preset)  # ParamError with close matches: exit 2
    env = {"TRUSTSIM_APP_PRESET": args.preset}
    if args.rules is not None:
        plugin = load_plugin(args.rules)
        check_plugin(plugin)
        env["TRUSTSIM_APP_RULES"] = plugin.path
        print(f"plug-in: {plugin.describe()} (its code runs in this app)")
    check_port_free(args.host, args.port)
    try:
        import PIL  # noqa: F401  (the grid image)
        import solara  # noqa: F401
    except ImportError as err:
        raise UserError(f"the app needs {err.name or 'solara'}, which could not be imported ({err}); "
                        f"install it with: pip install {err.name or 'solara'}") from None
    missing = missing_assets()
    if missing:
        print(f"note: {len(missing)} of the page's script packages are not installed here ({', '.join(missing)}); "
              f"the page fetches them from Solara's CDN, which needs the internet. Offline? {assets_hint()}",
              file=sys.stderr)
    os.environ.update(env)
    url_host = "localhost" if args.host == LOOPBACK else args.host
    print(f"trustsim app: open http://{url_host}:{args.port} in your browser (Ctrl-C stops it)", flush=True)
    return serve(args.host, args.port, open_browser=args.open)


def check_port_free(host: str, port: int) -> None:
    """Fail with one line now rather than with a server traceback later."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise UserError(f"--host {host}: not an address of this computer ({err.strerror})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: ignore TIME_WAIT
        try:
            s.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise UserError(f"--port {port}: already in use on {host} (is the app already running? "
                                f"or try --port {port + 1})") from None
            raise UserError(f"--host {host} --port {port}: cannot listen there ({err.strerror})") from None


def serve(host: str, port: int, open_browser: bool = False) -> int:
    """Run Solara's server for :mod:`sim.app` until Ctrl-C (Solara's own ``solara run``)."""
    import click
    from solara.__main__ import run

    argv = ["sim.app", "--host", host, "--port", str(port), "--production", "--no-check-version",
            "--log-level", "warning", "--open" if open_browser else "--no-open"]
    try:
        run.main(args=argv, prog_name="trustsim app", standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):
        pass
    print("trustsim app: stopped", file=sys.stderr)
    return 0


# ------------------------------------------------------------------ the page's JavaScript and CSS
# Solara's page loads a few npm packages through its asset proxy (/_solara/cdn/...). The
# `solara-assets` package (a dependency, pinned to the solara release) installs them into the
# proxy's cache, so the page needs no internet; without it Solara fetches them from a CDN.
ASSET_PACKAGES = ("@widgetti/solara-vuetify3-app", "@widgetti/solara-vuetify-app", "requirejs", "font-awesome",
                  "@widgetti/vue-grid-layout")


def asset_specs() -> list[str]:
    """``name@version`` of each package the installed Solara's page loads (read from Solara's
    own template, settings and grid layout, so a Solara upgrade changes the list)."""
    import re

    import ipyvue
    import solara
    from solara.server import settings

    root = Path(solara.__file__).parent
    text = "\n".join([(root / "server/templates/solara.html.j2").read_text(), settings.assets.fontawesome_path,
                      *(f.read_text() for f in sorted((root / "widgets/vue").glob("gridlayout*.vue")))])
    found = {m.group(1) + "@" + m.group(2)
             for m in re.finditer(r"(@?[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)?)@(\d+\.\d+\.\d+[A-Za-z0-9.+-]*)/", text)
             if m.group(1).lstrip("/") in ASSET_PACKAGES}
    vue3 = ipyvue.__version__.startswith("3")   # as solara.server.server decides which app it loads
    unused = "@widgetti/solara-vuetify-app@" if vue3 else "@widgetti/solara-vuetify3-app@"
    return sorted(s.lstrip("/") for s in found if not s.lstrip("/").startswith(unused))


def _cache_dir() -> Path:
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def missing_assets() -> list[str]:
    """The page's packages that are not in Solara's asset cache (where solara-assets puts them)."""
    try:
        specs = asset_specs()
    except (OSError, ImportError):
        return []
    cache = _cache_dir()
    return [s for s in specs if not (cache / s / "package.json").is_file()]


def assets_hint() -> str:
    import importlib.metadata as md

    try:
        version = md.version("solara")
    except md.PackageNotFoundError:
        return "install solara and solara-assets at the same version"
    return f"Install the page's assets for solara {version}: pip install solara-assets=={version}"
