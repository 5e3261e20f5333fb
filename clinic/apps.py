from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic setup"

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401
        from .db import check_app_role
        from .i18n import drop_empty_fallbacks
        from .roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, dispatch_uid="rapport_ensure_role_groups")
        checks.register(check_app_role, checks.Tags.database, deploy=True)
        use_plain_validation_messages()
        drop_empty_fallbacks()


def use_plain_validation_messages() -> None:
    """Django's own wording for the commonest form errors, in the portal's plain words ("Ensure
    this value has at most 2000 characters" reads like a machine talking). Set once, for every
    form, so no page shows the raw messages."""
    from django import forms
    from django.core import validators

    choice = "Select a valid choice. Choose one of the options shown."
    forms.ChoiceField.default_error_messages["invalid_choice"] = choice
    forms.ModelChoiceField.default_error_messages["invalid_choice"] = choice
    forms.ModelMultipleChoiceField.default_error_messages["invalid_choice"] = choice
    forms.FileField.default_error_messages["invalid"] = "Please choose a file to upload."
    forms.FileField.default_error_messages["missing"] = "Please choose a file to upload."
    validators.MaxLengthValidator.message = (
        "Please keep this to at most %(limit_value)d characters (it has %(show_value)d)."
    )
    validators.MinLengthValidator.message = (
        "Please write at least %(limit_value)d characters (it has %(show_value)d)."
    )
