from clinic.models import Role

NAV_ITEMS = [
    (60, "Feedback", "portal:feedback", (Role.PATIENT,)),
    (20, "Grievances", "staff:grievances", (Role.PRIVACY_OFFICER,)),
]
