"""Education factories. Articles are made through the services (so their HTML is sanitised and
their reading grade measured, as in real use); `status` picks how far along the workflow."""

from __future__ import annotations

import factory
from django.utils.text import slugify

from clinic.models import Role
from consent.selectors import patients_visible_to
from education import services
from education.models import Article, Assignment, Topic

from .clinic import StaffFactory
from .consent import grant
from .patients import PatientUserFactory

PLAIN_BODY = """\
## What is it?

A cold is a mild illness. It makes your nose run and your throat sore.

## What can I do?

- Rest and drink water.
- Wash your hands often.
- Call us if you feel worse after a week.
"""


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class ArticleFactory(factory.Factory):
    """`ArticleFactory(author=..., status="published", reviewer=...)`; status is one of "draft",
    "in_review", "returned", "published". A reviewer is made when needed."""

    class Meta:
        model = Article

    author = factory.SubFactory(StaffFactory, role=Role.PHYSICIAN)
    title = factory.Sequence(lambda n: f"Looking after a cold, part {n}")
    summary = "How to look after yourself when you have a cold."
    body = PLAIN_BODY
    language = "en"
    keywords = ""
    topics: tuple = ()
    status = "draft"
    reviewer = None

    @classmethod
    def _create(cls, model_class, *, status, reviewer, topics, **fields) -> Article:
        article = services.create_article(topics=list(topics), **fields)
        if status == "draft":
            return article
        version = services.submit_for_review(article=article, submitted_by=fields["author"])
        if status != "in_review":
            reviewer = reviewer or StaffFactory(role=Role.PHYSICIAN)
            if status == "returned":
                services.send_back(version=version, reviewer=reviewer, comment="Simpler words.")
            elif status == "published":
                services.approve_version(
                    version=version, reviewer=reviewer, override_reason="Needed for tests."
                )
            else:
                raise ValueError(f"unknown status {status!r}")
        article.refresh_from_db()
        return article


def publish_new_version(article: Article, *, reviewer, **changes) -> Article:
    """Edit a published article, send the new version to review and approve it."""
    latest = article.latest_version
    fields = {
        "title": latest.title,
        "summary": latest.summary,
        "body": latest.body,
        "language": latest.language,
        "keywords": latest.keywords,
        **changes,
    }
    services.save_draft(article=article, editor=article.author, **fields)
    version = services.submit_for_review(article=article, submitted_by=article.author)
    services.approve_version(version=version, reviewer=reviewer, override_reason="For tests.")
    article.refresh_from_db()
    return article


class AssignmentFactory(factory.Factory):
    """An assignment made through the service; the patient first shares their record with the
    physician, as the rule requires."""

    class Meta:
        model = Assignment

    article = factory.SubFactory(ArticleFactory, status="published")
    patient = factory.LazyFunction(lambda: PatientUserFactory().patient)
    assigned_by = factory.SubFactory(StaffFactory, role=Role.PHYSICIAN)
    note = "Please read this before your next visit."

    @classmethod
    def _create(cls, model_class, *, article, patient, assigned_by, note) -> Assignment:
        if not patients_visible_to(assigned_by).filter(pk=patient.pk).exists():
            grant(patient, assigned_by)
        assignment, _ = services.assign_article(
            article=article, patient=patient, physician=assigned_by, note=note
        )
        return assignment


# A dense paragraph of medical prose, well above the reading-grade target.
DENSE = """\
Hypertension, characterised by persistently elevated arterial blood pressure, constitutes a
predominant modifiable risk factor for cardiovascular morbidity and mortality, necessitating
comprehensive pharmacological intervention alongside individualised lifestyle modification
strategies. Antihypertensive pharmacotherapy encompasses diuretics, angiotensin-converting enzyme
inhibitors and calcium channel antagonists, administered according to comorbidity profiles.
"""
