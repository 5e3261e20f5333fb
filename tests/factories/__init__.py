"""Factories, one module per app; import from here."""

from .clinic import (  # noqa: F401
    DEFAULT_PASSWORD,
    SiteFactory,
    StaffFactory,
    StaffProfileFactory,
    UserFactory,
    add_totp,
)
from .consent import (  # noqa: F401
    EMERGENCY_REASON,
    MINIMAL_JPEG,
    MINIMAL_PDF,
    MINIMAL_PNG,
    CareTeamFactory,
    RecordEntryFactory,
    elapsed_emergency_access,
    emergency_access,
    expired_grant,
    frozen_time,
    future_grant,
    grant,
    pdf_upload,
    revoked_grant,
)
from .onboarding import OnboardingVisitFactory  # noqa: F401
from .patients import PatientFactory, PatientUserFactory  # noqa: F401
