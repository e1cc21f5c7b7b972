"""Application factory: `uvicorn --factory api.main:create_app`."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.background import lifespan as tickets_lifespan
from api.routes import (
    actions,
    chat,
    console,
    conversations,
    diagnostics,
    directory,
    health,
    identity,
    portal,
)
from api.routes import kpis as kpi_routes
from api.routes import monitoring as monitoring_routes
from api.routes import search as search_routes
from api.tickets import routes as tickets

logger = logging.getLogger(__name__)


def create_app() -> FastAPI:
    app = FastAPI(
        title="Helios Industrial support assistant",
        version="0.1.0",
        description="Ticket, diagnostics and search API of the support assistant, plus Rasa's "
        "custom-action webhook.",
        lifespan=tickets_lifespan,  # the ticket notification worker (api/background.py)
    )
    app.include_router(health.router)
    app.include_router(actions.router)
    app.include_router(tickets.router)
    app.include_router(conversations.router)
    app.include_router(console.router)
    app.include_router(chat.router)
    app.include_router(search_routes.router)
    app.include_router(diagnostics.router)
    app.include_router(monitoring_routes.router)
    app.include_router(identity.router)
    app.include_router(directory.router)
    app.include_router(portal.router)
    app.include_router(kpi_routes.router)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        # Log the stack for operators; never send it to a client.
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(status_code=500, content={"detail": "internal error"})

    return app
