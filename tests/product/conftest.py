"""Fixtures for the product's own tests: workspaces, people and signed-in browsers."""

from __future__ import annotations

from typing import Any

import pytest

from simplecommercesync.accounts.models import Role, User, Workspace

PASSWORD = "correct-horse-42"


@pytest.fixture
def workspace(db: None) -> Workspace:
    return Workspace.objects.create(name="Acme", company_name="Acme Supplies")


@pytest.fixture
def admin(workspace: Workspace) -> User:
    return User.objects.create_user(
        "admin@acme.example",
        PASSWORD,
        workspace=workspace,
        role=Role.ADMIN,
        display_name="Ada Admin",
    )


@pytest.fixture
def member(workspace: Workspace) -> User:
    return User.objects.create_user(
        "member@acme.example",
        PASSWORD,
        workspace=workspace,
        role=Role.MEMBER,
        display_name="Max Member",
    )


def sign_in_browser(page: Any, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/sign-in/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
