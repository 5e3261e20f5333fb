"""The daily notices (beat): before a child's age changes what a parent sees, the parent and the
child are told once, on the right day; before a power of attorney's review, the front desk and the
attorney are told once per review date. Nothing for the patient's own choice."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from clinic.forms import start_of_day
from clinic.models import Role
from notifications.models import Notification, NotificationKind
from proxies import services, tasks
from proxies.models import AgeNotice
from proxies.rules import AgeStage
from tests.factories import PatientFactory, StaffFactory, UserFactory, frozen_time
from tests.proxies import manage_support
from tests.proxies.manage_support import link_attorney, link_carer, link_parent

carer_user, carer = manage_support.carer_user, manage_support.carer

NOTICE_DAYS = settings.PROXY_AGE_NOTICE_DAYS


def _at(day: dt.date) -> dt.datetime:
    return start_of_day(day) + dt.timedelta(hours=10)


def _notices(kind=NotificationKind.PROXY_AGE_NOTICE):
    return list(Notification.objects.filter(kind=kind).order_by("id"))


def _child_turning(age: int, in_days: int, site, *, account: bool = False):
    birthday = timezone.localdate() + dt.timedelta(days=in_days)
    child = PatientFactory(
        site=site,
        legal_name="Lucy Santos",
        date_of_birth=birthday.replace(year=birthday.year - age),
    )
    if account:
        child.user = UserFactory(email="lucy@example.org")
        child.save()
    return child, birthday


def _send_on(day: dt.date) -> int:
    with frozen_time(_at(day)):
        return tasks.send_proxy_notices()


def test_the_parent_and_the_child_are_told_once_on_the_first_day_of_the_window(
    site, carer, carer_user, front_desk
):
    child, birthday = _child_turning(12, 45, site, account=True)
    link_parent(child, carer, front_desk)
    first_day = birthday - dt.timedelta(days=NOTICE_DAYS)

    assert _send_on(first_day - dt.timedelta(days=1)) == 0
    assert _notices() == []
    assert _send_on(first_day) == 1
    assert _send_on(first_day) == 0
    assert _send_on(first_day + dt.timedelta(days=1)) == 0

    to_parent, to_child = _notices()
    assert to_parent.recipient == carer_user and to_child.recipient == child.user
    day = f"{birthday:%-d %B %Y}"
    assert to_parent.message == (
        f"Lucy Santos turns 12 on {day}. From then on you will no longer see entries marked "
        "sensitive in Lucy Santos's record, or Lucy Santos's sharing choices."
    )
    assert to_child.message.startswith(f"You turn 12 on {day}. From then on Ana Santos will no")
    notice = AgeNotice.objects.get()
    assert (notice.change, notice.takes_effect_on) == (AgeStage.LIMITED, birthday)


def test_a_missed_day_is_caught_up_but_not_on_or_after_the_birthday(site, carer, front_desk):
    child, birthday = _child_turning(12, 45, site)
    link_parent(child, carer, front_desk)
    assert _send_on(birthday) == 0
    assert _send_on(birthday + dt.timedelta(days=3)) == 0
    assert _send_on(birthday - dt.timedelta(days=1)) == 1


def test_a_child_without_an_account_is_not_told_but_the_parent_is(
    site, carer, carer_user, front_desk
):
    child, birthday = _child_turning(12, 10, site)
    link_parent(child, carer, front_desk)
    assert _send_on(timezone.localdate()) == 1
    [notice] = _notices()
    assert notice.recipient == carer_user


def test_turning_16_ends_the_parents_access_and_both_are_told(site, carer, carer_user, front_desk):
    child, birthday = _child_turning(16, 20, site, account=True)
    access = link_parent(child, carer, front_desk)
    assert access.last_day == birthday - dt.timedelta(days=1)

    assert _send_on(timezone.localdate()) == 1

    to_parent, to_child = _notices()
    assert "turns 16" in to_parent.message and "your access ends" in to_parent.message
    assert to_child.message.startswith("You turn 16") and "invite them back" in to_child.message
    assert AgeNotice.objects.get().change == AgeStage.ALONE


def test_both_changes_are_told_in_their_own_time(site, carer, front_desk):
    child, birthday_12 = _child_turning(12, 5, site)
    link_parent(child, carer, front_desk)
    birthday_16 = birthday_12.replace(year=birthday_12.year + 4)
    assert _send_on(timezone.localdate()) == 1
    assert _send_on(birthday_16 - dt.timedelta(days=NOTICE_DAYS)) == 1
    assert sorted(AgeNotice.objects.values_list("change", flat=True)) == ["alone", "limited"]


def test_nothing_for_an_access_that_ended_or_ends_before_the_change(site, carer, front_desk):
    child, birthday = _child_turning(12, 20, site)
    access = link_parent(child, carer, front_desk)
    services.end_proxy_access(access=access, ended_by=front_desk, reason="Moved away")
    other, other_birthday = _child_turning(12, 20, site)
    link_parent(
        other, carer, front_desk, ends_at=start_of_day(other_birthday - dt.timedelta(days=5))
    )
    assert _send_on(timezone.localdate()) == 0
    assert _notices() == []


def test_nothing_for_the_patients_own_choice(patient, carer, front_desk):
    link_carer(patient, carer, front_desk)
    for offset in range(0, 400, 7):
        assert _send_on(timezone.localdate() + dt.timedelta(days=offset)) == 0
    assert not Notification.objects.filter(
        kind__in=[NotificationKind.PROXY_AGE_NOTICE, NotificationKind.PROXY_REVIEW_DUE]
    ).exists()


# --- power of attorney reviews ------------------------------------------------------------------


def test_the_front_desk_and_the_attorney_are_told_before_a_review_once(
    patient, carer, carer_user, front_desk, site
):
    second_desk = StaffFactory(role=Role.FRONT_DESK, display_name="Kim Ortiz", site=site)
    StaffFactory(role=Role.PHYSICIAN, display_name="Dr Who", site=site)
    review_on = timezone.localdate() + dt.timedelta(days=100)
    access = link_attorney(patient, carer, front_desk, review_on=review_on)
    first_day = review_on - dt.timedelta(days=NOTICE_DAYS)

    assert _send_on(first_day - dt.timedelta(days=1)) == 0
    assert _send_on(first_day) == 1
    assert _send_on(first_day + dt.timedelta(days=2)) == 0

    notices = _notices(NotificationKind.PROXY_REVIEW_DUE)
    assert {n.recipient for n in notices} == {front_desk, second_desk, carer_user}
    day = f"{review_on:%-d %B %Y}"
    to_desk = next(n for n in notices if n.recipient == front_desk)
    assert to_desk.message == (
        f"The power of attorney under which Ana Santos acts for Maria Santos is due for review "
        f"on {day}."
    )
    assert to_desk.link == f"/staff/onboarding/patients/{patient.pk}/#carers-title"
    to_attorney = next(n for n in notices if n.recipient == carer_user)
    assert "After that date your access stops until it is reviewed" in to_attorney.message

    # A review moves the date: the next one is announced in its own time.
    with frozen_time(_at(first_day + dt.timedelta(days=3))):
        services.record_poa_review(
            access=access, reviewed_by=front_desk, review_on=review_on + dt.timedelta(days=365)
        )
    assert _send_on(review_on + dt.timedelta(days=365 - NOTICE_DAYS)) == 1
    assert len(_notices(NotificationKind.PROXY_REVIEW_DUE)) == 6


def test_no_review_notice_for_an_ended_attorney(patient, carer, front_desk):
    review_on = timezone.localdate() + dt.timedelta(days=10)
    access = link_attorney(patient, carer, front_desk, review_on=review_on)
    services.end_proxy_access(access=access, ended_by=front_desk, reason="Revoked")
    assert _send_on(timezone.localdate()) == 0


def test_the_task_runs_daily_in_beat():
    [entry] = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "proxies.tasks.send_proxy_notices"
    ]
    assert entry["schedule"] == 86400.0


def test_notices_use_the_configured_window(site, carer, front_desk, settings):
    settings.PROXY_AGE_NOTICE_DAYS = 5
    child, birthday = _child_turning(12, 6, site)
    link_parent(child, carer, front_desk)
    assert _send_on(timezone.localdate()) == 0
    assert _send_on(timezone.localdate() + dt.timedelta(days=1)) == 1
