"""The what-if studio: a local web page over :mod:`sim.teaching.whatif` (the ``studio`` extra).

:func:`serve` starts the page with Solara's own server; the page itself is
:mod:`sim.studio.app`. Importing this package does not import Solara, so that
the command line can say what is missing when the extra is not installed.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from pathlib import Path

from sim.errors import UserError

SCENARIO_ENV = "PMOSIM_STUDIO_SCENARIO"
"""Environment variable that tells the page which scenario to open first."""

ALLOW_ENV = "PMOSIM_STUDIO_ALLOW"
"""Environment variable listing folders (separated like ``PATH``) whose scenario files
uploaded files may extend, besides the offered and the shipped scenarios."""

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
"""Hosts that only this machine can reach."""

CLOSED_PAGE_SECONDS = 3
"""Seconds a page may stay disconnected before its session (and its workers) end."""

QUIET = {
    # Solara reports usage to a web service and asks the package index for a newer
    # version at start-up; the studio runs offline and sends nothing anywhere.
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_TELEMETRY_SERVER_USER_ID": "pmosim-studio",
    # No "This website runs on Solara" badge over the page's corner.
    "SOLARA_THEME_SHOW_BANNER": "False",
    # A page that closes without saying so (a browser that quits, a lost connection)
    # is only disconnected; Solara keeps its session for a day by default, and with it
    # the page's worker processes. A few seconds cover a reload's reconnection.
    "SOLARA_KERNEL_CULL_TIMEOUT": f"{CLOSED_PAGE_SECONDS}s",
}
"""Solara settings the studio sets (unless the environment already sets them)."""


def require_solara() -> None:
    """Raise a :class:`~sim.errors.UserError` on how to install the extra if Solara is missing."""
    if importlib.util.find_spec("solara") is None:
        raise UserError("pmosim studio needs the 'studio' extra, which is not installed: run "
                        "`make studio`, or `pip install -c constraints.txt -e '.[studio]'`")


def serve(scenario: str | Path, *, host: str = "127.0.0.1", port: int = 8765,
          allow: list[str | Path] = ()) -> int:
    """Serve the studio on ``host:port`` until interrupted, opening ``scenario`` first.

    ``allow`` names folders whose scenario files uploaded files may extend,
    besides the offered and the shipped scenarios (see :data:`ALLOW_ENV`).

    Returns
    -------
    int
        The exit status of the server.

    Raises
    ------
    KeyboardInterrupt
        When Ctrl-C stopped the server (the usual way to end it).
    """
    require_solara()
    os.environ[SCENARIO_ENV] = str(scenario)
    if allow:
        os.environ[ALLOW_ENV] = os.pathsep.join(str(Path(a).resolve()) for a in allow)
    for key, value in QUIET.items():
        os.environ.setdefault(key, value)
    # Solara warns on every page load that a cookie falls back to SameSite=Lax over
    # plain http; that is what a page on this machine needs, so the terminal stays quiet.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https",
                            category=UserWarning)
    import click
    from solara.__main__ import run

    args = ["sim.studio.app", "--production", "--host", host, "--port", str(port),
            "--no-open", "--no-check-version", "--no-access-log"]
    try:
        result = run.main(args=args, prog_name="pmosim studio", standalone_mode=False)
    except click.exceptions.Abort:
        # Ctrl-C, after the server has shut down (the workers of every page end with
        # this process, which they watch); the command line says so and exits.
        raise KeyboardInterrupt from None
    return result if isinstance(result, int) else 0
