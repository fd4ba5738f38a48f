"""Two people saving one register at the same moment, on a real PostgreSQL."""

import threading

import pytest
from django.db import close_old_connections, connection

from registers.models import Mark, MarkChange
from registers.services import Entry, take_register
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*jobs):
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        close_old_connections()
        barrier.wait()
        try:
            results[i] = job()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_simultaneous_submits_keep_every_mark_and_its_history(cast, fill_class):
    pupils = [cast.poppy, *fill_class(cast.hawthorn, 9)]

    def teacher():
        entries = [Entry(p.id, "/", 0) for p in pupils]
        return take_register(
            cast.hawthorn, DAY, "AM", entries, by=cast.alice, now=london(9, 5), as_teacher=True
        )

    def office():
        entries = [Entry(p.id, "N" if p == cast.poppy else "/", 0) for p in pupils]
        return take_register(
            cast.hawthorn, DAY, "AM", entries, by=cast.olive, now=london(9, 5), as_teacher=False
        )

    first, second = _race(teacher, office)
    # One of them saved; the other agreed on nine pupils (nothing to write)
    # and was told of the tenth.
    assert [first.ok, second.ok].count(True) == 1
    loser = first if not first.ok else second
    winner_code, winner = ("/", cast.alice) if first.ok else ("N", cast.olive)
    assert [str(c) for c in loser.conflicts] == [
        f"{cast.poppy.name} (now {winner_code}, by {winner.display_name()})"
    ]
    assert loser.saved == 0
    assert Mark.objects.count() == 10
    assert MarkChange.objects.count() == 10
    for mark in Mark.objects.all():
        assert mark.changes.get().new_code == mark.code


def test_identical_simultaneous_submits_save_once(cast, fill_class):
    pupils = [cast.poppy, *fill_class(cast.hawthorn, 4)]

    def submit():
        entries = [Entry(p.id, "/", 0) for p in pupils]
        return take_register(
            cast.hawthorn, DAY, "AM", entries, by=cast.alice, now=london(9, 5), as_teacher=True
        )

    results = _race(submit, submit)
    assert all(r.ok for r in results)
    assert Mark.objects.count() == 5
    assert MarkChange.objects.count() == 5
