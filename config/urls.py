from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Rollcall administration"
admin.site.site_title = "Rollcall"
# The database out of reach is a 503 saying nothing was saved (attendance/error_pages.py).
handler500 = "attendance.error_pages.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("registers/", include("registers.urls")),
    path("absences/", include("absences.urls")),
    path("escalation/", include("penalties.urls")),
    path("p/", include("absences.parent_urls")),
    path("", include("reporting.urls")),
    path("", include("registers.ctf_urls")),
    path("", include("attendance.account_urls")),
    path("", include("attendance.urls")),
]
