from django.urls import path

from . import case_views, views

app_name = "penalties"

urlpatterns = [
    path("", views.officer_list, name="officer_list"),
    path("check/", views.run_check, name="run_threshold_check"),
    path("review/", views.weekly_review, name="weekly_review"),
    path("cases/<int:case_id>/", case_views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/support/", case_views.case_support, name="case_support"),
    path(
        "cases/<int:case_id>/notice-to-improve/",
        case_views.case_notice_to_improve,
        name="case_notice_to_improve",
    ),
    path("cases/<int:case_id>/referral/", case_views.case_referral, name="case_referral"),
    path(
        "cases/<int:case_id>/notices/",
        case_views.case_penalty_notice,
        name="case_penalty_notice",
    ),
    path("cases/<int:case_id>/notices/paid/", case_views.notice_paid, name="notice_paid"),
    path("cases/<int:case_id>/notices/unpaid/", case_views.notice_unpaid, name="notice_unpaid"),
    path(
        "cases/<int:case_id>/notices/withdrawn/",
        case_views.notice_withdrawn,
        name="notice_withdrawn",
    ),
    path("cases/<int:case_id>/prosecution/", case_views.case_prosecution, name="case_prosecution"),
    path("cases/<int:case_id>/close/", case_views.case_close, name="case_close"),
    path("cases/<int:case_id>/withdraw/", case_views.case_withdraw, name="case_withdraw"),
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
