"""A real PlantUML (picoweb) on a free loopback port, started once per test session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tracks.plantuml import local


def _unavailable(reason: str) -> None:
    # CI installs Java and fetches the jar (make test): there a missing renderer is a failure.
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def plantuml_server() -> Iterator[str]:
    """Base URL of a PlantUML server that lives as long as the test session."""
    jar = local.default_jar()
    if not shutil.which("java"):
        _unavailable("java is not installed")
    if not jar.exists():
        _unavailable(f"{jar} is missing; `make plantuml-jar` fetches it")
    port = local.free_port()
    process = local.start(jar, port)
    try:
        local.wait_until_listening(port, 60, process)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def plantuml(plantuml_server: str, settings) -> str:
    """Point the app at the session's PlantUML for one test."""
    settings.PLANTUML_URL = plantuml_server
    return plantuml_server
