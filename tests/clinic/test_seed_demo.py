from __future__ import annotations

from io import StringIO

from django.apps import apps
from django.core.management import call_command

from consent.models import ConsentGrant, GivenVia
from patients.models import VisitStatus


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.label not in {"clinic.Session"}
    }


def test_seed_demo_prints_accounts_and_is_idempotent(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = row_counts()
    text = out.getvalue()
    for email in ["admin@", "frontdesk@", "dr.rivera@", "privacy@", "maria@"]:
        assert email in text
    assert "two-step secret (TOTP)" in text
    assert first["clinic.User"] >= 6
    assert first["patients.Patient"] >= 3

    # Nothing runs beat locally: the demo's access log is signed once, verified first.
    assert first["accesslog.AccessLogCheckpoint"] == 1
    assert first["accesslog.CheckpointLeaf"] >= 1 and first["accesslog.AccessLogAlarm"] == 0

    out2 = StringIO()
    call_command("seed_demo", stdout=out2)
    assert row_counts() == first
    assert out2.getvalue() == text  # same accounts, same secrets


def test_seeded_accounts_can_sign_in(client, db):
    call_command("seed_demo", stdout=StringIO())
    response = client.post(
        "/accounts/login/",
        {"login": "maria@rapport.example", "password": "demo patient passphrase 2026"},
    )
    assert response.status_code == 302
    assert client.get("/portal/").status_code == 200


def test_demo_data_follows_the_products_own_rules(db):
    """No patient is shown a choice "given in person" at a visit that was not held."""
    call_command("seed_demo", stdout=StringIO())
    for grant in ConsentGrant.objects.filter(given_via=GivenVia.IN_PERSON):
        assert grant.visit is not None
        assert grant.visit.status in (VisitStatus.CHECKED_IN, VisitStatus.COMPLETED)
        assert grant.recorded_by_id == grant.visit.staff_member_id
    tom = ConsentGrant.objects.filter(patient__email="tom@rapport.example")
    assert not tom.exists()  # his first visit is today and not held yet
