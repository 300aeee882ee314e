from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from simplecommercesync.accounts.models import User
from simplecommercesync.connections.status import dashboard_context


@login_required
def home(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    return render(request, "dashboard/home.html", dashboard_context(request.user.workspace))
