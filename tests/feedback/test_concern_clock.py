"""The concern clock with frozen time: due dates in business days, overdue flags on the privacy
officer's home and queue, the beat task's alerts (once per deadline), and extension notices."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from feedback import services, tasks
from feedback.models import Grievance, GrievanceStatus
from notifications.models import Notification, NotificationKind
from tests.factories import concern, frozen_time

LONDON = ZoneInfo("Europe/London")
FRIDAY_EVENING = dt.datetime(2026, 12, 4, 18, 0, tzinfo=LONDON)


def local(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=LONDON)


def test_due_dates_count_business_days_in_clinic_time(patient):
    grievance = concern(patient, at=FRIDAY_EVENING)
    assert grievance.acknowledge_by.astimezone(LONDON).date() == dt.date(2026, 12, 8)
    assert grievance.respond_by.astimezone(LONDON).date() == dt.date(2026, 12, 15)
    assert grievance.resolve_by.astimezone(LONDON).date() == dt.date(2027, 1, 15)


def test_the_service_levels_come_from_settings(settings, patient):
    settings.GRIEVANCE_ACKNOWLEDGE_DAYS = 1
    grievance = concern(patient, at=FRIDAY_EVENING)
    assert grievance.acknowledge_by.astimezone(LONDON).date() == dt.date(2026, 12, 7)


def test_overdue_only_after_the_end_of_the_due_day(patient):
    grievance = concern(patient, at=FRIDAY_EVENING)
    assert grievance.overdue_deadlines(local(8, 23)) == []
    assert grievance.overdue_deadlines(local(9, 0)) == ["acknowledge"]
    assert list(Grievance.objects.overdue(local(8, 23))) == []
    assert list(Grievance.objects.overdue(local(9, 1))) == [grievance]


def test_acknowledging_stops_that_clock_but_not_the_answer_clock(patient, privacy_officer):
    grievance = concern(patient, at=FRIDAY_EVENING)
    with frozen_time(local(8)):
        services.acknowledge_grievance(grievance=grievance, officer=privacy_officer)
    grievance.refresh_from_db()
    assert grievance.overdue_deadlines(local(10)) == []
    assert grievance.overdue_deadlines(local(16)) == ["respond"]


def test_an_extension_notice_moves_the_answer_date(patient, privacy_officer):
    grievance = concern(patient, officer=privacy_officer, at=FRIDAY_EVENING, status="acknowledged")
    with frozen_time(local(14)):
        services.send_extension_notice(
            grievance=grievance,
            officer=privacy_officer,
            reason="We are waiting for the physician's account.",
            answer_by=dt.date(2026, 12, 23),
        )
    grievance.refresh_from_db()
    assert grievance.overdue_deadlines(local(22)) == []
    assert grievance.overdue_deadlines(local(24)) == ["extension"]
    extension = grievance.entries.get(kind="extended")
    assert "We will answer by 23 December 2026" in extension.text
    assert Notification.objects.filter(
        recipient=patient.user, message__contains="you will have our answer by 23 Dec"
    ).exists()


@pytest.mark.parametrize("answer_by", [dt.date(2026, 12, 4), dt.date(2027, 3, 1)])
def test_an_extension_must_fall_between_tomorrow_and_the_resolution_deadline(
    patient, privacy_officer, answer_by
):
    grievance = concern(patient, officer=privacy_officer, at=FRIDAY_EVENING, status="acknowledged")
    with frozen_time(local(7)), pytest.raises(ValidationError):
        services.send_extension_notice(
            grievance=grievance, officer=privacy_officer, reason="Why", answer_by=answer_by
        )


def test_an_extension_needs_a_reason_and_is_sent_once(patient, privacy_officer):
    grievance = concern(patient, officer=privacy_officer, status="acknowledged")
    later = dt.date.today() + dt.timedelta(days=3)
    with pytest.raises(ValidationError):
        services.send_extension_notice(
            grievance=grievance, officer=privacy_officer, reason="  ", answer_by=later
        )
    services.send_extension_notice(
        grievance=grievance, officer=privacy_officer, reason="Waiting", answer_by=later
    )
    with pytest.raises(ValidationError):
        services.send_extension_notice(
            grievance=grievance, officer=privacy_officer, reason="Again", answer_by=later
        )


def test_the_beat_task_alerts_each_deadline_once(patient, privacy_officer):
    grievance = concern(patient, at=FRIDAY_EVENING)
    with frozen_time(local(8, 20)):
        assert tasks.alert_overdue_grievances() == 0
    with frozen_time(local(9, 1)):
        assert tasks.alert_overdue_grievances() == 1
        assert tasks.alert_overdue_grievances() == 0
    [alert] = Notification.objects.filter(kind=NotificationKind.CONCERN_OVERDUE)
    assert alert.recipient == privacy_officer
    assert alert.message == "A concern received on 4 Dec is overdue (acknowledge)."
    assert alert.link == f"/staff/privacy/grievances/{grievance.pk}/"
    with frozen_time(local(16, 1)):
        assert tasks.alert_overdue_grievances() == 1  # now the written answer is late too
    assert Notification.objects.filter(kind=NotificationKind.CONCERN_OVERDUE).count() == 2


def test_closed_concerns_are_never_overdue(patient, privacy_officer):
    concern(patient, officer=privacy_officer, at=FRIDAY_EVENING, status=GrievanceStatus.RESOLVED)
    concern(patient, at=FRIDAY_EVENING, status=GrievanceStatus.WITHDRAWN)
    with frozen_time(local(31)):
        assert tasks.alert_overdue_grievances() == 0
    assert not Grievance.objects.overdue(local(31)).exists()


def test_overdue_is_flagged_on_the_privacy_officers_home_and_queue(
    client, patient, privacy_officer
):
    concern(patient, at=FRIDAY_EVENING)
    # Signed in at each moment: sessions live in the database and expire by the (frozen) clock.
    with frozen_time(local(8)):
        client.force_login(privacy_officer)
        home = client.get("/staff/").content.decode()
        assert "Overdue" not in home
        assert "1 open concern to work on" in home
    with frozen_time(local(9)):
        client.force_login(privacy_officer)
        home = client.get("/staff/").content.decode()
        assert "Overdue: 1 concern past a deadline" in home
        queue = client.get("/staff/privacy/grievances/").content.decode()
        assert "Overdue" in queue


def test_other_staff_homes_do_not_show_concerns(client, patient, physician):
    concern(patient, at=FRIDAY_EVENING)
    client.force_login(physician)
    with frozen_time(local(20)):
        assert "concern" not in client.get("/staff/").content.decode().lower()
