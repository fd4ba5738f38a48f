from django.urls import path

from . import follow_up_views, views

urlpatterns = [
    path("report/", views.log_report, name="log_report"),
    path("queue/", views.authorisation_queue, name="authorisation_queue"),
    path("calling/", views.calling_list, name="calling_list"),
    path("calling/<int:pupil_id>/refer/", views.cme_referral, name="cme_referral"),
    path("outbox/", views.outbox, name="outbox"),
    path("follow-up/", follow_up_views.unexplained_follow_up, name="unexplained_follow_up"),
    path("tasks/", views.tasks, name="follow_up_tasks"),
    path("tasks/<int:task_id>/letter.pdf", views.task_letter, name="task_letter"),
    path("evidence/<int:evidence_id>/", views.evidence_file, name="evidence_file"),
    path("leave/", views.leave_list, name="leave_list"),
    path("leave/<int:request_id>/", views.leave_detail, name="leave_detail"),
    path("leave/<int:request_id>/letter.pdf", views.leave_letter, name="leave_letter"),
    path("limits/", views.policy_limits, name="policy_limits"),
    path("pupils/<int:pupil_id>/", views.pupil_absences, name="pupil_absences"),
    path("pupils/<int:pupil_id>/leave/", views.leave_new, name="leave_new"),
    path("pupils/<int:pupil_id>/part-time/", views.part_time_new, name="part_time_new"),
    path("pupils/<int:pupil_id>/delete/", views.deletion_new, name="deletion_new"),
    path("pupils/<int:pupil_id>/link/<int:contact_id>/", views.parent_link, name="parent_link"),
]
