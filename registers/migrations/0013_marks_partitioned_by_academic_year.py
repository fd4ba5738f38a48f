"""Marks are partitioned by academic year, so a school's tenth year costs what its first did.

registers_mark becomes a table PARTITION BY RANGE (date) with one partition
per academic year, 1 September to 31 August: the year of Rollcall's calendar
(attendance.term_dates.academic_year_starting, AcademicYear rows, every
year-to-date and term query), so a school's year, term or register reads one
partition. The DfE's statistical year (from 1 August) would split each school
year's own August off into the next partition; English schools hold no
sessions in August, so a DfE-period query (census periods) reads the few
August marks of the partition before at the cost of one more index probe.

Partitions: one named registers_mark_2026_27 for each year from six years
back (the register's retention period, Regulations 2024: the history a
school brings from its MIS or a pupil's CTF has a year of its own) to two
years ahead, and registers_mark_earlier (MINVALUE to the first year) for
anything older, which the purge may remove. registers_add_mark_partitions()
makes the years ahead; the migration calls it, and so does beat every night
(registers.partitions.add_mark_partitions), so next year's partition is
there two years before its first mark and nobody has to remember. There is
no DEFAULT partition: a mark dated past the partitions (years ahead, so a
mistyped date) is refused with an error the person sees, never stored
somewhere a later CREATE of that year's partition would trip over: with a
DEFAULT partition, every CREATE scans it under an exclusive lock, and one
mark in the new year's range makes the CREATE fail until that mark is moved,
which means deleting a register entry (refused by the guard of 0002).

PostgreSQL requires a partitioned table's primary key to include the
partition key: it is (id, date). Django still sees `id` as the primary key
(ids stay unique: one sequence serves every partition). A foreign key cannot
reference `id` alone, so MarkChange.mark and LateArrival.mark become
db_constraint=False and triggers do a foreign key's two jobs: the mark must
exist at commit (locked FOR KEY SHARE, as a foreign key locks it), and a mark
still referred to cannot be deleted (only the purge deletes marks). The
history tables do not carry the mark's date, and adding it would rewrite the
append-only history; penalties' CaseSession does carry it, and refers to
(id, date) by a real foreign key (penalties 0005). A mark's id and date
never change (a trigger refuses it): the history records code changes, not
moves, and a date change across 1 September would move the row between
partitions, which is a delete underneath.

The conversion runs in this migration's transaction: the old table steps
aside with its indexes and sequence, the new one is made with every name,
the rows are copied (before the triggers exist, so the weekly summary and
the history check, both already right, do not run again), then the indexes,
constraints and triggers are made and the sequence carries on from the old
one's value. Every trigger kind used is allowed on a partitioned table in
PostgreSQL 15: statement-level with transition tables (on the parent only,
which is where they are), row-level BEFORE DELETE, and deferred constraint
triggers (cloned to each partition, including those made later).
Reversible: the reverse copies the rows back into an unpartitioned table the
same way.

The costs: a look-up by id alone (Model.save's UPDATE, the referring
triggers) probes each partition's primary key index, ten at first; the
conversion holds marks locked for as long as the copy takes (3 s for the
demo school's 113,000 marks); and ids are unique only as the sequence hands
them out (the key is (id, date), so a row written with an explicit id, as a
bench's COPY does, must take it from the sequence too).
"""

from django.db import migrations, models

# The mark table as migrations 0001-0012 left it, apart from the primary key.
INDEXES = """
ALTER TABLE registers_mark ADD CONSTRAINT one_mark_per_session UNIQUE (pupil_id, date, session);
CREATE INDEX registers_m_date_cfccec_idx ON registers_mark (date, session);
CREATE INDEX mark_threshold_codes ON registers_mark (pupil_id, date)
    WHERE code IN ('G', 'O', 'U');
CREATE INDEX registers_mark_entered_by_id_994bf985 ON registers_mark (entered_by_id);
CREATE INDEX registers_mark_register_id_73bc6e49 ON registers_mark (register_id);
ALTER TABLE registers_mark
    ADD CONSTRAINT registers_mark_entered_by_id_994bf985_fk_attendance_user_id
    FOREIGN KEY (entered_by_id) REFERENCES attendance_user (id) DEFERRABLE INITIALLY DEFERRED,
    ADD CONSTRAINT registers_mark_pupil_id_92bb4a20_fk_attendance_pupil_id
    FOREIGN KEY (pupil_id) REFERENCES attendance_pupil (id) DEFERRABLE INITIALLY DEFERRED,
    ADD CONSTRAINT registers_mark_register_id_73bc6e49_fk_registers_register_id
    FOREIGN KEY (register_id) REFERENCES registers_register (id) DEFERRABLE INITIALLY DEFERRED;
"""

