"""Writes about education: writing, reviewing, publishing and assigning articles, and patients'
answers. Views parse and render; these functions decide and write."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from clinic.clock import business_days_between
from clinic.i18n import in_language_of, language_for_patient
from clinic.models import Role, User
from consent.selectors import patients_visible_to
from notifications.models import NotificationKind
from notifications.services import notify
from patients.models import Patient

from .models import (
    ANSWER_MAX,
    QUESTION_MAX,
    Article,
    ArticleImage,
    ArticleVersion,
    Assignment,
    Question,
    Response,
    Topic,
    VersionStatus,
)
from .readability import measure
from .rendering import html_blocks, html_to_text, render_markdown

MIN_OVERRIDE_REASON = 10

# Image types we accept, recognised by their first bytes (never by the name or the browser's
# claimed type). No SVG: it can carry scripts.
IMAGE_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
]


def _require_physician(user: User) -> None:
    if user.role != Role.PHYSICIAN:
        raise PermissionDenied("Only physicians write, review and assign articles.")


def _locked(article: Article) -> Article:
    """Reload the article under a row lock: one workflow step at a time per article."""
    return (
        Article.objects.select_for_update(of=("self",))
        .select_related("latest_version", "published_version")
        .get(pk=article.pk)
    )


def derived_fields(*, title: str, summary: str, body: str, language: str) -> dict:
    """The sanitised HTML, plain text and plain-language measures of a version's words."""
    body_html = render_markdown(body)
    blocks = [title, *summary.splitlines(), *html_blocks(body_html)]
    report = measure([block for block in blocks if block.strip()], language=language)
    return {
        "body_html": body_html,
        "body_text": html_to_text(body_html),
        "flesch_kincaid_grade": report.flesch_kincaid,
        "smog_index": report.smog,
        "reading_grade": report.grade,
        "word_count": report.words,
    }


def _unique_slug(title: str) -> str:
    base = slugify(title)[:70].strip("-") or "article"
    slug, n = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def topics_named(names: Iterable[str]) -> list[Topic]:
    """Existing topics with these names (by slug), creating the missing ones."""
    topics = []
    for name in names:
        name = " ".join(name.split())[:60]
        slug = slugify(name)[:60]
        if not slug:
            continue
        topic, _created = Topic.objects.get_or_create(slug=slug, defaults={"name": name})
        topics.append(topic)
    return topics


def clean_keywords(keywords: str) -> str:
    """Comma-separated keywords, each with single spaces, without repeats or empty ones."""
    seen: dict[str, str] = {}
    for keyword in keywords.split(","):
        keyword = " ".join(keyword.split())
        if keyword and keyword.lower() not in seen:
            seen[keyword.lower()] = keyword
    return ", ".join(seen.values())


def _write_version(
    version: ArticleVersion,
    *,
    title: str,
    summary: str,
    body: str,
    language: str,
    topics: Iterable[Topic],
    keywords: str = "",
) -> ArticleVersion:
    version.title = title.strip()
    version.summary = summary.strip()
    version.keywords = clean_keywords(keywords)
    version.body = body
    version.language = language
    for name, value in derived_fields(
        title=version.title, summary=version.summary, body=body, language=language
    ).items():
        setattr(version, name, value)
    version.updated_at = timezone.now()
    version.full_clean()
    version.save()
    version.topics.set(list(topics))
    return version


@transaction.atomic
def create_article(
    *,
    author: User,
    title: str,
    summary: str,
    body: str,
    language: str,
    topics: Iterable[Topic] = (),
    keywords: str = "",
    creation_key: uuid.UUID | None = None,
) -> Article:
    """A new article with its first version, a draft only its author sees. The same
    `creation_key` (from one "new article" form) never makes a second article."""
    _require_physician(author)
    if creation_key is not None:
        existing = Article.objects.filter(creation_key=creation_key).first()
        if existing is not None:
            if existing.author_id != author.pk:
                raise PermissionDenied("That form belongs to someone else.")
            return existing
    article = Article(slug=_unique_slug(title), author=author, creation_key=creation_key)
    article.full_clean(exclude=["published_version", "latest_version"])
    article.save()
    version = ArticleVersion(article=article, number=1, created_by=author)
    _write_version(
        version,
        title=title,
        summary=summary,
        body=body,
        language=language,
        topics=topics,
        keywords=keywords,
    )
    article.latest_version = version
    article.save(update_fields=["latest_version"])
    return article


