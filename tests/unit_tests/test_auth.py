"""Who a server lets in, in process: API keys, JWTs (HS256, a public key, a JWKS), and no one."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from langgraph_sdk import Auth

from graph.auth.credentials import UNAUTHORIZED, Credentials
from state.api_keys import KeyRing, KeysFile
from state.auth_settings import AuthSettings

SECRET = "a-test-secret-of-more-than-32-bytes!"


def who(credentials: Credentials, headers: dict[Any, Any]) -> str:
    """Return the user a request's headers name, or the refusal's status and detail."""
    try:
        return asyncio.run(credentials.user(headers))["identity"]
    except Auth.exceptions.HTTPException as exc:
        return f"{exc.status_code} {exc.detail}"


REFUSED = f"401 {UNAUTHORIZED}"


def token(
    claims: dict[str, Any], key: Any = SECRET, algorithm: str = "HS256", **headers: Any
) -> str:
    """Return a signed JWT expiring in ten minutes unless `claims` says otherwise."""
    return jwt.encode({"exp": int(time.time()) + 600, **claims}, key, algorithm, headers=headers)


def hmac_signed(claims: dict[str, Any], secret: str) -> str:
    """Return an HS256 token signed by hand (PyJWT itself refuses a PEM as an HMAC secret)."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing = part(b'{"alg":"HS256","typ":"JWT"}') + "." + part(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{part(mac)}"


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A keys file holding alice's and bob's keys, as `orchestra keys add` writes it."""
    path = tmp_path / "keys"
    made = {user: KeysFile(path).add(user)[0] for user in ("alice", "bob")}
    return path, made


def test_a_key_names_its_user_in_either_header_and_the_file_keeps_only_its_hash(
    keys: tuple[Path, dict[str, str]],
) -> None:
    path, made = keys
    credentials = Credentials(AuthSettings(auth_keys=path))
    assert who(credentials, {"X-Api-Key": made["alice"]}) == "alice"
    assert who(credentials, bearer(made["bob"])) == "bob"
    # LangGraph's server passes headers as bytes; Aegra as text.
    assert who(credentials, {b"x-api-key": made["bob"].encode()}) == "bob"
    # A request with a stray credential beside a valid one (an SDK sends LangSmith's key).
    assert who(credentials, {"X-Api-Key": "lsv2_pt_x", **bearer(made["alice"])}) == "alice"
    assert not any(key in path.read_text() for key in made.values())
    assert path.stat().st_mode & 0o777 == 0o600


def test_no_a_wrong_or_a_malformed_credential_is_refused_with_the_same_line(
    keys: tuple[Path, dict[str, str]],
) -> None:
    path, made = keys
    credentials = Credentials(AuthSettings(auth_keys=path, jwt_secret=SECRET))
    for headers in (
        {},
        {"X-Api-Key": made["alice"][:-1]},
        {"Authorization": made["alice"]},  # no scheme
        bearer(""),
        bearer("not.a.token"),
        bearer(token({"sub": "carol"}, SECRET + "x")),
    ):
        assert who(credentials, headers) == REFUSED, headers


def test_a_token_needs_a_good_signature_a_future_expiry_and_a_subject() -> None:
    credentials = Credentials(AuthSettings(jwt_secret=SECRET))
    assert who(credentials, bearer(token({"sub": "carol"}))) == "carol"
    expired = token({"sub": "carol", "exp": int(time.time()) - 1})
    no_expiry = jwt.encode({"sub": "carol"}, SECRET, "HS256")
    no_subject = token({"name": "carol"})
    blank_subject = token({"sub": " "})
    for refused in (expired, no_expiry, no_subject, blank_subject):
        assert who(credentials, bearer(refused)) == REFUSED
    # Unset, the issuer and audience are not checked.
    assert who(credentials, bearer(token({"sub": "carol", "aud": "x", "iss": "y"}))) == "carol"


def test_a_configured_issuer_and_audience_must_both_match() -> None:
    settings = AuthSettings(jwt_secret=SECRET, jwt_issuer="https://id.example", jwt_audience="orch")
    credentials = Credentials(settings)
    good = {"sub": "carol", "iss": "https://id.example", "aud": "orch"}
    assert who(credentials, bearer(token(good))) == "carol"
    for wrong in ({"iss": "https://evil.example"}, {"aud": "other"}, {"aud": None}):
        claims = {k: v for k, v in {**good, **wrong}.items() if v is not None}
        assert who(credentials, bearer(token(claims))) == REFUSED, wrong


def pem(private: Any) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_a_public_key_accepts_its_own_signatures_and_never_an_hmac_made_with_it(
    tmp_path: Path,
) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "public.pem").write_text(pem(private))
    for configured in (pem(private), str(tmp_path / "public.pem")):
        credentials = Credentials(AuthSettings(jwt_public_key=configured))
        assert who(credentials, bearer(token({"sub": "carol"}, private, "RS256"))) == "carol"
    # Algorithm confusion: the public key (which anyone may have) used as an HS256 secret.
    forged = hmac_signed({"sub": "mallory", "exp": int(time.time()) + 600}, pem(private))
    assert who(credentials, bearer(forged)) == REFUSED
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert who(credentials, bearer(token({"sub": "carol"}, other, "RS256"))) == REFUSED


@pytest.fixture
def jwks() -> Iterator[tuple[str, Any, list[str]]]:
    """An identity provider's key set (one ES256 key) served on loopback; its request log."""
    private = ec.generate_private_key(ec.SECP256R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    body = json.dumps({"keys": [{**public, "kid": "k1", "alg": "ES256", "use": "sig"}]}).encode()
    asked: list[str] = []

    class KeySet(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), KeySet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/jwks.json", private, asked
    finally:
        server.shutdown()


def test_a_jwks_url_verifies_tokens_by_key_id_fetching_the_set_once(
    jwks: tuple[str, Any, list[str]],
) -> None:
    url, private, asked = jwks
    credentials = Credentials(AuthSettings(jwt_jwks_url=url))
    signed = token({"sub": "carol"}, private, "ES256", kid="k1")
    assert who(credentials, bearer(signed)) == "carol"
    assert who(credentials, bearer(signed)) == "carol"
    assert asked == ["/jwks.json"]  # cached: the provider is not asked per request
    unknown_kid = token({"sub": "carol"}, private, "ES256", kid="k2")
    hmac = token({"sub": "carol"}, SECRET, kid="k1")
    for refused in (unknown_kid, unknown_kid, hmac):
        assert who(credentials, bearer(refused)) == REFUSED
    # Tokens naming unknown key ids do not make every request ask the provider again.
    assert asked == ["/jwks.json"]


def test_with_nothing_configured_everyone_is_the_local_user_and_the_log_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="orchestra.auth"):
        credentials = Credentials.from_env()
        assert who(credentials, {}) == who(credentials, {"X-Api-Key": "anything"}) == "local"
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and "every request is served as the one local user 'local'" in said[0]


