from django.db import migrations, models
from django.utils.text import slugify

from tracks.trackfiles import behaviour_key


def give_keys(apps, schema_editor):
    """Existing behaviours get the key their text gives, numbered within a track when taken."""
    behaviour_model = apps.get_model("tracks", "ExpectedBehaviour")
    taken: dict[int, set[str]] = {}
    rows = behaviour_model.objects.order_by("track_id", "order", "id")
    for row in rows.iterator():
        keys = taken.setdefault(row.track_id, set())
        key = behaviour_key(row.text) or slugify(f"b-{row.pk}")
        stem, number = key[:114], 2
        while key in keys:
            key = f"{stem}-{number}"
            number += 1
        keys.add(key)
        row.key = key
        row.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [
        ("tracks", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="expectedbehaviour",
            name="key",
            field=models.SlugField(default="", max_length=120, verbose_name="key"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="expectedbehaviour",
            name="retired",
            field=models.BooleanField(default=False, verbose_name="retired"),
        ),
        migrations.RunPython(give_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="expectedbehaviour",
            constraint=models.UniqueConstraint(
                fields=("track", "key"), name="behaviour_unique_key_per_track"
            ),
        ),
    ]
