"""Guided diagnosis API: a thin adapter from HTTP to `rules.diagnosis` and the session table.

POST /api/v1/diagnostics/sessions                         start (201)
POST /api/v1/diagnostics/sessions/{session_id}/answers    answer the question (or any other)
GET  /api/v1/diagnostics/sessions/{session_id}            the current state

The knowledge pack is loaded and validated at start-up (router lifespan): a broken file stops
the service with a message naming the file and the entry.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine

from api.deps import diagnoser_for, get_diagnoser, get_engine, get_settings
from core.knowledge.errors import KnowledgeError
from core.languages import Language
from db.diagnostics import (
    SessionConflictError,
    SessionNotFoundError,
    create_session,
    get_session,
    save_session,
)
from rules.diagnosis import AnswerError, Diagnoser, DiagnosisState

logger = logging.getLogger(__name__)

Scalar = bool | float | str | None


@asynccontextmanager
async def _load_knowledge(app: FastAPI) -> AsyncIterator[None]:
    settings = app.dependency_overrides.get(get_settings, get_settings)()
    try:
        diagnoser_for(settings)
    except KnowledgeError as exc:
        logger.error("the knowledge pack is broken, refusing to start: %s", exc)
        raise
    yield


router = APIRouter(prefix="/api/v1/diagnostics", tags=["diagnostics"], lifespan=_load_knowledge)


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family: str | None = Field(None, max_length=64)
    model: str | None = Field(None, max_length=64)
    serial: str | None = Field(None, max_length=64)
    language: Language | None = None
    error_code: str | None = Field(None, max_length=16)
    symptom: str | None = Field(None, max_length=2000)
    observations: dict[str, Scalar] | None = None


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    observation_id: str = Field(max_length=64)
    value: Scalar = Field(description="null means don't know")
    unit: str | None = Field(None, max_length=16)


def _unprocessable(exc: AnswerError) -> HTTPException:
    return HTTPException(status_code=422, detail=[{
        "loc": ["body", *exc.field.split(".", 1)], "msg": exc.message, "type": "value_error"}])


def _not_found() -> HTTPException:
    return HTTPException(status_code=404, detail="diagnostic session not found")


def _public(session_id: str, outcome: dict[str, Any]) -> dict[str, Any]:
    return {"session_id": session_id, **outcome}


@router.post("/sessions", status_code=201, summary="Start a guided diagnosis")
def start_session(body: SessionCreate,
                  diagnoser: Annotated[Diagnoser, Depends(get_diagnoser)],
                  engine: Annotated[Engine, Depends(get_engine)]) -> dict[str, Any]:
    try:
        state, outcome = diagnoser.start(**body.model_dump())
    except AnswerError as exc:
        raise _unprocessable(exc) from exc
    session_id = str(uuid.uuid4())
    create_session(engine, session_id=session_id, family=state.family,
                   language=state.language, status=outcome["status"], state=state.to_dict())
    return _public(session_id, outcome)


@router.post("/sessions/{session_id}/answers", summary="Answer a question (null: don't know)")
def answer(session_id: str, body: AnswerIn,
           diagnoser: Annotated[Diagnoser, Depends(get_diagnoser)],
           engine: Annotated[Engine, Depends(get_engine)]) -> dict[str, Any]:
    try:
        row = get_session(engine, session_id=session_id)
    except SessionNotFoundError as exc:
        raise _not_found() from exc
    state = DiagnosisState.from_dict(row.state)
    try:
        outcome = diagnoser.answer(state, body.observation_id, body.value, body.unit)
    except AnswerError as exc:
        raise _unprocessable(exc) from exc
    try:
        save_session(engine, session_id=session_id, expected_version=row.version,
                     status=outcome["status"], state=state.to_dict())
    except SessionNotFoundError as exc:
        raise _not_found() from exc
    except SessionConflictError as exc:
        raise HTTPException(status_code=409, detail="the session changed meanwhile; "
                            "read it again and resend the answer") from exc
    return _public(session_id, outcome)


@router.get("/sessions/{session_id}", summary="The session's current question or conclusion")
def read_session(session_id: str,
                 diagnoser: Annotated[Diagnoser, Depends(get_diagnoser)],
                 engine: Annotated[Engine, Depends(get_engine)]) -> dict[str, Any]:
    try:
        row = get_session(engine, session_id=session_id)
    except SessionNotFoundError as exc:
        raise _not_found() from exc
    return _public(session_id, diagnoser.evaluate(DiagnosisState.from_dict(row.state)))
