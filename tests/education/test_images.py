"""Images for articles: uploaded by physicians, checked by their bytes and size, served from our
own path, and the only images the sanitiser lets an article show."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from education.models import ArticleImage
from education.rendering import render_markdown

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 32
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
HTML = b"<html><script>alert(1)</script></html>"


def upload(client, data: bytes, name: str = "picture.png", alt: str = "A hand washing"):
    return client.post(
        reverse("staff:education_images"),
        {"image": SimpleUploadedFile(name, data, content_type="image/png"), "alt_text": alt},
    )


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(PNG, "image/png"), (GIF, "image/gif"), (JPEG, "image/jpeg"), (WEBP, "image/webp")],
)
def test_physician_uploads_an_image_and_it_is_served_with_its_real_type(
    client, physician, data, content_type
):
    client.force_login(physician)
    response = upload(client, data)
    assert response.status_code == 302
    image = ArticleImage.objects.get()
    assert image.content_type == content_type
    client.logout()
    served = client.get(image.get_absolute_url())
    assert served.status_code == 200
    assert served["Content-Type"] == content_type
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    assert served.content == data
    # Its Markdown renders in an article; anyone else's URL does not.
    html = render_markdown(f"![A hand washing]({image.get_absolute_url()})")
    assert f'src="{image.get_absolute_url()}"' in html


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (SVG, "x.svg"),
        (HTML, "x.png"),
        (b"", "x.png"),
        (b"GIF8", "x.gif"),
        (b"RIFF\x00\x00\x00\x00WAVE", "x.webp"),
    ],
)
def test_anything_but_a_known_image_is_refused(client, physician, data, name):
    client.force_login(physician)
    response = upload(client, data, name=name)
    assert response.status_code == 200
    assert not ArticleImage.objects.exists()


@override_settings(EDUCATION_IMAGE_MAX_BYTES=1024)
def test_oversized_images_are_refused(client, physician):
    client.force_login(physician)
    response = upload(client, PNG + b"\x00" * 2048)
    assert response.status_code == 200
    assert "1 KB or smaller" in response.content.decode()
    assert not ArticleImage.objects.exists()


def test_uploading_the_same_image_twice_stores_it_once(client, physician):
    client.force_login(physician)
    upload(client, PNG)
    upload(client, PNG)
    assert ArticleImage.objects.count() == 1


def test_wrong_extension_or_unknown_image_is_404(client, physician):
    client.force_login(physician)
    upload(client, PNG)
    image = ArticleImage.objects.get()
    client.logout()
    assert client.get(f"/education/images/{image.key}.gif").status_code == 404
    assert (
        client.get("/education/images/00000000-0000-0000-0000-000000000000.png").status_code == 404
    )


def test_alt_text_is_required_and_escaped(client, physician):
    client.force_login(physician)
    assert upload(client, PNG, alt="").status_code == 200
    assert not ArticleImage.objects.exists()
    upload(client, PNG, alt='"><script>alert(1)</script>')
    page = client.get(reverse("staff:education_images")).content.decode()
    assert "<script>alert(1)" not in page
