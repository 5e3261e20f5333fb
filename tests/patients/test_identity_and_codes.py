"""Check-in, the identity check, and activation codes: issued only after the identity check,
human-typable, high-entropy, stored only as a keyed hash, single use, expiring, reissuable."""

from __future__ import annotations

import logging
import math
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from patients import services
from patients.codes import (
    ACTIVATION_CODE_ALPHABET,
    ACTIVATION_CODE_BITS,
    ACTIVATION_CODE_LENGTH,
    format_activation_code,
    generate_activation_code,
    hash_activation_code,
    normalise_activation_code,
)
from patients.models import ActivationCode, CodeStatus, IdentityDocument, OnboardingVisit
from tests.factories import PatientUserFactory
from tests.factories.onboarding import (
    OnboardingVisitFactory,
    checked_in,
    identity_verified,
    issue_code,
)


def visit_url(visit, action="") -> str:
    return f"/staff/onboarding/visits/{visit.pk}/{action}"


# --- Check-in and identity ------------------------------------------------------------------------


def test_check_in_then_identity_check_are_stamped(desk, front_desk):
    visit = OnboardingVisitFactory()
    assert desk.post(visit_url(visit, "check-in/")).status_code == 302
    response = desk.post(
        visit_url(visit, "identity/"),
        {"document_type": IdentityDocument.DRIVING_LICENCE, "matches": "on"},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.checked_in_by == front_desk and visit.checked_in_at
    assert visit.identity_verified_by == front_desk
    assert visit.identity_document == IdentityDocument.DRIVING_LICENCE
    assert abs(visit.identity_verified_at - timezone.now()) < timedelta(minutes=1)


def test_the_identity_check_never_stores_a_document_number(desk):
    visit = checked_in(OnboardingVisitFactory())
    fields = {field.name for field in OnboardingVisit._meta.get_fields()}
    assert not any("number" in name for name in fields)
    page = desk.get(visit_url(visit)).content.decode()
    assert "Never write down the document" in page
    desk.post(
        visit_url(visit, "identity/"),
        {"document_type": "passport", "matches": "on", "document_number": "X1234567"},
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM patients_onboardingvisit")
        assert "X1234567" not in str(cursor.fetchall())


def test_the_identity_check_needs_check_in_first(desk):
    visit = OnboardingVisitFactory()
    desk.post(visit_url(visit, "identity/"), {"document_type": "passport", "matches": "on"})
    visit.refresh_from_db()
    assert visit.identity_verified_at is None


def test_the_identity_check_needs_the_match_confirmed(desk):
    visit = checked_in(OnboardingVisitFactory())
    response = desk.post(visit_url(visit, "identity/"), {"document_type": "passport"})
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    visit.refresh_from_db()
    assert visit.identity_verified_at is None


# --- Issuing ----------------------------------------------------------------------------------


def test_no_code_before_the_identity_check(desk, front_desk):
    visit = checked_in(OnboardingVisitFactory())
    with pytest.raises(ValidationError):
        services.issue_activation_code(visit=visit, issued_by=front_desk)
    response = desk.post(visit_url(visit, "code/"), follow=True)
    assert "Verify the patient" in response.content.decode()
    assert not ActivationCode.objects.exists()
    assert "Issue the code" not in desk.get(visit_url(visit)).content.decode()


def test_the_handout_shows_the_code_the_address_the_expiry_and_how_we_protect_data(desk):
    visit = identity_verified(OnboardingVisitFactory())
    response = desk.post(visit_url(visit, "code/"), {"issue_token": "not-a-uuid"})
    assert response.status_code == 200
    page = response.content.decode()
    shown = re.search(r'class="activation-code"[^>]*>([A-Z0-9-]+)<', page).group(1)
    code = ActivationCode.objects.get()
    assert hash_activation_code(normalise_activation_code(shown)) == code.code_hash
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", shown)
    assert "/activate/" in page
    assert timezone.localtime(code.expires_at).strftime("%-d %B %Y") in page
    assert "How we protect your data" in page
    assert "no-store" in response["Cache-Control"]
    # The code exists only in that response: the visit page cannot show it again.
    assert shown not in desk.get(visit_url(visit)).content.decode()


def test_print_styles_hide_the_staff_screen_around_the_handout(client):
    from pathlib import Path

    from django.contrib.staticfiles import finders

    css = Path(finders.find("css/rapport.css")).read_text()
    print_block = css[css.index("@media print") :]
    assert ".no-print" in print_block and ".handout" in print_block
    assert ".activation-code" in print_block


def test_sending_the_issue_form_twice_keeps_the_first_code(desk):
    visit = identity_verified(OnboardingVisitFactory())
    token = "6a2f0b1c-3d4e-4f50-8a9b-0c1d2e3f4a5b"
    first = desk.post(visit_url(visit, "code/"), {"issue_token": token})
    second = desk.post(visit_url(visit, "code/"), {"issue_token": token}, follow=True)
    assert first.status_code == 200
    assert "cannot be shown again" in second.content.decode()
    assert ActivationCode.objects.count() == 1
    assert ActivationCode.objects.get().status == CodeStatus.USABLE


def test_a_reissue_voids_the_previous_code(db, front_desk):
    visit = identity_verified(OnboardingVisitFactory())
    old_plain = issue_code(visit)
    new_plain = issue_code(visit)
    old = ActivationCode.objects.get(code_hash=hash_activation_code(old_plain))
    new = ActivationCode.objects.get(code_hash=hash_activation_code(new_plain))
    assert old.status == CodeStatus.VOIDED and old.voided_by == visit.staff_member
    assert new.status == CodeStatus.USABLE
    assert ActivationCode.objects.live().count() == 1


def test_no_code_for_a_patient_who_already_has_an_account(db, front_desk):
    patient = PatientUserFactory().patient
    visit = identity_verified(OnboardingVisitFactory(patient=patient))
    with pytest.raises(ValidationError):
        services.issue_activation_code(visit=visit, issued_by=front_desk)


def test_codes_expire_after_fourteen_days(db):
    visit = identity_verified(OnboardingVisitFactory())
    issue_code(visit)
    code = ActivationCode.objects.get()
    assert code.expires_at - code.issued_at == timedelta(days=14)
    code.expires_at = timezone.now() - timedelta(seconds=1)
    assert code.status == CodeStatus.EXPIRED


# --- The code itself ------------------------------------------------------------------------------


def test_codes_use_a_human_typable_alphabet_with_enough_entropy():
    assert not set("0O1IL") & set(ACTIVATION_CODE_ALPHABET)
    assert len(set(ACTIVATION_CODE_ALPHABET)) == len(ACTIVATION_CODE_ALPHABET) == 30
    assert ACTIVATION_CODE_LENGTH * math.log2(30) == ACTIVATION_CODE_BITS
    assert ACTIVATION_CODE_BITS >= 50
    codes = [generate_activation_code() for _ in range(2000)]
    assert len(set(codes)) == len(codes)
    assert all(
        len(c) == ACTIVATION_CODE_LENGTH and set(c) <= set(ACTIVATION_CODE_ALPHABET) for c in codes
    )
    # Every character of the alphabet turns up: the generator uses all of it.
    assert set("".join(codes)) == set(ACTIVATION_CODE_ALPHABET)


def test_typed_codes_are_normalised_for_case_spaces_and_dashes():
    code = "ABCDEFGHJKMN"
    assert format_activation_code(code) == "ABCD-EFGH-JKMN"
    for typed in ("abcd-efgh-jkmn", " ABCD EFGH JKMN ", "abcdefghjkmn", "AbCd–EfGh–JkMn"):
        assert normalise_activation_code(typed) == code
    for bad in ("ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKM0", "<script>", "x" * 10_000, ""):
        assert normalise_activation_code(bad) is None


def test_the_hash_is_keyed(settings):
    code = generate_activation_code()
    first = hash_activation_code(code)
    settings.SECRET_KEY = "another-secret-key-" + "x" * 50
    assert hash_activation_code(code) != first


def table_dump() -> str:
    """The text of every row of every table."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.append(repr(cursor.fetchall()))
    return "\n".join(chunks)


def test_the_plain_code_is_nowhere_in_the_database_or_logs(desk, caplog):
    caplog.set_level(logging.DEBUG)
    visit = identity_verified(OnboardingVisitFactory())
    page = desk.post(visit_url(visit, "code/"), {"issue_token": ""}).content.decode()
    shown = re.search(r'class="activation-code"[^>]*>([A-Z0-9-]+)<', page).group(1)
    plain = normalise_activation_code(shown)
    dump = table_dump()
    assert ActivationCode.objects.get().code_hash in dump  # the dump does see the table
    for form in (plain, shown, plain.lower(), shown.lower()):
        assert form not in dump
        assert form not in caplog.text
