"""The one decision every proxy read goes through (proxies.rules): dates, states, age stages."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from proxies.models import ProxyArea, ProxyAuthority, ProxyStatus
from proxies.rules import AgeStage, age_on, age_stage, birthday_at, view_of

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
ALL_AREAS = list(ProxyArea.values)


def access(**overrides):
    fields = {
        "status": ProxyStatus.ACTIVE,
        "proxy_id": 7,
        "starts_at": NOW - dt.timedelta(days=1),
        "ends_at": NOW + dt.timedelta(days=30),
        "review_on": None,
        "areas": ALL_AREAS,
        "record_categories": [],
        "include_sensitive": True,
        "authority": ProxyAuthority.PATIENT,
        "patient": SimpleNamespace(date_of_birth=dt.date(1950, 5, 1)),
    }
    fields.update(overrides)
    return SimpleNamespace(**fields)


def born_aged(years: int, days_after_birthday: int = 0) -> dt.date:
    """A date of birth that makes someone `years` old on NOW's date, plus some days."""
    today = NOW.date() - dt.timedelta(days=days_after_birthday)
    return today.replace(year=today.year - years)


def test_an_active_access_in_its_window_allows_its_areas():
    view = view_of(access(areas=[ProxyArea.RECORD, ProxyArea.ACCESS_LOG]), NOW)
    assert view.in_force
    assert view.allows(ProxyArea.RECORD)
    assert view.allows(ProxyArea.ACCESS_LOG)
    assert not view.allows(ProxyArea.SHARING)
    assert view.categories is None  # the whole record


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": ProxyStatus.PENDING},
        {"status": ProxyStatus.ENDED},
        {"status": ProxyStatus.DECLINED},
        {"proxy_id": None},
        {"starts_at": NOW + dt.timedelta(seconds=1)},
        {"ends_at": NOW},
        {"ends_at": NOW - dt.timedelta(days=1)},
        {"review_on": dt.date(2026, 12, 2)},
    ],
    ids=[
        "pending",
        "ended",
        "declined",
        "no proxy yet",
        "not started",
        "ends now",
        "expired",
        "review date passed",
    ],
)
def test_an_access_out_of_force_allows_nothing(overrides):
    view = view_of(access(**overrides), NOW)
    assert not view.in_force
    assert not any(view.allows(area) for area in ALL_AREAS)


def test_review_day_itself_still_allows():
    assert view_of(access(review_on=NOW.date()), NOW).in_force


def test_categories_narrow_the_record_and_vanish_without_the_record_area():
    narrowed = view_of(access(record_categories=["lab_result"]), NOW)
    assert narrowed.categories == frozenset({"lab_result"})
    no_record = view_of(access(areas=[ProxyArea.ACCESS_LOG]), NOW)
    assert no_record.categories == frozenset()


def test_unknown_area_names_are_ignored():
    view = view_of(access(areas=["record", "admin", "<script>"]), NOW)
    assert view.areas == frozenset({ProxyArea.RECORD})


@pytest.mark.parametrize(
    ("years", "stage"),
    [
        (0, AgeStage.FULL),
        (11, AgeStage.FULL),
        (12, AgeStage.LIMITED),
        (15, AgeStage.LIMITED),
        (16, AgeStage.ALONE),
        (40, AgeStage.ALONE),
    ],
)
def test_age_stages_follow_the_default_helsenorge_ages(years, stage):
    assert age_stage(born_aged(years), NOW.date()) == stage


def test_the_day_before_a_birthday_is_still_the_younger_stage():
    dob = born_aged(12)
    assert age_stage(dob, NOW.date() - dt.timedelta(days=1)) == AgeStage.FULL
    assert age_stage(dob, NOW.date()) == AgeStage.LIMITED


def test_a_parent_of_a_young_child_has_what_the_access_gives():
    view = view_of(access(authority=ProxyAuthority.PARENTAL), NOW, date_of_birth=born_aged(9))
    assert view.stage == AgeStage.FULL
    assert view.include_sensitive
    assert view.allows(ProxyArea.SHARING)


def test_from_twelve_a_parent_loses_sensitive_entries_and_sharing_choices():
    view = view_of(access(authority=ProxyAuthority.PARENTAL), NOW, date_of_birth=born_aged(12))
    assert view.in_force and view.stage == AgeStage.LIMITED
    assert not view.include_sensitive
    assert not view.allows(ProxyArea.SHARING)
    assert view.allows(ProxyArea.RECORD)


def test_from_sixteen_parental_access_has_no_effect():
    view = view_of(access(authority=ProxyAuthority.PARENTAL), NOW, date_of_birth=born_aged(16))
    assert not view.in_force


def test_age_rules_apply_only_to_parental_authority():
    """A young person who invites a parent back gives an access of their own authority."""
    view = view_of(access(authority=ProxyAuthority.PATIENT), NOW, date_of_birth=born_aged(16))
    assert view.in_force and view.include_sensitive and view.allows(ProxyArea.SHARING)


def test_the_patients_date_of_birth_is_used_when_none_is_given():
    row = access(
        authority=ProxyAuthority.PARENTAL, patient=SimpleNamespace(date_of_birth=born_aged(13))
    )
    assert view_of(row, NOW).stage == AgeStage.LIMITED


@override_settings(PROXY_CHILD_FULL_UNTIL=13, PROXY_CHILD_ALONE_FROM=18)
def test_the_clinic_sets_its_own_ages():
    assert age_stage(born_aged(12), NOW.date()) == AgeStage.FULL
    assert age_stage(born_aged(17), NOW.date()) == AgeStage.LIMITED
    assert age_stage(born_aged(18), NOW.date()) == AgeStage.ALONE


def test_a_leap_day_birthday_counts_from_the_first_of_march():
    dob = dt.date(2012, 2, 29)
    assert birthday_at(dob, 12) == dt.date(2024, 2, 29)
    assert birthday_at(dob, 13) == dt.date(2025, 3, 1)
    assert age_on(dob, dt.date(2025, 2, 28)) == 12
    assert age_on(dob, dt.date(2025, 3, 1)) == 13


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 12, 31)),
    st.integers(min_value=0, max_value=100),
)
def test_one_is_that_age_on_the_birthday_and_younger_the_day_before(dob, years):
    birthday = birthday_at(dob, years)
    assert age_on(dob, birthday) == years
    if years > 0:
        assert age_on(dob, birthday - dt.timedelta(days=1)) == years - 1


@given(
    st.lists(st.sampled_from(ALL_AREAS), unique=True),
    st.booleans(),
    st.sampled_from(list(ProxyAuthority.values)),
    st.integers(min_value=0, max_value=30),
)
def test_a_view_never_gives_more_than_the_access(areas, sensitive, authority, years):
    row = access(areas=areas, include_sensitive=sensitive, authority=authority)
    view = view_of(row, NOW, date_of_birth=born_aged(years))
    assert view.areas <= frozenset(areas)
    assert view.include_sensitive <= sensitive


def test_an_access_is_in_force_from_its_first_instant():
    assert view_of(access(starts_at=NOW), NOW).in_force
