"""Plain-language health education: articles, their reviewed versions, and assignments to patients.

An `Article` is the stable identity (slug, author). Its words live in `ArticleVersion` rows: one
open version at a time (a draft being written, or a version in review), and the published version
the public and patients read. Once a version leaves the draft state it is never edited again, so
the history of what was published, reviewed and sent back is kept whole. Writes go through
`education.services`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import connections, models
from django.db.models import Avg, Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.models import Language

TITLE_MAX = 200
SUMMARY_MAX = 500
KEYWORDS_MAX = 500
BODY_MAX = 20_000
NOTE_MAX = 1_000
COMMENT_MAX = 2_000
OVERRIDE_REASON_MAX = 500

# Reading-grade policy (US school grade): aim for 6 or below; above 8 the reviewer must confirm
# an override with a reason before publishing.
TARGET_GRADE = 6
OVERRIDE_GRADE = 8

# Languages an article may be written in: the patients' languages, less "other".
ARTICLE_LANGUAGES = [(value, label) for value, label in Language.choices if value != "other"]


class Topic(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    RETURNED = "returned", _("Sent back with comments")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Replaced by a newer version")


OPEN_STATUSES = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)


# Endings taken off a search word where PostgreSQL's stemmer is not there to do it, longest first.
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "es", "ed", "er", "ly", "s")


def search_stem(word: str) -> str:
    """A crude English stem for matching by substring ("medicines" -> "medicin", "walking" ->
    "walk"): one common ending off, never leaving fewer than four letters."""
    lowered = word.lower()
    for suffix in _SUFFIXES:
        if lowered.endswith(suffix) and len(lowered) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self) -> ArticleQuerySet:
        """Articles the public may read: a published version, not archived."""
        return self.filter(published_version__isnull=False, archived_at__isnull=True)

    def for_library(self) -> ArticleQuerySet:
        return (
            self.published()
            .select_related("published_version", "author__staff_profile")
            .prefetch_related("published_version__topics")
            .order_by("-published_version__reviewed_at", "-id")
        )

    def with_topic(self, slug: str) -> ArticleQuerySet:
        return self.filter(published_version__topics__slug=slug)

    def in_language(self, language: str) -> ArticleQuerySet:
        return self.filter(published_version__language=language)

    def language_first(self, language: str) -> ArticleQuerySet:
        """The same articles, those in `language` ("es", or a variant such as "en-gb") first,
        each group in the order it had."""
        code = language.split("-")[0].lower()
        return self.alias(
            reader_language_last=Case(
                When(published_version__language=code, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("reader_language_last", *self.query.order_by)

    def search(self, query: str) -> ArticleQuerySet:
        """Published articles matching the words of `query` in their title, keywords, summary or
        text: PostgreSQL full-text search (stemmed, ranked) on PostgreSQL; elsewhere every word,
        or its stem (`search_stem`), found in one of them."""
        query = " ".join(query.split())[:200]
        if not query:
            return self
        if connections[self.db].vendor == "postgresql":
            # Imported only here: the module needs PostgreSQL, SQLite deployments never load it.
            from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

            vector = (
                SearchVector("published_version__title", weight="A", config="english")
                + SearchVector("published_version__keywords", weight="A", config="english")
                + SearchVector("published_version__summary", weight="B", config="english")
                + SearchVector("published_version__body_text", weight="C", config="english")
            )
            search_query = SearchQuery(query, search_type="websearch", config="english")
            return (
                self.annotate(search_document=vector)
                .filter(search_document=search_query)
                .annotate(search_rank=SearchRank(vector, search_query))
                .order_by("-search_rank", "-id")
            )
        matches = self
        for word in query.split()[:10]:
            stem = search_stem(word)
            matches = matches.filter(
                Q(published_version__title__icontains=stem)
                | Q(published_version__keywords__icontains=stem)
                | Q(published_version__summary__icontains=stem)
                | Q(published_version__body_text__icontains=stem)
            )
        return matches

    def visible_to_staff(self, user) -> ArticleQuerySet:
        """What a physician may open in the staff area: their own articles, and others' once
        submitted for review (drafts stay private to their author)."""
        submitted = ArticleVersion.objects.filter(article=OuterRef("pk")).exclude(
            status=VersionStatus.DRAFT
        )
        return self.filter(Q(author=user) | Q(Exists(submitted)))

    def with_feedback_counts(self) -> ArticleQuerySet:
        """Per article: assignments, "I understand" and "I have a question" answers, helpful
        ratings (count and average). One query whatever the number of articles."""
        return self.annotate(
            assigned_count=Count("assignments", distinct=True),
            understood_count=Count(
                "assignments", filter=Q(assignments__response=Response.UNDERSTOOD)
            ),
            question_count=Count("assignments", filter=Q(assignments__response=Response.QUESTION)),
            rating_count=Count("assignments__helpful"),
            rating_average=Avg("assignments__helpful"),
        )

    def for_author_list(self, user) -> ArticleQuerySet:
        return (
            self.filter(author=user)
            .select_related("latest_version", "published_version")
            .with_feedback_counts()
            .order_by("-latest_version__updated_at", "-id")
        )


class Article(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="education_articles"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The version the public and patients read, and the newest version of any status.
    published_version = models.OneToOneField(
        "ArticleVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    latest_version = models.OneToOneField(
        "ArticleVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    view_count = models.PositiveIntegerField(default=0)
    # From the "new article" form: the same form posted twice makes one article, not two.
    creation_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        version = self.published_version or self.latest_version
        return version.title if version else self.slug

    def get_absolute_url(self) -> str:
        return reverse("education:article", args=[self.slug])

    @property
    def title(self) -> str:
        return str(self)

    @property
    def is_published(self) -> bool:
        return self.published_version_id is not None and self.archived_at is None

    @property
    def status_label(self) -> str:
        if self.archived_at:
            return "Archived"
        latest = self.latest_version
        if self.published_version_id:
            if latest and latest.status == VersionStatus.DRAFT:
                return "Published; new version in draft"
            if latest and latest.status == VersionStatus.IN_REVIEW:
                return "Published; new version in review"
            if latest and latest.status == VersionStatus.RETURNED:
                return "Published; new version sent back"
            return "Published"
        return latest.get_status_display() if latest else "Draft"


class ArticleVersionQuerySet(models.QuerySet["ArticleVersion"]):
    def awaiting_review_by(self, user) -> ArticleVersionQuerySet:
        """Versions in review that `user` may review: everyone's but their own, of articles that
        are not archived."""
        return (
            self.filter(status=VersionStatus.IN_REVIEW, article__archived_at__isnull=True)
            .exclude(article__author=user)
            .select_related("article__author__staff_profile")
            .order_by("submitted_at", "id")
        )


class ArticleVersion(models.Model):
    """One version of an article's words. Editable only while a draft; frozen once submitted."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    title = models.CharField(max_length=TITLE_MAX)
    summary = models.TextField(max_length=SUMMARY_MAX)
    body = models.TextField("body (Markdown)", max_length=BODY_MAX)
    # Derived on every save from `body` (see education.rendering); the only HTML ever marked safe.
    body_html = models.TextField(blank=True, editable=False)
    body_text = models.TextField(blank=True, editable=False)
    language = models.CharField(max_length=8, choices=ARTICLE_LANGUAGES, default="en")
    topics = models.ManyToManyField(Topic, blank=True, related_name="versions")
    # Other words people type for the same thing ("hypertension" for "high blood pressure"),
    # comma-separated; searched with the title, never shown to readers.
    keywords = models.CharField("search keywords", max_length=KEYWORDS_MAX, blank=True)

    # Plain-language measures, computed on every save (None: not enough text, or a language the
    # formulas do not cover).
    flesch_kincaid_grade = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True
    )
    smog_index = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    reading_grade = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    word_count = models.PositiveIntegerField(default=0)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(max_length=COMMENT_MAX, blank=True)
    grade_override_reason = models.CharField(max_length=OVERRIDE_REASON_MAX, blank=True)

    objects = ArticleVersionQuerySet.as_manager()

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="version_number_unique"),
            models.UniqueConstraint(
                fields=["article"],
                condition=Q(status__in=["draft", "in_review"]),
                name="one_open_version_per_article",
            ),
            models.UniqueConstraint(
                fields=["article"],
                condition=Q(status="published"),
                name="one_published_version_per_article",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "in_review"])
                | (Q(reviewed_by__isnull=False) & Q(reviewed_at__isnull=False)),
                name="reviewed_versions_name_reviewer",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.title} (version {self.number})"

    @property
    def needs_grade_override(self) -> bool:
        return self.reading_grade is not None and self.reading_grade > OVERRIDE_GRADE

    @property
    def grade_level(self) -> str:
        """One of: none, good (at or under target), over (over target), override (above 8)."""
        if self.reading_grade is None:
            return "none"
        if self.reading_grade <= TARGET_GRADE:
            return "good"
        return "over" if self.reading_grade <= OVERRIDE_GRADE else "override"


