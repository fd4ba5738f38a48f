from django.urls import path

from . import parent_views

app_name = "parents"

urlpatterns = [
    path("<str:token>/", parent_views.parent_home, name="parent_home"),
    path("<str:token>/absence/", parent_views.parent_report, name="parent_report"),
    path("<str:token>/leave/", parent_views.parent_leave, name="parent_leave"),
]