@pytest.mark.parametrize(
    ("env", "why"),
    [
        (
            {"ORCHESTRA_JWT_SECRET": SECRET, "ORCHESTRA_JWT_JWKS_URL": "http://127.0.0.1/k"},
            "set one of ORCHESTRA_JWT_SECRET and ORCHESTRA_JWT_JWKS_URL, not both",
        ),
        ({"ORCHESTRA_JWT_SECRET": "short"}, "must be at least 32 bytes"),
        ({"ORCHESTRA_JWT_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----\nxx"}, "PEM"),
        ({"ORCHESTRA_JWT_PUBLIC_KEY": "/no/such/key.pem"}, "No such file"),
    ],
)
def test_a_misconfigured_server_refuses_everyone_and_says_why_once(
    env: dict[str, str],
    why: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with caplog.at_level(logging.INFO, logger="orchestra.auth"):
        credentials = Credentials.from_env()
    # Never the one local user: a mistyped setting must not open the server to everyone.
    assert who(credentials, {}) == who(credentials, bearer(token({"sub": "c"}))) == REFUSED
    [said] = [r.getMessage() for r in caplog.records]
    assert said.startswith("authentication is misconfigured, every request is refused")
    assert why in said


def test_a_key_revoked_or_a_keys_file_broken_is_refused_when_next_read(
    keys: tuple[Path, dict[str, str]],
) -> None:
    path, made = keys
    ring = KeyRing(path, recheck_s=0)
    assert asyncio.run(ring.user_of(made["bob"])) == "bob"
    [bobs] = KeysFile(path).revoke(user="bob")
    assert bobs.user == "bob" and asyncio.run(ring.user_of(made["bob"])) is None
    assert asyncio.run(ring.user_of(made["alice"])) == "alice"
    path.write_text(path.read_text() + "carol not-a-hash\n")
    assert asyncio.run(ring.user_of(made["alice"])) is None
    path.unlink()
    assert asyncio.run(ring.user_of(made["alice"])) is None


def test_requests_arriving_together_at_a_fresh_server_all_wait_for_the_keys(
    keys: tuple[Path, dict[str, str]],
) -> None:
    path, made = keys
    ring = KeyRing(path)

    async def together() -> list[str | None]:
        return await asyncio.gather(*(ring.user_of(made["alice"]) for _ in range(8)))

    assert asyncio.run(together()) == ["alice"] * 8