# Migrations 0002, 0005 (functions redefined by 0011) and 0008, and reporting
# 0006 (a past term's kept figures forgotten when one of its marks changes).
TRIGGERS = """
CREATE TRIGGER mark_is_never_deleted
    BEFORE DELETE ON registers_mark
    FOR EACH ROW EXECUTE FUNCTION registers_refuse_change();

CREATE TRIGGER mark_summary_insert AFTER INSERT ON registers_mark
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registers_pupilweek_add();

CREATE TRIGGER mark_summary_update AFTER UPDATE ON registers_mark
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registers_pupilweek_change();

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

CREATE TRIGGER mark_forgets_past_figures_insert AFTER INSERT ON registers_mark
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_forget_past_figures();

CREATE TRIGGER mark_forgets_past_figures_update AFTER UPDATE ON registers_mark
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_forget_past_figures();
"""

COLUMNS = (
    "id, date, session, code, minutes_late, note, source, entered_at, version,"
    " entered_by_id, pupil_id, register_id, held_back, pending, recorded_at_school"
)


def _swap(aside: str, partitioning: str, primary_key: str, partitions: str) -> str:
    """Move registers_mark aside as `aside` and make it again, rows and all."""
    return f"""
LOCK TABLE registers_mark IN ACCESS EXCLUSIVE MODE;
ALTER TABLE registers_mark RENAME TO {aside};
ALTER SEQUENCE registers_mark_id_seq RENAME TO {aside}_id_seq;
DO $$
DECLARE i record;
BEGIN
    FOR i IN SELECT c.relname FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
             WHERE x.indrelid = '{aside}'::regclass LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', i.relname, left('{aside}_' || i.relname, 63));
    END LOOP;
END $$;

-- Columns, defaults, CHECK constraints, the generated counted_code and a new
-- identity sequence, exactly as the table had them.
CREATE TABLE registers_mark (
    LIKE {aside} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY
) {partitioning};
{partitions}
INSERT INTO registers_mark ({COLUMNS}) SELECT {COLUMNS} FROM {aside};
SELECT setval('registers_mark_id_seq', s.last_value, s.is_called) FROM {aside}_id_seq s;

ALTER TABLE registers_mark ADD CONSTRAINT registers_mark_pkey PRIMARY KEY ({primary_key});
{INDEXES}
{TRIGGERS}
-- Refused if anything still refers to the old table's rows.
DROP TABLE {aside};
ANALYZE registers_mark;
"""


ADD_PARTITIONS = r"""
CREATE FUNCTION registers_add_mark_partitions(from_day date, through date) RETURNS integer
LANGUAGE plpgsql
-- Run by the nightly task as the application role, which may not create
-- tables: the function does it as the owner, and only this.
SECURITY DEFINER SET search_path = public, pg_temp
-- Creating a partition locks registers_mark; rather than queue every
-- register behind a long transaction, give up and try again tomorrow.
SET lock_timeout = '10s'
AS $$
DECLARE
    -- An academic year runs from 1 September: 8 months back is in its first calendar year.
    year int := extract(year FROM from_day - interval '8 months');
    last_year int := extract(year FROM through - interval '8 months');
    name text;
    newest int;
    made int := 0;
BEGIN
    -- Run as the owner, so bounded: a stolen application password cannot
    -- flood the table with partitions for years to come.
    IF through > current_date + interval '10 years' THEN
        RAISE EXCEPTION 'Mark partitions are made at most ten years ahead, not to %', through
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('registers_add_mark_partitions'));
    -- No gap, even after nights the task did not run: from the year after the newest.
    SELECT max(substring(c.relname FROM '^registers_mark_(\d{4})_')::int) INTO newest
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'registers_mark'::regclass;
    year := least(year, newest + 1);
    WHILE year <= last_year LOOP
        name := format('registers_mark_%s_%s', year, lpad(((year + 1) % 100)::text, 2, '0'));
        IF to_regclass(name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF registers_mark FOR VALUES FROM (%L) TO (%L)',
                name, make_date(year, 9, 1), make_date(year + 1, 9, 1)
            );
            made := made + 1;
        END IF;
        year := year + 1;
    END LOOP;
    RETURN made;
END;
$$;
-- The application role is granted it after migrate (attendance/db_roles.py).
REVOKE EXECUTE ON FUNCTION registers_add_mark_partitions(date, date) FROM PUBLIC;
"""

# Six years back (the register's retention period); two years ahead, as
# registers.partitions.YEARS_AHEAD.
PARTITIONS = """
DO $$
DECLARE
    first_year int := extract(year FROM current_date - interval '6 years' - interval '8 months');
BEGIN
    EXECUTE format(
        'CREATE TABLE registers_mark_earlier PARTITION OF registers_mark'
        ' FOR VALUES FROM (MINVALUE) TO (%L)', make_date(first_year, 9, 1)
    );
    PERFORM registers_add_mark_partitions(make_date(first_year, 9, 1),
                                          (current_date + interval '2 years')::date);
END $$;
"""