@transaction.atomic
def save_draft(
    *,
    article: Article,
    editor: User,
    title: str,
    summary: str,
    body: str,
    language: str,
    topics: Iterable[Topic] = (),
    keywords: str = "",
) -> ArticleVersion:
    """Save the author's words as the article's draft: the open draft is updated; after a version
    was submitted (published, in review, sent back) a new draft version is started. Published
    words stay what the public reads until a new version is approved."""
    _require_physician(editor)
    article = _locked(article)
    if article.author_id != editor.pk:
        raise PermissionDenied("Only the author edits an article.")
    if article.archived_at:
        raise ValidationError(_("This article is archived. Restore it before editing."))
    latest = article.latest_version
    if latest.status == VersionStatus.IN_REVIEW:
        raise ValidationError(
            _(
                "This version is waiting for review and can no longer change. The reviewer can "
                "send it back to you with comments."
            )
        )
    if latest.status == VersionStatus.DRAFT:
        version = latest
    else:
        number = (article.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        version = ArticleVersion(article=article, number=number, created_by=editor)
    _write_version(
        version,
        title=title,
        summary=summary,
        body=body,
        language=language,
        topics=topics,
        keywords=keywords,
    )
    if article.latest_version_id != version.pk:
        article.latest_version = version
        article.save(update_fields=["latest_version"])
    return version


@transaction.atomic
def submit_for_review(*, article: Article, submitted_by: User) -> ArticleVersion:
    """Send the draft to review; from now on this version never changes. Submitting twice is
    harmless."""
    _require_physician(submitted_by)
    article = _locked(article)
    if article.author_id != submitted_by.pk:
        raise PermissionDenied("Only the author submits an article for review.")
    latest = article.latest_version
    if latest.status == VersionStatus.IN_REVIEW:
        return latest
    if latest.status != VersionStatus.DRAFT or article.archived_at:
        raise ValidationError(_("There is no draft to submit. Edit the article to start one."))
    latest.status = VersionStatus.IN_REVIEW
    latest.submitted_at = timezone.now()
    latest.full_clean()
    latest.save(update_fields=["status", "submitted_at"])
    return latest


def _check_reviewer(article: Article, reviewer: User) -> None:
    _require_physician(reviewer)
    if article.author_id == reviewer.pk:
        raise PermissionDenied("Another physician must review your article.")


def _version_in_review(version: ArticleVersion) -> tuple[Article, ArticleVersion]:
    article = _locked(version.article)
    version = ArticleVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.IN_REVIEW or article.archived_at:
        raise ValidationError(_("This version is no longer waiting for review."))
    return article, version


@transaction.atomic
def approve_version(
    *, version: ArticleVersion, reviewer: User, comment: str = "", override_reason: str = ""
) -> ArticleVersion:
    """Publish a version in review. The previously published version is kept, marked replaced.
    Above grade 8 the reviewer must give a reason for the override."""
    _check_reviewer(version.article, reviewer)
    article, version = _version_in_review(version)
    override_reason = override_reason.strip()
    if version.needs_grade_override and len(override_reason) < MIN_OVERRIDE_REASON:
        raise ValidationError(
            _(
                "This article reads above grade 8. Confirm the override and say why it cannot be "
                "simpler."
            )
        )
    now = timezone.now()
    previous = article.published_version
    if previous is not None:
        previous.status = VersionStatus.SUPERSEDED
        previous.save(update_fields=["status"])
    version.status = VersionStatus.PUBLISHED
    version.reviewed_by = reviewer
    version.reviewed_at = now
    version.review_comment = comment.strip()
    version.grade_override_reason = override_reason if version.needs_grade_override else ""
    version.full_clean()
    version.save()
    article.published_version = version
    article.latest_version = version
    article.save(update_fields=["published_version", "latest_version"])
    notify(
        recipient=article.author,
        kind=NotificationKind.ARTICLE_REVIEWED,
        message=f"{reviewer.display_name} approved your article “{version.title}”. "
        "It is now published.",
        link=reverse("staff:education_article", args=[article.pk]),
    )
    return version


@transaction.atomic
def send_back(*, version: ArticleVersion, reviewer: User, comment: str) -> ArticleVersion:
    """Return a version to its author with comments. It stays in the history, unchanged; the
    author's next edit starts a new version."""
    _check_reviewer(version.article, reviewer)
    comment = comment.strip()
    if not comment:
        raise ValidationError(_("Tell the author what to change."))
    article, version = _version_in_review(version)
    version.status = VersionStatus.RETURNED
    version.reviewed_by = reviewer
    version.reviewed_at = timezone.now()
    version.review_comment = comment
    version.full_clean()
    version.save()
    notify(
        recipient=article.author,
        kind=NotificationKind.ARTICLE_REVIEWED,
        message=f"{reviewer.display_name} sent your article “{version.title}” back with comments.",
        link=reverse("staff:education_article", args=[article.pk]),
    )
    return version


@transaction.atomic
def archive_article(*, article: Article, archived_by: User) -> Article:
    """Take an article out of the library (and patients' reading lists show it as withdrawn)."""
    _require_physician(archived_by)
    article = _locked(article)
    if article.author_id != archived_by.pk:
        raise PermissionDenied("Only the author archives an article.")
    if article.archived_at is None:
        article.archived_at = timezone.now()
        article.archived_by = archived_by
        article.save(update_fields=["archived_at", "archived_by"])
    return article


@transaction.atomic
def restore_article(*, article: Article, restored_by: User) -> Article:
    _require_physician(restored_by)
    article = _locked(article)
    if article.author_id != restored_by.pk:
        raise PermissionDenied("Only the author restores an article.")
    if article.archived_at is not None:
        article.archived_at = None
        article.archived_by = None
        article.save(update_fields=["archived_at", "archived_by"])
    return article


@transaction.atomic
def assign_article(
    *, article: Article, patient: Patient, physician: User, note: str = ""
) -> tuple[Assignment, bool]:
    """Put a published article on a patient's reading list, with a note. Only for a patient the
    physician may see right now (consent or emergency access). Assigning it again changes
    nothing and returns the existing assignment."""
    _require_physician(physician)
    if not patients_visible_to(physician).filter(pk=patient.pk).exists():
        raise PermissionDenied("You cannot see this patient's record.")
    if not Article.objects.published().filter(pk=article.pk).exists():
        raise ValidationError(_("Only published articles can be assigned."))
    existing = Assignment.objects.filter(article=article, patient=patient).first()
    if existing is not None:
        return existing, False
    assignment = Assignment(
        article=article, patient=patient, assigned_by=physician, note=note.strip()
    )
    assignment.full_clean()
    assignment.save()
    if patient.user_id:
        # No title: which article a patient was given can hint at their health.
        with in_language_of(patient.user):
            message = gettext("%(physician)s added an article to your reading list.") % {
                "physician": physician.display_name
            }
        notify(
            recipient=patient.user,
            kind=NotificationKind.ARTICLE_ASSIGNED,
            message=message,
            link=reverse("portal:education"),
        )
    return assignment, True


def record_article_view(article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


def record_assignment_read(assignment: Assignment) -> None:
    if assignment.first_read_at is None:
        now = timezone.now()
        Assignment.objects.filter(pk=assignment.pk, first_read_at__isnull=True).update(
            first_read_at=now
        )
        assignment.first_read_at = now


@transaction.atomic
def respond_to_assignment(*, assignment: Assignment, response: str) -> Assignment:
    """The patient's answer: "I understand" or "I have a question". A question tells the physician
    who assigned the article, once per question, with no health data."""
    if response not in Response.values:
        raise ValidationError(_("Choose one of the answers."))
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("article__published_version", "assigned_by")
        .get(pk=assignment.pk)
    )
    if assignment.article.archived_at:
        raise ValidationError(_("This article was withdrawn by the clinic."))
    if response == Response.QUESTION:
        raise ValidationError(_("Write your question in the box, so your physician can answer it."))
    if assignment.response == response:
        return assignment
    assignment.response = response
    assignment.responded_at = timezone.now()
    assignment.save(update_fields=["response", "responded_at"])
    return assignment


def _clean_text(text: str, *, field: str, limit: int, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: f"Write {what}."})
    if len(text) > limit:
        raise ValidationError({field: f"Keep {what} under {limit} characters."})
    return text


