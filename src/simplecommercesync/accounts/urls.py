from django.urls import path

from simplecommercesync.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("settings/account/", views.account, name="account"),
    path("settings/account/profile/", views.update_profile, name="profile"),
    path("settings/account/notifications/", views.update_notifications, name="notifications"),
    path("settings/account/email/", views.change_email, name="email"),
    path("settings/account/password/", views.change_password, name="password"),
    path(
        "settings/account/sign-out-everywhere/",
        views.sign_out_everywhere,
        name="sign_out_everywhere",
    ),
    path("settings/account/workspace/", views.update_workspace, name="workspace"),
    path("settings/account/team/", views.add_member, name="add_member"),
    path("settings/account/team/<int:user_id>/password/", views.set_member_password, name="member_password"),
]
