from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from simplecommercesync.accounts.models import User
from simplecommercesync.connections.status import dashboard_context
from simplecommercesync.dashboard.activity import sync_activity


@login_required
def home(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    workspace = request.user.workspace
    return render(request, "dashboard/home.html", {**dashboard_context(workspace), **sync_activity(workspace.pk)})
