from importlib import import_module

from django.db import migrations

# The counting function of 0006 with a shorter way for the commonest change: one counted
# status for another (doing to done, say) of the same learner and topic. The topic's counts
# move in one update, and the learner's tally only when "done" comes or goes: two statements
# at most, where the general way takes four. Anything else (a first status, back to todo, a
# row moved to another topic or learner, or counts that are missing) takes the general way.
PREVIOUS = import_module("progress.migrations.0006_track_counts")
MOVE = """BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status <> 'todo' AND NEW.status <> 'todo'
       AND OLD.topic_id = NEW.topic_id AND OLD.user_id = NEW.user_id THEN
        UPDATE progress_topicstatuscount SET
            doing = doing - (OLD.status = 'doing')::int + (NEW.status = 'doing')::int,
            done = done - (OLD.status = 'done')::int + (NEW.status = 'done')::int,
            skipped = skipped - (OLD.status = 'skipped')::int + (NEW.status = 'skipped')::int
        WHERE topic_id = NEW.topic_id;
        IF FOUND THEN
            IF (OLD.status = 'done') <> (NEW.status = 'done') THEN
                UPDATE progress_learnertracktally SET
                    done = done - (OLD.status = 'done')::int + (NEW.status = 'done')::int
                WHERE user_id = NEW.user_id
                  AND track_id = (SELECT track_id FROM tracks_topic WHERE id = NEW.topic_id);
            END IF;
            RETURN NULL;
        END IF;
    END IF;
"""
# The shorter way goes first; the general way follows it unchanged.
FUNCTION = PREVIOUS.FUNCTION.replace("BEGIN\n", MOVE, 1)
assert FUNCTION != PREVIOUS.FUNCTION  # noqa: S101


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS.FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("progress", "0006_track_counts")]

    operations = [migrations.RunPython(install, restore)]
