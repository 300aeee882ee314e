"""What every settings page does with its request: who asks, whether they may change settings
(enforced here, a member's POST is a 403, not only hidden buttons), how an outcome is said."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from simplecommercesync.accounts.models import User


def user_of(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def require_admin(request: HttpRequest) -> User:
    user = user_of(request)
    if not user.is_admin:
        raise PermissionDenied("Only a workspace admin can change sync settings.")
    return user


def say(request: HttpRequest, level: str, text: str) -> None:
    # An "error" after saving still saved the configuration: say it as a warning, not a failure.
    (messages.success if level == "success" else messages.warning)(request, text)
