"""The CTF pages sit beside the Setup and pupil pages they belong to."""

from django.urls import path

from . import ctf_views

app_name = "ctf"

urlpatterns = [
    path("setup/ctf/", ctf_views.ctf_import, name="ctf_import"),
    path("pupils/<int:pupil_id>/ctf.xml", ctf_views.ctf_export, name="ctf_export"),
]
