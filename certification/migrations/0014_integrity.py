"""Exam integrity (docs/security.md, "Exam integrity"): integrity events, the
attempt's active exam page and last seen client, exposure control on exams, and
``certification_answer_save`` taking the page's session token and the client's IP
address and device, compared inside the same locked read of the attempt (no extra
round trip on the autosave path)."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION certification_answer_save(
    p_attempt bigint, p_candidate integer, p_item bigint, p_response jsonb,
    p_revision integer, p_now timestamptz, p_session text, p_ip inet, p_device text,
    p_event_cap integer
) RETURNS TABLE (outcome text, applied boolean, late boolean) AS $$
DECLARE
    v_state text;
    v_deadline timestamptz;
    v_grace integer;
    v_session text;
    v_ip inet;
    v_device text;
    v_late boolean;
    v_applied boolean;
BEGIN
    SELECT a.state, a.deadline, e.grace_seconds, a.session_token, a.client_ip, a.client_device
      INTO v_state, v_deadline, v_grace, v_session, v_ip, v_device
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

-- The client of an attempt changed (rare): log it, within the attempt's event cap,
-- and remember the new one. The first client seen is only remembered.
CREATE OR REPLACE FUNCTION certification_client_changed(
    p_attempt bigint, p_now timestamptz, p_old_ip inet, p_old_device text,
    p_ip inet, p_device text, p_event_cap integer
) RETURNS void AS $$
DECLARE
    v_room integer;
BEGIN
    SELECT p_event_cap - count(*) INTO v_room
      FROM certification_integrityevent WHERE attempt_id = p_attempt;
    IF p_ip IS NOT NULL AND p_old_ip IS NOT NULL AND p_old_ip <> p_ip AND v_room > 0 THEN
        INSERT INTO certification_integrityevent (attempt_id, kind, at, detail, ip, device)
             VALUES (p_attempt, 'ip_changed', p_now,
                     jsonb_build_object('from', host(p_old_ip)), p_ip, p_device);
        v_room := v_room - 1;
    END IF;
    IF p_device <> '' AND p_old_device <> '' AND p_old_device <> p_device AND v_room > 0 THEN
        INSERT INTO certification_integrityevent (attempt_id, kind, at, detail, ip, device)
             VALUES (p_attempt, 'device_changed', p_now,
                     jsonb_build_object('from', p_old_device), p_ip, p_device);
    END IF;
    UPDATE certification_attempt
       SET client_ip = COALESCE(p_ip, client_ip),
           client_device = CASE WHEN p_device <> '' THEN p_device ELSE client_device END
     WHERE id = p_attempt;
END;
$$ LANGUAGE plpgsql;
"""
DROP = """
DROP FUNCTION IF EXISTS certification_answer_save(
    bigint, integer, bigint, jsonb, integer, timestamptz, text, inet, text, integer);
DROP FUNCTION IF EXISTS certification_client_changed(
    bigint, timestamptz, inet, text, inet, text, integer);
"""
PREVIOUS = importlib.import_module("certification.migrations.0008_answer_save_function")


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS.DROP)
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
        schema_editor.execute(PREVIOUS.CREATE)


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0013_preferences"),
        ("training", "0005_review_workflow"),
    ]

    operations = [
        migrations.CreateModel(
            name="IntegrityEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("session_takeover", "另一浏览器接管作答"),
                            ("focus_lost", "离开考试页面"),
                            ("focus_back", "回到考试页面"),
                            ("copy", "复制"),
                            ("paste", "粘贴"),
                            ("ip_changed", "IP 地址变化"),
                            ("device_changed", "设备（浏览器）变化"),
                        ],
                        max_length=20,
                    ),
                ),
                ("at", models.DateTimeField()),
                ("detail", models.JSONField(blank=True, default=dict)),
                ("ip", models.GenericIPAddressField(blank=True, null=True)),
                (
                    "device",
                    models.CharField(
                        blank=True, help_text="A hash of the browser's user agent.", max_length=16
                    ),
                ),
            ],
            options={
                "ordering": ["attempt", "at", "pk"],
            },
        ),
        migrations.AddField(
            model_name="attempt",
            name="client_device",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.AddField(
            model_name="attempt",
            name="client_ip",
            field=models.GenericIPAddressField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="attempt",
            name="session_browser",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.AddField(
            model_name="attempt",
            name="session_token",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AddField(
            model_name="exam",
            name="exposure_window_days",
            field=models.PositiveSmallIntegerField(default=30),
        ),
        migrations.AddField(
            model_name="exam",
            name="max_exposure_percent",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="Exposure control: a drawn item is shown to at most this share (percent) of the attempts started in the window, when the pool allows. Empty: no cap.",
                null=True,
            ),
        ),
        migrations.AddConstraint(
            model_name="exam",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("max_exposure_percent__isnull", True),
                    models.Q(("max_exposure_percent__gte", 1), ("max_exposure_percent__lte", 100)),
                    _connector="OR",
                ),
                name="exam_max_exposure_percent_range",
            ),
        ),
        migrations.AddField(
            model_name="integrityevent",
            name="attempt",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="integrity_events",
                to="certification.attempt",
            ),
        ),
        migrations.AddIndex(
            model_name="integrityevent",
            index=models.Index(fields=["attempt", "at"], name="certificati_attempt_821b0e_idx"),
        ),
        migrations.RunPython(create, drop),
    ]
