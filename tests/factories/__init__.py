"""Factories, one module per app; import from here."""

from .clinic import (  # noqa: F401
    DEFAULT_PASSWORD,
    SiteFactory,
    StaffFactory,
    StaffProfileFactory,
    UserFactory,
    add_totp,
)
from .onboarding import OnboardingVisitFactory  # noqa: F401
from .patients import PatientFactory, PatientUserFactory  # noqa: F401
