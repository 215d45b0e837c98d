"""Who is asking: an API key or a JWT from a request's headers; with neither configured, `local`.

A key comes as `X-Api-Key: KEY` (agent-chat-ui's API-key field, langgraph_sdk's `api_key`) or
`Authorization: Bearer KEY`; a token as `Authorization: Bearer TOKEN`. A request is let in when
one credential it presents is valid; without one, it gets 401 and one line that says nothing
of why (the server's log says why).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from langgraph_sdk import Auth
from pydantic import ValidationError

from graph.auth.tokens import TokenVerifier
from state.api_keys import KEY_PREFIX, KeyRing
from state.auth_settings import AuthSettings
from state.users import LOCAL_USER

UNAUTHORIZED = "Unauthorized: a valid API key or token is required"
log = logging.getLogger("orchestra.auth")


def header_map(headers: Mapping[Any, Any]) -> dict[str, str]:
    """Return headers as lower-case text (LangGraph's server passes bytes, Aegra text)."""

    def text(value: Any) -> str:
        return value.decode("latin-1") if isinstance(value, bytes) else str(value)

    return {text(k).lower(): text(v) for k, v in headers.items()}


def presented(headers: Mapping[str, str]) -> list[str]:
    """Return the credentials a request presents: its bearer value, then its X-Api-Key."""
    found = []
    scheme, _, value = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        found.append(value.strip())
    if headers.get("x-api-key", "").strip():
        found.append(headers["x-api-key"].strip())
    return found


def unauthorized() -> Auth.exceptions.HTTPException:
    """Return the one refusal every bad, missing or expired credential gets."""
    return Auth.exceptions.HTTPException(
        status_code=401, detail=UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"}
    )


class Credentials:
    """The credentials a server accepts, from ORCHESTRA_AUTH_KEYS and ORCHESTRA_JWT_*."""

    def __init__(self, settings: AuthSettings | None, problem: str = "") -> None:
        # A configuration that cannot be read refuses everyone: a server never falls back
        # to serving everyone as one user because its keys were mistyped.
        self.problem = problem
        self.open = settings is not None and settings.open and not problem
        self.keys = KeyRing(settings.auth_keys) if settings and settings.auth_keys else None
        self.tokens = TokenVerifier(settings) if settings and settings.tokens else None

    @classmethod
    def from_env(cls) -> Credentials:
        """Read the environment once, and say in the log how this server knows its users."""
        try:
            settings = AuthSettings()
            credentials = cls(settings)
        except (ValidationError, ValueError, OSError) as exc:
            problem = _first_line(exc)
            log.error("authentication is misconfigured, every request is refused: %s", problem)
            return cls(None, problem)
        if credentials.open:
            log.warning(
                "no API keys (ORCHESTRA_AUTH_KEYS) or JWT key (ORCHESTRA_JWT_*) configured: "
                "every request is served as the one local user '%s'",
                LOCAL_USER,
            )
        else:
            kinds = [
                k for k, on in (("API keys", credentials.keys), ("JWTs", credentials.tokens)) if on
            ]
            log.info("requests must present one of: %s", ", ".join(kinds))
        return credentials

    async def user(self, headers: Mapping[Any, Any]) -> Auth.types.MinimalUserDict:
        """Return the user a request's credentials name; raise 401 when none is valid."""
        if self.open:
            return {"identity": LOCAL_USER, "display_name": LOCAL_USER, "permissions": []}
        for credential in presented(header_map(headers)):
            user = await self.user_of(credential)
            if user is not None:
                return {"identity": user, "display_name": user, "permissions": []}
        raise unauthorized()

    async def user_of(self, credential: str) -> str | None:
        """Return the user of one credential: a token if shaped like one, else a key."""
        if self.tokens is not None and credential.count(".") == 2:
            return await self.tokens.user_of(credential)
        if self.keys is not None and credential.startswith(KEY_PREFIX):
            return await self.keys.user_of(credential)
        return None


def _first_line(exc: Exception) -> str:
    """Return a configuration error in one line (pydantic's first error, without its URL)."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = "ORCHESTRA_" + str(first["loc"][0]).upper() if first["loc"] else "environment"
        return f"{where}: {first['msg'].removeprefix('Value error, ')}"
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
