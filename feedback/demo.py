"""Demo data for feedback (manage.py seed_demo, safe to run again): one concern of Maria's that
the privacy officer has acknowledged, a survey waiting for her, and a suggestion."""

from __future__ import annotations

from . import services, suggestions
from .models import Grievance, Instrument, Suggestion, SurveyInvitation


def seed(context: dict, stdout) -> None:
    maria = context["patients"]["maria"]
    officer = context["staff"]["privacy"]
    if maria.user_id is None:
        return
    if not Grievance.objects.filter(patient=maria).exists():
        grievance = services.raise_grievance(
            patient=maria,
            description="I received a letter addressed to someone else in my envelope.",
        )
        services.acknowledge_grievance(
            grievance=grievance, officer=officer, note="Thank you for telling us. We are on it."
        )
    pulse = Instrument.objects.active().filter(slug="trust-pulse").first()
    if pulse is not None:
        SurveyInvitation.objects.get_or_create(instrument=pulse, patient=maria, round=0)
    if not Suggestion.objects.exists():
        suggestions.suggest(
            author=maria.user,
            title="Let me choose a larger text size",
            details="Reading on my phone is hard.",
        )
    stdout.write("Feedback: a concern, a survey and a suggestion for Maria.\n")
