"""A mark is written with its history entry, or the database refuses it.

At commit, every mark inserted, or whose code or minutes late changed, must
have as its newest history entry the code and minutes it now holds. An UPDATE
that skips the history (a bug, or someone with the application's database
login) is rolled back with the rest of its transaction. Deferred, so the
order within a transaction (mark first, or history first) does not matter.
"""

from django.db import migrations

SQL = """
CREATE FUNCTION registers_mark_has_history() RETURNS trigger AS $$
BEGIN
    -- The mark as it stands at commit (a later change in the same
    -- transaction is checked against its own, newer entry).
    IF NOT EXISTS (
        SELECT 1
        FROM registers_mark m
        CROSS JOIN LATERAL (
            SELECT c.new_code, c.new_minutes_late FROM registers_markchange c
            WHERE c.mark_id = m.id ORDER BY c.id DESC LIMIT 1
        ) newest
        WHERE m.id = NEW.id
          AND newest.new_code = m.code
          AND newest.new_minutes_late IS NOT DISTINCT FROM m.minutes_late
    ) THEN
        RAISE EXCEPTION 'Register history is a legal record: mark % was written without its history entry', NEW.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER mark_inserted_with_history
    AFTER INSERT ON registers_mark
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION registers_mark_has_history();

CREATE CONSTRAINT TRIGGER mark_changed_with_history
    AFTER UPDATE ON registers_mark
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (OLD.code IS DISTINCT FROM NEW.code OR OLD.minutes_late IS DISTINCT FROM NEW.minutes_late)
    EXECUTE FUNCTION registers_mark_has_history();
"""

REVERSE = """
DROP TRIGGER mark_changed_with_history ON registers_mark;
DROP TRIGGER mark_inserted_with_history ON registers_mark;
DROP FUNCTION registers_mark_has_history();
"""


class Migration(migrations.Migration):
    dependencies = [("registers", "0007_pupil_week_figures_in_the_index")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
