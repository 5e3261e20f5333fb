"""The role gates (`clinic/decorators.py`), one per role: who passes each, and what others get."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from clinic import decorators


def _ok(request):
    return HttpResponse("ok")


GATES = {
    "patient_required": {"patient"},
    "physician_required": {"physician"},
    "privacy_officer_required": {"privacy_officer"},
    "front_desk_required": {"front_desk", "admin"},
    "trust_required": {"privacy_officer", "admin"},
    "staff_required": {"front_desk", "physician", "privacy_officer", "admin"},
}


@pytest.fixture
def people(patient_user, front_desk, physician, privacy_officer, clinic_admin):
    return {
        "patient": patient_user,
        "front_desk": front_desk,
        "physician": physician,
        "privacy_officer": privacy_officer,
        "admin": clinic_admin,
    }


@pytest.mark.parametrize(("gate", "admitted"), GATES.items())
def test_each_gate_admits_its_roles_and_refuses_the_others(people, gate, admitted):
    view = getattr(decorators, gate)(_ok)
    for role, user in people.items():
        request = RequestFactory().get("/somewhere/")
        request.user = user
        if role in admitted:
            assert view(request).status_code == 200, f"{gate} refused {role}"
        else:
            with pytest.raises(PermissionDenied):
                view(request)


@pytest.mark.parametrize("gate", GATES)
def test_each_gate_sends_anonymous_visitors_to_sign_in(db, gate):
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    response = getattr(decorators, gate)(_ok)(request)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_patient_gate_gives_the_view_the_patients_own_record(patient_user):
    seen = []

    def view(request):
        seen.append(request.patient)
        return HttpResponse("ok")

    request = RequestFactory().get("/portal/")
    request.user = patient_user
    decorators.patient_required(view)(request)
    assert seen == [patient_user.patient]


def test_no_view_module_defines_a_gate_of_its_own():
    """One name per gate: views use the gates above, never their own spelling of one."""
    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for app in ("clinic", "notifications", "patients", "accesslog", "consent", "records")
        + ("education", "feedback")
        for path in (root / app).rglob("*.py")
        if path.name != "decorators.py"
        and ("role_required" in path.read_text() or "_role_gate" in path.read_text())
    ]
    assert offenders == []
