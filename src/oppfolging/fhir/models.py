"""The client registry: which machine clients may call the FHIR API, for which municipality.

A token is only as good as its client's entry here: an unknown or disabled client id is refused
whatever the issuer signed, and a token's scopes count only as far as the entry allows them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiClient(models.Model):
    """A system that calls the FHIR API with tokens from the issuer (HelseID in production)."""

    client_id = models.CharField(_("klient-id"), max_length=200, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    municipality = models.ForeignKey(
        "accounts.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_clients",
        verbose_name=_("kommune"),
        help_text=_("Kommunen et fagsystem med systemtilgang hører til. Tom for klienter som bare "
                    "handler på vegne av en innlogget bruker."),
    )
    scopes = models.TextField(
        _("tillatte scopes"),
        help_text=_("Mellomromsdelte SMART-scopes, for eksempel «system/CarePlan.read user/Task.write»."),
    )
    is_active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API-klient")
        verbose_name_plural = _("API-klienter")

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"
