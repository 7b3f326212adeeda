"""Moves each certification's weights, minimums and cut score into a published
blueprint, version 1 (the fields themselves are removed in the next migration)."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    Certification = apps.get_model("certification", "Certification")
    Blueprint = apps.get_model("certification", "Blueprint")
    BlueprintComponent = apps.get_model("certification", "BlueprintComponent")
    from django.utils import timezone

    for cert in Certification.objects.order_by("pk"):
        if Blueprint.objects.filter(certification=cert).exists():
            continue
        blueprint = Blueprint.objects.create(
            certification=cert,
            version=1,
            cut_score=cert.cut_score,
            note="Migrated from the certification's own weights.",
            published_at=timezone.now(),
        )
        for kind, weight, minimum in [
            ("written", cert.written_weight, cert.written_minimum),
            ("practical", cert.practical_weight, cert.practical_minimum),
        ]:
            if weight > 0:
                BlueprintComponent.objects.create(
                    blueprint=blueprint, kind=kind, weight=weight, minimum=minimum
                )


def backwards(apps: Any, schema_editor: Any) -> None:
    Certification = apps.get_model("certification", "Certification")
    Blueprint = apps.get_model("certification", "Blueprint")
    for cert in Certification.objects.order_by("pk"):
        blueprint = (
            Blueprint.objects.filter(certification=cert, published_at__isnull=False)
            .order_by("-version")
            .first()
        )
        if blueprint is None:
            continue
        weights = {c.kind: c for c in blueprint.components.all()}
        cert.cut_score = blueprint.cut_score
        for kind in ("written", "practical"):
            component = weights.get(kind)
            setattr(cert, f"{kind}_weight", component.weight if component else 0)
            setattr(cert, f"{kind}_minimum", component.minimum if component else 0)
        cert.save()


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0005_blueprints_interviews_decisions_appeals"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
