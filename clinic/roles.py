"""Role groups and the model permissions each role holds.

Groups are created and given their permissions by data migrations (see `clinic/migrations`), which
call `grant_role_permissions` with historical models. Object-level access to health data never
comes from these model permissions: it comes from consent grants (see `consent/`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management import create_permissions


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
