"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.pxweb_server import running_server


@pytest.fixture(scope="module")
def scb() -> Iterator[tuple[str, Any]]:
    """A fake SCB PxWebApi on loopback for one test module: ``(base_url, fake)``; the fake
    counts hits and can be told to misbehave. Module scope, so one module's injected faults
    and counts do not leak into another."""
    with running_server() as server:
        yield server
