"""Demo data: Tom has his daughter Emma as carer, and nine-year-old Sofia has her parent Daniel;
both proxies have their own login, printed by seed_demo, and see whom they help."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from proxies.models import ProxyAccess, ProxyAuthority, ProxyStatus
from proxies.rules import age_on, view_of


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_tom_has_his_daughter_as_carer_and_sofia_her_parent(db):
    text = _seed()

    emma = ProxyAccess.objects.get(patient__email="tom@rapport.example")
    assert emma.proxy.legal_name == "Emma Whitfield" and emma.status == ProxyStatus.ACTIVE
    assert emma.authority == ProxyAuthority.PATIENT and view_of(emma, timezone.now()).in_force
    sofia = ProxyAccess.objects.get(patient__email="sofia@rapport.example")
    assert sofia.proxy.legal_name == "Daniel Reyes" and sofia.authority == ProxyAuthority.PARENTAL
    assert age_on(sofia.patient.date_of_birth, timezone.localdate()) == 9
    assert sofia.patient.user_id is None
    assert view_of(sofia, timezone.now()).in_force

    assert "emma@rapport.example" in text and "demo carer passphrase 2026" in text
    assert "daniel@rapport.example" in text and "demo parent passphrase 2026" in text


def test_seeding_twice_links_once(db):
    _seed()
    _seed()
    assert ProxyAccess.objects.count() == 2


def test_the_demo_carer_signs_in_and_sees_tom(client, db):
    _seed()
    response = client.post(
        "/accounts/login/",
        {"login": "emma@rapport.example", "password": "demo carer passphrase 2026"},
    )
    assert response.status_code == 302
    page = client.get("/portal/helping/").content.decode()
    assert "Tom (you are their carer)" in page


def test_the_demo_parent_sees_sofia(client, db):
    _seed()
    client.post(
        "/accounts/login/",
        {"login": "daniel@rapport.example", "password": "demo parent passphrase 2026"},
    )
    assert "Sofia Reyes (you are their parent)" in client.get("/portal/helping/").content.decode()
