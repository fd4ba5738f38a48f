"""Register history is a legal record: the database refuses to rewrite it.

MarkChange rows can be inserted, never updated or deleted; a Mark can change
(with a MarkChange beside it) but never be deleted. TRUNCATE (used only by
test teardown) is not a row-level operation and is not affected.
"""

from django.db import migrations

SQL = """
CREATE FUNCTION registers_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Register history is a legal record: % on % is not allowed',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER markchange_is_append_only
    BEFORE UPDATE OR DELETE ON registers_markchange
    FOR EACH ROW EXECUTE FUNCTION registers_refuse_change();

CREATE TRIGGER mark_is_never_deleted
    BEFORE DELETE ON registers_mark
    FOR EACH ROW EXECUTE FUNCTION registers_refuse_change();
"""

REVERSE = """
DROP TRIGGER mark_is_never_deleted ON registers_mark;
DROP TRIGGER markchange_is_append_only ON registers_markchange;
DROP FUNCTION registers_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("registers", "0001_registers")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
