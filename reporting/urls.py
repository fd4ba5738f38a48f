from django.urls import path

from . import views

urlpatterns = [
    path("governors/", views.governors, name="governors"),
    path("governors/<str:key>.pdf", views.governors_pdf, name="governors_pdf"),
    path("reporting/today/", views.today, name="reporting_today"),
    path("reporting/marks.csv", views.marks_export, name="marks_export"),
]
