# BundleUpload now belongs to training (its 0003 takes the model with its table);
# here it only leaves grading's state. The table and its rows stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('grading', '0002_bundle_upload'),
        ('training', '0003_bundleupload'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='BundleUpload')],
            database_operations=[],
        ),
    ]
