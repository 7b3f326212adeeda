"""The autosave allowance (THROTTLE_AUTOSAVE) counted by the save itself, per attempt,
under the attempt's row lock the save takes anyway: no Redis round trip per save
(about half of the web server's CPU per save, docs/benchmarks.md "Exam delivery").
``certification_answer_save`` and ``_save_many`` take the allowance (limit, window
seconds; NULL: none) and answer 'throttled' for a save over it, which changes
nothing but is not counted either."""

import importlib

from django.db import migrations, models

SAVE = """
CREATE OR REPLACE FUNCTION certification_answer_save(
    p_attempt bigint, p_candidate integer, p_item bigint, p_response jsonb,
    p_revision integer, p_now timestamptz, p_session text, p_ip inet, p_device text,
    p_event_cap integer, p_limit integer, p_window integer
) RETURNS TABLE (outcome text, applied boolean, late boolean) AS $$
DECLARE
    v_state text;
    v_deadline timestamptz;
    v_grace integer;
    v_session text;
    v_ip inet;
    v_device text;
    v_saves_window bigint;
    v_saves integer;
    v_now_window bigint;
    v_late boolean;
    v_applied boolean;
BEGIN
    SELECT a.state, a.deadline, e.grace_seconds, a.session_token, a.client_ip, a.client_device,
           a.saves_window, a.saves_in_window
      INTO v_state, v_deadline, v_grace, v_session, v_ip, v_device, v_saves_window, v_saves
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
    -- A page whose session another browser took over may no longer save.
    IF p_session IS NOT NULL AND p_session <> v_session THEN
        RETURN QUERY SELECT 'taken_over'::text, false, false; RETURN;
    END IF;
    PERFORM 1 FROM certification_attemptitem WHERE id = p_item AND attempt_id = p_attempt;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_found'::text, false, false; RETURN;
    END IF;
    IF p_limit IS NOT NULL THEN
        v_now_window := floor(extract(epoch FROM p_now) / p_window)::bigint;
        IF v_saves_window = v_now_window AND v_saves >= p_limit THEN
            RETURN QUERY SELECT 'throttled'::text, false, false; RETURN;
        END IF;
        UPDATE certification_attempt
           SET saves_window = v_now_window,
               saves_in_window = CASE WHEN v_saves_window = v_now_window THEN v_saves + 1
                                      ELSE 1 END
         WHERE id = p_attempt;
    END IF;
    IF (p_ip IS NOT NULL AND v_ip IS DISTINCT FROM p_ip)
       OR (p_device <> '' AND v_device <> p_device) THEN
        PERFORM certification_client_changed(
            p_attempt, p_now, v_ip, v_device, p_ip, p_device, p_event_cap);
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

CREATE OR REPLACE FUNCTION certification_answer_save_many(
    p_attempt bigint[], p_candidate integer[], p_item bigint[], p_response jsonb[],
    p_revision integer[], p_now timestamptz[], p_session text[], p_ip inet[],
    p_device text[], p_event_cap integer, p_limit integer, p_window integer
) RETURNS TABLE (outcome text, applied boolean, late boolean) AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_attempt, 1), 0) LOOP
        RETURN QUERY SELECT s.outcome, s.applied, s.late FROM certification_answer_save(
            p_attempt[i], p_candidate[i], p_item[i], p_response[i], p_revision[i],
            p_now[i], p_session[i], p_ip[i], p_device[i], p_event_cap, p_limit, p_window) s;
    END LOOP;
END;
$$ LANGUAGE plpgsql;
"""
DROP = """
DROP FUNCTION IF EXISTS certification_answer_save_many(
    bigint[], integer[], bigint[], jsonb[], integer[], timestamptz[], text[], inet[], text[],
    integer, integer, integer);
DROP FUNCTION IF EXISTS certification_answer_save(
    bigint, integer, bigint, jsonb, integer, timestamptz, text, inet, text, integer, integer,
    integer);
"""
SAVE_BEFORE = importlib.import_module("certification.migrations.0014_integrity")
MANY_BEFORE = importlib.import_module("certification.migrations.0015_answer_save_many")
# Only the two functions change; 0014's client_changed function stays as it is.
SAVE_DROP_BEFORE = """
DROP FUNCTION IF EXISTS certification_answer_save(
    bigint, integer, bigint, jsonb, integer, timestamptz, text, inet, text, integer);
"""


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(MANY_BEFORE.DROP)
        schema_editor.execute(SAVE_DROP_BEFORE)
        schema_editor.execute(SAVE)


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
        schema_editor.execute(SAVE_BEFORE.CREATE)
        schema_editor.execute(MANY_BEFORE.CREATE)


class Migration(migrations.Migration):
    dependencies = [("certification", "0018_languages")]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="saves_window",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="attempt",
            name="saves_in_window",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(create, drop),
    ]
