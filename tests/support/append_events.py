"""Run as a separate process: append COUNT access events to one patient's chain, starting when
the start file appears (so every writer starts at once). Used by the concurrency test and bench."""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patient", type=int, required=True)
    parser.add_argument("--actor", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--start-file", required=True)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from accesslog.chain import append_event
    from accesslog.models import AccessAction, AccessBasis, AccessTarget
    from clinic.models import User
    from patients.models import Patient

    patient = Patient.objects.get(pk=args.patient)
    actor = User.objects.get(pk=args.actor)
    while not os.path.exists(args.start_file):
        time.sleep(0.01)
    for _ in range(args.count):
        append_event(
            patient=patient,
            actor=actor,
            action=AccessAction.VIEW,
            target=AccessTarget.RECORD,
            basis=AccessBasis.SELF,
            purpose="concurrency test",
        )


if __name__ == "__main__":
    main()
