"""Certificates keep the terms of the blueprint they were issued under (component
minimums and cut score), so that building a credential reads no blueprint; existing
certificates get the terms of the version their application is evaluated against
(the rule of ``certification.results.selectors.blueprints_for_applications``)."""

from typing import Any

from django.db import migrations, models


def _pick(published: list[Any], application: Any) -> Any:
    # Copied from results.selectors._pick_blueprint as it stands at this migration.
    if not published:
        return None
    moment = application.reviewed_at or application.created_at
    current = [b for b in published if b.published_at and b.published_at <= moment]
    if current:
        return max(current, key=lambda b: b.version)
    return min(published, key=lambda b: b.version)


def fill_terms(apps: Any, schema_editor: Any) -> None:
    Certificate = apps.get_model("certification", "Certificate")
    Blueprint = apps.get_model("certification", "Blueprint")
    published: dict[int, list[Any]] = {}
    for blueprint in Blueprint.objects.filter(published_at__isnull=False).prefetch_related(
        "components"
    ):
        published.setdefault(blueprint.certification_id, []).append(blueprint)
    for certificate in Certificate.objects.select_related("application").iterator():
        blueprint = _pick(published.get(certificate.certification_id, []), certificate.application)
        if blueprint is None:
            continue
        minimums = {c.kind: c.minimum for c in blueprint.components.all()}
        certificate.terms_written_minimum = minimums.get("written")
        certificate.terms_practical_minimum = minimums.get("practical")
        certificate.terms_cut_score = blueprint.cut_score
        certificate.save(
            update_fields=["terms_written_minimum", "terms_practical_minimum", "terms_cut_score"]
        )


class Migration(migrations.Migration):
    dependencies = [("certification", "0015_answer_save_many")]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="terms_written_minimum",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True),
        ),
        migrations.AddField(
            model_name="certificate",
            name="terms_practical_minimum",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True),
        ),
        migrations.AddField(
            model_name="certificate",
            name="terms_cut_score",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True),
        ),
        migrations.RunPython(fill_terms, migrations.RunPython.noop),
    ]
