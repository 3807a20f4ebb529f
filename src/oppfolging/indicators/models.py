"""The summary table the indicator pages read: one row per municipality, indicator and period."""

from __future__ import annotations

from django.db import models


class IndicatorFigure(models.Model):
    """One indicator's figure for one municipality and period, as last computed (indicators/tasks.py).

    Derived data, never personal: the counts and shares the pages show, kept so a dashboard
    reads a few hundred of these rows instead of five years of history.
    """

    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=60)
    period = models.CharField(max_length=12)
    value = models.FloatField(null=True)
    numerator = models.BigIntegerField(null=True)
    denominator = models.BigIntegerField(null=True)
    people = models.BigIntegerField(null=True)
    secondary = models.FloatField(null=True)
    available = models.BooleanField(default=True)
    # A breakdown (rows of plain counts) instead of one figure; NULL for a figure.
    rows = models.JSONField(null=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key", "period"], name="one_figure_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.period}: {self.value}"
