"""Bearer API keys as a FastAPI dependency: 401 without a valid key, 403 without the role,
429 for a client that presented too many wrong keys (:mod:`legame.api.throttle`)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from legame.store.keys import ApiKey, Role, verify

bearer = HTTPBearer(auto_error=False, description="An API key from `legame keys create`.")


def require(role: Role) -> Callable[..., ApiKey]:
    """A dependency that admits keys whose role is ``role`` or higher."""

    def dependency(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
    ) -> ApiKey:
        key = None
        if credentials is not None and credentials.scheme.lower() == "bearer":
            failed_keys = request.app.state.failed_keys
            client = request.client.host if request.client else None
            wait = failed_keys.retry_after(client)
            if wait is not None:
                raise HTTPException(
                    429,
                    f"Too many wrong API keys from this client: try again in {wait} s.",
                    headers={"Retry-After": str(wait)},
                )
            with request.app.state.store.session() as ws:
                key = verify(ws, credentials.credentials)
            if key is None:
                failed_keys.failed(client)
        if key is None:
            raise HTTPException(
                401,
                "A valid API key is required: Authorization: Bearer KEY.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not key.allows(role):
            raise HTTPException(403, f"This needs the {role} role; the key is {key.role}.")
        return key

    return dependency
