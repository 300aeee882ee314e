"""Creating the first admin of a workspace, shared by `scs createadmin` and demo mode."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from simplecommercesync.accounts.models import Role, User, Workspace


@dataclass(frozen=True)
class AdminProvisioned:
    user: User
    created: bool


@transaction.atomic
def ensure_admin(email: str, password: str, workspace_name: str = "My workspace") -> AdminProvisioned:
    """Idempotent: an existing account keeps its workspace and gets this password and the admin role."""
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        workspace = Workspace.objects.create(name=workspace_name, company_name=workspace_name)
        user = User.objects.create_user(email, password, workspace=workspace, role=Role.ADMIN)
        return AdminProvisioned(user, created=True)
    user.set_password(password)
    user.role = Role.ADMIN
    user.is_active = True
    user.save(update_fields=["password", "role", "is_active"])
    return AdminProvisioned(user, created=False)
