"""The command line and the control API's set-up calls."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time

import httpx

from hubspot_emulator.cli import add_arguments, config_from
from hubspot_emulator.seed import DEMO_CLIENT_ID, MAIN_PORTAL, OWNER_EMAIL, REP_EMAIL


def test_arguments_build_the_config():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    config = config_from(parser.parse_args([
        "--port", "9001", "--seed", "empty", "--rate-limit-scale", "10",
        "--access-token-lifetime", "60", "--webhook-url", "http://127.0.0.1:1/hook",
        "--redirect-uri", "http://a/cb", "--redirect-uri", "http://b/cb"]))
    assert (config.port, config.seed, config.rate_limit_scale) == (9001, "empty", 10.0)
    assert config.access_token_lifetime_s == 60 and config.webhook_url.endswith("/hook")
    assert config.redirect_uris == ["http://a/cb", "http://b/cb"]


def test_python_dash_m_serves_the_demo_world():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "hubspot_emulator", "--port", str(port),
         "--redirect-uri", "http://127.0.0.1:7000/cb/"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                state = httpx.get(f"http://127.0.0.1:{port}/_emulator/state").json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        [app] = state["apps"]
        assert app["client_id"] == DEMO_CLIENT_ID
        assert app["redirect_uris"] == ["http://127.0.0.1:7000/cb/"]
        users = {u["email"]: u for u in state["users"]}
        assert users[OWNER_EMAIL]["password"] == "hubspot-demo"
        assert users[REP_EMAIL]["portals"] == [{"id": MAIN_PORTAL, "super_admin": False}]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_reset_to_empty_and_seed_again(http: httpx.Client):
    assert http.post("/_emulator/reset", json={"seed": "empty"}).json()["seed"] == "empty"
    state = http.get("/_emulator/state").json()
    assert state["apps"] == [] and state["portals"] == [] and state["users"] == []
    http.post("/_emulator/seed")
    counts = http.get("/_emulator/state").json()["counts"][str(MAIN_PORTAL)]
    assert counts["contacts"] == 12 and counts["products"] == 15 and counts["invoices"] == 18


def test_private_app_token_has_every_scope(http: httpx.Client):
    token = http.post(f"/_emulator/portals/{MAIN_PORTAL}/private-app-token").json()
    assert "crm.schemas.invoices.write" in token["scopes"]
    assert http.post("/_emulator/portals/1/private-app-token").status_code == 404


def test_generate_bulk_records(http: httpx.Client, private_token: str):
    response = http.post(f"/_emulator/portals/{MAIN_PORTAL}/generate",
                         json={"contacts": 5, "products": 3, "invoices": 40,
                               "lines_per_invoice": 2})
    assert response.status_code == 201
    counts = http.get("/_emulator/state").json()["counts"][str(MAIN_PORTAL)]
    assert counts["invoices"] == 58 and counts["contacts"] == 17
    headers = {"Authorization": f"Bearer {private_token}"}
    last = http.get("/crm/v3/objects/invoices?limit=100&after=0&associations=line_items",
                    headers=headers).json()["results"]
    assert len(last[-1]["associations"]["line_items"]["results"]) == 2
    assert http.post(f"/_emulator/portals/{MAIN_PORTAL}/generate",
                     json={"invoices": -1}).status_code == 400


def test_register_app_validates_redirect_uris(http: httpx.Client):
    assert http.post("/_emulator/apps", json={"redirect_uris": "nope"}).status_code == 400
    updated = http.post("/_emulator/apps", json={"client_id": DEMO_CLIENT_ID,
                                                 "redirect_uris": ["http://x.example/cb"]})
    assert updated.status_code == 200
    assert updated.json()["redirect_uris"] == ["http://x.example/cb"]
    assert updated.json()["client_secret"] == "scs-demo-hubspot-secret"


def test_generated_worlds_match_the_shared_generator(http: httpx.Client, private_token: str):
    from emulator_core.generated_world import generated_contacts, generated_invoices, generated_products

    response = http.post(f"/_emulator/portals/{MAIN_PORTAL}/generate", json={
        "seed": 7, "contacts": 4, "products": 5, "invoices": 10, "lines_per_invoice": 3})
    assert response.status_code == 201
    headers = {"Authorization": f"Bearer {private_token}"}

    def search(object_type: str, name: str, value: str, *properties: str) -> list[dict]:
        body = http.post(f"/crm/v3/objects/{object_type}/search", headers=headers, json={
            "filterGroups": [{"filters": [{"propertyName": name, "operator": "CONTAINS_TOKEN",
                                           "value": value}]}],
            "properties": list(properties), "limit": 100}).json()
        return list(body["results"])

    skus = {r["properties"]["hs_sku"] for r in search("products", "hs_sku", "GEN-7-*", "hs_sku")}
    assert skus == {p.sku for p in generated_products(7, 5)}
    emails = {r["properties"]["email"] for r in search("contacts", "email", "*.s7@*", "email")}
    assert emails == {str(c.email) for c in generated_contacts(7, 4)}
    expected = [i.status for i in generated_invoices(7, 10, contacts=4, products=5)]
    made = http.get("/crm/v3/objects/invoices?limit=100&properties=hs_invoice_status,"
                    "hs_balance_due&associations=line_items", headers=headers).json()["results"]
    generated = made[-10:]
    assert [i["properties"]["hs_invoice_status"] for i in generated] == expected
    assert all(len(i["associations"]["line_items"]["results"]) == 3 for i in generated)
    assert all(i["properties"]["hs_balance_due"] == "0.00" for i in generated
               if i["properties"]["hs_invoice_status"] == "paid")
    bad = http.post(f"/_emulator/portals/{MAIN_PORTAL}/generate",
                    json={"invoices": 2, "contacts": 0, "products": 1})
    assert bad.status_code == 400 and "same call" in bad.json()["error"]


def test_generated_quotes_bill_generated_contacts_for_generated_products(http: httpx.Client, private_token: str):
    from emulator_core.generated_world import generated_contacts, generated_products

    headers = {"Authorization": f"Bearer {private_token}"}
    before = len(http.get("/crm/v3/objects/quotes?limit=100", headers=headers).json()["results"])
    response = http.post(f"/_emulator/portals/{MAIN_PORTAL}/generate", json={
        "seed": 9, "contacts": 3, "products": 4, "quotes": 7})
    assert response.status_code == 201
    assert response.json()["created"] == {"contacts": 3, "products": 4, "invoices": 0, "line_items": 21,
                                          "quotes": 7}
    made = http.get("/crm/v3/objects/quotes?limit=100&properties=hs_status,hs_title"
                    "&associations=line_items,contacts", headers=headers).json()["results"]
    generated = [q for q in made if q["properties"]["hs_title"].startswith("Generated quote 9-")]
    assert len(made) == before + 7 and len(generated) == 7
    assert {q["properties"]["hs_status"] for q in generated} == {"APPROVED"}
    assert all(len(q["associations"]["line_items"]["results"]) == 3 for q in generated)
    contact_ids = {q["associations"]["contacts"]["results"][0]["id"] for q in generated}
    contacts = http.post("/crm/v3/objects/contacts/batch/read", headers=headers, json={
        "inputs": [{"id": i} for i in contact_ids], "properties": ["email"]}).json()["results"]
    assert {c["properties"]["email"] for c in contacts} == {str(c.email) for c in generated_contacts(9, 3)}
    line_ids = [line["id"] for q in generated for line in q["associations"]["line_items"]["results"]]
    lines = http.post("/crm/v3/objects/line_items/batch/read", headers=headers, json={
        "inputs": [{"id": i} for i in line_ids], "properties": ["hs_sku"]}).json()["results"]
    assert {line["properties"]["hs_sku"] for line in lines} <= {p.sku for p in generated_products(9, 4)}

    pending = http.post(f"/_emulator/portals/{MAIN_PORTAL}/generate", json={
        "seed": 10, "contacts": 1, "products": 1, "quotes": 2, "quote_status": "PENDING_APPROVAL"})
    assert pending.status_code == 201
    for body, message in (({"quotes": 2, "contacts": 1, "products": 0}, "same call"),
                          ({"quotes": 1, "contacts": 1, "products": 1, "quote_status": "SIGNED"}, "quote_status"),
                          ({"quotes": -1}, "whole number")):
        refused = http.post(f"/_emulator/portals/{MAIN_PORTAL}/generate", json=body)
        assert refused.status_code == 400 and message in refused.json()["error"], refused.text
    after = http.get("/crm/v3/objects/quotes?limit=100", headers=headers).json()["results"]
    assert len(after) == before + 9
