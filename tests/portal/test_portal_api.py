"""The customer portal's API (api/routes/portal.py) on SQLite and PostgreSQL: every endpoint
answers about the identity token's customer only, never another's (its units, tickets,
performance, manuals; another's serial, ticket or manual is 404), and nothing without a valid
token (missing, forged, expired: 401)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.deps import engine_for
from api.ratelimit import RateLimiter
from api.routes import portal
from core import identity
from core.signing import secret_for
from tests.tickets.test_api import BODY
from tickets import store
from tickets.catalog import default_catalog
from tickets.domain import Actor, NewTicket

A, B = "CUST-001", "CUST-002"
A_SERIAL, B_SERIAL = "H75S-2021-00118", "H37S-2019-00412"
ASSISTANT = Actor(name="assistant-test", role="assistant", principal="assistant-test")
# What of each customer must never appear in the other's answers.
MARKERS = {
    A: ["CUST-001", "Aegean", "S-001-01", "S-001-02", "H75S-2021-00118", "H75S-2021-00119",
        "W120-2022-00031", "P100-2021-00542", "H37S-2020-00877", "P050-2020-01210",
        "SECRET-A"],
    B: ["CUST-002", "Piraeus", "S-002-01", "H37S-2019-00412", "P050-2019-00988",
        "P050-2019-00989", "W020-2022-00145", "SECRET-B"],
}
# What the portal never shows even to the ticket's own customer.
INTERNAL = ["INTERNAL-NOTE", "conv-secret", "σταμάτησε", "oil_cooler_fouled",
            "assistant-name", "assistant-test", '"transcript"', '"conversation_id"',
            '"diagnosis"', '"citations"', '"created_by"']


@pytest.fixture()
def client(app):
    portal.REQUEST_LIMIT = RateLimiter(limit=10, window_s=3600)  # a fresh budget per test
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture()
def secret(api_settings) -> bytes:
    return secret_for(api_settings.data_dir, api_settings.link_secret)


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def token_of(client, key: str) -> str:
    response = client.post("/api/v1/identity", headers=auth(key))
    assert response.status_code == 201, response.text
    return response.json()["token"]


def seed(client, keys, api_settings) -> dict[str, dict[str, int]]:
    """For each of A and B: a fresh ticket from the chat (with a transcript, a diagnosis and
    an internal note) and one opened ten days ago whose response deadline was missed."""
    engine = engine_for(api_settings)
    catalog = default_catalog()
    numbers: dict[str, dict[str, int]] = {}
    for customer, serial in ((A, A_SERIAL), (B, B_SERIAL)):
        tag = "SECRET-A" if customer == A else "SECRET-B"
        fresh = client.post("/api/v1/tickets", headers=auth(keys["assistant"]), json={
            **BODY, "customer_id": customer, "serial": serial, "subject": f"{tag} trips",
            "conversation_id": f"conv-secret-{customer}", "error_code": None})
        assert fresh.status_code == 201, fresh.text
        ticket_id = fresh.json()["id"]
        for visibility, text in (("internal", f"INTERNAL-NOTE {tag}"),
                                 ("customer", f"Reply for {tag}")):
            client.post(f"/api/v1/tickets/{ticket_id}/comments", headers=auth(keys["engineer"]),
                        json={"body": text, "visibility": visibility}).raise_for_status()
        old, _ = store.create_ticket(
            engine, actor=ASSISTANT, catalog=catalog,
            now=datetime.now(UTC) - timedelta(days=10),
            new=NewTicket(customer_id=customer, subject=f"{tag} old leak", serial=serial,
                          description="old", type="incident", priority="P2",
                          conversation_id=f"conv-secret-old-{customer}"))
        numbers[customer] = {"fresh": fresh.json()["number"], "old": old.number}
    return numbers


def leaks(text: str, of: str) -> list[str]:
    return [m for m in MARKERS[of] if m in text]


def test_every_endpoint_answers_about_its_own_customer_only(client, keys, api_settings):
    numbers = seed(client, keys, api_settings)
    tokens = {A: token_of(client, keys["customer"]), B: token_of(client, keys["other_customer"])}
    own_serial = {A: A_SERIAL, B: B_SERIAL}
    for me, other in ((A, B), (B, A)):
        headers = {"X-Identity": tokens[me]}
        manual = client.get("/portal/api/manuals?lang=fr", headers=headers).json()[0]["doc_id"]
        answers = {path: client.get(path, headers=headers) for path in (
            "/portal/api/me", "/portal/api/units?lang=de", f"/portal/api/units/{own_serial[me]}",
            "/portal/api/tickets", f"/portal/api/tickets/{numbers[me]['fresh']}",
            "/portal/api/performance", "/portal/api/manuals?lang=fr",
            f"/portal/api/manuals/{manual}")}
        answers["POST service-requests"] = client.post(
            "/portal/api/service-requests", headers=headers,
            json={"serial": own_serial[me], "description": "yearly service please"})
        for path, response in answers.items():
            assert response.status_code in (200, 201), (path, response.text)
            assert response.headers["cache-control"] == "no-store", path
            assert not leaks(response.text, other), (me, path, leaks(response.text, other))
            assert not [m for m in INTERNAL if m in response.text], (me, path)
        assert answers["/portal/api/me"].json()["customer_id"] == me
        assert {u["serial"] for u in answers["/portal/api/units?lang=de"].json()} == set(
            default_catalog().customers[me].assets)
        listed = answers["/portal/api/tickets"].json()["items"]
        assert {t["number"] for t in listed} == set(numbers[me].values())
        detail = answers[f"/portal/api/tickets/{numbers[me]['fresh']}"].json()
        assert [r["body"] for r in detail["replies"]] == [
            f"Reply for {'SECRET-A' if me == A else 'SECRET-B'}"]
        breaches = answers["/portal/api/performance"].json()["breaches"]
        assert {b["number"] for b in breaches} == {numbers[me]["old"]}

        # the other customer's unit, ticket (both of them) and serial: not found, never 403
        for path in (f"/portal/api/units/{own_serial[other]}",
                     f"/portal/api/tickets/{numbers[other]['fresh']}",
                     f"/portal/api/tickets/{numbers[other]['old']}",
                     "/portal/api/tickets/999999"):
            response = client.get(path, headers=headers)
            assert response.status_code == 404, (path, response.text)
            assert not leaks(response.text, other)
        filed = client.post("/portal/api/service-requests", headers=headers,
                            json={"serial": own_serial[other], "description": "hijack"})
        assert filed.status_code == 404 and not leaks(filed.text, other)
    # nothing was filed on the other customer's unit
    staff = client.get("/api/v1/tickets", headers=auth(keys["engineer"]),
                       params={"customer_id": B}).json()["items"]
    assert not any("hijack" in t["description"] for t in staff)


def test_manuals_are_those_of_the_customers_own_models(client, secret):
    # CUST-006 runs compressors and pumps, no chiller; CUST-001 has all three families.
    lemaire, _ = identity.issue("CUST-006", secret, now=datetime.now(UTC),
                                ttl=timedelta(hours=1))
    aegean, _ = identity.issue(A, secret, now=datetime.now(UTC), ttl=timedelta(hours=1))
    theirs = client.get("/portal/api/manuals?lang=el", headers={"X-Identity": lemaire}).json()
    assert {m["family"] for m in theirs} == {"rotary_screw_compressor",
                                             "centrifugal_process_pump"}
    assert all(m["language"] == "el" for m in theirs)
    ours = client.get("/portal/api/manuals?lang=es", headers={"X-Identity": aegean}).json()
    chiller = next(m["doc_id"] for m in ours if m["family"] == "air_cooled_water_chiller")
    assert chiller == "hwc-manual-es"
    for doc in (chiller, "hwc-manual-en", "no-such-manual"):
        response = client.get(f"/portal/api/manuals/{doc}", headers={"X-Identity": lemaire})
        assert response.status_code == 404, doc
    opened = client.get(f"/portal/api/manuals/{chiller}", headers={"X-Identity": aegean}).json()
    assert opened["language"] == "es" and len(opened["sections"]) > 10
    assert all("<!--" not in s["text"] for s in opened["sections"])


def forged_tokens(secret: bytes) -> dict[str, str]:
    now = datetime.now(UTC)
    valid, _ = identity.issue(A, secret, now=now, ttl=timedelta(hours=1))
    prefix, payload, signature = valid.split(".")
    other_payload = identity.issue(B, secret, now=now, ttl=timedelta(hours=1))[0].split(".")[1]
    return {
        "garbage": "not-a-token",
        "empty-ish": "hid1..",
        "other secret": identity.issue(A, b"another secret", now=now,
                                       ttl=timedelta(hours=1))[0],
        "expired": identity.issue(A, secret, now=now - timedelta(hours=9),
                                  ttl=timedelta(hours=8))[0],
        "payload swapped": f"{prefix}.{other_payload}.{signature}",
        "too long": valid + "0" * 600,
        "unknown customer": identity.issue("CUST-999", secret, now=now,
                                           ttl=timedelta(hours=1))[0],
    }


ENDPOINTS = [("GET", "/portal/api/me"), ("GET", "/portal/api/units"),
             ("GET", f"/portal/api/units/{A_SERIAL}"), ("GET", "/portal/api/tickets"),
             ("GET", "/portal/api/tickets/1"), ("GET", "/portal/api/performance"),
             ("GET", "/portal/api/manuals"), ("GET", "/portal/api/manuals/hsc-manual-en"),
             ("POST", "/portal/api/service-requests")]


def test_nothing_without_a_valid_identity(client, keys, secret):
    seed_body = {"serial": A_SERIAL, "description": "service"}
    cases: dict[str, dict[str, str]] = {
        "no header": {},
        # an API key is for the identity endpoint only; the portal's API takes the identity
        "customer key": auth(keys["customer"]),
        "staff key": auth(keys["admin"]),
        **{name: {"X-Identity": token} for name, token in forged_tokens(secret).items()},
    }
    for name, headers in cases.items():
        for method, path in ENDPOINTS:
            response = client.request(method, path, headers=headers,
                                      json=seed_body if method == "POST" else None)
            assert response.status_code == 401, (name, path, response.status_code)
            detail = response.json()["detail"]
            assert "sign in" in detail and "CUST" not in detail, (name, path)
    staff = client.get("/api/v1/tickets", headers=auth(keys["engineer"])).json()
    assert staff["total"] == 0  # no forged request filed anything


def test_a_sign_in_link_from_staff_opens_the_portal(client, keys):
    link = client.post("/api/v1/identity", headers=auth(keys["engineer"]),
                       json={"customer_id": B}).json()
    me = client.get("/portal/api/me", headers={"X-Identity": link["token"]}).json()
    assert (me["customer_id"], me["via"]) == (B, "link")
    assert me["chat_url"] == f"/chat/?identity={link['token']}"
    assert me["contract"]["tier"] == "standard" and me["contract"]["response_h"]["P1"] == 4


def test_units_show_maintenance_due_and_warranty(client, keys):
    headers = {"X-Identity": token_of(client, keys["customer"])}
    units = {u["serial"]: u for u in client.get("/portal/api/units?lang=el",
                                                headers=headers).json()}
    unit = units[A_SERIAL]
    assert (unit["model"], unit["site_id"], unit["running_hours"]) == (
        "HSC-75", "S-001-01", 21450)
    assert unit["maintenance"]["due_at_hours"] == 22000
    assert unit["maintenance"]["hours_left"] == 550
    # the task texts in the language asked
    assert re.search("[α-ω]", unit["maintenance"]["tasks"][0]["task"])
    # premium contract: the extended 60-month warranty from commissioning (2021-03-15)
    assert unit["warranty"]["months"] == 60 and unit["warranty"]["ends_on"] == "2026-03-15"
    detail = client.get(f"/portal/api/units/{A_SERIAL}", headers=headers).json()
    assert [d["due_at_hours"] for d in detail["coming_due"]][:2] == [22000, 24000]


def test_the_warranty_agrees_with_the_chats_contract_answer():
    """The portal states the warranty the chat states (bot/dialogue/answers.py)."""
    from bot.dialogue.answers import contract_answer
    from bot.dialogue.dates import day_text
    from bot.dialogue.service import default_service_data
    from core.knowledge.loader import default_knowledge

    service = default_service_data()
    kb = default_knowledge()
    today = date(2026, 12, 5)
    checked = 0
    for customer in service.catalog.customers.values():
        for serial in customer.assets:
            asset = service.asset(serial=serial)
            assert asset is not None
            text = contract_answer(asset, "en", service=service, today=today).text
            shown = portal.warranty_of(asset.install_date, kb.service.tiers[customer.tier].fields,
                                       kb.service.warranty, today=today)
            if asset.install_date is None:
                assert shown is None
                continue
            assert shown is not None and day_text(shown.ends_on, "en") in text, (serial, text)
            checked += 1
    assert checked > 20


def test_service_requests_are_idempotent_limited_and_scoped(client, keys, app):
    headers = {"X-Identity": token_of(client, keys["customer"])}
    body = {"serial": A_SERIAL, "kind": "inspection", "subject": "noise at start",
            "description": "A rattling noise for a few seconds at start-up.", "priority": "P3"}
    first = client.post("/portal/api/service-requests", json=body,
                        headers={**headers, "Idempotency-Key": "portal-key-0001"})
    assert first.status_code == 201, first.text
    filed = first.json()
    assert (filed["priority"], filed["serial"], filed["created"]) == ("P3", A_SERIAL, True)
    assert filed["subject"] == f"Inspection: noise at start ({A_SERIAL})"
    again = client.post("/portal/api/service-requests", json=body,
                        headers={**headers, "Idempotency-Key": "portal-key-0001"})
    assert again.status_code == 200 and again.json()["number"] == filed["number"]
    assert not again.json()["created"]
    reused = client.post("/portal/api/service-requests", json={**body, "priority": "P4"},
                         headers={**headers, "Idempotency-Key": "portal-key-0001"})
    assert reused.status_code == 422
    # the key is the customer's: another customer's same key is another request
    other = client.post("/portal/api/service-requests",
                        json={**body, "serial": B_SERIAL},
                        headers={"X-Identity": token_of(client, keys["other_customer"]),
                                 "Idempotency-Key": "portal-key-0001"})
    assert other.status_code == 201 and other.json()["number"] != filed["number"]

    ticket = client.get("/api/v1/tickets", headers=auth(keys["engineer"]),
                        params={"customer_id": A}).json()["items"][0]
    assert (ticket["type"], ticket["channel"], ticket["customer_id"], ticket["site_id"]) == (
        "service_request", "portal", A, "S-001-01")

    for bad in ({**body, "priority": "P1"}, {**body, "description": ""},
                {**body, "kind": "bribe"}, {**body, "serial": ""}):
        assert client.post("/portal/api/service-requests", json=bad,
                           headers=headers).status_code == 422, bad

    limiter = RateLimiter(limit=1, window_s=3600)
    app.dependency_overrides[portal.get_request_limiter] = lambda: limiter
    assert client.post("/portal/api/service-requests", json=body,
                       headers=headers).status_code == 201
    assert client.post("/portal/api/service-requests", json=body,
                       headers=headers).status_code == 429


def test_performance_periods(client, keys, api_settings):
    numbers = seed(client, keys, api_settings)
    headers = {"X-Identity": token_of(client, keys["customer"])}
    today = datetime.now(UTC).date()
    recent = client.get("/portal/api/performance", headers=headers,
                        params={"from": (today - timedelta(days=3)).isoformat(),
                                "to": today.isoformat()}).json()
    # only the fresh ticket was created in these days: the engineer's reply met its
    # response deadline, its resolution is pending
    assert sum(c["tickets"] for c in recent["cells"]) == 1 and recent["breaches"] == []
    assert (recent["response_compliance"], recent["resolution_compliance"]) == (1.0, None)
    whole = client.get("/portal/api/performance", headers=headers).json()
    assert sum(c["tickets"] for c in whole["cells"]) == 2
    assert whole["response_compliance"] == 0.5
    assert [(b["number"], b["kind"]) for b in whole["breaches"]][0] == (
        numbers[A]["old"], "response")
    assert all(c["tier"] == "premium_24_7" for c in whole["cells"])
    for params in ({"from": "2026-05-01", "to": "2026-04-01"}, {"from": "yesterday"},
                   {"from": "2020-01-01", "to": "2026-01-01"}):
        assert client.get("/portal/api/performance", headers=headers,
                          params=params).status_code == 422, params


def test_the_page_is_served_with_the_security_headers(client):
    page = client.get("/portal/")
    assert page.status_code == 200 and "portal.js" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    for asset in ("portal.js", "portal.css"):
        assert client.get(f"/portal/{asset}").status_code == 200
    assert client.get("/portal/../main.py").status_code == 404
    assert client.get("/portal/index.html").status_code == 404
    assert client.get("/portal", follow_redirects=False).status_code == 307
    # no CDN, no inline script: everything from this origin
    assert not re.search(r"(src|href)=\"https?://", page.text)
    assert "<script>" not in page.text


def test_openapi_lists_the_portal_api(client):
    paths = json.loads(client.get("/openapi.json").text)["paths"]
    assert {"/portal/api/me", "/portal/api/units", "/portal/api/tickets",
            "/portal/api/performance", "/portal/api/manuals",
            "/portal/api/service-requests"} <= set(paths)
