from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q

from .models import (
    AcademicYear,
    Contact,
    NonSchoolDay,
    Pupil,
    PupilContact,
    RegistrationGroup,
    School,
    Term,
    User,
)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "urn", "local_authority", "dfe_number"]


class TermInline(admin.TabularInline):
    model = Term
    extra = 0


@admin.register(AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "start_date", "end_date"]
    inlines = [TermInline]


@admin.register(NonSchoolDay)
class NonSchoolDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "sessions", "description", "school"]
    list_filter = ["kind", "school"]
    date_hierarchy = "date"


@admin.register(RegistrationGroup)
class RegistrationGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "year_group", "academic_year"]
    list_filter = ["academic_year", "year_group"]
    filter_horizontal = ["teachers"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "teachers":
            # A class's teachers take its registers: never a governor or the office.
            kwargs["queryset"] = (
                User.objects.filter(
                    Q(groups__permissions__codename="take_register")
                    | Q(user_permissions__codename="take_register")
                )
                .distinct()
                .order_by("last_name", "first_name")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class PupilContactInline(admin.TabularInline):
    model = PupilContact
    extra = 0
    autocomplete_fields = ["contact"]


@admin.register(Pupil)
class PupilAdmin(admin.ModelAdmin):
    list_display = ["legal_surname", "legal_first_name", "upn", "year_group", "registration_group"]
    list_filter = ["year_group", "registration_group", "send", "free_school_meals"]
    search_fields = ["legal_surname", "legal_first_name", "preferred_first_name", "upn"]
    list_select_related = ["registration_group"]
    inlines = [PupilContactInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "mobile_phone", "email"]
    search_fields = ["last_name", "first_name", "email", "mobile_phone", "external_id"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (("School", {"fields": ("school", "job_title")}),)
    list_display = ["username", "first_name", "last_name", "job_title", "is_active"]

    def get_readonly_fields(self, request, obj=None):
        # Roles are groups; a superuser (every permission, authorising absence
        # included) is made only by `manage.py createsuperuser`, in an emergency.
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions", "last_login", "date_joined"]
        return readonly
