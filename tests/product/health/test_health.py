import os

from django.test import Client


def test_healthz() -> None:
    assert Client().get("/healthz").json() == {"status": "ok"}


def test_readyz_checks_the_configured_database_and_queue(db: None) -> None:
    response = Client().get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    expected_db = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert body["checks"]["database"] == {"ok": True, "detail": expected_db}
    expected_queue = "RedisHuey" if os.environ.get("REDIS_URL") else "SqliteHuey"
    assert body["checks"]["queue"]["detail"].startswith(expected_queue)
