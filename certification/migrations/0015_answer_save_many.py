"""Group commit for autosave (docs/benchmarks.md, "Exam delivery"): many saves in one
call and one transaction. Each save runs ``certification_answer_save`` unchanged, in
the order given (the caller sorts by attempt, so concurrent batches lock attempts in
primary-key order), and returns its own outcome row in that order."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION certification_answer_save_many(
    p_attempt bigint[], p_candidate integer[], p_item bigint[], p_response jsonb[],
    p_revision integer[], p_now timestamptz[], p_session text[], p_ip inet[],
    p_device text[], p_event_cap integer
) RETURNS TABLE (outcome text, applied boolean, late boolean) AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_attempt, 1), 0) LOOP
        RETURN QUERY SELECT s.outcome, s.applied, s.late FROM certification_answer_save(
            p_attempt[i], p_candidate[i], p_item[i], p_response[i], p_revision[i],
            p_now[i], p_session[i], p_ip[i], p_device[i], p_event_cap) s;
    END LOOP;
END;
$$ LANGUAGE plpgsql;
"""
DROP = """
DROP FUNCTION IF EXISTS certification_answer_save_many(
    bigint[], integer[], bigint[], jsonb[], integer[], timestamptz[], text[], inet[], text[],
    integer);
"""


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("certification", "0014_integrity")]

    operations = [migrations.RunPython(create, drop)]
