"""Onboarding emails join the one outbox (`notifications.Notification`, kind onboarding_*, subject
the visit): their history and anything still pending move there, then their own table goes."""

from django.db import migrations

KINDS = {
    "invitation": "onboarding_invitation",
    "rescheduled": "onboarding_rescheduled",
    "cancelled": "onboarding_cancelled",
}


def move_to_outbox(apps, schema_editor):
    OnboardingEmail = apps.get_model("patients", "OnboardingEmail")
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=None,
                kind=KINDS[email.kind],
                subject_id=email.visit_id,
                created_at=email.created_at,
                email_due_at=email.created_at,
                email_sent_at=email.sent_at,
                email_skipped_at=email.skipped_at,
                republished_at=email.republished_at,
                delivery_attempts=1 if email.sent_at else 0,
            )
            for email in OnboardingEmail.objects.order_by("pk").iterator()
        ],
        batch_size=1000,
    )


def move_back(apps, schema_editor):
    OnboardingEmail = apps.get_model("patients", "OnboardingEmail")
    Notification = apps.get_model("notifications", "Notification")
    kinds = {new: old for old, new in KINDS.items()}
    rows = Notification.objects.filter(kind__in=kinds).order_by("pk")
    OnboardingEmail.objects.bulk_create(
        [
            OnboardingEmail(
                visit_id=row.subject_id,
                kind=kinds[row.kind],
                created_at=row.created_at,
                sent_at=row.email_sent_at,
                skipped_at=row.email_skipped_at,
                republished_at=row.republished_at,
            )
            for row in rows
        ]
    )
    rows.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0005_onboarding_email_republished_at"),
        ("notifications", "0002_one_outbox"),
    ]

    operations = [
        migrations.RunPython(move_to_outbox, move_back),
        migrations.DeleteModel(name="OnboardingEmail"),
    ]
