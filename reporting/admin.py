from django.contrib import admin

from .models import NationalFigure


@admin.register(NationalFigure)
class NationalFigureAdmin(admin.ModelAdmin):
    """The DfE comparators on the governors' dashboard, kept up to date by the school.

    Keys are "<season>-<measure>": autumn-overall-absence,
    spring-persistent-absence, summer-fsm-absence and so on."""

    list_display = ["key", "label", "value", "source"]
    list_editable = ["value"]
    search_fields = ["key", "label"]
