"""The autosave hot path as one PostgreSQL function (docs/exams.md, "Autosave"):
lock the attempt, check its owner, state and time, upsert the answer unless a newer
revision is saved, and append the log row, in one round trip. SQLite (the
zero-config demo) uses the equivalent ORM path in certification/exams/answers.py."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION certification_answer_save(
    p_attempt bigint, p_candidate integer, p_item bigint, p_response jsonb,
    p_revision integer, p_now timestamptz
) RETURNS TABLE (outcome text, applied boolean, late boolean) AS $$
DECLARE
    v_state text;
    v_deadline timestamptz;
    v_grace integer;
    v_late boolean;
    v_applied boolean;
BEGIN
    SELECT a.state, a.deadline, e.grace_seconds INTO v_state, v_deadline, v_grace
      FROM certification_attempt a JOIN certification_exam e ON e.id = a.exam_id
     WHERE a.id = p_attempt AND a.candidate_id = p_candidate
       FOR UPDATE OF a;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_found'::text, false, false; RETURN;
    END IF;
    IF v_state NOT IN ('in_progress', 'overdue') THEN
        RETURN QUERY SELECT 'submitted'::text, false, false; RETURN;
    END IF;
    IF p_now > v_deadline + make_interval(secs => v_grace) THEN
        RETURN QUERY SELECT 'time_up'::text, false, false; RETURN;
    END IF;
    PERFORM 1 FROM certification_attemptitem WHERE id = p_item AND attempt_id = p_attempt;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_found'::text, false, false; RETURN;
    END IF;
    v_late := p_now > v_deadline;
    INSERT INTO certification_answer (item_id, response, saved_at, revision, late)
         VALUES (p_item, p_response, p_now, p_revision, v_late)
    ON CONFLICT (item_id) DO UPDATE
         SET response = EXCLUDED.response, saved_at = EXCLUDED.saved_at,
             revision = EXCLUDED.revision, late = certification_answer.late OR EXCLUDED.late
       WHERE certification_answer.revision <= EXCLUDED.revision;
    v_applied := FOUND;
    INSERT INTO certification_answerevent (item_id, revision, response, at, late, applied)
         VALUES (p_item, p_revision, p_response, p_now, v_late, v_applied);
    RETURN QUERY SELECT 'ok'::text, v_applied, v_late;
END;
$$ LANGUAGE plpgsql;
"""
DROP = "DROP FUNCTION IF EXISTS certification_answer_save(bigint, integer, bigint, jsonb, integer, timestamptz);"


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("certification", "0007_certification_rules_in_blueprints")]

    operations = [migrations.RunPython(create, drop)]
