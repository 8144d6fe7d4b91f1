from django.urls import path

from accounts import password_views, views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.staff_sign_in, name="staff-login"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("locked/", views.locked_accounts, name="locked"),
    path("users/<int:user_id>/unlock/", views.unlock_account, name="unlock"),
    path("welcome/<str:uidb64>/<str:token>/", password_views.invitation, name="invitation"),
    path("password-reset/", password_views.reset_request, name="password-reset"),
    path(
        "password-reset/<str:uidb64>/<str:token>/",
        password_views.reset_confirm,
        name="password-reset-confirm",
    ),
    path("password/", password_views.change_password, name="password-change"),
]
