"""What the application's PostgreSQL role is granted, table by table (clinic/db.py); the
refusals themselves are proved on PostgreSQL in tests/accesslog/test_database_role.py."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from clinic.db import _privileges_by_table, app_role, as_owner, check_app_role


def test_the_log_tables_are_read_and_append_only_for_the_app():
    privileges = _privileges_by_table()
    assert privileges["accesslog_accessevent"] == ("SELECT", "INSERT")
    assert privileges["accesslog_accesslogcheckpoint"] == ("SELECT", "INSERT")
    assert privileges["accesslog_checkpointleaf"] == ("SELECT", "INSERT")
    assert privileges["accesslog_accesslogalarm"] == ("SELECT", "INSERT", "UPDATE")
    assert privileges["accesslog_accessreader"] == ("SELECT", "INSERT")
    assert privileges["accesslog_accesschainhead"] == ("SELECT", "INSERT", "UPDATE")
    assert privileges["patients_patient"] == ("SELECT", "INSERT", "UPDATE", "DELETE")
    assert privileges["accesslog_accesschainverification"] == (
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
    )


def test_owner_settings_replace_the_credentials_but_keep_the_database(settings):
    settings.DATABASE_OWNER = {
        "USER": "owner",
        "PASSWORD": "secret",
        "HOST": "db.example",
        "PORT": 5433,
        "OPTIONS": {"sslmode": "require"},
    }
    name = connection.settings_dict["NAME"]
    before = {key: connection.settings_dict.get(key) for key in ("USER", "OPTIONS")}
    connection.settings_dict["OPTIONS"] = {**(before["OPTIONS"] or {}), "assume_role": "app"}
    try:
        assert app_role() == "app"
        with as_owner() as owner:
            assert owner.settings_dict["USER"] == "owner"
            assert owner.settings_dict["NAME"] == name
            assert owner.settings_dict["OPTIONS"] == {"sslmode": "require"}
        assert connection.settings_dict["OPTIONS"]["assume_role"] == "app"
    finally:
        connection.settings_dict.update(before)


@pytest.mark.django_db
def test_grant_command_needs_postgresql():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    with pytest.raises(CommandError, match="only on PostgreSQL"):
        call_command("grant_app_role")


def _postgres(monkeypatch, **settings_dict):
    fake = type("FakeConnection", (), {"vendor": "postgresql", "settings_dict": settings_dict})()
    monkeypatch.setattr("clinic.db.connections", {"default": fake})


def test_deploy_check_warns_when_production_connects_as_the_owner(settings, monkeypatch):
    settings.PRODUCTION = True
    settings.DATABASE_OWNER = None
    _postgres(monkeypatch, USER="rapport", OPTIONS={})
    assert [w.id for w in check_app_role()] == ["clinic.W001"]
    settings.DATABASE_OWNER = {"USER": "rapport"}
    assert [w.id for w in check_app_role()] == ["clinic.W001"]  # the same role twice


def test_deploy_check_is_quiet_with_a_separate_app_role(settings, monkeypatch):
    settings.PRODUCTION = True
    settings.DATABASE_OWNER = {"USER": "rapport_owner"}
    _postgres(monkeypatch, USER="rapport_app", OPTIONS={})
    assert check_app_role() == []
    settings.PRODUCTION = False
    settings.DATABASE_OWNER = None
    assert check_app_role() == []  # development may run as one role
