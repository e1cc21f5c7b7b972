"""Health checks of the API's dependencies; each returns a plain dict, never raises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

OK, DOWN, MISSING = "ok", "down", "missing"


def check_database(engine: Engine) -> dict[str, Any]:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return {"status": DOWN, "backend": engine.dialect.name, "detail": str(exc).splitlines()[0]}
    return {"status": OK, "backend": engine.dialect.name}


def check_conversation_store(url: str) -> dict[str, Any]:
    """The database of Rasa's tracker store (the conversations): Rasa's own health says
    nothing of it, and while it is down every turn fails. `url` as Rasa gets it (SQLite paths
    resolved); a connection of its own, made and closed here."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = Path(parsed.database or "")
        if not path.is_file():  # Rasa makes it at its start; connecting here would too
            return {"status": OK, "backend": backend, "detail": "not created yet"}
    elif backend == "postgresql":
        # Rasa's environment has psycopg2; this one the psycopg driver of the ticket store.
        parsed = parsed.set(drivername="postgresql+psycopg")
    args = {"connect_timeout": 3} if backend == "postgresql" else {}
    engine = create_engine(parsed, poolclass=NullPool, connect_args=args)
    try:
        return check_database(engine)
    finally:
        engine.dispose()


async def check_rasa(client: httpx.AsyncClient, base_url: str, token: str | None) -> dict[str, Any]:
    params = {"token": token} if token else None
    try:
        version = (await client.get(f"{base_url}/version", timeout=3.0)).json()
        status_response = await client.get(f"{base_url}/status", params=params, timeout=3.0)
    except (httpx.HTTPError, json.JSONDecodeError) as exc:
        return {"status": DOWN, "url": base_url, "detail": f"unreachable: {exc!r}"}
    result: dict[str, Any] = {"url": base_url, "version": version.get("version")}
    if status_response.status_code != 200:
        result.update(status=DOWN, detail=f"/status answered {status_response.status_code}")
        return result
    status = status_response.json()
    model = status.get("model_file")
    result.update(model=model, model_id=status.get("model_id"))
    result["status"] = OK if model else DOWN
    if not model:
        result["detail"] = "no model loaded"
    return result


def check_index(index_dir: Path, model: str | None = None) -> dict[str, Any]:
    """The search index as built: chunks, documents, languages, model; down when its files are
    incomplete or it was built with another embedding model than the settings name."""
    meta_file = index_dir / "meta.json"
    if not meta_file.is_file():
        return {"status": MISSING, "path": str(index_dir), "detail": "no search index built yet"}
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        return {"status": DOWN, "path": str(index_dir), "detail": f"unreadable meta.json: {exc}"}
    result: dict[str, Any] = {"status": OK, "path": str(index_dir), "model": meta.get("model"),
                              "chunks": meta.get("chunks")}
    for key in ("documents", "languages", "dimension", "index_kind", "built_at"):
        if key in meta:
            result[key] = meta[key]
    missing = [name for name in meta.get("files", []) if not (index_dir / name).is_file()]
    if missing:
        result.update(status=DOWN, detail=f"index files missing: {', '.join(missing)}")
    elif model is not None and "files" in meta and meta.get("model") != model:
        result.update(status=DOWN, detail=f"built with model {meta.get('model')}, settings ask "
                      f"for {model}: .venv/bin/python -m retrieval build --rebuild")
    return result
