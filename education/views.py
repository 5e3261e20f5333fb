"""The public health library at /education/: readable without signing in, published articles only,
no patient data."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from . import library_cache
from .access import get_published_article
from .forms import LibrarySearchForm
from .models import Article, ArticleImage
from .services import record_article_view

PAGE_SIZE = 20
IMAGE_CACHE_SECONDS = 7 * 24 * 3600


def _kept_page_key(request: HttpRequest) -> tuple | None:
    """The key under which this request's page may be kept rendered (`library_cache`), or None:
    only for anonymous visitors browsing (no search), with no message waiting to be shown."""
    if request.user.is_authenticated or set(request.GET) - {"page"}:
        return None
    number = request.GET.get("page", "1")
    if not (
        number.isascii() and number.isdigit() and 1 <= int(number) <= library_cache.MAX_PAGE_NUMBER
    ):
        return None
    if len(messages.get_messages(request)):
        return None
    return (int(number), translation.get_language(), library_cache.library_stamp())


# The page's one form (the language switcher) carries the visitor's own CSRF token: a kept page
# holds a placeholder in its place, and each visitor gets theirs put back (and the cookie set).
_CSRF_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_CSRF_PLACEHOLDER = rb"\g<1>__RAPPORT_CSRF_TOKEN__\g<2>"


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    key = _kept_page_key(request)
    if key is not None and (content := library_cache.pages.get(key)) is not None:
        token = get_token(request).encode()
        return HttpResponse(content.replace(b"__RAPPORT_CSRF_TOKEN__", token))
    response = _library(request)
    if key is not None and response.status_code == 200:
        library_cache.pages.put(key, _CSRF_FIELD.sub(_CSRF_PLACEHOLDER, response.content))
    return response


def _library(request: HttpRequest) -> HttpResponse:
    form = LibrarySearchForm(request.GET or None)
    articles = Article.objects.for_library()
    searching = False
    if form.is_valid():
        data = form.cleaned_data
        if data["topic"]:
            articles = articles.with_topic(data["topic"].slug)
            searching = True
        if data["language"]:
            articles = articles.in_language(data["language"])
            searching = True
        if data["q"]:
            articles = articles.search(data["q"])
            searching = True
    # Articles in the reader's language (the patient's, the switcher's or the browser's) first.
    articles = articles.language_first(translation.get_language())
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "education/library.html",
        {
            "form": form,
            "page": page,
            "searching": searching,
            "query_string": query.urlencode(),
        },
    )


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_published_article(slug)
    if not (request.user.is_authenticated and request.user.is_clinic_staff):
        record_article_view(article)
    return render(
        request,
        "education/article.html",
        {"article": article, "version": article.published_version},
    )


@require_GET
def image(request: HttpRequest, key, ext: str) -> HttpResponse:
    """An uploaded article image, served with the type we recognised at upload and no way to be
    read as anything else."""
    found = ArticleImage.objects.filter(key=key).first()
    if found is None or found.extension != ext:
        raise Http404("No such image.")
    response = HttpResponse(bytes(found.data), content_type=found.content_type)
    response["Content-Disposition"] = f'inline; filename="{found.key}.{found.extension}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"public, max-age={IMAGE_CACHE_SECONDS}, immutable"
    return response
