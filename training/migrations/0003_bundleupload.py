# BundleUpload moves from grading to training (bundle authoring belongs to training).
# The table stays as it is ("grading_bundleupload"): only Django's state moves, so
# every existing upload is kept. grading's 0003 removes the model from its state.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_move(apps, schema_editor, *, source="grading", target="training"):
    """The model's content type follows it, so its permissions and admin history stay."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if ContentType.objects.using(db).filter(app_label=target, model="bundleupload").exists():
        return
    ContentType.objects.using(db).filter(app_label=source, model="bundleupload").update(
        app_label=target
    )


def content_type_move_back(apps, schema_editor):
    content_type_move(apps, schema_editor, source="training", target="grading")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('grading', '0002_bundle_upload'),
        ('training', '0002_question_creation_token'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='BundleUpload',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file_name', models.CharField(max_length=200)),
                        ('archive', models.CharField(help_text='Relative to PRIVATE_STORAGE_DIR.', max_length=300)),
                        ('size_bytes', models.BigIntegerField()),
                        ('state', models.CharField(choices=[('queued', '排队中'), ('checking', '校验与试运行中'), ('accepted', '已接受'), ('refused', '已拒绝')], default='queued', max_length=16)),
                        ('message', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('version', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='training.bundleversion')),
                    ],
                    options={
                        'db_table': 'grading_bundleupload',
                        'ordering': ['-created_at'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_move, content_type_move_back),
    ]
