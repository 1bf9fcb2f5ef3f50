"""The dashboard served on 127.0.0.1 for the tests that go through HTTP, as `civiclake dashboard` serves it:
a free port, the Streamlit command and environment of dashboards/server.py, a wait for its health check,
and a stop (terminate, then kill) whatever happens in the test."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from dashboards import server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served_dashboard(
    lake_root: Path, log: Path, extra_env: dict[str, str] | None = None, start_timeout: float = 90
) -> Iterator[tuple[str, subprocess.Popen]]:
    """(base URL, process) of the dashboard over `lake_root`, its output in `log`; stopped on exit."""
    port = free_port()
    environment = server.streamlit_env(lake_root) | (extra_env or {})
    with log.open("wb") as out:
        process = subprocess.Popen(
            server.streamlit_command("127.0.0.1", port), env=environment, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + start_timeout
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as response:
                        if response.read() == b"ok":
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.3)
            else:
                pytest.fail(f"the dashboard did not start:\n{log.read_text(errors='replace')}")
            yield f"http://127.0.0.1:{port}", process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run_page(url: str, page: str, query: str = "", timeout: float = 60) -> tuple[int, dict[str, list[str]]]:
    """One script run over Streamlit's websocket, as a browser opening <url>/<page>?<query>: its finish
    status (0 = finished successfully) and the text of the metric, exception and alert elements drawn."""
    return asyncio.run(_run_page(url, page, query, timeout))


async def _run_page(url: str, page: str, query: str, timeout: float) -> tuple[int, dict[str, list[str]]]:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect  # a dependency of streamlit's server, in uv.lock

    shown: dict[str, list[str]] = {"metric": [], "exception": [], "alert": []}
    stream = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    async with connect(stream, subprotocols=["streamlit"], max_size=None) as ws:
        request = BackMsg()
        request.rerun_script.query_string = query
        request.rerun_script.page_name = page  # the url_path of the page, as the front end sends it
        await ws.send(request.SerializeToString())
        while True:
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=timeout))
            kind = message.WhichOneof("type")
            if kind == "script_finished":
                return int(message.script_finished), shown
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                name = element.WhichOneof("type")
                if name == "metric":
                    shown["metric"].append(element.metric.body)
                elif name in ("exception", "alert"):
                    shown[name].append(str(getattr(element, name)))
