"""The one outbox: every message the portal sends, to a person with an account or by email only.

A row is written in the same transaction as what it reports; its email is published on commit
and swept by beat until it is sent (see `notifications.delivery` and `notifications.tasks`), so a
dead Redis or worker delays an email but never loses it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """Every kind of message, in the words the admin shows. Each app writes its own kinds."""

    RECORD_ACCESS = "record_access", _("Someone read your record")
    EMERGENCY_ACCESS = "emergency_access", _("Emergency access to your record")
    EMERGENCY_REVIEWED = "emergency_reviewed", _("Emergency access reviewed")
    EMERGENCY_TO_REVIEW = "emergency_to_review", _("Emergency access to review")
    ACCESS_REQUEST = "access_request", _("Request to see your record")
    REQUEST_DECIDED = "request_decided", _("Answer to your access request")
    EMERGENCY_ALERT = "emergency_alert", _("Emergency access to look at now")
    EMERGENCY_ENDED = "emergency_ended", _("Emergency access ended")
    CONSENT_RECORDED = "consent_recorded", _("Sharing recorded on your behalf")
    ARTICLE_REVIEWED = "article_reviewed", _("Your article was reviewed")
    ARTICLE_ASSIGNED = "article_assigned", _("Something new to read")
    ARTICLE_QUESTION = "article_question", _("A question about an article")
    CONCERN_RAISED = "concern_raised", _("A patient raised a concern")
    CONCERN_UPDATED = "concern_updated", _("News about your concern")
    CONCERN_REPLY = "concern_reply", _("A patient wrote about their concern")
    CONCERN_OVERDUE = "concern_overdue", _("A concern is overdue")
    QUESTION_ANSWERED = "question_answered", _("Your question was answered")
    QUESTION_WAITING = "question_waiting", _("A patient's question is waiting")
    SURVEY_INVITATION = "survey_invitation", _("A short survey")
    ACCESS_LOG_ALARM = "access_log_alarm", _("The access log failed verification")
    GENERAL = "general", _("Message")
    ONBOARDING_INVITATION = "onboarding_invitation", _("Invitation to the first visit")
    ONBOARDING_RESCHEDULED = "onboarding_rescheduled", _("First visit moved")
    ONBOARDING_CANCELLED = "onboarding_cancelled", _("First visit cancelled")
    PROXY_FOR_YOU_STARTED = "proxy_for_you_started", _("Someone can now act for you")
    PROXY_FOR_YOU_ENDED = "proxy_for_you_ended", _("Someone no longer acts for you")
    PROXY_ACTING_STARTED = "proxy_acting_started", _("You can now act for someone")
    PROXY_ACTING_ENDED = "proxy_acting_ended", _("You no longer act for someone")
    PROXY_AGE_NOTICE = "proxy_age_notice", _("A change to a parent's access ahead")
    PROXY_REVIEW_DUE = "proxy_review_due", _("A power of attorney is due for review")


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("Each time, as it happens")
    DIGEST = "digest", _("Once a day, in a summary")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def undelivered(self) -> NotificationQuerySet:
        """Emails still to send: due (now or later), neither sent nor skipped."""
        return self.filter(
            email_sent_at__isnull=True, email_skipped_at__isnull=True, email_due_at__isnull=False
        )

    def unclaimed(self, now) -> NotificationQuerySet:
        """Not being sent by anyone right now: never claimed, or the claim has expired."""
        return self.filter(Q(email_claimed_until__isnull=True) | Q(email_claimed_until__lte=now))


class Notification(models.Model):
    """One message to one person: shown in the portal when it has a recipient account and, when
    due, sent by email. Email-only messages (an invitation to a first visit, before any account
    exists) have no recipient: the sender of their kind names the address when it is sent.

    The text names who and when, never health data: "Dr A. Rivera viewed your record on 3 Dec at
    14:05".
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        help_text="Empty for an email to someone without an account yet.",
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    subject_id = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="What the message is about, by kind (an onboarding visit for onboarding "
        "emails); its email is built from it when sent.",
    )
    message = models.CharField(max_length=300, blank=True)
    link = models.CharField(
        max_length=200, blank=True, help_text="A path on this site, e.g. /portal/sharing/"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When the email should go out; empty: portal only."
    )
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_skipped_at = models.DateTimeField(
        null=True, blank=True, help_text="When its email was dropped as no longer true."
    )
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    delivery_attempts = models.PositiveIntegerField(default=0)
    email_claimed_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A sender has claimed this email until then (committed before sending); "
        "nobody else sends it meanwhile. An expired claim means the sender died: it is retried.",
    )
    republished_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sweep last published its delivery again."
    )
    # For coalesced notifications: who acted, how many events this notification stands for, and
    # when, so reads by one person within a short window become one notification.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event_count = models.PositiveIntegerField(default=1)
    first_event_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["recipient", "kind", "actor", "-last_event_at"]),
            models.Index(
                fields=["email_due_at"],
                condition=Q(email_sent_at__isnull=True, email_due_at__isnull=False),
                name="notification_undelivered_idx",
            ),
            models.Index(
                fields=["kind", "subject_id"],
                condition=Q(subject_id__isnull=False),
                name="notification_subject_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | Q(subject_id__isnull=False),
                name="notification_has_recipient_or_subject",
            )
        ]

    def __str__(self) -> str:
        return f"Notification #{self.pk} ({self.kind})"


class EmailPreference(models.Model):
    """How a person wants to hear about looks at their record: an email each time, or a daily
    digest. Emergency access is always emailed at once, whatever this says."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="email_preference",
    )
    record_access = models.CharField(
        max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Email preference of user {self.user_id}: {self.record_access}"
