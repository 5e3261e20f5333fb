from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic setup"

    def ready(self) -> None:
        from . import signals  # noqa: F401
