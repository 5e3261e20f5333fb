"""Accounts, staff and clinic sites."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils.functional import cached_property
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    FRONT_DESK = "front_desk", _("Front desk")
    PHYSICIAN = "physician", _("Physician")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.FRONT_DESK, Role.PHYSICIAN, Role.PRIVACY_OFFICER, Role.ADMIN})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in. Email is the login; the role comes from the staff profile or the
    linked patient record."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.display_name

    @cached_property
    def role(self) -> str | None:
        profile = getattr(self, "staff_profile", None)
        if profile is not None:
            return profile.role
        if getattr(self, "patient", None) is not None:
            return Role.PATIENT
        return None

    @property
    def is_clinic_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def display_name(self) -> str:
        profile = getattr(self, "staff_profile", None)
        if profile is not None:
            return profile.display_name
        patient = getattr(self, "patient", None)
        if patient is not None:
            return patient.display_name
        return self.get_full_name() or self.email


class Site(models.Model):
    """A clinic location where patients are seen."""

    name = models.CharField(max_length=120, unique=True)
    address = models.TextField(help_text="Street address as printed on invitations.")
    phone = models.CharField(max_length=40, blank=True)
    directions = models.TextField(blank=True, help_text="How to find the front desk.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff_profile")
    role = models.CharField(
        max_length=20, choices=[(r.value, r.label) for r in Role if r in STAFF_ROLES]
    )
    display_name = models.CharField(
        max_length=120, help_text="As patients see it, e.g. Dr A. Rivera."
    )
    specialty = models.CharField(max_length=120, blank=True)
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="staff"
    )

    class Meta:
        ordering = ["display_name"]
        permissions = [("use_staff_area", "Can use the staff area")]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_role_display()})"


class Session(AbstractBaseSession):
    """A browser's session, as Django's `db` engine keeps it, with the signed-in person's id in a
    column of its own (written from the session's data at every save), so that loading the
    session loads them too (clinic/sessions.py). A deleted account's sessions go with it."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions"
    )

    class Meta(AbstractBaseSession.Meta):
        pass

    def __str__(self) -> str:
        # Never the key: it is the session's password (Django admin lists a user's sessions
        # when the user is deleted).
        return f"Session until {self.expire_date:%Y-%m-%d %H:%M}"

    @classmethod
    def get_session_store_class(cls):
        return import_string(f"{settings.SESSION_ENGINE}.SessionStore")
