from django.urls import path

from centres import views

app_name = "centres"
urlpatterns = [
    path("", views.site_list, name="list"),
    path("<int:site_id>/", views.site_detail, name="detail"),
    path("<int:site_id>/apply/", views.apply, name="apply"),
    path("<int:site_id>/review/", views.review, name="review"),
    path("<int:site_id>/rooms/", views.add_room, name="add-room"),
    path("<int:site_id>/rooms/<int:room_id>/delete/", views.delete_room, name="delete-room"),
    path(
        "<int:site_id>/rooms/<int:room_id>/proctors/",
        views.room_proctors,
        name="room-proctors",
    ),
    path("<int:site_id>/staff/", views.add_staff, name="add-staff"),
    path("<int:site_id>/staff/<int:member_id>/delete/", views.delete_staff, name="delete-staff"),
    path("<int:site_id>/staff/<int:member_id>/login/", views.staff_login, name="staff-login"),
    path("<int:site_id>/admins/", views.add_site_admin, name="add-site-admin"),
    path(
        "<int:site_id>/accounts/<int:user_id>/invite/",
        views.resend_invitation,
        name="resend-invitation",
    ),
]
