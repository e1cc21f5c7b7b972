"""POST /api/v1/search: hybrid search over the manuals, each hit citing its section."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field, field_validator

from api.deps import get_searcher_provider
from core.languages import LANGUAGES
from retrieval.errors import (
    IndexMismatchError,
    IndexNotBuiltError,
    ModelLoadError,
    UnknownFilterError,
)
from retrieval.search import Searcher

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["search"])


class SearchRequest(BaseModel):
    query: str = Field(..., max_length=2000, description="the question, in any of the five "
                       "languages")
    language: str | None = Field(None, description="the reader's language (en, el, de, fr, "
                                 "es); detected from the query when absent")
    family: str | None = Field(None, description="equipment family id, e.g. "
                               "rotary_screw_compressor")
    model: str | None = Field(None, description="equipment model id, e.g. HSC-37")
    k: int = Field(5, ge=1, le=50, description="number of hits")

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query must not be empty")
        return value

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        if value is not None and value not in LANGUAGES:
            raise ValueError(f"unknown language '{value}' (supported: "
                             f"{', '.join(LANGUAGES)})")
        return value


class SearchHit(BaseModel):
    text: str
    score: float
    document: str
    section_id: str
    section_title: str
    language: str
    family: str | None
    models: list[str]
    topics: list[str]
    page: int | None = None


class SearchResponse(BaseModel):
    hits: list[SearchHit]


@router.post("/search", response_model=SearchResponse, response_model_exclude_none=True,
             summary="Search the equipment manuals (hybrid dense + BM25, with citations)")
def search(
    request: SearchRequest,
    load_searcher: Annotated[Callable[[], Searcher], Depends(get_searcher_provider)],
) -> dict[str, Any]:
    try:
        searcher = load_searcher()
    except (IndexNotBuiltError, IndexMismatchError, ModelLoadError) as exc:
        # The detail names the command that (re)builds the index.
        logger.warning("search unavailable: %s", exc)
        raise HTTPException(status_code=503, detail=str(exc)) from exc
    try:
        result = searcher.search(request.query, language=request.language,
                                 family=request.family, model=request.model, k=request.k)
    except UnknownFilterError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return {"hits": [hit.to_dict() for hit in result.hits]}
