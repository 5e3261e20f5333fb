"""Physicians' pages under /staff/education/: write, preview, review, publish, assign, and see how
patients found each article. The staff-area middleware already requires sign-in, a staff role and
two-step verification; each view also requires the physician role and loads objects through
`education.access`."""

from __future__ import annotations

import difflib
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic.decorators import physician_required
from clinic.forms import add_service_error, service_error_text
from consent.selectors import patients_visible_to
from keptforms.keeping import keeps_typed_form, prefill, take_kept_form

from . import services
from .access import (
    get_article_for,
    get_own_article_for,
    get_question_for,
    get_version_for,
    get_version_to_review_for,
)
from .forms import AnswerForm, ArticleForm, AssignForm, ImageForm, ReviewForm
from .models import (
    Article,
    ArticleImage,
    ArticleVersion,
    Question,
    VersionStatus,
)
from .readability import measure
from .rendering import html_blocks, render_markdown


def _preview(data: dict) -> dict:
    """What the article will look like, and how plain it reads. Saves nothing."""
    body_html = render_markdown(data["body"])
    blocks = [data["title"], *data["summary"].splitlines(), *html_blocks(body_html)]
    report = measure([b for b in blocks if b.strip()], language=data["language"])
    return {
        "title": data["title"],
        "summary": data["summary"],
        "body_html": body_html,
        "report": report,
    }


def _stored_preview(version: ArticleVersion) -> dict:
    blocks = [version.title, *version.summary.splitlines(), *html_blocks(version.body_html)]
    report = measure([b for b in blocks if b.strip()], language=version.language)
    return {
        "title": version.title,
        "summary": version.summary,
        "body_html": version.body_html,
        "report": report,
    }


def _topics(data: dict) -> list:
    return [*data["topics"], *services.topics_named(data["new_topics"])]


@physician_required
def articles(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "education/staff_articles.html",
        {
            "my_articles": Article.objects.for_author_list(user),
            "to_review": ArticleVersion.objects.awaiting_review_by(user),
            "published": Article.objects.for_library(),
            "question_count": Question.objects.for_physician(user).unanswered().count(),
        },
    )


@keeps_typed_form(fields=ArticleForm, exclude=["creation_key"])
@physician_required
@require_http_methods(["GET", "POST"])
def new_article(request: HttpRequest) -> HttpResponse:
    form = ArticleForm(request.POST or None, initial={"creation_key": uuid.uuid4()})
    if request.method != "POST":
        prefill(form, take_kept_form(request, "staff:education_new"))
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        action = request.POST.get("action", "save")
        if action == "preview":
            preview = _preview(data)
        else:
            try:
                with transaction.atomic():
                    article = services.create_article(
                        author=request.user,
                        title=data["title"],
                        summary=data["summary"],
                        body=data["body"],
                        language=data["language"],
                        topics=_topics(data),
                        keywords=data["keywords"],
                        creation_key=data["creation_key"],
                    )
                    if action == "submit":
                        services.submit_for_review(article=article, submitted_by=request.user)
            except IntegrityError:
                # The same form posted twice at once: the first post made the article.
                article = Article.objects.filter(
                    creation_key=data["creation_key"], author=request.user
                ).first()
                if article is None:
                    raise
            except (ValidationError, PermissionDenied) as error:
                add_service_error(form, error)
                return render(
                    request, "education/staff_edit.html", {"form": form, "preview": preview}
                )
            messages.success(
                request,
                "Your article was sent for review."
                if action == "submit"
                else "Your draft was saved. Only you can see it.",
            )
            return redirect("staff:education_article", pk=article.pk)
    return render(request, "education/staff_edit.html", {"form": form, "preview": preview})


