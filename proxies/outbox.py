"""Proxies' email-only messages in the one outbox (see `notifications.delivery`): a patient or a
proxy without a portal account yet is told by email when an access starts or ends. Built when
sent, from the access as it then stands; a "started" email for an access ended since is dropped."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.utils import translation
from django.utils.translation import gettext

from clinic.emails import build_templated_email
from clinic.i18n import full_date, language_for_patient
from notifications.models import Notification, NotificationKind

from .models import ProxyAccess, ProxyAuthority, ProxyStatus

TO_PATIENT = (NotificationKind.PROXY_FOR_YOU_STARTED, NotificationKind.PROXY_FOR_YOU_ENDED)
STARTED = (NotificationKind.PROXY_FOR_YOU_STARTED, NotificationKind.PROXY_ACTING_STARTED)


def _lines(access: ProxyAccess, kind: str) -> tuple[str, list[str]]:
    """The subject and the lines, in the active language (the reader's: see below)."""
    names = {
        "patient": access.patient.display_name,
        "proxy": access.proxy_name,
        "relationship": access.relationship_word,
        "until": full_date(access.last_day),
    }
    if kind == NotificationKind.PROXY_FOR_YOU_STARTED:
        lines = [
            gettext(
                "We checked identities in person and recorded that %(proxy)s, as your "
                "%(relationship)s, can use the portal for you until %(until)s."
            )
            % names
        ]
        if access.authority == ProxyAuthority.PATIENT:
            lines.append(
                gettext(
                    "Not what you agreed? Call us and we will end it at once, or end it yourself "
                    "with one click on your sharing page once your portal account is active."
                )
            )
        return gettext("%(proxy)s can now act for you") % names, lines
    if kind == NotificationKind.PROXY_FOR_YOU_ENDED:
        if access.status == ProxyStatus.DECLINED:
            return (
                gettext("Your invitation was not confirmed"),
                [
                    gettext("The front desk could not confirm your invitation of %(proxy)s.")
                    % names,
                    access.end_reason,
                ],
            )
        return (
            gettext("%(proxy)s no longer acts for you") % names,
            [gettext("%(proxy)s can no longer act for you.") % names],
        )
    if kind == NotificationKind.PROXY_ACTING_STARTED:
        return (
            gettext("You can now act for %(patient)s") % names,
            [
                gettext(
                    "You can use the portal for %(patient)s, as their %(relationship)s, until "
                    "%(until)s. Once your own portal account is active, sign in and choose who "
                    "you act for."
                )
                % names
            ],
        )
    return (
        gettext("You no longer act for %(patient)s") % names,
        [gettext("You can no longer act for %(patient)s.") % names],
    )


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
    language = language_for_patient(person)  # each reads their own language
    with translation.override(language):
        subject, lines = _lines(access, notification.kind)
    return build_templated_email(
        to=person.email,
        template="proxy-access",
        context={"name": person.display_name, "subject": subject, "lines": lines},
        language=language,
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
