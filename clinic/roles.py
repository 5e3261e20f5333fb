"""Role groups and the model permissions each role holds.

Groups are created and given their permissions by data migrations (see `clinic/migrations`), which
call `grant_role_permissions` with historical models. After every `migrate` (and every `flush`,
which tests use) `ensure_role_groups` also makes sure each group exists with at least the
permissions in `ROLE_PERMISSIONS`. Object-level access to health data never comes from these
model permissions: it comes from consent grants (see `consent/`).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "patient": [],
    "front_desk": [
        "clinic.use_staff_area",
        "patients.add_patient",
        "patients.change_patient",
        "patients.view_patient",
        "patients.add_onboardingvisit",
        "patients.change_onboardingvisit",
        "patients.view_onboardingvisit",
        "patients.add_onboardingchecklistentry",
        "patients.change_onboardingchecklistentry",
        "patients.view_onboardingchecklistentry",
        "patients.add_activationcode",
        "patients.view_activationcode",
    ],
    "physician": ["clinic.use_staff_area"],
    "privacy_officer": ["clinic.use_staff_area"],
    "admin": [
        "clinic.use_staff_area",
        "clinic.add_site",
        "clinic.change_site",
        "clinic.view_site",
        "clinic.add_staffprofile",
        "clinic.change_staffprofile",
        "clinic.view_staffprofile",
        "clinic.add_user",
        "clinic.change_user",
        "clinic.view_user",
        "auth.view_group",
        "patients.view_patient",
        "patients.view_onboardingvisit",
        "patients.view_onboardingchecklistentry",
        "patients.view_activationcode",
        "consent.view_consentgrant",
        "consent.view_emergencyaccess",
        "accesslog.view_accessevent",
        "consent.view_careteam",
        "consent.add_careteam",
        "consent.change_careteam",
        # Survey instruments are data the clinic edits (feedback/admin.py); never responses.
        "feedback.view_instrument",
        "feedback.add_instrument",
        "feedback.change_instrument",
        "feedback.view_instrumentitem",
        "feedback.add_instrumentitem",
        "feedback.change_instrumentitem",
        "feedback.delete_instrumentitem",
    ],
}


def ensure_role_groups(sender=None, apps=global_apps, using="default", **kwargs) -> None:
    """post_migrate receiver: every role group exists and holds its permissions (those whose
    models exist yet; the signal fires once per app)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            permission = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if permission is not None:
                wanted.append(permission)
        group.permissions.add(*wanted)


def grant_role_permissions(apps: Any, grants: dict[str, list[str]]) -> None:
    """Create each role's group if missing and add the given "app_label.codename" permissions."""
    # Permissions are normally created after all migrations ran; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in grants.items():
        group, _ = Group.objects.get_or_create(name=role)
        for dotted in perms:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def revoke_role_permissions(apps: Any, grants: dict[str, list[str]]) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in grants.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        for dotted in perms:
            app_label, codename = dotted.split(".")
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
