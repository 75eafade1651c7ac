"""The HTTP API: versioned under /api/v1, API keys with roles, one JSON error shape."""