@transaction.atomic
def ask_question(*, assignment: Assignment, text: str) -> Question:
    """The patient's written question about an article. The physician who assigned it is told,
    with the article's title only; the same question sent twice (a double submit) is kept once."""
    text = _clean_text(text, field="text", limit=QUESTION_MAX, what="your question")
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("article__published_version", "assigned_by")
        .get(pk=assignment.pk)
    )
    if assignment.article.archived_at:
        raise ValidationError(_("This article was withdrawn by the clinic."))
    existing = assignment.questions.unanswered().filter(text=text).first()
    if existing is not None:
        return existing
    now = timezone.now()
    question = Question.objects.create(assignment=assignment, text=text, asked_at=now)
    assignment.response = Response.QUESTION
    assignment.responded_at = now
    assignment.save(update_fields=["response", "responded_at"])
    notify(
        recipient=assignment.assigned_by,
        kind=NotificationKind.ARTICLE_QUESTION,
        message="A patient has a question about an article you assigned: "
        f"“{assignment.article.published_version.title}”.",
        link=reverse("staff:education_question", args=[question.pk]),
    )
    return question


@transaction.atomic
def answer_question(*, question: Question, physician: User, answer: str) -> Question:
    """The physician's written answer; the patient is told who answered and when (no words of
    the question, answer or article in the notification)."""
    answer = _clean_text(answer, field="answer", limit=ANSWER_MAX, what="your answer")
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("assignment__patient")
        .get(pk=question.pk)
    )
    if question.assignment.assigned_by_id != physician.pk:
        raise PermissionDenied("Only the physician who assigned the article answers here.")
    if question.answered_at is not None:
        raise ValidationError(_("This question has already been answered."))
    now = timezone.now()
    question.answer = answer
    question.answered_at = now
    question.answered_by = physician
    question.save(update_fields=["answer", "answered_at", "answered_by"])
    patient = question.assignment.patient
    patient_user_id = patient.user_id
    if patient_user_id is not None:
        with translation.override(language_for_patient(patient)):
            message = gettext("%(physician)s answered your question on %(day)s.") % {
                "physician": physician.display_name,
                "day": date_format(timezone.localtime(now), pgettext("date format", "j M")),
            }
        notify(
            recipient_id=patient_user_id,
            kind=NotificationKind.QUESTION_ANSWERED,
            message=message,
            link=reverse("portal:education_assignment", args=[question.assignment_id])
            + "#questions",
        )
    return question


