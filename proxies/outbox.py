"""Proxies' email-only messages in the one outbox (see `notifications.delivery`): a patient or a
proxy without a portal account yet is told by email when an access starts or ends. Built when
sent, from the access as it then stands; a "started" email for an access ended since is dropped."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives

from clinic.emails import build_templated_email
from notifications.models import Notification, NotificationKind

from .models import ProxyAccess, ProxyAuthority, ProxyStatus

TO_PATIENT = (NotificationKind.PROXY_FOR_YOU_STARTED, NotificationKind.PROXY_FOR_YOU_ENDED)
STARTED = (NotificationKind.PROXY_FOR_YOU_STARTED, NotificationKind.PROXY_ACTING_STARTED)


def _lines(access: ProxyAccess, kind: str) -> tuple[str, list[str]]:
    patient, proxy = access.patient.display_name, access.proxy_name
    relation = access.get_relationship_display()
    until = f"{access.last_day:%-d %B %Y}"
    if kind == NotificationKind.PROXY_FOR_YOU_STARTED:
        lines = [
            f"We checked identities in person and recorded that {proxy}, as your {relation}, can "
            f"use the portal for you until {until}."
        ]
        if access.authority == ProxyAuthority.PATIENT:
            lines.append(
                "Not what you agreed? Call us and we will end it at once, or end it yourself with "
                "one click on your sharing page once your portal account is active."
            )
        return f"{proxy} can now act for you", lines
    if kind == NotificationKind.PROXY_FOR_YOU_ENDED:
        if access.status == ProxyStatus.DECLINED:
            return (
                "Your invitation was not confirmed",
                [
                    f"The front desk could not confirm your invitation of {proxy}.",
                    access.end_reason,
                ],
            )
        return f"{proxy} no longer acts for you", [f"{proxy} can no longer act for you."]
    if kind == NotificationKind.PROXY_ACTING_STARTED:
        return (
            f"You can now act for {patient}",
            [
                f"You can use the portal for {patient}, as their {relation}, until {until}. "
                "Once your own portal account is active, sign in and choose who you act for."
            ],
        )
    return f"You no longer act for {patient}", [f"You can no longer act for {patient}."]


def build_proxy_email(notification: Notification) -> EmailMultiAlternatives | None:
    access = ProxyAccess.objects.with_people().filter(pk=notification.subject_id).first()
    if access is None:
        return None
    if notification.kind in STARTED and access.status != ProxyStatus.ACTIVE:
        return None  # ended already: nothing left to announce
    to_patient = notification.kind in TO_PATIENT
    person = access.patient if to_patient else access.proxy
    if person is None or not person.email:
        return None
    subject, lines = _lines(access, notification.kind)
    return build_templated_email(
        to=person.email,
        template="proxy-access",
        context={"name": person.display_name, "subject": subject, "lines": lines},
    )


EMAIL_BUILDERS = {
    kind: build_proxy_email
    for kind in (
        NotificationKind.PROXY_FOR_YOU_STARTED,
        NotificationKind.PROXY_FOR_YOU_ENDED,
        NotificationKind.PROXY_ACTING_STARTED,
        NotificationKind.PROXY_ACTING_ENDED,
    )
}
