from django.db import models


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
