"""A Redis of its own on a free loopback port, for the tests of the shared cache."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tracks.plantuml.local import free_port, wait_until_listening


@pytest.fixture
def redis_server() -> Iterator[str]:
    """redis://… of a Redis that lives as long as the test (stop it to see the cache fail)."""
    binary = shutil.which("redis-server")
    if binary is None:
        # CI installs redis-server (.ci/run): there a missing one is a failure.
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_listening(port, 10, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)
