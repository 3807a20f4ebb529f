"""The access log in words: what a logged resource code and role code are called on a page.

Both the staff's log search and «who has looked» in «Min plan» read entries through these, so no
code written by `audit_grant(..., resource="individual_plan")` ever reaches a person. A test
(tests/audit/test_audit_words.py) finds every resource the code logs and checks it has words here.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import Role

# What was looked at or changed, as a noun phrase that follows a verb ("så på planen").
RESOURCE_WORDS = {
    "person": _("personopplysningene"),
    "person_list": _("personlisten"),
    "individual_plan": _("planen"),
    "individual_plan_pdf": _("planen som utskrift"),
    "individual_plan_history": _("historikken til planen"),
    "goal": _("et mål i planen"),
    "measure": _("et tiltak i planen"),
    "goal_evaluation": _("en evaluering av et mål"),
    "goal_proposal": _("et forslag til mål"),
    "plan_section": _("en del av planen"),
    "plan_template": _("en planmal"),
    "assessment": _("kartleggingen"),
    "assessment_list": _("kartleggingene"),
    "medical_assessment": _("den medisinske vurderingen"),
    "decision": _("avgjørelsen om oppfølging"),
    "referral": _("meldingen om behov"),
    "referral_queue": _("meldingene om behov"),
    "team": _("teamet"),
    "team_membership": _("deltakerne i teamet"),
    "role_assignment": _("rollene til en ansatt i kommunen"),
    "staff_holdings": _("det en ansatt må gi videre før vedkommende slutter"),
    "coordinator_assignment": _("koordinatoren for teamet"),
    "coordinator_pool": _("koordinatorene"),
    "meeting": _("et møte"),
    "meetings": _("møtene"),
    "meeting_overview": _("møteoversikten"),
    "meeting_agenda": _("sakslisten til et møte"),
    "meeting_attendance": _("hvem som var på et møte"),
    "meeting_decision": _("et vedtak fra et møte"),
    "meeting_minutes": _("referatet fra et møte"),
    "meeting_invitation": _("en møteinnkalling"),
    "agenda_item": _("en sak på sakslisten"),
    "action_item": _("en oppgave fra et møte"),
    "action_items": _("oppgavene fra møtene"),
    "consent": _("samtykkene"),
    "message": _("meldingene"),
    "document": _("et dokument"),
    "documents": _("dokumentene"),
    "document_file": _("et dokument"),
    "log_note": _("et notat i samarbeidsloggen"),
    "log_notes": _("samarbeidsloggen"),
    "related_person": _("opplysningene om pårørende"),
    "coordinator_wish": _("ønsket om koordinator"),
    "psfs": _("skårene på aktivitetene"),
    "psfs_self_score": _("skårene på aktivitetene"),
    "outcomes": _("sykehusopphold og tjenestebruk"),
    "outcome_import": _("en import av sykehusopphold eller tjenestebruk"),
    "effect": _("effektberegningen"),
    "indicators": _("indikatorene"),
    "notification": _("et varsel"),
    "notice_channels": _("hvordan varsler sendes"),
    "letter": _("et brev"),
    "letters": _("brevene"),
    "risk_list": _("fastlegens risikoliste"),
    "risk_entry": _("fastlegens risikoliste"),
    "risk_decision": _("fastlegens vurdering på risikolisten"),
    "child_view": _("barnets side"),
    "child_follow_up": _("oppfølgingen av barnet"),
    "child_coordinator_decision": _("avgjørelsen om barnekoordinator"),
    "parent_exclusion": _("hvem av foreldrene som får se"),
    "parent_access_restriction": _("hva foreldrene får se"),
    "break_glass": _("opplysningene med nødtilgang"),
    "access_log": _("hvem som har sett opplysningene"),
    "audit_log": _("tilgangsloggen"),
    "sign_in_helseid": _("innlogging med HelseID"),
    "sign_in_idporten": _("innlogging med ID-porten"),
    "sign_in_refusals": _("de avviste innloggingene"),
    "calendar_feed": _("kalenderen"),
    "portal": _("«Min plan»"),
    "catalogue": _("tjenestene i kommunen"),
    "service_price": _("prisene på tjenestene"),
    "start_page": _("startsiden"),
    "inbox": _("innboksen"),
    "followed_up_overview": _("oversikten over dem som følges opp"),
    "staff_user": _("en ansatts brukerkonto"),
    "training": _("opplæringen"),
}
# Entries written by the FHIR API name the FHIR resource type after this prefix.
FHIR_PREFIX = "fhir:"

ROLE_WORDS = dict(Role.choices) | {"person": _("personen selv"), "next_of_kin": _("pårørende"),
                                   "system": _("systemet")}


def resource_words(resource: str) -> str:
    """`resource` in words; an entry from the API or of an unknown kind as "the information"."""
    if resource.startswith(FHIR_PREFIX):
        return str(_("opplysninger gjennom API-et"))
    return str(RESOURCE_WORDS.get(resource) or _("opplysningene"))


def role_words(role: str) -> str:
    return str(ROLE_WORDS.get(role, ""))
