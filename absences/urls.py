from django.urls import path

from . import calling_views, follow_up_views, leave_views, pupil_views, report_views

app_name = "absences"

urlpatterns = [
    path("report/", report_views.log_report, name="log_report"),
    path("queue/", report_views.authorisation_queue, name="authorisation_queue"),
    path("calling/", calling_views.calling_list, name="calling_list"),
    path("calling/<int:pupil_id>/refer/", calling_views.cme_referral, name="cme_referral"),
    path("outbox/", calling_views.outbox, name="outbox"),
    path("follow-up/", follow_up_views.unexplained_follow_up, name="unexplained_follow_up"),
    path("tasks/", calling_views.tasks, name="follow_up_tasks"),
    path("tasks/<int:task_id>/letter.pdf", calling_views.task_letter, name="task_letter"),
    path("evidence/<int:evidence_id>/", report_views.evidence_file, name="evidence_file"),
    path("leave/", leave_views.leave_list, name="leave_list"),
    path("leave/<int:request_id>/", leave_views.leave_detail, name="leave_detail"),
    path("leave/<int:request_id>/letter.pdf", leave_views.leave_letter, name="leave_letter"),
    path("limits/", report_views.policy_limits, name="policy_limits"),
    path("pupils/<int:pupil_id>/", pupil_views.pupil_absences, name="pupil_absences"),
    path("pupils/<int:pupil_id>/leave/", leave_views.leave_new, name="leave_new"),
    path("pupils/<int:pupil_id>/part-time/", pupil_views.part_time_new, name="part_time_new"),
    path("pupils/<int:pupil_id>/delete/", pupil_views.deletion_new, name="deletion_new"),
    path(
        "pupils/<int:pupil_id>/link/<int:contact_id>/",
        pupil_views.parent_link,
        name="parent_link",
    ),
]
