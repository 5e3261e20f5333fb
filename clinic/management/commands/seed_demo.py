"""Demo data for a newcomer: sites, one account per staff role, then each app's demo data
(`<app>/demo.py`: patients, visits, records, consent, articles). Safe to run twice."""

from __future__ import annotations

from io import StringIO

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from clinic.extensions import collect
from clinic.models import Role, Site, User
from clinic.services import create_staff_member

DEMO_DOMAIN = "rapport.example"

SITES = [
    {
        "name": "Riverside Health Centre",
        "address": "12 River Street, Millbrook MB1 2AB",
        "phone": "+1 555 0100",
        "directions": "Main entrance on River Street; the front desk is on your left.",
    },
    {
        "name": "Hillview Clinic",
        "address": "4 Hill Road, Millbrook MB3 9CD",
        "phone": "+1 555 0200",
        "directions": "Ground floor, opposite the pharmacy.",
    },
]

STAFF = [
    # email, password, role, display name, specialty, site index
    ("admin", "demo admin passphrase 2026", Role.ADMIN, "Alex Morgan", "", 0),
    ("frontdesk", "demo front desk passphrase 2026", Role.FRONT_DESK, "Sam Okafor", "", 0),
    (
        "dr.rivera",
        "demo rivera passphrase 2026",
        Role.PHYSICIAN,
        "Dr A. Rivera",
        "Family medicine",
        0,
    ),
    ("dr.chen", "demo chen passphrase 2026", Role.PHYSICIAN, "Dr M. Chen", "Cardiology", 1),
    ("privacy", "demo privacy passphrase 2026", Role.PRIVACY_OFFICER, "Jordan Lee", "", 0),
]


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


class Command(BaseCommand):
    help = "Create demo sites, one account per role and a few patients (idempotent)."

    def handle(self, *args, **options) -> None:
        # Demo people have made-up addresses: notifications are written but no email is sent.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            self._seed()

    @transaction.atomic
    def _seed(self) -> None:
        sites = [self._site(data) for data in SITES]
        rows = []
        for local, password, role, display_name, specialty, site_index in STAFF:
            user = self._staff(local, password, role, display_name, specialty, sites[site_index])
            rows.append((Role(role).label, user.email, password, self._totp_secret(user)))

        # Each feature app adds its demo data in layer order (patients and their accounts first,
        # then visits, records, consent, articles, ...), sharing what it made through `context`.
        context = {
            "sites": sites,
            "staff": {local: User.objects.get(email=demo_email(local)) for local, *_ in STAFF},
            "patients": {},
            "accounts": rows,  # (role, email, password, TOTP secret), printed below
            "email": demo_email,
        }
        for seed in collect("demo", "seed"):
            seed(context, self.stdout)
        # Locally nothing runs beat: sign the demo's access log once, so /transparency/ and the
        # proof bundles have a checkpoint (by name: the access log lives above this app).
        try:
            call_command("checkpoint_access_log", "--if-none-yet", stdout=StringIO())
        except CommandError as error:
            self.stderr.write(f"The access log was not signed: {error}")

        self.stdout.write(self.style.SUCCESS("Demo accounts (sign in at /accounts/login/):"))
        for role, email, password, secret in rows:
            line = f"  {role:<16} {email:<28} password: {password}"
            if secret:
                line += f"\n  {'':<16} two-step secret (TOTP): {secret}"
            self.stdout.write(line)
        self.stdout.write(
            "Staff accounts ask for a 6-digit code after the password. Add the secret to any "
            "authenticator app, or print the current code with:\n"
            "  .venv/bin/python manage.py demo_totp_code <email>"
        )

    def _site(self, data: dict) -> Site:
        site, _ = Site.objects.get_or_create(name=data["name"], defaults=data)
        return site

    def _staff(self, local, password, role, display_name, specialty, site) -> User:
        user = User.objects.filter(email=demo_email(local)).first()
        if user is None:
            user = create_staff_member(
                email=demo_email(local),
                password=password,
                role=role,
                display_name=display_name,
                specialty=specialty,
                site=site,
            )
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, generate_totp_secret())
            RecoveryCodes.activate(user)
        return user

    def _totp_secret(self, user: User) -> str:
        authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        return decrypt(authenticator.data["secret"])