PARTITION = ADD_PARTITIONS + _swap(
    "registers_mark_unpartitioned", "PARTITION BY RANGE (date)", "id, date", PARTITIONS
)
UNPARTITION = (
    _swap("registers_mark_partitioned", "", "id", "")
    + "DROP FUNCTION registers_add_mark_partitions(date, date);"
)

HISTORY_CHECK = """
CREATE OR REPLACE FUNCTION registers_mark_has_history() RETURNS trigger AS $$
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
        WHERE m.id = NEW.id{date}
          AND newest.new_code = m.code
          AND newest.new_minutes_late IS NOT DISTINCT FROM m.minutes_late
    ) THEN
        RAISE EXCEPTION 'Register history is a legal record: mark % was written without its history entry', NEW.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql{settings};
"""

# The date never changes (below), so the check reads the mark's own partition.
# A generic plan, pruned as it starts: left to choose, PostgreSQL plans the
# query afresh for every mark, as a plan pruned in advance looks cheaper, and
# a register's commit took ten times as long. By index, always: the session
# keeps the plan, and one made while a year's partition was nearly empty
# would read the whole partition for every mark once it is full.
BY_INDEX = " SET plan_cache_mode = force_generic_plan SET enable_seqscan = off"
HISTORY_CHECK_IN_ITS_YEAR = HISTORY_CHECK.format(date=" AND m.date = NEW.date", settings=BY_INDEX)
HISTORY_CHECK_BY_ID = HISTORY_CHECK.format(date="", settings="")

REFERENCES = """
CREATE FUNCTION registers_refuse_moving_a_mark() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Register history is a legal record: mark % cannot change its id or date', OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER mark_keys_are_fixed
    BEFORE UPDATE OF id, date ON registers_mark
    FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.date IS DISTINCT FROM NEW.date)
    EXECUTE FUNCTION registers_refuse_moving_a_mark();

-- A foreign key's check on the referring side: the mark exists at commit,
-- and is locked against a concurrent delete as a foreign key would lock it.
CREATE FUNCTION registers_mark_exists() RETURNS trigger AS $$
BEGIN
    PERFORM 1 FROM registers_mark WHERE id = NEW.mark_id FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'insert or update on table "%" refers to mark %, which does not exist',
            TG_TABLE_NAME, NEW.mark_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql""" + BY_INDEX + """;

CREATE CONSTRAINT TRIGGER markchange_mark_exists
    AFTER INSERT OR UPDATE OF mark_id ON registers_markchange
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION registers_mark_exists();

CREATE CONSTRAINT TRIGGER latearrival_mark_exists
    AFTER INSERT OR UPDATE OF mark_id ON registers_latearrival
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION registers_mark_exists();

-- And on the referred side: a mark still referred to is not deleted (the
-- purge, which alone deletes marks, removes the history first).
CREATE FUNCTION registers_mark_not_referred_to() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM registers_markchange WHERE mark_id = OLD.id)
       OR EXISTS (SELECT 1 FROM registers_latearrival WHERE mark_id = OLD.id) THEN
        RAISE EXCEPTION 'delete on table "registers_mark" leaves mark % referred to', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER mark_kept_while_referred_to
    AFTER DELETE ON registers_mark
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION registers_mark_not_referred_to();
"""

NO_REFERENCES = """
DROP TRIGGER mark_kept_while_referred_to ON registers_mark;
DROP FUNCTION registers_mark_not_referred_to();
DROP TRIGGER latearrival_mark_exists ON registers_latearrival;
DROP TRIGGER markchange_mark_exists ON registers_markchange;
DROP FUNCTION registers_mark_exists();
DROP TRIGGER mark_keys_are_fixed ON registers_mark;
DROP FUNCTION registers_refuse_moving_a_mark();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("registers", "0012_data_flows"),
        # Its trigger on the marks is made again on the partitioned table.
        ("reporting", "0006_past_term_figures"),
    ]

    operations = [
        # The foreign keys to registers_mark(id) go first: none can refer to
        # the partitioned table's id alone (penalties 0004 drops its own).
        migrations.AlterField(
            model_name="markchange",
            name="mark",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=models.deletion.PROTECT,
                related_name="changes",
                to="registers.mark",
            ),
        ),
        migrations.AlterField(
            model_name="latearrival",
            name="mark",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=models.deletion.PROTECT,
                related_name="late_arrivals",
                to="registers.mark",
            ),
        ),
        migrations.RunSQL(PARTITION, UNPARTITION),
        migrations.RunSQL(REFERENCES, NO_REFERENCES),
        migrations.RunSQL(HISTORY_CHECK_IN_ITS_YEAR, HISTORY_CHECK_BY_ID),
    ]
