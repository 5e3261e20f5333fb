from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic setup"

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401
        from .db import check_app_role
        from .roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, dispatch_uid="rapport_ensure_role_groups")
        checks.register(check_app_role, checks.Tags.database, deploy=True)
