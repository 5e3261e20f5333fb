"""Load-and-authorise helpers: every view gets its objects through these, never by a bare id.
Outsiders get 404, so an id in a URL tells nothing about what exists."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from clinic.models import User

from .models import Article, ArticleVersion, Assignment, Question, VersionStatus


def get_published_article(slug: str) -> Article:
    """An article the public may read (drafts, reviews and archived articles: 404)."""
    article = (
        Article.objects.published()
        .select_related("published_version__reviewed_by__staff_profile", "author__staff_profile")
        .prefetch_related("published_version__topics")
        .filter(slug=slug)
        .first()
    )
    if article is None:
        raise Http404("No such article.")
    return article


def get_article_for(user: User, pk: int) -> Article:
    """Any physician's view of an article: their own, or another's once it was submitted."""
    article = (
        Article.objects.visible_to_staff(user)
        .select_related(
            "latest_version__reviewed_by__staff_profile",
            "published_version__reviewed_by__staff_profile",
            "author__staff_profile",
        )
        .filter(pk=pk)
        .first()
    )
    if article is None:
        raise Http404("No such article.")
    return article


def get_own_article_for(user: User, pk: int) -> Article:
    """An article the user wrote (to edit, submit, archive, see its feedback)."""
    article = get_article_for(user, pk)
    if article.author_id != user.pk:
        raise PermissionDenied("Only the author can do this.")
    return article


def get_version_for(user: User, article: Article, number: int) -> ArticleVersion:
    version = (
        article.versions.select_related("reviewed_by__staff_profile", "created_by__staff_profile")
        .prefetch_related("topics")
        .filter(number=number)
        .first()
    )
    # Another physician never sees the author's unsubmitted draft.
    if version is None or (version.status == VersionStatus.DRAFT and article.author_id != user.pk):
        raise Http404("No such version.")
    return version


def get_version_to_review_for(user: User, article: Article) -> ArticleVersion:
    """The article's version in review, for a physician other than its author."""
    if article.author_id == user.pk:
        raise PermissionDenied("Another physician must review your article.")
    version = article.latest_version
    if version is None or version.status != VersionStatus.IN_REVIEW or article.archived_at:
        raise Http404("Nothing to review.")
    return version


def get_assignment_for(user: User, pk: int, *, patient=None) -> Assignment:
    """One of the assignments of the portal's patient: `patient`, the one the page shows (the
    signed-in patient's own, or someone they act for, as `proxies.acting.portal_area` decided),
    else the signed-in patient's own. Anyone else's: 404."""
    own = getattr(user, "patient", None)
    if own is None:
        raise Http404("No such article in your reading list.")
    patient = patient if patient is not None else own
    if patient is None:
        raise Http404("No such article in your reading list.")
    assignment = Assignment.objects.for_patient(patient).filter(pk=pk).first()
    if assignment is None:
        raise Http404("No such article in your reading list.")
    return assignment


def get_question_for(user: User, pk: int) -> Question:
    """A question about an article this physician assigned (anyone else's: 404)."""
    question = (
        Question.objects.for_physician(user)
        .select_related("assignment__patient", "assignment__article__published_version")
        .filter(pk=pk)
        .first()
    )
    if question is None:
        raise Http404("No such question.")
    return question
