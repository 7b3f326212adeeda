"""A practical submission knows its application. Existing submissions are linked by
the rule certification used to guess with: the candidate's latest application, made
no later than the submission, for a certification whose practical task it is."""

import django.db.models.deletion
from django.db import migrations, models


def link_existing(apps, schema_editor):
    Application = apps.get_model("certification", "Application")
    Submission = apps.get_model("grading", "Submission")
    PracticalSubmission = apps.get_model("certification", "PracticalSubmission")
    links = []
    for submission in Submission.objects.order_by("pk").iterator():
        application = (
            Application.objects.filter(
                candidate_id=submission.candidate_id,
                certification__practical_task_id=submission.task_id,
                created_at__lte=submission.created_at,
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        if application is not None:
            links.append(PracticalSubmission(submission=submission, application=application))
    PracticalSubmission.objects.bulk_create(links, batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('certification', '0008_answer_save_function'),
        ('grading', '0002_bundle_upload'),
    ]

    operations = [
        migrations.CreateModel(
            name='PracticalSubmission',
            fields=[
                ('submission', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='application_link', serialize=False, to='grading.submission')),
                ('application', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='practical_submissions', to='certification.application')),
            ],
        ),
        migrations.RunPython(link_existing, migrations.RunPython.noop),
    ]
