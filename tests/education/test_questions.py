"""Written questions about articles: the physician's queue and answer, the patient told and
reading the answer, questions waiting too long flagged (frozen time), and who may see what."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from education import services, tasks
from notifications.models import Notification, NotificationKind
from tests.factories import frozen_time
from tests.factories.education import ArticleFactory, AssignmentFactory

LONDON = ZoneInfo("Europe/London")
MONDAY = dt.datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)


@pytest.fixture
def assignment(physician, other_physician, patient):
    article = ArticleFactory(
        author=other_physician, reviewer=physician, status="published", title="Living with HIV"
    )
    return AssignmentFactory(article=article, patient=patient, assigned_by=physician)


def ask(assignment, text="Can I still drink alcohol?", at=None):
    with frozen_time(at or MONDAY):
        return services.ask_question(assignment=assignment, text=text)


def test_the_physician_answers_and_the_patient_is_told_without_health_data(
    client, physician, patient_user, assignment, django_capture_on_commit_callbacks
):
    question = ask(assignment)
    client.force_login(physician)
    url = reverse("staff:education_question", args=[question.pk])
    assert "Can I still drink alcohol?" in client.get(url).content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"answer": "A little, with food. Ask me at your visit."})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answered_by == physician and question.answered_at
    [note] = Notification.objects.filter(
        recipient=patient_user, kind=NotificationKind.QUESTION_ANSWERED
    )
    assert note.message.startswith("Dr A. Rivera answered your question on ")
    assert note.link == reverse("portal:education_assignment", args=[assignment.pk]) + "#questions"
    [email] = mail.outbox
    for secret in ("HIV", "alcohol", "with food"):
        assert secret not in email.subject + email.body
    client.force_login(patient_user)
    page = client.get(reverse("portal:education_assignment", args=[assignment.pk]))
    assert "A little, with food. Ask me at your visit." in page.content.decode()


def test_answered_once_and_only_by_the_physician_who_assigned_it(
    client, physician, other_physician, assignment
):
    question = ask(assignment)
    with pytest.raises(PermissionDenied):
        services.answer_question(question=question, physician=other_physician, answer="No")
    client.force_login(other_physician)
    url = reverse("staff:education_question", args=[question.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "No"}).status_code == 404
    services.answer_question(question=question, physician=physician, answer="Yes")
    with pytest.raises(ValidationError):
        services.answer_question(question=question, physician=physician, answer="Again")
    client.force_login(physician)
    second = client.post(url, {"answer": "Again"}, follow=True)
    assert "already been answered" in second.content.decode()
    question.refresh_from_db()
    assert question.answer == "Yes"


@pytest.mark.parametrize("answer", ["", "   ", "y" * 5001])
def test_an_empty_or_huge_answer_is_refused(client, physician, assignment, answer):
    question = ask(assignment)
    client.force_login(physician)
    response = client.post(
        reverse("staff:education_question", args=[question.pk]), {"answer": answer}
    )
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    question.refresh_from_db()
    assert question.answered_at is None


def test_hostile_text_is_shown_as_text(client, physician, patient_user, assignment):
    question = ask(assignment, text="<img src=x onerror=alert(1)>")
    services.answer_question(question=question, physician=physician, answer="<script>x</script>")
    client.force_login(physician)
    page = client.get(reverse("staff:education_question", args=[question.pk])).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x" in page
    client.force_login(patient_user)
    page = client.get(reverse("portal:education_assignment", args=[assignment.pk]))
    assert "<script>x</script>" not in page.content.decode()


@pytest.mark.parametrize("role_fixture", ["patient_user", "front_desk", "privacy_officer"])
def test_only_physicians_open_questions(client, assignment, request, role_fixture):
    question = ask(assignment)
    client.force_login(request.getfixturevalue(role_fixture))
    assert client.get(reverse("staff:education_questions")).status_code == 403
    url = reverse("staff:education_question", args=[question.pk])
    assert client.post(url, {"answer": "x"}).status_code == 403


def test_waiting_more_than_three_business_days_is_flagged_once(client, physician, assignment):
    question = ask(assignment)  # Monday
    with frozen_time(dt.datetime(2026, 12, 3, 23, 0, tzinfo=LONDON)):  # Thursday night
        assert tasks.flag_waiting_questions() == 0
        client.force_login(physician)
        assert "Waiting too long" not in client.get("/staff/education/questions/").content.decode()
    with frozen_time(dt.datetime(2026, 12, 4, 8, 0, tzinfo=LONDON)):  # Tue, Wed, Thu are over
        assert tasks.flag_waiting_questions() == 1
        assert tasks.flag_waiting_questions() == 0
        assert "Waiting too long" in client.get("/staff/education/questions/").content.decode()
        home = client.get("/staff/").content.decode()
        assert "(1 waiting more than 3 working days)" in home
    [note] = Notification.objects.filter(kind=NotificationKind.QUESTION_WAITING)
    assert note.recipient == physician
    assert note.link == reverse("staff:education_question", args=[question.pk])
    assert "HIV" not in note.message


def test_a_weekend_does_not_count(assignment):
    ask(assignment, at=dt.datetime(2026, 12, 3, 10, 0, tzinfo=LONDON))  # Thursday
    with frozen_time(dt.datetime(2026, 12, 8, 10, 0, tzinfo=LONDON)):  # Tuesday: Fri, Mon over
        assert tasks.flag_waiting_questions() == 0
    with frozen_time(dt.datetime(2026, 12, 9, 10, 0, tzinfo=LONDON)):
        assert tasks.flag_waiting_questions() == 1


def test_answered_questions_are_never_flagged(physician, assignment):
    question = ask(assignment)
    services.answer_question(question=question, physician=physician, answer="Yes")
    with frozen_time(dt.datetime(2026, 12, 20, tzinfo=LONDON)):
        assert tasks.flag_waiting_questions() == 0


def test_the_queue_has_a_flat_query_count(
    client, physician, other_physician, django_assert_max_num_queries
):
    article = ArticleFactory(author=other_physician, reviewer=physician, status="published")
    for _ in range(2):
        ask(AssignmentFactory(article=article, assigned_by=physician))
    client.force_login(physician)
    with django_assert_max_num_queries(12):
        client.get("/staff/education/questions/")
    for _ in range(6):
        ask(AssignmentFactory(article=article, assigned_by=physician))
    with django_assert_max_num_queries(12):
        assert client.get("/staff/education/questions/").status_code == 200
