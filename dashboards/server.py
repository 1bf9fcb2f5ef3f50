"""Run the dashboard as a Streamlit server: what `civiclake dashboard` calls."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dashboards.data import LAKE_ENV

APP = Path(__file__).resolve().with_name("app.py")


def streamlit_command(host: str = "127.0.0.1", port: int = 8501, headless: bool = True) -> list[str]:
    """The command line of the Streamlit server (shared with the tests, so they start the same thing)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true" if headless else "false",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",  # no "Deploy" button: this is a city's app, not a sandbox
        # An error that escapes a page shows a generic message, never a traceback (it goes to the log).
        "--client.showErrorDetails", "none",
    ]  # fmt: skip


def streamlit_env(lake: Path) -> dict[str, str]:
    """The environment of the server: ours plus the lake, made absolute so that the cwd does not matter."""
    return {**os.environ, LAKE_ENV: str(Path(lake).expanduser().resolve())}


def _stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> int:
    """Ask the server to stop, then force it if it does not within `grace` seconds."""
    if proc.poll() is None:
        proc.terminate()
    try:
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def serve(lake: Path, host: str = "127.0.0.1", port: int = 8501, headless: bool = True) -> int:
    """Serve the dashboard over `lake` on host:port until the server stops; returns its exit code.

    Binds to 127.0.0.1 by default: the figures are internal until someone decides to publish them.
    """
    proc = subprocess.Popen(streamlit_command(host, port, headless), env=streamlit_env(lake))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached Streamlit too (same process group): give it the time to shut down cleanly.
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return _stop(proc)
    finally:
        # Never leave an orphan server behind, whatever interrupted us.
        if proc.poll() is None:
            _stop(proc)
