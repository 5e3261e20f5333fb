"""The outbox takes this app's name and becomes the one outbox: messages to people without an
account (onboarding emails, moved here by patients 0006), a subject per message, emails skipped
once no longer true. Patients' choice of access alerts becomes the account's email preference."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_access_alert_preferences(apps, schema_editor):
    AccessAlertPreference = apps.get_model("consent", "AccessAlertPreference")
    EmailPreference = apps.get_model("notifications", "EmailPreference")
    EmailPreference.objects.bulk_create(
        [
            EmailPreference(user_id=preference.patient.user_id, record_access=preference.delivery)
            for preference in AccessAlertPreference.objects.select_related("patient")
            if preference.patient.user_id is not None
        ],
        ignore_conflicts=True,
    )


def copy_email_preferences_back(apps, schema_editor):
    AccessAlertPreference = apps.get_model("consent", "AccessAlertPreference")
    EmailPreference = apps.get_model("notifications", "EmailPreference")
    Patient = apps.get_model("patients", "Patient")
    patients = dict(Patient.objects.filter(user__isnull=False).values_list("user_id", "pk"))
    AccessAlertPreference.objects.bulk_create(
        [
            AccessAlertPreference(patient_id=patients[p.user_id], delivery=p.record_access)
            for p in EmailPreference.objects.all()
            if p.user_id in patients
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0002_roles'),
        ('notifications', '0001_initial'),
        ('consent', '0005_access_log_and_outbox_moved_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelTable(
            name='notification',
            table=None,
        ),
        migrations.CreateModel(
            name='EmailPreference',
            fields=[
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='email_preference', serialize=False, to=settings.AUTH_USER_MODEL)),
                ('record_access', models.CharField(choices=[('immediate', 'Each time, as it happens'), ('digest', 'Once a day, in a summary')], default='immediate', max_length=10)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.RenameIndex(
            model_name='notification',
            new_name='notificatio_recipie_a972ce_idx',
            old_name='consent_not_recipie_a87f0e_idx',
        ),
        migrations.RenameIndex(
            model_name='notification',
            new_name='notificatio_recipie_5e89d9_idx',
            old_name='consent_not_recipie_17fe01_idx',
        ),
        migrations.AddField(
            model_name='notification',
            name='email_skipped_at',
            field=models.DateTimeField(blank=True, help_text='When its email was dropped as no longer true.', null=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='subject_id',
            field=models.PositiveBigIntegerField(blank=True, help_text='What the message is about, by kind (an onboarding visit for onboarding emails); its email is built from it when sent.', null=True),
        ),
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('record_access', 'Someone read your record'), ('emergency_access', 'Emergency access to your record'), ('emergency_reviewed', 'Emergency access reviewed'), ('emergency_to_review', 'Emergency access to review'), ('access_request', 'Request to see your record'), ('request_decided', 'Answer to your access request'), ('general', 'Message'), ('onboarding_invitation', 'Invitation to the first visit'), ('onboarding_rescheduled', 'First visit moved'), ('onboarding_cancelled', 'First visit cancelled')], max_length=30),
        ),
        migrations.AlterField(
            model_name='notification',
            name='link',
            field=models.CharField(blank=True, help_text='A path on this site, e.g. /portal/sharing/', max_length=200),
        ),
        migrations.AlterField(
            model_name='notification',
            name='message',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name='notification',
            name='recipient',
            field=models.ForeignKey(blank=True, help_text='Empty for an email to someone without an account yet.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('subject_id__isnull', False)), fields=['kind', 'subject_id'], name='notification_subject_idx'),
        ),
        migrations.AddConstraint(
            model_name='notification',
            constraint=models.CheckConstraint(condition=models.Q(('recipient__isnull', False), ('subject_id__isnull', False), _connector='OR'), name='notification_has_recipient_or_subject'),
        ),
        migrations.RunPython(copy_access_alert_preferences, copy_email_preferences_back),
    ]
