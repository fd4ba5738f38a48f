"""Keep registers_pupilweek in step with registers_mark, inside the database.

Statement-level triggers with transition tables: one INSERT ... ON CONFLICT
per statement however many marks it writes (a register, a COPY), and an
UPDATE moves each changed mark from its old category to its new one. Marks
are never deleted (migration 0002). The categories are those of
attendance/codes.py when this migration was written; a change in the law
means a new migration that redefines registers_code_category.
"""

from django.db import migrations

SQL = r"""
CREATE FUNCTION registers_code_category(code text) RETURNS "char" AS $$
    SELECT CASE
        WHEN code IN ('/', 'B', 'J', 'K', 'L', 'P', 'V', 'W', '\') THEN 'P'
        WHEN code IN ('C', 'C1', 'C2', 'E', 'F', 'H', 'I', 'J1', 'M', 'R', 'S', 'T') THEN 'A'
        WHEN code IN ('G', 'N', 'O', 'U') THEN 'U'
        ELSE 'X'
    END
$$ LANGUAGE sql IMMUTABLE;

CREATE FUNCTION registers_pupilweek_add() RETURNS trigger AS $$
BEGIN
    INSERT INTO registers_pupilweek AS w
        (pupil_id, monday, possible, attending, authorised, unauthorised, late, late_after_close)
    SELECT pupil_id, monday, sum(possible), sum(attending), sum(authorised), sum(unauthorised),
           sum(late), sum(late_after_close)
    FROM (
        SELECT pupil_id, date - (extract(isodow FROM date)::int - 1) AS monday,
               (registers_code_category(code) <> 'X')::int AS possible,
               (registers_code_category(code) = 'P')::int AS attending,
               (registers_code_category(code) = 'A')::int AS authorised,
               (registers_code_category(code) = 'U')::int AS unauthorised,
               (code = 'L')::int AS late, (code = 'U')::int AS late_after_close
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

CREATE FUNCTION registers_pupilweek_change() RETURNS trigger AS $$
BEGIN
    INSERT INTO registers_pupilweek AS w
        (pupil_id, monday, possible, attending, authorised, unauthorised, late, late_after_close)
    SELECT pupil_id, monday, sum(sign * possible), sum(sign * attending), sum(sign * authorised),
           sum(sign * unauthorised), sum(sign * late), sum(sign * late_after_close)
    FROM (
        SELECT 1 AS sign, pupil_id, date, code FROM new_rows
        UNION ALL
        SELECT -1, pupil_id, date, code FROM old_rows
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

CREATE TRIGGER mark_summary_insert AFTER INSERT ON registers_mark
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registers_pupilweek_add();

CREATE TRIGGER mark_summary_update AFTER UPDATE ON registers_mark
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registers_pupilweek_change();

-- Marks written before this migration.
INSERT INTO registers_pupilweek
    (pupil_id, monday, possible, attending, authorised, unauthorised, late, late_after_close)
SELECT pupil_id, date - (extract(isodow FROM date)::int - 1),
       count(*) FILTER (WHERE registers_code_category(code) <> 'X'),
       count(*) FILTER (WHERE registers_code_category(code) = 'P'),
       count(*) FILTER (WHERE registers_code_category(code) = 'A'),
       count(*) FILTER (WHERE registers_code_category(code) = 'U'),
       count(*) FILTER (WHERE code = 'L'),
       count(*) FILTER (WHERE code = 'U')
FROM registers_mark
GROUP BY 1, 2;
"""

REVERSE = """
DROP TRIGGER mark_summary_update ON registers_mark;
DROP TRIGGER mark_summary_insert ON registers_mark;
DROP FUNCTION registers_pupilweek_change();
DROP FUNCTION registers_pupilweek_add();
DROP FUNCTION registers_code_category(text);
DELETE FROM registers_pupilweek;
"""


class Migration(migrations.Migration):
    dependencies = [("registers", "0004_pupil_week_summary")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
