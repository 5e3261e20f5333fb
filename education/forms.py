from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from consent.selectors import patients_visible_to
from patients.models import Patient

from .models import (
    ANSWER_MAX,
    ARTICLE_LANGUAGES,
    BODY_MAX,
    COMMENT_MAX,
    KEYWORDS_MAX,
    NOTE_MAX,
    OVERRIDE_GRADE,
    OVERRIDE_REASON_MAX,
    QUESTION_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    ArticleVersion,
    Helpfulness,
    Response,
    Topic,
)
from .services import MIN_OVERRIDE_REASON, sniff_image_type

MAX_NEW_TOPICS = 5


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    summary = forms.CharField(
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or two sentences, shown in the library and search results."),
    )
    body = forms.CharField(
        label=_("Article (Markdown)"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_(
            "Markdown: ## for a heading, - for a list, **bold**, [words](https://link). "
            "Short sentences and everyday words."
        ),
    )
    keywords = forms.CharField(
        label=_("Search keywords (optional)"),
        required=False,
        max_length=KEYWORDS_MAX,
        help_text=_(
            "Other words people may search for, separated by commas, for example: "
            "hypertension, BP. Readers do not see them."
        ),
    )
    language = forms.ChoiceField(choices=ARTICLE_LANGUAGES, initial="en")
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    new_topics = forms.CharField(
        label=_("Add new topics"),
        required=False,
        max_length=200,
        help_text=_("Separate topics with commas, for example: Sleep, Asthma."),
    )
    # Set on the "new article" form so that posting it twice makes one article.
    creation_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    @classmethod
    def initial_from(cls, version: ArticleVersion) -> dict:
        return {
            "title": version.title,
            "summary": version.summary,
            "body": version.body,
            "keywords": version.keywords,
            "language": version.language,
            "topics": list(version.topics.all()),
        }

    def clean_new_topics(self) -> list[str]:
        names = [" ".join(name.split()) for name in self.cleaned_data["new_topics"].split(",")]
        names = [name for name in names if name]
        if len(names) > MAX_NEW_TOPICS:
            raise forms.ValidationError(f"Add at most {MAX_NEW_TOPICS} new topics at a time.")
        for name in names:
            if len(name) > 60:
                raise forms.ValidationError(_("Each topic must be 60 characters or fewer."))
            if not slugify(name):
                raise forms.ValidationError(
                    f"“{name}” needs at least one letter or number to be a topic."
                )
        return names


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("approve", _("Approve and publish")),
            ("send_back", _("Send back with comments")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comments for the author"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Required when you send the article back."),
    )
    confirm_override = forms.BooleanField(
        label=f"I confirm this article may be published above reading grade {OVERRIDE_GRADE}",
        required=False,
    )
    override_reason = forms.CharField(
        label=_("Why it cannot be simpler"),
        required=False,
        max_length=OVERRIDE_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, version: ArticleVersion, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        if not version.needs_grade_override:
            del self.fields["confirm_override"]
            del self.fields["override_reason"]
        else:
            self.fields["override_reason"].help_text = (
                f"This version reads at grade {version.reading_grade}. Needed to approve it; "
                f"at least {MIN_OVERRIDE_REASON} characters."
            )

    def clean(self) -> dict:
        data = super().clean()
        decision = data.get("decision")
        if decision == "send_back" and not data.get("comment", "").strip():
            self.add_error("comment", _("Tell the author what to change."))
        if decision == "approve" and self.version.needs_grade_override:
            if not data.get("confirm_override"):
                self.add_error(
                    "confirm_override",
                    f"Confirm the override to publish above grade {OVERRIDE_GRADE}.",
                )
            if len(data.get("override_reason", "").strip()) < MIN_OVERRIDE_REASON:
                self.add_error(
                    "override_reason",
                    f"Give the reason in at least {MIN_OVERRIDE_REASON} characters.",
                )
        return data


class PatientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, patient: Patient) -> str:
        return f"{patient.legal_name} (born {patient.date_of_birth:%-d %b %Y}, {patient.mrn})"


class AssignForm(forms.Form):
    patient = PatientChoiceField(
        queryset=Patient.objects.none(),
        empty_label=_("Choose a patient"),
        help_text=_("Only patients who currently share their record with you are listed."),
    )
    note = forms.CharField(
        label=_("Personal note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown to the patient with the article, e.g. why you think it will help."),
    )

    def __init__(self, *args, physician, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The consent rule decides who is listed, and who a posted id may name.
        self.fields["patient"].queryset = patients_visible_to(physician).order_by(
            "legal_name", "id"
        )


class ResponseForm(forms.Form):
    response = forms.ChoiceField(choices=Response.choices)


class RatingForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("How helpful was this article?"),
        choices=Helpfulness.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )


class LibrarySearchForm(forms.Form):
    q = forms.CharField(label=_("Search for words"), required=False, max_length=200)
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All topics"),
    )
    language = forms.ChoiceField(
        choices=[("", _("All languages")), *ARTICLE_LANGUAGES], required=False
    )


class ImageForm(forms.Form):
    image = forms.FileField(help_text=_("PNG, JPEG, GIF or WebP, at most 1 MB."))
    alt_text = forms.CharField(
        label=_("Describe the image"),
        max_length=200,
        help_text=_("Read aloud to people who cannot see it, e.g. “A hand washing with soap”."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.EDUCATION_IMAGE_MAX_BYTES
        self.fields["image"].help_text = f"PNG, JPEG, GIF or WebP, at most {limit // 1024} KB."

    def clean_image(self):
        image = self.cleaned_data["image"]
        limit = settings.EDUCATION_IMAGE_MAX_BYTES
        if image.size > limit:
            raise forms.ValidationError(f"Images must be {limit // 1024} KB or smaller.")
        head = image.read(16)
        image.seek(0)
        if sniff_image_type(head) is None:
            raise forms.ValidationError(_("Upload a PNG, JPEG, GIF or WebP image."))
        return image


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        max_length=QUESTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Your physician answers in writing, here. Please do not use this for anything urgent."
        ),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"), max_length=ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
