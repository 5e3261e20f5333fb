"""The move of the access log, the outbox and onboarding emails into apps of their own keeps a
running clinic's data: a database from before the move is migrated forward and nothing is lost,
no chain breaks, and permissions granted on the moved models still hold."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accesslog.chain import GENESIS_HASH, verify_chain
from accesslog.models import AccessEvent, AccessLogCheckpoint
from feedback.models import Grievance
from notifications.models import EmailPreference, Notification, NotificationKind
from tests.support.database import as_table_owner, regrant

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_THE_MOVE = [
    ("clinic", "0002_roles"),
    ("patients", "0005_onboarding_email_republished_at"),
    ("consent", "0004_lighter_access_log"),
    ("feedback", "0001_initial"),
    ("education", "0001_initial"),
    ("accesslog", None),
    ("notifications", None),
]


def _v1_hash(fields: dict) -> str:
    """Version 1 of the event hash, written out independently of `accesslog.chain`."""
    values = {**fields, "occurred_at": fields["occurred_at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _seed_old_layout(apps) -> dict:
    Site = apps.get_model("clinic", "Site")
    User = apps.get_model("clinic", "User")
    Patient = apps.get_model("patients", "Patient")
    Visit = apps.get_model("patients", "OnboardingVisit")
    OnboardingEmail = apps.get_model("patients", "OnboardingEmail")
    Event = apps.get_model("consent", "AccessEvent")
    Head = apps.get_model("consent", "AccessChainHead")
    OldNotification = apps.get_model("consent", "Notification")
    Preference = apps.get_model("consent", "AccessAlertPreference")
    OldGrievance = apps.get_model("feedback", "Grievance")

    site = Site.objects.create(name="Riverside", address="1 River St")
    desk = User.objects.create(email="desk@clinic.example", password="!")
    patient_user = User.objects.create(email="maria@example.org", password="!")
    patient = Patient.objects.create(
        legal_name="Maria Santos",
        date_of_birth=dt.date(1984, 3, 14),
        email="maria@example.org",
        site=site,
        user=patient_user,
        mrn="RTEST2345",
    )
    visit = Visit.objects.create(
        patient=patient,
        site=site,
        starts_at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC),
        staff_member=desk,
        scheduled_by=desk,
    )
    OnboardingEmail.objects.create(visit=visit, kind="invitation")
    prev = GENESIS_HASH
    for sequence in (1, 2):
        fields = {
            "patient_id": patient.pk,
            "sequence": sequence,
            "occurred_at": dt.datetime(2026, 11, 30, 10, sequence, tzinfo=dt.UTC),
            "actor_id": patient_user.pk,
            "actor_role": "patient",
            "actor_name": "Maria Santos",
            "action": "view",
            "target": "record",
            "entry_id": None,
            "category": "",
            "purpose": "your own access",
            "basis": "self",
            "grant_id": None,
            "emergency_id": None,
            "prev_hash": prev,
        }
        prev = _v1_hash(fields)
        event = Event.objects.create(**fields, hash=prev)
    Head.objects.create(patient=patient, sequence=2, hash=prev)
    OldNotification.objects.create(
        recipient=patient_user, kind="general", message="Welcome", link="/portal/"
    )
    Preference.objects.create(patient=patient, delivery="digest")
    OldGrievance.objects.create(
        patient=patient,
        access_event=event,
        description="I do not recognise this",
        acknowledge_by=dt.datetime(2026, 12, 2, tzinfo=dt.UTC),
        respond_by=dt.datetime(2026, 12, 30, tzinfo=dt.UTC),
    )
    return {"patient": patient.pk, "user": patient_user.pk, "visit": visit.pk, "event": event.pk}


def test_a_database_from_before_the_move_keeps_its_data():
    # Migrating is the owner's job; on PostgreSQL the suite otherwise runs as the app's role.
    try:
        with as_table_owner():
            _upgrade_from_before_the_move_and_check()
    finally:
        regrant()


def _upgrade_from_before_the_move_and_check():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE_THE_MOVE)
    executor.loader.build_graph()
    applied = [node for node in BEFORE_THE_MOVE if node[1] is not None]
    ids = _seed_old_layout(executor.loader.project_state(applied).apps)

    executor = MigrationExecutor(connection)
    executor.migrate(latest)

    assert AccessEvent.objects.filter(patient_id=ids["patient"]).count() == 2
    assert verify_chain(ids["patient"]) is None
    assert Grievance.objects.get().access_event_id == ids["event"]
    assert Notification.objects.get(kind=NotificationKind.GENERAL).recipient_id == ids["user"]
    invitation = Notification.objects.get(kind=NotificationKind.ONBOARDING_INVITATION)
    assert (invitation.subject_id, invitation.recipient_id) == (ids["visit"], None)
    assert invitation.email_sent_at is None and invitation.email_due_at is not None
    assert EmailPreference.objects.get(user_id=ids["user"]).record_access == "digest"
    assert AccessEvent._meta.db_table == "accesslog_accessevent"
    assert AccessLogCheckpoint._meta.db_table == "accesslog_accesslogcheckpoint"
    moved = ContentType.objects.filter(model__in=["accessevent", "notification"])
    assert {(ct.app_label, ct.model) for ct in moved} == {
        ("accesslog", "accessevent"),
        ("notifications", "notification"),
    }
    admin = Group.objects.get(name="admin")
    assert admin.permissions.filter(
        content_type__app_label="accesslog", codename="view_accessevent"
    ).exists()
