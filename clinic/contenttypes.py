"""Moving a model's content type to another app in a migration, keeping the permissions people
and groups hold on it."""

from __future__ import annotations

from typing import Any


def move_content_types(apps: Any, old_label: str, new_label: str, models: list[str]) -> None:
    """Give each model's content type its new app label. If one under the new label exists
    already (created by an earlier `migrate` of this code), move every group's and user's
    permissions over to it and drop the old one."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    GroupPermission = apps.get_model("auth", "Group").permissions.through
    UserPermission = apps.get_model("clinic", "User").user_permissions.through
    for model in models:
        old = ContentType.objects.filter(app_label=old_label, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=new_label, model=model).first()
        if new is None:
            old.app_label = new_label
            old.save(update_fields=["app_label"])
            continue
        for permission in Permission.objects.filter(content_type=old):
            target, _ = Permission.objects.get_or_create(
                content_type=new,
                codename=permission.codename,
                defaults={"name": permission.name},
            )
            for through, holder in ((GroupPermission, "group_id"), (UserPermission, "user_id")):
                holders = through.objects.filter(permission=permission).values_list(
                    holder, flat=True
                )
                through.objects.bulk_create(
                    [through(**{holder: pk, "permission": target}) for pk in holders],
                    ignore_conflicts=True,
                )
        old.delete()
