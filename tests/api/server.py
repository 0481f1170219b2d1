"""A real `ona serve` process on a free loopback port, for tests and benchmarks.

The port is found by binding port 0; the server is polled on /api/v1/health
until it answers, and its output is shown if it dies or never gets ready.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx


def free_port() -> int:
    """A port nobody listens on right now (bind port 0, read it, release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ona_command() -> list[str]:
    """How to run the `ona` command of this interpreter's environment."""
    script = Path(sys.executable).with_name("ona")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from ona.cli import app; sys.argv[0] = 'ona'; app()"]


class Server:
    """`ona serve --store STORE --port PORT` as a child process (a context manager)."""

    def __init__(self, store: Path, log: Path, *, extra: tuple[str, ...] = ()) -> None:
        self.store = store
        self.log_path = log
        self.extra = extra
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self, timeout: float = 60) -> Self:
        self.port = free_port()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [*ona_command(), "serve", "--store", str(self.store), "--port", str(self.port),
                 "--log-level", "warning", *self.extra],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ona serve exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"ona serve not ready after {timeout} s:\n{self.output()}")
            time.sleep(0.1)

    def stop(self, timeout: float = 30) -> int:
        """Graceful stop (SIGINT, as Ctrl-C); its exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise RuntimeError(f"ona serve did not stop within {timeout} s:\n{self.output()}") from None
        return int(self.proc.returncode)

    def kill(self) -> None:
        """Hard stop (SIGKILL), as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc_type is not None:
            print(f"--- output of ona serve on port {self.port} ---\n{self.output()}")  # shown by pytest on failure
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.stop()
            finally:
                self.kill()
