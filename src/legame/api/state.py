"""The server's handle on its workspace: opened once, a cursor per request."""

from __future__ import annotations

from legame.store.shared import SharedWorkspace as Store

__all__ = ["Store"]
