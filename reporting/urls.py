from django.urls import path

from . import census_views, views

app_name = "reporting"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("governors/", views.governors, name="governors"),
    path("governors/<str:key>.pdf", views.governors_pdf, name="governors_pdf"),
    path("reporting/today/", views.today, name="reporting_today"),
    path("reporting/pupils/", views.cohort_pupils, name="cohort_pupils"),
    path("reporting/marks/", views.marks_export, name="marks_export"),
    path("reporting/marks.csv", views.marks_export_old_address),
    path("reporting/census/", census_views.census_attendance, name="census_attendance"),
    path("reporting/celebration/", views.celebrate, name="celebration"),
    path("reporting/certificates/<str:kind>.pdf", views.certificates, name="certificates"),
]
