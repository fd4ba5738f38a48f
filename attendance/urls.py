from django.urls import path

from . import new_year_views, views

app_name = "attendance"

urlpatterns = [
    path("", views.home, name="home"),
    path("classes/", views.my_classes, name="my_classes"),
    path("classes/<int:group_id>/", views.group_detail, name="group_detail"),
    path("pupils/", views.pupil_list, name="pupil_list"),
    path("pupils/<int:pupil_id>/", views.pupil_detail, name="pupil_detail"),
    path("pupils/<int:pupil_id>/subject-access.zip", views.subject_access, name="subject_access"),
    path("setup/", views.setup, name="setup"),
    path("setup/pupils.csv", views.export_pupils, name="export_pupils"),
    path("setup/new-year/", new_year_views.new_year, name="new_year"),
    path("setup/new-year/calendar/", new_year_views.new_year_calendar, name="new_year_calendar"),
    path("setup/new-year/classes/", new_year_views.new_year_classes, name="new_year_classes"),
    path("setup/new-year/pupils/", new_year_views.new_year_pupils, name="new_year_pupils"),
    path("setup/new-year/preview/", new_year_views.new_year_preview, name="new_year_preview"),
    path("setup/staff/", new_year_views.staff_list, name="staff_list"),
    path("setup/staff/new/", new_year_views.staff_new, name="staff_new"),
    path("setup/sign-ins/", views.sign_ins, name="sign_ins"),
    path("setup/view-log/", views.view_log_page, name="view_log"),
]
