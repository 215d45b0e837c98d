"""JWT bearer tokens, verified with PyJWT: signature, expiry always, issuer and audience if set."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from state.auth_settings import AuthSettings

# Asymmetric tokens (a public key, a JWKS) never accept HS*: no algorithm confusion.
ASYMMETRIC = ["RS256", "ES256"]
log = logging.getLogger("orchestra.auth")


class TokenVerifier:
    """Checks a token against the configured key; returns its subject or None."""

    def __init__(self, settings: AuthSettings) -> None:
        self.issuer = settings.jwt_issuer or None
        self.audience = settings.jwt_audience or None
        self.jwks = (
            jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True, lifespan=300, timeout=5)
            if settings.jwt_jwks_url
            else None
        )
        self.key: Any = None
        self.algorithms = ASYMMETRIC
        if settings.jwt_secret:
            self.key, self.algorithms = settings.jwt_secret.get_secret_value(), ["HS256"]
        elif settings.jwt_public_key:
            # Parsed now, so a bad key is a start-up error, not a refusal per request.
            self.key = load_pem_public_key(settings.public_key().encode())
            self.algorithms = ["RS256"] if isinstance(self.key, RSAPublicKey) else ["ES256"]

    async def user_of(self, token: str) -> str | None:
        """Return the token's `sub`, or None when it is not a valid token for this server."""
        try:
            key = self.key
            if self.jwks is not None:
                # The identity provider's keys are fetched (then cached): off the event loop.
                found = await asyncio.to_thread(self.jwks.get_signing_key_from_jwt, token)
                key = found.key
            claims = jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                issuer=self.issuer,
                audience=self.audience,
                options={"require": ["exp", "sub"], "verify_aud": self.audience is not None},
            )
        except jwt.PyJWTError as exc:
            log.info("refused a token: %s", exc)
            return None
        subject = claims.get("sub")
        return subject if isinstance(subject, str) and subject.strip() else None