def question_waits_too_long(question: Question, now: dt.datetime) -> bool:
    """Unanswered after `EDUCATION_QUESTION_DAYS` whole business days (clinic time) went by
    since the day it was asked: a question of Monday is flagged from Friday."""
    return question.answered_at is None and (
        business_days_between(question.asked_at, now) >= settings.EDUCATION_QUESTION_DAYS
    )


def flag_waiting_questions(now: dt.datetime | None = None) -> int:
    """Tell each physician, once per question, about questions that waited too long."""
    now = now or timezone.now()
    # Business days are never more than calendar days, so this bound loses no question.
    candidates = Question.objects.unanswered().filter(
        waiting_flagged_at__isnull=True,
        asked_at__lte=now - dt.timedelta(days=settings.EDUCATION_QUESTION_DAYS),
    )
    flagged = 0
    for question in candidates.select_related("assignment"):
        if not question_waits_too_long(question, now):
            continue
        with transaction.atomic():
            updated = Question.objects.filter(
                pk=question.pk, waiting_flagged_at__isnull=True, answered_at__isnull=True
            ).update(waiting_flagged_at=now)
            if not updated:
                continue
            notify(
                recipient_id=question.assignment.assigned_by_id,
                kind=NotificationKind.QUESTION_WAITING,
                message="A patient's question about an article you assigned has waited more "
                f"than {settings.EDUCATION_QUESTION_DAYS} working days for your answer.",
                link=reverse("staff:education_question", args=[question.pk]),
            )
            flagged += 1
    return flagged


@transaction.atomic
def rate_assignment(*, assignment: Assignment, helpful: int) -> Assignment:
    if helpful not in range(1, 6):
        raise ValidationError(_("Choose how helpful the article was, from 1 to 5."))
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("article")
        .get(pk=assignment.pk)
    )
    if assignment.article.archived_at:
        raise ValidationError(_("This article was withdrawn by the clinic."))
    assignment.helpful = helpful
    assignment.rated_at = timezone.now()
    assignment.save(update_fields=["helpful", "rated_at"])
    return assignment


def sniff_image_type(head: bytes) -> str | None:
    for signature, offset, content_type in IMAGE_SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            if content_type == "image/webp" and head[:4] != b"RIFF":
                continue
            return content_type
    return None


@transaction.atomic
def upload_image(
    *, uploaded_by: User, file: UploadedFile, alt_text: str, max_bytes: int
) -> ArticleImage:
    """Store an image for articles after checking its size and its real type."""
    _require_physician(uploaded_by)
    if file.size is None or file.size > max_bytes:
        raise ValidationError(f"Images must be {max_bytes // 1024} KB or smaller.")
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(f"Images must be {max_bytes // 1024} KB or smaller.")
    content_type = sniff_image_type(data[:16])
    if content_type is None:
        raise ValidationError(_("Upload a PNG, JPEG, GIF or WebP image."))
    digest = hashlib.sha256(data).hexdigest()
    existing = ArticleImage.objects.filter(uploaded_by=uploaded_by, sha256=digest).first()
    if existing is not None:
        return existing
    image = ArticleImage(
        sha256=digest,
        content_type=content_type,
        data=data,
        size=len(data),
        alt_text=" ".join(alt_text.split()),
        uploaded_by=uploaded_by,
    )
    image.full_clean()
    image.save()
    return image
