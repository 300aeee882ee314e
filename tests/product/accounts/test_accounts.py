from django.test import Client
from django.urls import reverse

from simplecommercesync.accounts.models import Role, User, Workspace
from simplecommercesync.cli import main
from tests.product.conftest import PASSWORD

ADMIN_ONLY_POSTS = [
    ("accounts:workspace", {"name": "Hacked", "company_name": "x", "time_zone": "UTC"}),
    (
        "accounts:add_member",
        {"email": "x@acme.example", "password": "long-enough-1", "role": "admin"},
    ),
]


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_sign_in_with_email_and_password(admin: User) -> None:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "ADMIN@acme.example", "password": PASSWORD}
    )
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_says_so_and_keeps_you_out(admin: User) -> None:
    response = Client().post(reverse("accounts:login"), {"username": admin.email, "password": "nope-nope"})
    assert response.status_code == 200
    assert b"don&#x27;t match an account" in response.content


def test_pages_need_sign_in(db: None) -> None:
    response = Client().get(reverse("accounts:account"))
    assert response.status_code == 302 and response.url.startswith("/sign-in/")


def test_login_is_throttled_after_five_wrong_passwords(admin: User) -> None:
    client = Client()
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": admin.email, "password": "wrong-guess"})
    response = client.post(reverse("accounts:login"), {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_member_gets_403_page_on_admin_actions(member: User) -> None:
    client = signed_in(member)
    for name, data in ADMIN_ONLY_POSTS:
        response = client.post(reverse(name), data)
        assert response.status_code == 403, name
        assert b"Admins only" in response.content
    member.workspace.refresh_from_db()
    assert member.workspace.name == "Acme"
    assert not User.objects.filter(email="x@acme.example").exists()


def test_admin_changes_workspace_time_zone(admin: User) -> None:
    client = signed_in(admin)
    response = client.post(
        reverse("accounts:workspace"),
        {"name": "Acme", "company_name": "Acme Supplies", "time_zone": "Asia/Tokyo"},
    )
    assert response.status_code == 302
    admin.workspace.refresh_from_db()
    assert admin.workspace.time_zone == "Asia/Tokyo"
    assert "JST" in client.get(reverse("accounts:account")).content.decode()


def test_unknown_time_zone_is_refused(admin: User) -> None:
    response = signed_in(admin).post(
        reverse("accounts:workspace"),
        {"name": "Acme", "company_name": "", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content


def test_admin_adds_a_member(admin: User) -> None:
    response = signed_in(admin).post(
        reverse("accounts:add_member"),
        {
            "email": "New@Acme.example",
            "display_name": "Nia",
            "password": "long-enough-1",
            "role": "member",
        },
    )
    assert response.status_code == 302
    person = User.objects.get(email="new@acme.example")
    assert person.workspace == admin.workspace and person.role == Role.MEMBER


def test_change_password_needs_current_and_matching_new(admin: User) -> None:
    client = signed_in(admin)
    url = reverse("accounts:password")
    bad_current = client.post(
        url, {"current_password": "x", "new_password1": "abcdefgh1", "new_password2": "abcdefgh1"}
    )
    assert b"not your current password" in bad_current.content
    mismatch = client.post(
        url,
        {"current_password": PASSWORD, "new_password1": "abcdefgh1", "new_password2": "abcdefgh2"},
    )
    assert b"The two new passwords differ" in mismatch.content
    short = client.post(
        url, {"current_password": PASSWORD, "new_password1": "short", "new_password2": "short"}
    )
    assert b"at least 8 characters" in short.content
    ok = client.post(
        url,
        {
            "current_password": PASSWORD,
            "new_password1": "brand-new-pass",
            "new_password2": "brand-new-pass",
        },
    )
    assert ok.status_code == 302
    admin.refresh_from_db()
    assert admin.check_password("brand-new-pass")
    assert client.get(reverse("accounts:account")).status_code == 200  # this browser stays signed in


def test_change_email(admin: User, member: User) -> None:
    client = signed_in(admin)
    taken = client.post(reverse("accounts:email"), {"current_password": PASSWORD, "new_email": member.email})
    assert b"already uses this email" in taken.content
    client.post(reverse("accounts:email"), {"current_password": PASSWORD, "new_email": "Boss@Acme.example"})
    admin.refresh_from_db()
    assert admin.email == "boss@acme.example"


def test_sign_out_everywhere_ends_other_sessions(admin: User) -> None:
    laptop, phone = signed_in(admin), signed_in(admin)
    assert phone.get(reverse("accounts:account")).status_code == 200
    laptop.post(reverse("accounts:sign_out_everywhere"))
    assert phone.get(reverse("accounts:account")).status_code == 302
    assert laptop.get(reverse("accounts:account")).status_code == 302


def test_notification_switches_are_stored(admin: User) -> None:
    signed_in(admin).post(reverse("accounts:notifications"), {"notify_usage_warnings": "on"})
    admin.refresh_from_db()
    assert admin.notify_sync_failures is False and admin.notify_usage_warnings is True


def test_forms_need_csrf(admin: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    assert client.post(reverse("accounts:profile"), {"display_name": "X"}).status_code == 403


def test_createadmin_is_idempotent(db: None, capsys) -> None:
    args = [
        "createadmin",
        "--email",
        "Owner@Shop.example",
        "--password",
        "first-pass-1",
        "--workspace",
        "Shop",
    ]
    assert main(args) == 0
    assert main([*args[:3], "--password", "second-pass-2"]) == 0
    assert User.objects.filter(email="owner@shop.example").count() == 1
    assert Workspace.objects.filter(name="Shop").count() == 1
    user = User.objects.get(email="owner@shop.example")
    assert user.is_admin and user.check_password("second-pass-2")
    assert "Updated admin owner@shop.example" in capsys.readouterr().out


def test_createadmin_rejects_short_password(db: None, capsys) -> None:
    assert main(["createadmin", "--email", "a@b.example", "--password", "short"]) == 2
    assert "at least 8 characters" in capsys.readouterr().err


def test_admin_sets_a_forgotten_password_and_lifts_the_lockout(admin: User, member: User) -> None:
    stranger = Client()
    for _ in range(5):
        stranger.post(reverse("accounts:login"), {"username": member.email, "password": "wrong-guess"})
    assert (
        stranger.post(reverse("accounts:login"), {"username": member.email, "password": PASSWORD}).status_code
        == 429
    )
    url = reverse("accounts:member_password", args=[member.pk])
    assert signed_in(member).post(url, {"password": "whatever-123"}).status_code == 403
    short = signed_in(admin).post(url, {"password": "short"}, follow=True)
    assert b"not changed" in short.content
    signed_in(admin).post(url, {"password": "fresh-start-9"})
    member.refresh_from_db()
    assert member.check_password("fresh-start-9")
    response = Client().post(
        reverse("accounts:login"), {"username": member.email, "password": "fresh-start-9"}
    )
    assert response.status_code == 302


def test_admin_cannot_reach_people_of_another_workspace(admin: User) -> None:
    other = Workspace.objects.create(name="Other")
    outsider = User.objects.create_user("out@other.example", PASSWORD, workspace=other)
    response = signed_in(admin).post(
        reverse("accounts:member_password", args=[outsider.pk]), {"password": "x" * 10}
    )
    assert response.status_code == 404
    outsider.refresh_from_db()
    assert outsider.check_password(PASSWORD)
