from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group

from clinic.models import Role, Site, StaffProfile, User

DEFAULT_PASSWORD = "correct horse battery staple clinic"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Test Site {n}")
    address = factory.Sequence(lambda n: f"{n} Test Street, Testtown")
    phone = "+1 555 0100"
    directions = "Ground floor."


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a verified email. `verified=False` leaves the address unverified."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if not create:
            return
        self.save()
        EmailAddress.objects.create(
            user=self, email=self.email, verified=extracted is not False, primary=True
        )


def add_totp(user: User) -> str:
    """Give a user a TOTP authenticator; returns its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = Role.PHYSICIAN
    display_name = factory.Sequence(lambda n: f"Dr T. Tester{n}")
    specialty = ""
    site = factory.SubFactory(SiteFactory)

    @factory.post_generation
    def group(self, create, extracted, **kwargs):
        if create:
            self.user.groups.add(Group.objects.get(name=self.role))


class StaffFactory(UserFactory):
    """A staff account with its profile and role group and, unless `mfa=False`, a TOTP
    authenticator. `role=Role.FRONT_DESK` etc. picks the role."""

    class Params:
        role = Role.PHYSICIAN
        display_name = factory.Sequence(lambda n: f"Dr T. Tester{n}")
        site = factory.SubFactory(SiteFactory)

    email = factory.Sequence(lambda n: f"staff{n}@clinic.example")
    is_staff = factory.LazyAttribute(lambda o: o.role == Role.ADMIN)
    staff_profile = factory.RelatedFactory(
        StaffProfileFactory,
        factory_related_name="user",
        role=factory.SelfAttribute("..role"),
        display_name=factory.SelfAttribute("..display_name"),
        site=factory.SelfAttribute("..site"),
    )

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        if create and extracted is not False:
            add_totp(self)
