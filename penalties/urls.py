from django.urls import path

from . import views

urlpatterns = [
    path("", views.officer_list, name="officer_list"),
    path("check/", views.run_check, name="run_threshold_check"),
    path("review/", views.weekly_review, name="weekly_review"),
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/notice-to-improve.pdf", views.nti_letter, name="nti_letter"),
    path(
        "cases/<int:case_id>/notices/<int:notice_id>.pdf",
        views.notice_letter,
        name="notice_letter",
    ),
    path("pupils/<int:pupil_id>/", views.case_file, name="case_file"),
    path(
        "letters/<int:intervention_id>.pdf", views.intervention_letter, name="intervention_letter"
    ),
    path("templates/", views.letter_templates, name="letter_templates"),
    path("templates/<str:kind>/", views.letter_templates, name="letter_template"),
]
