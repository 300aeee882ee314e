"""The forms behind sign-in and Settings → Account; each validates one change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation

from simplecommercesync.accounts.models import Role, User, Workspace, valid_time_zones


class SignInForm(forms.Form):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))
    password = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name"]
        labels = {"display_name": "Display name"}


class NotificationsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["notify_sync_failures", "notify_usage_warnings"]
        labels = {
            "notify_sync_failures": "Sync failure alerts — e-mail me when a record fails to sync",
            "notify_usage_warnings": "Usage warnings — e-mail me when the workspace nears an API limit",
        }


class CurrentPasswordMixin(forms.Form):
    current_password = forms.CharField(label="Current password", strip=False, widget=forms.PasswordInput)

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self) -> str:
        value: str = self.cleaned_data["current_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError("That is not your current password.")
        return value


class EmailChangeForm(CurrentPasswordMixin):
    new_email = forms.EmailField(label="New email")

    def clean_new_email(self) -> str:
        email = self.cleaned_data["new_email"].strip().lower()
        if User.objects.filter(email=email).exclude(pk=self.user.pk).exists():
            raise forms.ValidationError("Another account already uses this email.")
        return email


class PasswordChangeForm(CurrentPasswordMixin):
    new_password1 = forms.CharField(label="New password", strip=False, widget=forms.PasswordInput)
    new_password2 = forms.CharField(label="New password again", strip=False, widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "The two new passwords differ.")
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as exc:
                self.add_error("new_password1", exc)
        return cleaned


class WorkspaceForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label="Time zone", choices=())

    class Meta:
        model = Workspace
        fields = ["name", "company_name", "time_zone"]
        labels = {"name": "Workspace name", "company_name": "Company name"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(zone, zone.replace("_", " ")) for zone in valid_time_zones()]


class AddMemberForm(forms.Form):
    email = forms.EmailField(label="Email")
    display_name = forms.CharField(label="Display name", required=False, max_length=120)
    password = forms.CharField(
        label="First password",
        strip=False,
        widget=forms.PasswordInput,
        help_text="Share it with them; they can change it under Settings → Account.",
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.MEMBER)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email

    def clean_password(self) -> str:
        value: str = self.cleaned_data["password"]
        password_validation.validate_password(value)
        return value


class SetMemberPasswordForm(forms.Form):
    password = forms.CharField(label="New password", strip=False, widget=forms.PasswordInput)

    def clean_password(self) -> str:
        value: str = self.cleaned_data["password"]
        password_validation.validate_password(value)
        return value
