"""Education's navigation entries, home-page steps and demo data."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from consent.selectors import patients_visible_to
from education.models import Article, Assignment, VersionStatus
from patients.models import Patient
from tests.factories.education import ArticleFactory, AssignmentFactory


def test_signed_out_visitors_see_the_health_library_link(client, db):
    page = client.get("/education/").content.decode()
    assert 'href="/education/"' in page
    assert "Health library" in page


def test_physician_sees_education_and_a_badge_for_reviews(client, physician, other_physician):
    ArticleFactory(author=other_physician, status="in_review")
    client.force_login(physician)
    page = client.get("/staff/").content.decode()
    assert ">Education" in page
    assert "articles waiting for your review" in page
    assert "Review 1 article from colleagues" in page


def test_other_staff_roles_do_not_see_education(client, front_desk):
    client.force_login(front_desk)
    page = client.get("/staff/").content.decode()
    assert "/staff/education/" not in page


def test_patient_sees_your_reading_with_a_badge(client, patient_user, patient, physician):
    AssignmentFactory(patient=patient, assigned_by=physician)
    client.force_login(patient_user)
    page = client.get("/portal/").content.decode()
    assert "Your reading" in page
    assert "new articles to read" in page


def test_seed_demo_makes_plain_articles_and_is_idempotent(db):
    call_command("seed_demo", stdout=StringIO())
    published = Article.objects.published()
    assert published.count() == 3
    for article in published:
        version = article.published_version
        assert version.created_by.email == "dr.rivera@rapport.example"
        assert version.reviewed_by.email == "dr.chen@rapport.example"
        assert version.reading_grade <= 8
    assert Article.objects.filter(latest_version__status=VersionStatus.IN_REVIEW).count() == 1
    counts = (Article.objects.count(), Assignment.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Article.objects.count(), Assignment.objects.count()) == counts


def test_seed_demo_assigns_to_maria_only_when_rivera_may_see_her(db):
    from clinic.models import User
    from tests.factories.consent import grant

    call_command("seed_demo", stdout=StringIO())
    maria = Patient.objects.get(email="maria@rapport.example")
    rivera = User.objects.get(email="dr.rivera@rapport.example")
    if not patients_visible_to(rivera).filter(pk=maria.pk).exists():
        assert not Assignment.objects.exists()
        grant(maria, rivera)
        call_command("seed_demo", stdout=StringIO())
    assignment = Assignment.objects.get()
    assert assignment.patient == maria
    assert assignment.assigned_by == rivera
    call_command("seed_demo", stdout=StringIO())
    assert Assignment.objects.count() == 1
