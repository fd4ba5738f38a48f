from django.urls import path

from . import import_views, untaken_views, views

app_name = "registers"

urlpatterns = [
    path("", views.my_registers, name="my_registers"),
    path("close/", views.close_now, name="close_registers"),
    path("late/", views.late_book, name="late_book"),
    path("not-taken/", untaken_views.untaken, name="untaken_registers"),
    path("import/", import_views.import_marks, name="import_marks"),
    path("import/<uuid:job_id>/", import_views.import_marks_progress, name="import_marks_progress"),
    path("<int:group_id>/<str:day>/<str:session>/", views.register_page, name="register"),
    path("pupils/<int:pupil_id>/", views.pupil_attendance, name="pupil_attendance"),
    path("pupils/<int:pupil_id>/<str:day>/<str:session>/", views.mark_detail, name="mark_detail"),
]