@keeps_typed_form(fields=ArticleForm, exclude=["creation_key"])
@physician_required
@require_http_methods(["GET", "POST"])
def edit_article(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_own_article_for(request.user, pk)
    latest = article.latest_version
    if article.archived_at:
        messages.error(request, "This article is archived. Restore it before editing.")
        return redirect("staff:education_article", pk=article.pk)
    if latest.status == VersionStatus.IN_REVIEW:
        messages.info(
            request, "This version is waiting for review and cannot change until it is reviewed."
        )
        return redirect("staff:education_article", pk=article.pk)
    form = ArticleForm(request.POST or None, initial=ArticleForm.initial_from(latest))
    if request.method != "POST":
        prefill(form, take_kept_form(request, "staff:education_edit"))
    preview = None if request.method == "POST" else _stored_preview(latest)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        action = request.POST.get("action", "save")
        if action == "preview":
            preview = _preview(data)
        else:
            try:
                with transaction.atomic():
                    services.save_draft(
                        article=article,
                        editor=request.user,
                        title=data["title"],
                        summary=data["summary"],
                        body=data["body"],
                        language=data["language"],
                        topics=_topics(data),
                        keywords=data["keywords"],
                    )
                    if action == "submit":
                        services.submit_for_review(article=article, submitted_by=request.user)
            except (ValidationError, PermissionDenied) as error:
                add_service_error(form, error)
            else:
                if action == "submit":
                    messages.success(request, "Your article was sent for review.")
                elif article.published_version_id:
                    messages.success(
                        request,
                        "Your new version was saved as a draft. Readers still see the "
                        "published version until a reviewer approves the new one.",
                    )
                else:
                    messages.success(request, "Your draft was saved.")
                return redirect("staff:education_article", pk=article.pk)
    return render(
        request,
        "education/staff_edit.html",
        {"form": form, "article": article, "latest": latest, "preview": preview},
    )


@physician_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """Live preview for the editor's script: the server-sanitised HTML and the reading measures,
    as an HTML fragment. Saves nothing."""
    form = ArticleForm(request.POST)
    context = {"preview": _preview(form.cleaned_data) if form.is_valid() else None}
    if not form.is_valid():
        context["preview_errors"] = [
            f"{form.fields[name].label or name.title()}: {' '.join(errors)}"
            for name, errors in form.errors.items()
            if name in form.fields
        ]
    return render(request, "education/_preview.html", context)


@physician_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_own_article_for(request.user, pk)
    try:
        services.submit_for_review(article=article, submitted_by=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, service_error_text(error))
    else:
        messages.success(request, "Your article was sent for review.")
    return redirect("staff:education_article", pk=article.pk)


@physician_required
@require_POST
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_own_article_for(request.user, pk)
    services.archive_article(article=article, archived_by=request.user)
    messages.success(request, "The article was archived. It is no longer in the library.")
    return redirect("staff:education_article", pk=article.pk)


@physician_required
@require_POST
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_own_article_for(request.user, pk)
    services.restore_article(article=article, restored_by=request.user)
    messages.success(request, "The article was restored.")
    return redirect("staff:education_article", pk=article.pk)


@physician_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_article_for(request.user, pk)
    is_author = article.author_id == request.user.pk
    versions = article.versions.select_related("reviewed_by__staff_profile").order_by("-number")
    if not is_author:
        versions = versions.exclude(status=VersionStatus.DRAFT)
    stats = None
    if is_author:
        stats = Article.objects.filter(pk=article.pk).with_feedback_counts().get()
    return render(
        request,
        "education/staff_article.html",
        {
            "article": article,
            "latest": article.latest_version,
            "published": article.published_version,
            "versions": versions,
            "is_author": is_author,
            "stats": stats,
        },
    )


@physician_required
def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    article = get_article_for(request.user, pk)
    version = get_version_for(request.user, article, number)
    return render(
        request,
        "education/staff_version.html",
        {"article": article, "version": version, "preview": _stored_preview(version)},
    )


@physician_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_article_for(request.user, pk)
    version = get_version_to_review_for(request.user, article)
    form = ReviewForm(request.POST or None, version=version)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                services.approve_version(
                    version=version,
                    reviewer=request.user,
                    comment=data["comment"],
                    override_reason=data.get("override_reason", ""),
                )
                messages.success(request, "The article is published.")
            else:
                services.send_back(version=version, reviewer=request.user, comment=data["comment"])
                messages.success(request, "The article was sent back to its author.")
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            return redirect("staff:education_article", pk=article.pk)
    published = article.published_version
    changes = None
    if published is not None:
        changes = "".join(
            difflib.unified_diff(
                published.body.splitlines(keepends=True),
                version.body.splitlines(keepends=True),
                fromfile=f"version {published.number} (published)",
                tofile=f"version {version.number} (in review)",
            )
        )
    return render(
        request,
        "education/staff_review.html",
        {
            "article": article,
            "version": version,
            "form": form,
            "preview": _stored_preview(version),
            "changes": changes,
        },
    )


@physician_required
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_article_for(request.user, pk)
    if not article.is_published:
        messages.error(request, "Only published articles can be given to patients.")
        return redirect("staff:education_article", pk=article.pk)
    form = AssignForm(request.POST or None, physician=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            _, created = services.assign_article(
                article=article,
                patient=form.cleaned_data["patient"],
                physician=request.user,
                note=form.cleaned_data["note"],
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            # No patient name in the message: messages may travel in a cookie.
            messages.success(
                request,
                "The article was added to the patient's reading list."
                if created
                else "This patient already has this article in their reading list.",
            )
            return redirect("staff:education_article", pk=article.pk)
    return render(request, "education/staff_assign.html", {"article": article, "form": form})


@physician_required
def questions(request: HttpRequest) -> HttpResponse:
    """Patients' written questions about articles this physician gave them: unanswered first
    (oldest first, flagged after `EDUCATION_QUESTION_DAYS` business days), then the latest
    answered. Names are shown only while the patient still shares their record with them."""
    visible = patients_visible_to(request.user).filter(pk=OuterRef("assignment__patient_id"))
    found = (
        Question.objects.for_physician(request.user)
        .annotate(patient_visible=Exists(visible))
        .select_related("assignment__patient", "assignment__article__published_version")
    )
    now = timezone.now()
    waiting = list(found.unanswered().order_by("asked_at", "id"))
    for question in waiting:
        question.waits_too_long = services.question_waits_too_long(question, now)
    answered = found.filter(answered_at__isnull=False).order_by("-answered_at", "-id")[:20]
    return render(
        request,
        "education/staff_questions.html",
        {
            "waiting": waiting,
            "answered": answered,
            "days": settings.EDUCATION_QUESTION_DAYS,
        },
    )


@physician_required
@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, pk: int) -> HttpResponse:
    """One question and its written answer."""
    found = get_question_for(request.user, pk)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_question(
                question=found, physician=request.user, answer=form.cleaned_data["answer"]
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                messages.error(request, service_error_text(error))
                return redirect("staff:education_question", pk=found.pk)
            add_service_error(form, error)
        else:
            messages.success(request, "Your answer is sent. The patient has been told.")
            return redirect("staff:education_questions")
    patient_visible = (
        patients_visible_to(request.user).filter(pk=found.assignment.patient_id).exists()
    )
    return render(
        request,
        "education/staff_question.html",
        {
            "question": found,
            "form": form,
            "patient_visible": patient_visible,
            "waits_too_long": services.question_waits_too_long(found, timezone.now()),
            "days": settings.EDUCATION_QUESTION_DAYS,
        },
    )


@physician_required
@require_http_methods(["GET", "POST"])
def images(request: HttpRequest) -> HttpResponse:
    form = ImageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            image = services.upload_image(
                uploaded_by=request.user,
                file=form.cleaned_data["image"],
                alt_text=form.cleaned_data["alt_text"],
                max_bytes=settings.EDUCATION_IMAGE_MAX_BYTES,
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error("image", service_error_text(error))
        else:
            messages.success(
                request, f"Image uploaded. Copy its Markdown into your article: {_markdown(image)}"
            )
            return redirect("staff:education_images")
    uploaded = ArticleImage.objects.filter(uploaded_by=request.user).defer("data")[:50]
    return render(
        request,
        "education/staff_images.html",
        {"form": form, "images": [(image, _markdown(image)) for image in uploaded]},
    )


def _markdown(image: ArticleImage) -> str:
    alt = image.alt_text.replace("[", "(").replace("]", ")")
    return f"![{alt}]({image.get_absolute_url()})"
