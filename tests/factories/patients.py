from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from clinic.models import Role
from patients.models import Patient

from .clinic import SiteFactory, UserFactory


class PatientFactory(factory.django.DjangoModelFactory):
    """A patient record without a portal account (as after registration at the front desk)."""

    class Meta:
        model = Patient

    legal_name = factory.Faker("name")
    preferred_name = ""
    date_of_birth = factory.Faker("date_of_birth", minimum_age=18, maximum_age=90)
    email = factory.Sequence(lambda n: f"patient{n}@example.org")
    phone = "+1 555 0199"
    site = factory.SubFactory(SiteFactory)


class PatientUserFactory(UserFactory):
    """A patient's portal account, linked to a new patient record."""

    email = factory.Sequence(lambda n: f"patient-account{n}@example.org")
    patient = factory.RelatedFactory(
        PatientFactory, factory_related_name="user", email=factory.SelfAttribute("..email")
    )

    @factory.post_generation
    def group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=Role.PATIENT))
