"""All configuration, from SAMTALE_* environment variables; built once per entry point."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me-0123456789"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SAMTALE_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///var/samtale.db"
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "samtale"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_starttls: bool = False
    smtp_implicit_tls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = 30.0
    smtp_validate_certs: bool = True
    smtp_ca_file: str | None = None
    smtp_pool_size: int = Field(default=4, ge=1, le=64)
    smtp_max_per_second: float | None = Field(default=None, gt=0)
    mail_from: str = "samtale <samtale@samtale.local>"
    mail_reply_to: str | None = None
    mail_domain: str = "samtale.local"
    base_url: str = "http://localhost:8000"
    kickoff_page_size: int = Field(default=500, ge=1, le=5000)
    kickoff_concurrent_starts: int = Field(default=48, ge=1, le=500)
    # How long an import waits for running cycles to take its changes before it answers
    # "in progress" (GET /imports/{id} tells the outcome).
    import_wait_seconds: float = Field(default=10.0, ge=0, le=120)
    # The database pool and its time bounds, per process (README: sizing against
    # PostgreSQL's max_connections). A process holds at most size + overflow connections;
    # a request waits at most pool_timeout for one, then answers 503. No overflow by
    # default: the pool closes an overflow connection when it comes back, so under steady
    # load a pool of 5 + 5 opened a connection for every few commands (PostgreSQL starts
    # a backend for each, and its statements are prepared afresh), where 10 + 0 opens none.
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=0, ge=0, le=200)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    # A statement (PostgreSQL) or a wait for SQLite's write lock, at most this long.
    db_statement_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    # How long a command waits on its review's update before it answers 503 (the command
    # may still take effect: a retry with the same Idempotency-Key learns its outcome).
    command_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    retry_after_seconds: int = Field(default=2, ge=1, le=300)
    # Runs a worker keeps in memory between their tasks. A command on a run not kept
    # replays its history in a new sandbox first (README: the workflow cache).
    workflow_cache: int = Field(default=10_000, ge=2, le=100_000)
    # Allocations between the worker's young garbage collections (Python's own: 700).
    # Every run's sandbox is thousands of new objects; collected that often, they reach
    # the old generation, whose full collections stop the whole worker (README: the GC).
    gc_young: int = Field(default=50_000, ge=700, le=1_000_000)
    # The event loop of `samtale dev`, `samtale api` and `samtale worker` (samtale/eventloop.py).
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"
    jwt_secret: str = DEV_SECRET
    jwt_ttl_hours: int = 12
    # The HS256 tokens `samtale token` issues: on unless env is production (None), where
    # setting them on is refused; there the API takes the provider's RS256 tokens only.
    dev_tokens: bool | None = None
    data_dir: str = "var"
    # Sign-in with OpenID Connect (authorization code + PKCE): the organisation's provider
    # (Entra ID, Google Workspace, Keycloak...), found by its issuer URL's discovery document.
    oidc_issuer: str | None = None
    oidc_client_id: str = "samtale"
    oidc_client_secret: str | None = None
    oidc_scope: str = "openid email profile"
    # Which employee a sign-in is: by the `email` claim against Employee.email, or by an
    # employee-id claim (named by oidc_employee_id_claim) against Employee.id.
    oidc_match: Literal["email", "employee_id"] = "email"
    oidc_employee_id_claim: str = "employee_id"
    # The audience the provider's access tokens for the JSON API carry (default: base_url).
    oidc_api_audience: str | None = None
    # The signed session cookie of the web pages (HttpOnly, SameSite=Lax, Secure in production).
    session_secret: str = DEV_SECRET
    session_hours: int = Field(default=10, ge=1, le=24 * 14)

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> Settings:
        if self.env == "production" and self.jwt_secret == DEV_SECRET:
            raise ValueError("SAMTALE_JWT_SECRET must be set to a secret of your own in production")
        if len(self.jwt_secret) < 32:
            raise ValueError("SAMTALE_JWT_SECRET must be at least 32 characters")
        if self.env == "production" and self.session_secret == DEV_SECRET:
            raise ValueError("SAMTALE_SESSION_SECRET must be set to a secret of your own")
        if len(self.session_secret) < 32:
            raise ValueError("SAMTALE_SESSION_SECRET must be at least 32 characters")
        if self.env == "production" and self.dev_tokens:
            raise ValueError("SAMTALE_DEV_TOKENS cannot be on in production")
        return self

    @property
    def accepts_dev_tokens(self) -> bool:
        return self.env != "production" if self.dev_tokens is None else self.dev_tokens

    @property
    def api_audience(self) -> str:
        return self.oidc_api_audience or self.base_url.rstrip("/")

    # An import that would deactivate more than this share of the active employees needs
    # HR's confirmation, as does one that would cancel open reviews (org/import_guard.py).
    import_max_leaver_share: float = Field(default=0.10, ge=0, le=1)
