"""Writing, reviewing and reading an article in a real browser, with axe-core on every page."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from clinic.models import Role
from education.models import Article, Assignment
from tests.browser.axe import assert_accessible
from tests.factories import PatientUserFactory, StaffFactory
from tests.factories.consent import grant
from tests.factories.education import TopicFactory

pytestmark = pytest.mark.django_db(transaction=True)

BODY = """\
## What is a cold?

A cold is a mild illness. Your nose runs and your throat feels sore.

## What can I do?

- Rest and drink plenty of water.
- Wash your hands often.
- Call us if you feel worse after a week.
"""


@pytest.fixture
def open_tab(browser, live_server):
    """Open a tab, signed in as a user or signed out. Each tab has its own browser context (its
    own cookies); all are closed before the live server stops."""
    contexts = []

    def open_tab(user=None):
        context = browser.new_context(base_url=live_server.url)
        contexts.append(context)
        if user is not None:
            # A session made by Django's test client (staff factories set up two-step
            # verification, which the staff area requires).
            client = Client()
            client.force_login(user)
            session = client.cookies["sessionid"].value
            context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_tab
    for context in contexts:
        context.close()


def watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    return problems


def test_write_review_assign_and_read_an_article(open_tab):
    author = StaffFactory(role=Role.PHYSICIAN, display_name="Dr A. Rivera")
    reviewer = StaffFactory(role=Role.PHYSICIAN, display_name="Dr M. Chen")
    patient_user = PatientUserFactory(patient__legal_name="Maria Santos")
    grant(patient_user.patient, author)
    TopicFactory(name="Colds and flu")

    # --- The author writes, watches the live preview, and sends it for review. ---------------
    page = open_tab(author)
    console = watch_console(page)
    page.goto("/staff/education/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Education")
    assert_accessible(page)
    page.get_by_role("link", name="Write a new article").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write a new article")
    assert_accessible(page)
    page.get_by_label("Title").fill("Looking after a cold")
    page.get_by_label("Summary").fill("What to do when you have a cold.")
    page.get_by_label("Article (Markdown)").fill(BODY + "\n<script>alert('x')</script>")
    page.get_by_label("Colds and flu").check()
    # The live preview (static script, server-sanitised HTML) updates without a click.
    preview = page.locator("#preview-region")
    expect(preview.get_by_role("heading", name="What can I do?")).to_be_visible()
    expect(preview).to_contain_text("Reading grade")
    expect(preview.locator("script")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("button", name="Save and send for review").click()
    expect(page.get_by_text("Your article was sent for review.")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text="In review")).to_be_visible()
    assert_accessible(page)
    article = Article.objects.get()
    assert not [p for p in console if "Content Security Policy" in p], console

    # --- Another physician reviews and publishes it. ---------------------------------------
    page = open_tab(reviewer)
    page.goto("/staff/education/")
    page.get_by_role("link", name="Looking after a cold").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review “Looking after a cold”")
    assert_accessible(page)
    page.get_by_label("Approve and publish").check()
    page.get_by_label("Comments for the author").fill("Clear and kind.")
    page.get_by_role("button", name="Send decision").click()
    expect(page.get_by_text("The article is published.")).to_be_visible()
    assert_accessible(page)

    # --- The public finds it in the library without signing in. -----------------------------
    public = open_tab()
    public.goto("/education/")
    expect(public.get_by_role("heading", level=1)).to_have_text("Health library")
    assert_accessible(public)
    public.get_by_label("Search for words").fill("throat")
    public.get_by_role("button", name="Search").click()
    expect(public.get_by_role("heading", name="1 article found")).to_be_visible()
    public.get_by_role("link", name="Looking after a cold").click()
    expect(public.get_by_role("heading", level=1)).to_have_text("Looking after a cold")
    expect(public.get_by_text("Dr M. Chen")).to_be_visible()
    expect(public.locator("script", has_text="alert")).to_have_count(0)
    assert_accessible(public)

    # --- The author gives it to a patient who shares their record. ---------------------------
    page = open_tab(author)
    page.goto(f"/staff/education/{article.pk}/assign/")
    assert_accessible(page)
    page.get_by_label("Patient").select_option(
        label=f"Maria Santos (born "
        f"{patient_user.patient.date_of_birth:%-d %b %Y}, {patient_user.patient.mrn})"
    )
    page.get_by_label("Personal note").fill("Maria, this is what we talked about.")
    page.get_by_role("button", name="Add to their reading list").click()
    expect(page.get_by_text("added to the patient's reading list")).to_be_visible()
    assert Assignment.objects.count() == 1

    # --- The patient reads it, has a question, and rates it. --------------------------------
    page = open_tab(patient_user)
    page.goto("/portal/education/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your reading")
    assert_accessible(page)
    page.get_by_role("link", name="Looking after a cold").click()
    expect(page.get_by_text("Maria, this is what we talked about.")).to_be_visible()
    assert_accessible(page)
    page.get_by_text("I have a question", exact=True).click()  # opens the text box
    page.get_by_label("Your question").fill("Should I stay home from work?")
    page.get_by_role("button", name="Send my question").click()
    expect(page.get_by_text("Your question is sent to Dr A. Rivera.")).to_be_visible()
    page.get_by_label("Very helpful").check()
    page.get_by_role("button", name="Save my rating").click()
    expect(page.get_by_text("Thank you for rating this article.")).to_be_visible()
    assert_accessible(page)
    assignment = Assignment.objects.get()
    assert (assignment.response, assignment.helpful) == ("question", 4)

    # --- The physician answers in writing; the patient reads the answer. ----------------------
    page = open_tab(author)
    page.goto("/staff/education/questions/")
    assert_accessible(page)
    page.get_by_role("link", name="answer this question").click()
    page.get_by_label("Your answer").fill("Yes, for a day or two, and rest.")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Your answer is sent.")).to_be_visible()
    page = open_tab(patient_user)
    page.goto(f"/portal/education/{assignment.pk}/")
    expect(page.get_by_text("Yes, for a day or two, and rest.")).to_be_visible()
    assert_accessible(page)
