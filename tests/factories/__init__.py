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
    CareTeamFactory,
    elapsed_emergency_access,
    emergency_access,
    expired_grant,
    frozen_time,
    future_grant,
    grant,
    revoked_grant,
)
from .feedback import concern  # noqa: F401
from .onboarding import OnboardingVisitFactory  # noqa: F401
from .patients import PatientFactory, PatientUserFactory  # noqa: F401
from .proxies import EVERY_AREA, ProxyAccessFactory, child_patient  # noqa: F401
from .records import (  # noqa: F401
    MINIMAL_JPEG,
    MINIMAL_PDF,
    MINIMAL_PNG,
    RecordEntryFactory,
    pdf_upload,
)
