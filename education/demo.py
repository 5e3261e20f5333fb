"""Demo articles for `manage.py seed_demo`: a few published, plain-language articles by Dr Rivera,
reviewed by Dr Chen, one waiting for review, and one given to Maria (when Dr Rivera may see her
record). Safe to run again: articles are found by their slug and nothing is made twice."""

from __future__ import annotations

from consent.selectors import patients_visible_to

from . import services
from .models import Article, Assignment

TOPICS = ["Heart health", "Diabetes", "Medicines", "Healthy living", "Using the portal"]

PUBLISHED = [
    {
        "slug": "high-blood-pressure",
        "title": "High blood pressure: what it means for you",
        "summary": "High blood pressure often has no signs. Here is what it is and what you can "
        "do about it.",
        "topics": ["Heart health", "Healthy living"],
        "keywords": "hypertension, BP",
        "body": """\
## What is it?

Blood pressure is how hard your blood pushes on the walls of your blood vessels.
When it stays high, your heart has to work too hard. This can hurt your heart over time.

## How do I know if I have it?

Most people feel fine. That is why we check it at your visits.
You can also check it at home with a blood pressure cuff.

## What can I do?

- Eat less salt.
- Walk or move for 30 minutes on most days.
- Take your pills every day, even when you feel well.
- Stop smoking. We can help you.

## When should I call?

Call us if you get a bad headache, chest pain or trouble seeing.
""",
    },
    {
        "slug": "taking-your-medicines",
        "title": "Taking your medicines the right way",
        "summary": "Simple tips to help you take your medicines safely and on time.",
        "topics": ["Medicines"],
        "body": """\
## Make a plan

Take your pills at the same time each day. Link them to something you do anyway,
like brushing your teeth.

## Keep a list

Write down each medicine, the dose and why you take it. Bring the list to every visit.

## Ask before you stop

Some medicines should not be stopped all at once. Talk to us first.

> Tip: a weekly pill box helps you see if you took today's dose.
""",
    },
    {
        "slug": "reading-your-portal",
        "title": "Using your portal safely",
        "summary": "Your portal shows who looked at your record. Here is how to keep it safe.",
        "topics": ["Using the portal"],
        "body": """\
## You choose who sees your record

You can share your record with a doctor, and stop sharing at any time.

## You see every look

Each time someone opens your record, you can see it in your access log.

## Keep your account safe

- Turn on two-step sign in.
- Never share your password.
- Sign out on shared computers.
""",
    },
]

IN_REVIEW = {
    "slug": "living-with-type-2-diabetes",
    "title": "Living well with type 2 diabetes",
    "summary": "Small steps each day help you keep your blood sugar in a safe range.",
    "topics": ["Diabetes", "Healthy living"],
    "body": """\
## What is type 2 diabetes?

Your body has trouble using sugar from food. Too much sugar stays in your blood.

## Small steps that help

- Fill half your plate with vegetables.
- Drink water instead of soda.
- Go for a walk after meals.
- Check your feet every day for cuts or sores.

## Your check-ups

We will check your blood sugar, eyes, feet and kidneys each year.
""",
}


def _create(author, data: dict, topics: dict) -> Article:
    article = services.create_article(
        author=author,
        title=data["title"],
        summary=data["summary"],
        body=data["body"],
        language="en",
        topics=[topics[name] for name in data["topics"]],
        keywords=data.get("keywords", ""),
    )
    # Demo slugs are fixed so that a second run finds them.
    if article.slug != data["slug"]:
        article.slug = data["slug"]
        article.save(update_fields=["slug"])
    return article


def seed(context: dict, stdout) -> None:
    rivera = context["staff"]["dr.rivera"]
    chen = context["staff"]["dr.chen"]
    maria = context["patients"]["maria"]
    topics = {topic.name: topic for topic in services.topics_named(TOPICS)}

    for data in PUBLISHED:
        if Article.objects.filter(slug=data["slug"]).exists():
            continue
        article = _create(rivera, data, topics)
        version = services.submit_for_review(article=article, submitted_by=rivera)
        services.approve_version(
            version=version, reviewer=chen, comment="Clear and kind. Approved."
        )
    if not Article.objects.filter(slug=IN_REVIEW["slug"]).exists():
        article = _create(rivera, IN_REVIEW, topics)
        services.submit_for_review(article=article, submitted_by=rivera)

    # The consent demo data decides whether Dr Rivera may see Maria; without it, no assignment.
    article = Article.objects.get(slug="high-blood-pressure")
    if (
        patients_visible_to(rivera).filter(pk=maria.pk).exists()
        and not Assignment.objects.filter(article=article, patient=maria).exists()
    ):
        services.assign_article(
            article=article,
            patient=maria,
            physician=rivera,
            note="Maria, this explains what we talked about at your visit. "
            "Press “I have a question” if anything is unclear.",
        )
    stdout.write("Health library: /education/ (one article waits for Dr Chen's review)")
