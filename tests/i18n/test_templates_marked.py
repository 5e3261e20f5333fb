"""Every patient-facing template has its words marked for translation.

A template listed here (or matched by a pattern) fails this test when it has text outside
{% translate %}/{% blocktranslate %} that contains letters (see tests/i18n/unmarked.py). Staff
pages stay English and are not listed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from .unmarked import unmarked_strings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PATIENT_FACING = [
    "base.html",
    "403.html",
    "403_csrf.html",
    "404.html",
    "500.html",
    "includes/*.html",
    "clinic/check_unavailable.html",
    "clinic/no_role.html",
    "account/*.html",
    "account/email/*.txt",
    "account/messages/*.txt",
    "allauth/layouts/*.html",
    "mfa/**/*.html",
    "mfa/**/*.txt",
    "patients/activation/*.html",
    "patients/portal_*.html",
    "patients/staff/handout.html",
    "records/portal_*.html",
    "consent/portal_*.html",
    "accesslog/portal_*.html",
    "accesslog/_look_*.html",
    "notifications/portal_*.html",
    "education/library.html",
    "education/article.html",
    "education/_article_meta.html",
    "education/portal_*.html",
    "feedback/portal_*.html",
    "feedback/report_concern.html",
    "feedback/suggestions.html",
    "feedback/includes/*.html",
    "exports/summary.html",
    "transparency/*.html",
    "emails/*.txt",
    "emails/*.html",
    "emails/includes/*",
    # Carer (proxy) pages, when they arrive, are written with translate tags.
    "proxies/portal_*.html",
    "proxies/acting_*.html",
    "proxies/not_shared.html",
]


def patient_facing_templates() -> list[Path]:
    found = {path for pattern in PATIENT_FACING for path in TEMPLATES.glob(pattern)}
    return sorted(path for path in found if path.is_file())


def test_the_patient_facing_list_finds_the_templates_it_names():
    names = {str(path.relative_to(TEMPLATES)) for path in patient_facing_templates()}
    for expected in (
        "base.html",
        "patients/portal_home.html",
        "patients/activation/code.html",
        "consent/portal_sharing.html",
        "accesslog/portal_access_log.html",
        "emails/onboarding-invitation-body.txt",
        "patients/staff/handout.html",
        "account/login.html",
    ):
        assert expected in names
    assert len(names) > 140


@pytest.mark.parametrize(
    "template", patient_facing_templates(), ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_patient_facing_template_has_no_unmarked_text(template):
    assert unmarked_strings(template) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("<p>Hello there</p>", ["Hello there"]),
        ('<a href="/x/" title="Open it">{% translate "Go" %}</a>', ['a title="Open it"']),
        ('<nav aria-label="Pages"></nav>', ['nav aria-label="Pages"']),
        ('<input type="submit" value="Send">', ['input value="Send"']),
        ("<p>{{ name }}, welcome</p>", [", welcome"]),
        ("<p>{% if x %}Yes{% endif %}</p>", ["Yes"]),
        ('<p>{% translate "Hello there" %}</p>', []),
        ("<p>{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}</p>", []),
        ("<p>{% comment %}Not shown{% endcomment %}{# nor this #}</p>", []),
        ("<script>var words = 'not prose';</script><p>· – 42 %</p>", []),
        ("<p>{{ clinic_name }} · Rapport</p>", []),
        ('<a href="{% url "home" %}">{{ label }}</a>', []),
    ],
)
def test_the_check_finds_unmarked_text_and_only_that(tmp_path, source, found):
    template = tmp_path / "page.html"
    template.write_text("{% load i18n %}" + source)
    assert unmarked_strings(template) == found


def test_a_plain_text_email_is_all_text(tmp_path):
    template = tmp_path / "email-body.txt"
    template.write_text('{% load i18n %}{% translate "Dear patient," %}\n\nSee you soon.\n')
    assert unmarked_strings(template) == ["See you soon."]
