"""Fixtures for the governor tests: a governor on a fresh workspace, and the CLI runner."""

from __future__ import annotations

import pytest

from legame.cli import app
from legame.cli import contact as contact_cli
from legame.engage.governor import Governor
from legame.policy import DEFAULT_POLICY
from legame.store import Workspace


@pytest.fixture
def gov(ws: Workspace) -> Governor:
    """A governor with the default policy (Europe/Rome default zone, quiet 21:00-08:00)."""
    return Governor(ws, DEFAULT_POLICY)


@pytest.fixture
def contact_app(cli):
    """The CLI runner, with ``legame contact`` registered on ``legame.cli.app`` if the app
    does not register it yet (the registration line in ``legame/cli/__init__.py``)."""
    if not any(group.name == "contact" for group in app.registered_groups):
        contact_cli.register(app)
    return cli
