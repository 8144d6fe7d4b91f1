from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.staff_sign_in, name="staff-login"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("locked/", views.locked_accounts, name="locked"),
    path("users/<int:user_id>/unlock/", views.unlock_account, name="unlock"),
]
