from django.db import models

from attendance.models import Pupil, RegistrationGroup, School


class NationalFigure(models.Model):
    """A national comparator (DfE statistics), kept as editable reference data."""

    key = models.SlugField(
        unique=True,
        help_text="season and measure, e.g. autumn-overall-absence, spring-persistent-absence, "
        "summer-fsm-absence, autumn-ehc-absence",
    )
    label = models.CharField(max_length=200)
    value = models.DecimalField("value (%)", max_digits=5, decimal_places=1)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.label}: {self.value}%"


class Grouping(models.Model):
    """Each pupil's year group, class and pupil-group flags as they stood when
    a term's figures were first needed (at the latest, its first school day).

    The governors' tables for that term group pupils by these, not by today's
    records: otherwise a child going onto free school meals in March would
    move their autumn sessions from one row to another, and the difference
    between two downloads would be that child's own attendance.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=30)  # a term's key, e.g. 2026-27-autumn
    taken_at = models.DateTimeField()

    class Meta:
        # The table the attendance app created, kept when the model moved here.
        db_table = "attendance_grouping"
        constraints = [
            models.UniqueConstraint(fields=["school", "term"], name="one_grouping_per_term")
        ]

    def __str__(self) -> str:
        return f"{self.term} grouping taken {self.taken_at:%Y-%m-%d}"


class GroupedPupil(models.Model):
    # One field per field of the dashboard's pupil groups
    # (attendance.pupil_groups), as reporting.cohorts.GROUPED_FIELDS reads them.
    grouping = models.ForeignKey(Grouping, on_delete=models.CASCADE, related_name="pupils")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    year_group = models.CharField(max_length=2)
    registration_group = models.ForeignKey(
        RegistrationGroup, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_of_birth = models.DateField()
    free_school_meals = models.BooleanField()
    pupil_premium = models.BooleanField()
    send = models.CharField(max_length=1)
    eal = models.BooleanField()
    looked_after = models.BooleanField()
    has_social_worker = models.BooleanField()
    young_carer = models.BooleanField()

    class Meta:
        db_table = "attendance_groupedpupil"
        constraints = [
            models.UniqueConstraint(fields=["grouping", "pupil"], name="one_row_per_pupil")
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} in {self.grouping}"


class PastTermFigures(models.Model):
    """A whole school's figures for a range of days that has ended (the terms
    the governors' dashboard compares with), kept so that a comparison costs
    one row's read rather than a term of every pupil's weeks.

    A trigger on registers_mark (migration 0006) deletes a school's rows
    whose range holds a mark being written or amended, in the writer's own
    transaction, so an amendment to a past term is in its figures at once;
    reporting.past_terms says how a row is stored without racing a writer.
    A load that writes marks with triggers off must empty this table, as it
    rebuilds registers_pupilweek.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    start = models.DateField()
    end = models.DateField()
    # The counting rules the figures were worked out by (reporting.past_terms.METHOD):
    # a row from other rules is worked out again.
    method = models.CharField(max_length=16)
    pupils = models.IntegerField()
    possible = models.IntegerField()
    attending = models.IntegerField()
    authorised = models.IntegerField()
    unauthorised = models.IntegerField()
    late = models.IntegerField()
    late_after_close = models.IntegerField()
    persistent = models.IntegerField()
    severe = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "start", "end"], name="one_past_figure_set_per_range"
            )
        ]

    def __str__(self) -> str:
        return f"school {self.school_id}, {self.start} to {self.end}"
