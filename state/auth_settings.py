"""Who may call a served deployment: the API keys file and the JWT settings, from the environment.

With neither keys nor a JWT key configured, a server serves one local user (graph/auth).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# RFC 7518: an HS256 key is at least as long as the hash (256 bits).
MIN_SECRET_BYTES = 32


class AuthSettings(BaseSettings):
    """ORCHESTRA_AUTH_KEYS and ORCHESTRA_JWT_*, validated once."""

    model_config = SettingsConfigDict(env_prefix="ORCHESTRA_", extra="ignore")

    auth_keys: Path | None = Field(
        default=None, description="The API keys file: one line per key, its user and hash."
    )
    jwt_secret: SecretStr | None = Field(default=None, description="HS256 shared secret.")
    jwt_public_key: str = Field(
        default="", description="RS256/ES256 public key: PEM text, or the path of a PEM file."
    )
    jwt_jwks_url: str = Field(default="", description="RS256/ES256 keys of an identity provider.")
    jwt_issuer: str = Field(default="", description="The `iss` a token must carry, when set.")
    jwt_audience: str = Field(default="", description="The `aud` a token must carry, when set.")

    @field_validator("auth_keys", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """Read an empty ORCHESTRA_AUTH_KEYS as unset (not as the current folder)."""
        return None if value == "" else value

    @model_validator(mode="after")
    def _one_token_key(self) -> AuthSettings:
        """Refuse two kinds of token key at once, and a secret too short to be one."""
        kinds = [
            name
            for name, value in (
                ("ORCHESTRA_JWT_SECRET", self.jwt_secret),
                ("ORCHESTRA_JWT_PUBLIC_KEY", self.jwt_public_key),
                ("ORCHESTRA_JWT_JWKS_URL", self.jwt_jwks_url),
            )
            if value
        ]
        if len(kinds) > 1:
            raise ValueError(f"set one of {' and '.join(kinds)}, not both")
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if secret and len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"ORCHESTRA_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        return self

    @property
    def tokens(self) -> bool:
        """Return True when JWTs are accepted."""
        return bool(self.jwt_secret or self.jwt_public_key or self.jwt_jwks_url)

    @property
    def open(self) -> bool:
        """Return True when no credential is configured: everyone is the local user."""
        return self.auth_keys is None and not self.tokens

    def public_key(self) -> str:
        """Return the configured public key's PEM text (read from its file if it names one)."""
        text = self.jwt_public_key.strip()
        return text if text.startswith("-----BEGIN") else Path(text).read_text()
