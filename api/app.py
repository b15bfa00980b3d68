"""The FastAPI application. Resources are built in the lifespan unless a caller hands them in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import async_sessionmaker
from starlette.middleware.sessions import SessionMiddleware
from temporalio.client import Client

from api import errors
from api.auth import Provider
from api.openapi import declare_errors, operation_id
from api.routes import (
    actions,
    conversation,
    cycles,
    email_templates,
    employees,
    imports,
    reviews,
    templates,
)
from core.settings import Settings
from core.temporal import connect
from store.db import engine_for, session_factory
from web import conversations, hr, signin, talk, team
from web.pages import HERE

Clock = Callable[[], Awaitable[datetime]]


async def _system_clock() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    *,
    temporal: Client | None = None,
    sessions: async_sessionmaker | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = None
        if sessions is None:
            engine = engine_for(settings, "samtale-api")
            app.state.sessions = session_factory(engine)
        if temporal is None:
            app.state.temporal = await connect(
                settings.temporal_address, settings.temporal_namespace
            )
        yield
        if engine is not None:
            await engine.dispose()

    app = FastAPI(
        title="samtale",
        summary="Annual employee development conversations (medarbeidersamtaler)",
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.temporal = temporal
    app.state.clock = clock or _system_clock
    app.state.oidc = Provider(settings) if settings.oidc_issuer else None
    errors.install(app)
    routers = [
        m.router
        for m in (
            employees,
            imports,
            cycles,
            reviews,
            conversation,
            actions,
            email_templates,
            templates,
        )
    ]
    for router in routers:
        app.include_router(router)
    _mount_pages(app, settings)

    if settings.env == "development":
        # The dev stack's mail sink writes here; serving it saves a newcomer a file browser.
        mail = Path(settings.data_dir) / "mail"
        mail.mkdir(parents=True, exist_ok=True)
        app.mount("/dev/mail", StaticFiles(directory=mail, html=True), name="dev-mail")

    @app.get("/health", tags=["meta"])
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    declare_errors(app, [*app.router.routes, *(r for router in routers for r in router.routes)])
    return app


def _mount_pages(app: FastAPI, settings: Settings) -> None:
    """The web pages (web/), their stylesheet, and the signed session cookie they use:
    HttpOnly and SameSite=Lax always, Secure in production. The JSON API never reads it."""
    for module in (signin, conversations, talk, team, hr):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret,
        session_cookie="samtale_session",
        max_age=settings.session_hours * 3600,
        same_site="lax",
        https_only=settings.env == "production",
    )