class ArticleImage(models.Model):
    """An image uploaded for articles. Stored in the database (the only shared state between web
    processes), checked by its magic bytes, and served from `/education/images/` by our own view
    with a fixed content type."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    content_type = models.CharField(max_length=20)
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, editable=False)
    alt_text = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["uploaded_by", "sha256"], name="image_once_per_uploader"
            )
        ]

    def __str__(self) -> str:
        return self.alt_text

    def get_absolute_url(self) -> str:
        return reverse("education:image", args=[self.key, self.extension])

    @property
    def extension(self) -> str:
        return {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}.get(
            self.content_type, "webp"
        )


class Response(models.TextChoices):
    UNDERSTOOD = "understood", _("I understand")
    QUESTION = "question", _("I have a question")


class Helpfulness(models.IntegerChoices):
    NOT_AT_ALL = 1, "Not helpful"
    A_LITTLE = 2, "A little helpful"
    SOMEWHAT = 3, "Somewhat helpful"
    VERY = 4, "Very helpful"
    EXTREMELY = 5, "Extremely helpful"


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def for_patient(self, patient) -> AssignmentQuerySet:
        """A patient's reading list: assignments of articles that are published (or were, and have
        since been archived: the patient is told they were withdrawn)."""
        return (
            self.filter(patient=patient, article__published_version__isnull=False)
            .select_related("article__published_version", "assigned_by__staff_profile")
            .order_by("-assigned_at", "-id")
        )

    def awaiting_answer(self) -> AssignmentQuerySet:
        return self.filter(article__archived_at__isnull=True).exclude(response=Response.UNDERSTOOD)


class Assignment(models.Model):
    """A physician gives a published article to a patient, with a personal note."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="assignments")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="education_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="education_assignments"
    )
    note = models.TextField(max_length=NOTE_MAX, blank=True)
    assigned_at = models.DateTimeField(default=timezone.now)
    first_read_at = models.DateTimeField(null=True, blank=True)
    response = models.CharField(max_length=12, choices=Response.choices, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    helpful = models.PositiveSmallIntegerField(choices=Helpfulness.choices, null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "patient"], name="one_assignment_per_article_and_patient"
            ),
            models.CheckConstraint(
                condition=Q(helpful__isnull=True) | Q(helpful__gte=1, helpful__lte=5),
                name="assignment_helpful_1_to_5",
            ),
        ]
        indexes = [models.Index(fields=["assigned_by", "response"])]

    def __str__(self) -> str:
        return f"Education assignment #{self.pk}"


QUESTION_MAX = 2000
ANSWER_MAX = 5000


class QuestionQuerySet(models.QuerySet["Question"]):
    def for_physician(self, physician) -> QuestionQuerySet:
        """Questions about the articles this physician assigned: theirs to answer."""
        return self.filter(assignment__assigned_by=physician)

    def unanswered(self) -> QuestionQuerySet:
        return self.filter(answered_at__isnull=True)


class Question(models.Model):
    """A patient's written question about an article a physician gave them, and the physician's
    written answer."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="questions")
    text = models.TextField(max_length=QUESTION_MAX)
    asked_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(max_length=ANSWER_MAX, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waiting_flagged_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the physician was told this question had waited too long.",
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["asked_at", "id"]
        indexes = [models.Index(fields=["answered_at", "asked_at"])]

    def __str__(self) -> str:
        return f"Question #{self.pk}"
