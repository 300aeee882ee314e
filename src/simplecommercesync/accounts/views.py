"""Sign-in, sign-out and Settings → Account."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as reset_login_lockout
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from simplecommercesync.accounts.forms import (
    AddMemberForm,
    EmailChangeForm,
    NotificationsForm,
    PasswordChangeForm,
    ProfileForm,
    SetMemberPasswordForm,
    SignInForm,
    WorkspaceForm,
)
from simplecommercesync.accounts.models import User
from simplecommercesync.accounts.next_url import local_next
from simplecommercesync.accounts.roles import admin_required


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    form = SignInForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["username"].strip().lower(),
            password=form.cleaned_data["password"],
        )
        if user is not None:
            login(request, user)
            return HttpResponseRedirect(local_next(request, next_url) or reverse("dashboard:home"))
        form.add_error(None, "That email and password don't match an account.")
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("accounts:login")


def _account_page(request: HttpRequest, status: int = 200, **bound: Any) -> HttpResponse:
    user = _user(request)
    forms = {
        "profile_form": ProfileForm(instance=user),
        "notifications_form": NotificationsForm(instance=user),
        "email_form": EmailChangeForm(user),
        "password_form": PasswordChangeForm(user),
        "workspace_form": WorkspaceForm(instance=user.workspace),
        "member_form": AddMemberForm(),
    }
    forms.update(bound)
    context = {
        **forms,
        "team": user.workspace.members.order_by("email"),
    }
    return render(request, "accounts/account.html", context, status=status)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


def _save_own_settings(
    request: HttpRequest, form_class: type[ProfileForm] | type[NotificationsForm], key: str, done: str
) -> HttpResponse:
    form = form_class(request.POST, instance=_user(request))
    if not form.is_valid():
        return _account_page(request, 400, **{key: form})
    form.save()
    messages.success(request, done)
    return redirect("accounts:account")


@login_required
@require_POST
def update_profile(request: HttpRequest) -> HttpResponse:
    return _save_own_settings(request, ProfileForm, "profile_form", "Display name saved.")


@login_required
@require_POST
def update_notifications(request: HttpRequest) -> HttpResponse:
    return _save_own_settings(
        request, NotificationsForm, "notifications_form", "Notification settings saved."
    )


@login_required
@require_POST
def change_email(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = EmailChangeForm(user, request.POST)
    if not form.is_valid():
        return _account_page(request, 400, email_form=form)
    user.email = form.cleaned_data["new_email"]
    user.save(update_fields=["email"])
    messages.success(request, f"Your sign-in email is now {user.email}.")
    return redirect("accounts:account")


@login_required
@require_POST
def change_password(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasswordChangeForm(user, request.POST)
    if not form.is_valid():
        return _account_page(request, 400, password_form=form)
    user.set_password(form.cleaned_data["new_password1"])
    user.save(update_fields=["password"])
    update_session_auth_hash(request, user)
    messages.success(request, "Password changed. Other browsers have been signed out.")
    return redirect("accounts:account")


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    _user(request).sign_out_everywhere()
    logout(request)
    messages.info(request, "You are signed out on every browser and device.")
    return redirect("accounts:login")


@admin_required
@require_POST
def update_workspace(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST, instance=_user(request).workspace)
    if not form.is_valid():
        return _account_page(request, 400, workspace_form=form)
    form.save()
    messages.success(request, "Workspace settings saved. Times now show in " + form.instance.time_zone + ".")
    return redirect("accounts:account")


@admin_required
@require_POST
def add_member(request: HttpRequest) -> HttpResponse:
    form = AddMemberForm(request.POST)
    if not form.is_valid():
        return _account_page(request, 400, member_form=form)
    data = form.cleaned_data
    User.objects.create_user(
        data["email"],
        data["password"],
        display_name=data["display_name"],
        role=data["role"],
        workspace=_user(request).workspace,
    )
    messages.success(request, f"{data['email']} can now sign in to this workspace.")
    return redirect("accounts:account")


@admin_required
@require_POST
def set_member_password(request: HttpRequest, user_id: int) -> HttpResponse:
    """An admin sets a new password for someone in the same workspace (a forgotten password)."""
    person = get_object_or_404(User, pk=user_id, workspace=_user(request).workspace)
    form = SetMemberPasswordForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            f"Password for {person.email} not changed: "
            + " ".join(str(error) for error in form.errors["password"]),
        )
        return redirect("accounts:account")
    person.set_password(form.cleaned_data["password"])
    person.save(update_fields=["password"])
    person.sign_out_everywhere()
    reset_login_lockout(username=person.email)
    messages.success(
        request,
        f"New password set for {person.email}; they are signed out everywhere and can sign in with it now.",
    )
    return redirect("accounts:account")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if isinstance(exception, PermissionDenied) and str(exception) else ""
    return render(request, "errors/403.html", {"reason": reason}, status=403)
