from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    providers = [
        {"name": "HubSpot", "status": "Not connected"},
        {"name": "QuickBooks", "status": "Not connected"},
    ]
    return render(request, "dashboard/home.html", {"providers": providers})
