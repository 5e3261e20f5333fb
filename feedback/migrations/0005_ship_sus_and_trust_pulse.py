"""Ship two instruments as data: the System Usability Scale (Brooke, 1986, published 1996; public domain; odd
items positive, even items reverse-scored) about the portal, and the clinic's own trust pulse."""

from django.db import migrations

SUS = [
    "I think that I would like to use this portal frequently.",
    "I found the portal unnecessarily complex.",
    "I thought the portal was easy to use.",
    "I think that I would need the support of a technical person to be able to use this portal.",
    "I found the various functions in this portal were well integrated.",
    "I thought there was too much inconsistency in this portal.",
    "I would imagine that most people would learn to use this portal very quickly.",
    "I found the portal very cumbersome to use.",
    "I felt very confident using the portal.",
    "I needed to learn a lot of things before I could get going with this portal.",
]

TRUST_PULSE = [
    ("I trust the clinic to keep my health information private.", False),
    ("I know who has looked at my record.", False),
    ("I feel in control of who can see my record.", False),
    ("I worry that people I do not know can read my record.", True),
    ("When I raise a concern, the clinic listens and answers.", False),
    ("The clinic explains my health in words I understand.", False),
]


def ship(apps, schema_editor):
    Instrument = apps.get_model("feedback", "Instrument")
    InstrumentItem = apps.get_model("feedback", "InstrumentItem")
    sus = Instrument.objects.create(
        slug="sus",
        version=1,
        name="How easy is the portal to use?",
        introduction="Ten statements about the portal. For each, say how much you agree.",
        source="System Usability Scale, J. Brooke (1986, published 1996); public domain.",
    )
    for position, text in enumerate(SUS, start=1):
        InstrumentItem.objects.create(
            instrument=sus, position=position, text=text, reverse_scored=position % 2 == 0
        )
    pulse = Instrument.objects.create(
        slug="trust-pulse",
        version=1,
        name="How much do you trust us with your record?",
        introduction="Six statements about the clinic and its digital tools.",
        source="Rapport trust pulse (the clinic's own statements).",
    )
    for position, (text, reverse) in enumerate(TRUST_PULSE, start=1):
        InstrumentItem.objects.create(
            instrument=pulse, position=position, text=text, reverse_scored=reverse
        )


def unship(apps, schema_editor):
    Instrument = apps.get_model("feedback", "Instrument")
    InstrumentItem = apps.get_model("feedback", "InstrumentItem")
    InstrumentItem.objects.filter(instrument__slug__in=["sus", "trust-pulse"]).delete()
    Instrument.objects.filter(slug__in=["sus", "trust-pulse"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0004_trust_surveys_and_suggestions"),
    ]

    operations = [migrations.RunPython(ship, unship)]
