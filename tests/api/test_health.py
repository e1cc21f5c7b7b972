from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api.deps import get_settings
from api.main import create_app
from core.settings import Settings
from tests.conftest import free_port


def client_with(settings: Settings) -> TestClient:
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    return TestClient(app)


@pytest.fixture()
def settings(tmp_path) -> Settings:
    # Nothing listens on this port: Rasa is down.
    return Settings(rasa_port=free_port(), data_dir=tmp_path,
                    database_url=f"sqlite:///{tmp_path}/tickets.db", index_dir=tmp_path / "index")


def test_rasa_down_is_503_and_says_so(settings):
    response = client_with(settings).get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["rasa"]["status"] == "down"
    assert "unreachable" in body["checks"]["rasa"]["detail"]
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["database"]["backend"] == "sqlite"


def test_missing_index_is_reported_and_required_only_when_configured(settings):
    body = client_with(settings).get("/healthz").json()
    assert body["checks"]["index"] == {
        "status": "missing", "path": str(settings.index_dir),
        "detail": "no search index built yet", "required": False,
    }


def test_index_with_meta_is_ok(settings):
    settings.index_dir.mkdir(parents=True)
    (settings.index_dir / "meta.json").write_text(json.dumps({"model": "m", "chunks": 3}))
    assert client_with(settings).get("/healthz").json()["checks"]["index"]["status"] == "ok"


def test_unreachable_database_is_503(settings, tmp_path):
    # A SQLite file inside a missing, uncreatable folder cannot be opened.
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    broken = settings.model_copy(update={"database_url": f"sqlite:///{blocked}/sub/tickets.db"})
    response = client_with(broken).get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["status"] == "down"


def test_ready_only_once_the_slow_parts_are_loaded(settings, monkeypatch):
    from api import warmup

    monkeypatch.setattr(warmup, "_warm", __import__("threading").Event())
    client = client_with(settings)  # no lifespan: the warm-up has not run
    cold = client.get("/readyz")
    assert (cold.status_code, cold.json()) == (503, {"ready": False})
    warmup.warm_up(settings)  # no index here: gives up on it, the rest loads on first use
    warm = client.get("/readyz")
    assert (warm.status_code, warm.json()) == (200, {"ready": True})
