"""The weekly summary counts `counted_code`: a held-back mark (a register
nobody took) in no column, a pending report as N.

Before the flags are set every mark's counted_code equals its code, so the
summary stays right when the functions are swapped; setting the flags below
then moves each mark by the new functions, in the same migration."""

from django.db import migrations

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION registers_pupilweek_add() RETURNS trigger AS $$
BEGIN
    INSERT INTO registers_pupilweek AS w
        (pupil_id, monday, possible, attending, authorised, unauthorised, late, late_after_close)
    SELECT pupil_id, monday, sum(possible), sum(attending), sum(authorised), sum(unauthorised),
           sum(late), sum(late_after_close)
    FROM (
        SELECT pupil_id, date - (extract(isodow FROM date)::int - 1) AS monday,
               (registers_code_category(counted_code) <> 'X')::int AS possible,
               (registers_code_category(counted_code) = 'P')::int AS attending,
               (registers_code_category(counted_code) = 'A')::int AS authorised,
               (registers_code_category(counted_code) = 'U')::int AS unauthorised,
               (counted_code = 'L')::int AS late, (counted_code = 'U')::int AS late_after_close
        FROM new_rows
    ) AS t
    GROUP BY pupil_id, monday
    ON CONFLICT (pupil_id, monday) DO UPDATE SET
        possible = w.possible + EXCLUDED.possible,
        attending = w.attending + EXCLUDED.attending,
        authorised = w.authorised + EXCLUDED.authorised,
        unauthorised = w.unauthorised + EXCLUDED.unauthorised,
        late = w.late + EXCLUDED.late,
        late_after_close = w.late_after_close + EXCLUDED.late_after_close;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION registers_pupilweek_change() RETURNS trigger AS $$
BEGIN
    INSERT INTO registers_pupilweek AS w
        (pupil_id, monday, possible, attending, authorised, unauthorised, late, late_after_close)
    SELECT pupil_id, monday, sum(sign * possible), sum(sign * attending), sum(sign * authorised),
           sum(sign * unauthorised), sum(sign * late), sum(sign * late_after_close)
    FROM (
        SELECT 1 AS sign, pupil_id, date, counted_code AS code FROM new_rows
        UNION ALL
        SELECT -1, pupil_id, date, counted_code FROM old_rows
    ) AS changed,
    LATERAL (
        SELECT date - (extract(isodow FROM date)::int - 1) AS monday,
               (registers_code_category(code) <> 'X')::int AS possible,
               (registers_code_category(code) = 'P')::int AS attending,
               (registers_code_category(code) = 'A')::int AS authorised,
               (registers_code_category(code) = 'U')::int AS unauthorised,
               (code = 'L')::int AS late, (code = 'U')::int AS late_after_close
    ) AS c
    GROUP BY pupil_id, monday
    ON CONFLICT (pupil_id, monday) DO UPDATE SET
        possible = w.possible + EXCLUDED.possible,
        attending = w.attending + EXCLUDED.attending,
        authorised = w.authorised + EXCLUDED.authorised,
        unauthorised = w.unauthorised + EXCLUDED.unauthorised,
        late = w.late + EXCLUDED.late,
        late_after_close = w.late_after_close + EXCLUDED.late_after_close;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

FLAGS = r"""
-- Registers closed untaken and not completed since: their N says "not taken".
UPDATE registers_mark m SET held_back = true
FROM registers_register r
WHERE m.register_id = r.id AND r.not_taken_at_close AND r.taken_at IS NULL AND m.code = 'N';
-- Reports still awaiting the head (their note says so).
UPDATE registers_mark SET pending = true
WHERE source = 'absence' AND note LIKE '%(pending authorisation)';
"""

OLD_FUNCTIONS = FUNCTIONS.replace("counted_code", "code")


class Migration(migrations.Migration):
    dependencies = [("registers", "0010_untaken_registers_and_pending_reports")]

    operations = [
        migrations.RunSQL(FUNCTIONS, OLD_FUNCTIONS),
        migrations.RunSQL(FLAGS, "UPDATE registers_mark SET held_back = false, pending = false;"),
    ]
