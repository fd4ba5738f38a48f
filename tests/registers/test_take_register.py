import re

import pytest
from django.urls import reverse

from registers.models import Mark, MarkChange, Register
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


def url(group, session="AM", day=DAY):
    return reverse("registers:register", args=[group.id, day.isoformat(), session])


def post_marks(client, group, marks, session="AM", versions=None, **extra):
    data = {f"code_{p.id}": code for p, code in marks.items()}
    for p in marks:
        data[f"v_{p.id}"] = (versions or {}).get(p.id, 0)
    data.update(extra)
    return client.post(url(group, session), data)


def test_a_teacher_takes_the_register(client, cast, at_905):
    client.force_login(cast.alice)
    response = post_marks(client, cast.hawthorn, {cast.poppy: "/"})
    assert response.status_code == 302
    mark = Mark.objects.get(pupil=cast.poppy, date=DAY, session="AM")
    assert (mark.code, mark.entered_by) == ("/", cast.alice)
    register = Register.objects.get(group=cast.hawthorn, date=DAY, session="AM")
    assert register.taken_by == cast.alice
    first = mark.changes.get()
    assert (first.old_code, first.new_code, first.changed_by_name) == ("", "/", "Alice")


def test_the_page_shows_the_class_with_preferred_and_legal_names(client, cast, at_905):
    cast.poppy.preferred_first_name = "Pops"
    cast.poppy.save()
    client.force_login(cast.alice)
    page = client.get(url(cast.hawthorn)).content.decode()
    assert "Pops Fairweather" in page
    assert "Poppy Fairweather" in page  # the legal name, smaller
    assert 'value="L"' in page and 'value="N"' in page
    assert 'value="M"' not in page  # not a teacher's code


def test_a_teacher_may_only_enter_teacher_codes(client, cast, at_905):
    client.force_login(cast.alice)
    response = post_marks(client, cast.hawthorn, {cast.poppy: "M"})
    assert response.status_code == 400
    assert "teachers cannot enter M" in response.content.decode()
    assert not Mark.objects.exists()


def test_one_bad_entry_saves_nothing(client, cast, fill_class, at_905):
    other = fill_class(cast.hawthorn, 1)[0]
    client.force_login(cast.alice)
    post_marks(client, cast.hawthorn, {cast.poppy: "/", other: "ZZ"})
    assert not Mark.objects.exists()


def test_office_codes_are_shown_to_the_teacher_and_kept(client, cast, at_905):
    from registers.services import write_mark

    write_mark(
        cast.poppy,
        DAY,
        "AM",
        "M",
        by=cast.helen,
        now=london(8, 30),
        source="office",
        note="Dentist at 10:00 (mum phoned)",
    )
    client.force_login(cast.alice)
    page = client.get(url(cast.hawthorn)).content.decode()
    assert "Dentist at 10:00 (mum phoned)" in page
    response = post_marks(client, cast.hawthorn, {cast.poppy: "/"}, versions={cast.poppy.id: 1})
    assert "the office has recorded M" in response.content.decode()
    assert Mark.objects.get(pupil=cast.poppy).code == "M"


def test_a_double_submit_is_harmless(client, cast, at_905):
    client.force_login(cast.alice)
    post_marks(client, cast.hawthorn, {cast.poppy: "N"})
    again = post_marks(client, cast.hawthorn, {cast.poppy: "N"})  # same form, stale version 0
    assert again.status_code == 302
    assert MarkChange.objects.count() == 1


def test_a_stale_form_never_silently_overwrites_a_newer_mark(client, cast, at_905):
    from registers.services import sign_in_late

    client.force_login(cast.alice)
    # The teacher opened the register, then the office signed Poppy in late.
    sign_in_late(cast.poppy, london(9, 4), by=cast.olive, now=london(9, 4))
    response = post_marks(client, cast.hawthorn, {cast.poppy: "N"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this pupil's mark" in page
    assert "saved now <code>L</code> (late, arrived before the register closed) by olive" in page
    assert Mark.objects.get(pupil=cast.poppy).code == "L"


def test_changing_a_saved_mark_needs_a_reason_and_keeps_the_original(client, cast, at_905):
    client.force_login(cast.alice)
    post_marks(client, cast.hawthorn, {cast.poppy: "N"})
    response = post_marks(client, cast.hawthorn, {cast.poppy: "L"}, versions={cast.poppy.id: 1})
    assert response.status_code == 400
    assert "Give a reason for changing the saved marks of Poppy" in response.content.decode()
    post_marks(
        client, cast.hawthorn, {cast.poppy: "L"}, versions={cast.poppy.id: 1}, reason="Arrived late"
    )
    change = MarkChange.objects.filter(old_code="N").get()
    assert (change.new_code, change.reason, change.changed_by) == ("L", "Arrived late", cast.alice)


def test_a_teacher_cannot_change_a_closed_register(client, cast, time_machine):
    time_machine.move_to(london(9, 20))
    client.force_login(cast.alice)
    response = post_marks(client, cast.hawthorn, {cast.poppy: "/"})
    assert response.status_code == 400
    assert "This register has closed" in response.content.decode()
    assert not Mark.objects.exists()
    page = client.get(url(cast.hawthorn)).content.decode()
    assert "Teachers cannot change a closed register" in page
    assert 'type="radio"' not in page


def test_the_office_amends_a_closed_register_with_a_reason(client, cast, time_machine):
    """The office corrects a closed register; turning N into I is the head's decision."""
    from registers.services import close_due_registers

    time_machine.move_to(london(9, 25))
    close_due_registers(cast.school, london(9, 25))
    client.force_login(cast.olive)
    response = post_marks(
        client,
        cast.hawthorn,
        {cast.poppy: "/"},
        versions={cast.poppy.id: 1},
        reason="She was in the hall for a music lesson",
    )
    assert response.status_code == 302
    change = MarkChange.objects.get(old_code="N")
    assert change.new_code == "/" and change.changed_by_position == "Office"
    refused = post_marks(
        client,
        cast.hawthorn,
        {cast.poppy: "I"},
        versions={cast.poppy.id: 2},
        reason="Mum phoned: sick",
    )
    assert refused.status_code == 400
    assert "only the head (or a delegate) decides" in refused.content.decode()
    assert Mark.objects.get(pupil=cast.poppy, session="AM").code == "/"


@pytest.mark.parametrize("size", [10, 40])
def test_the_register_page_runs_a_fixed_number_of_queries(
    client, cast, fill_class, at_905, size, django_assert_max_num_queries
):
    pupils = fill_class(cast.hawthorn, size)
    client.force_login(cast.alice)
    # 10 whatever the class size: the session, the user (with their school,
    # roles, permissions and classes), the second factor, the class, the
    # calendar, the register, its pupils with their marks, their year to
    # date, and the transaction's two.
    with django_assert_max_num_queries(10):
        assert client.get(url(cast.hawthorn)).status_code == 200
    with django_assert_max_num_queries(17):
        response = post_marks(client, cast.hawthorn, {p: "/" for p in pupils})
    assert response.status_code == 302
    assert Mark.objects.filter(code="/").count() == size
    with django_assert_max_num_queries(14):
        # Changing every saved mark is an amendment of each, still in fixed queries.
        response = post_marks(
            client,
            cast.hawthorn,
            {p: "N" for p in pupils},
            versions={p.id: 1 for p in pupils},
            reason="Marked the wrong class",
        )
    assert response.status_code == 302
    assert MarkChange.objects.filter(old_code="/", new_code="N").count() == size


def chosen(page: str, pupil) -> str:
    """The mark the register form shows chosen for `pupil` (radio or select)."""
    radio = re.search(rf'name="code_{pupil.id}" value="([^"]*)"\s+checked', page)
    if radio:
        return radio.group(1)
    select = re.search(rf'<select name="code_{pupil.id}".*?</select>', page, re.S)
    picked = select and re.search(r'<option value="([^"]*)" selected>', select.group(0))
    return picked.group(1) if picked else ""


def version_shown(page: str, pupil) -> int:
    return int(re.search(rf'name="v_{pupil.id}" value="(\d+)"', page).group(1))


def test_a_conflict_saves_the_rest_of_the_class_and_asks_about_that_pupil(
    client, cast, fill_class, at_905
):
    from registers.services import sign_in_late

    others = fill_class(cast.hawthorn, 29)
    client.force_login(cast.alice)
    # The teacher opened the register (every pupil unmarked), then the office
    # signed Poppy in late.
    sign_in_late(cast.poppy, london(9, 4), by=cast.olive, now=london(9, 4))
    response = post_marks(client, cast.hawthorn, {p: "/" for p in [cast.poppy, *others]})
    assert response.status_code == 409
    page = response.content.decode()
    assert "29 marks saved" in page
    assert "yours <code>/</code>; saved now <code>L</code>" in page and "by olive at 09:04" in page
    assert Mark.objects.filter(code="/").count() == 29
    # The form keeps the teacher's choice for Poppy, with the version now saved.
    assert chosen(page, cast.poppy) == "/"
    assert version_shown(page, cast.poppy) == 1
    assert Mark.objects.get(pupil=cast.poppy).code == "L"
    again = {cast.poppy: "/", **{p: "/" for p in others}}
    versions = {p.id: 1 for p in [cast.poppy, *others]}
    # Keeping hers changes the office's mark: that needs a reason.
    refused = post_marks(client, cast.hawthorn, again, versions=versions)
    assert "Give a reason for changing the saved marks of Poppy Fairweather." in (
        refused.content.decode()
    )
    response = post_marks(
        client, cast.hawthorn, again, versions=versions, reason="In class at 09:00"
    )
    assert response.status_code == 302
    change = MarkChange.objects.get(old_code="L")
    assert (change.new_code, change.reason) == ("/", "In class at 09:00")
    assert change.changed_by == cast.alice
    assert MarkChange.objects.count() == 29 + 2  # first entries, the L, the decision


def test_choosing_their_mark_settles_a_conflict_without_a_reason(client, cast, fill_class, at_905):
    from registers.services import sign_in_late

    other = fill_class(cast.hawthorn, 1)[0]
    client.force_login(cast.alice)
    sign_in_late(cast.poppy, london(9, 4), by=cast.olive, now=london(9, 4))
    post_marks(client, cast.hawthorn, {cast.poppy: "N", other: "/"})
    theirs = {cast.poppy: "L", other: "/"}
    response = post_marks(client, cast.hawthorn, theirs, versions={cast.poppy.id: 1, other.id: 1})
    assert response.status_code == 302
    assert Mark.objects.get(pupil=cast.poppy).minutes_late == 4  # the late book's, kept


def test_an_office_code_saved_meanwhile_stands_and_the_rest_is_saved(
    client, cast, fill_class, at_905
):
    from registers.services import write_mark

    other = fill_class(cast.hawthorn, 1)[0]
    client.force_login(cast.alice)
    write_mark(cast.poppy, DAY, "AM", "M", by=cast.helen, now=london(9, 3), source="office")
    response = post_marks(client, cast.hawthorn, {cast.poppy: "/", other: "N"})
    assert response.status_code == 409
    assert "Only the office can change it" in response.content.decode()
    assert dict(Mark.objects.values_list("pupil", "code")) == {cast.poppy.id: "M", other.id: "N"}


def test_a_missing_reason_keeps_the_marks_the_teacher_chose(client, cast, fill_class, at_905):
    other, third = fill_class(cast.hawthorn, 2)
    client.force_login(cast.alice)
    post_marks(client, cast.hawthorn, {cast.poppy: "/", other: "/"})
    response = post_marks(
        client,
        cast.hawthorn,
        {cast.poppy: "N", other: "/", third: "L"},
        versions={cast.poppy.id: 1, other.id: 1},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give a reason for changing the saved marks of Poppy Fairweather." in page
    assert [chosen(page, p) for p in (cast.poppy, other, third)] == ["N", "/", "L"]
    assert version_shown(page, cast.poppy) == 1
    assert not Mark.objects.filter(pupil=third).exists()  # nothing was saved


@pytest.mark.parametrize("when", [(8, 55), (9, 0)])
def test_a_teacher_cannot_record_l_before_the_register_opens(client, cast, time_machine, when):
    """On time is by the register time itself (seed policies: late "if they do
    not arrive at their classroom door by 9am"), so 09:00:00 is not late."""
    time_machine.move_to(london(*when), tick=False)
    client.force_login(cast.alice)
    response = post_marks(client, cast.hawthorn, {cast.poppy: "L"})
    assert response.status_code == 400
    assert (
        "Poppy Fairweather: the register opens at 09:00; a pupil in class by then is "
        "present, not late."
    ) in response.content.decode()
    assert chosen(response.content.decode(), cast.poppy) == "L"
    assert not Mark.objects.exists()
    time_machine.move_to(london(9, 7))
    assert post_marks(client, cast.hawthorn, {cast.poppy: "L"}).status_code == 302
    assert Mark.objects.get(pupil=cast.poppy).minutes_late == 7


def test_the_office_gives_the_minutes_of_every_l(client, cast, time_machine):
    time_machine.move_to(london(11, 0))
    client.force_login(cast.olive)
    response = post_marks(client, cast.hawthorn, {cast.poppy: "L"})
    assert response.status_code == 400
    assert "give the minutes late for L" in response.content.decode()
    assert not Mark.objects.exists()
    page = client.get(url(cast.hawthorn)).content.decode()
    assert f'name="late_{cast.poppy.id}"' in page
    response = post_marks(client, cast.hawthorn, {cast.poppy: "L"}, **{f"late_{cast.poppy.id}": 12})
    assert response.status_code == 302
    assert Mark.objects.get(pupil=cast.poppy).minutes_late == 12
    # Correcting the minutes is an amendment, with its reason.
    post_marks(
        client,
        cast.hawthorn,
        {cast.poppy: "L"},
        versions={cast.poppy.id: 1},
        reason="Signed in at 09:15, not 09:12",
        **{f"late_{cast.poppy.id}": 15},
    )
    change = MarkChange.objects.get(old_code="L")
    assert (change.old_minutes_late, change.new_minutes_late) == (12, 15)


@pytest.mark.parametrize("size", [10, 40])
def test_a_conflicting_submit_runs_a_fixed_number_of_queries(
    client, cast, fill_class, at_905, size, django_assert_max_num_queries
):
    from registers.services import sign_in_late

    pupils = fill_class(cast.hawthorn, size)
    client.force_login(cast.alice)
    sign_in_late(pupils[0], london(9, 4), by=cast.olive, now=london(9, 4))
    sign_in_late(pupils[1], london(9, 4), by=cast.olive, now=london(9, 4))
    # Saving the rest and showing the page again: 19 whatever the class size.
    with django_assert_max_num_queries(19):
        response = post_marks(client, cast.hawthorn, {p: "/" for p in pupils})
    assert response.status_code == 409
    assert Mark.objects.filter(code="/").count() == size - 2


def test_a_taken_register_still_lists_a_pupil_who_has_since_moved_class(client, cast, at_905):
    client.force_login(cast.alice)
    assert post_marks(client, cast.hawthorn, {cast.poppy: "/"}).status_code == 302
    cast.poppy.registration_group = cast.rowan
    cast.poppy.save()
    page = client.get(url(cast.hawthorn)).content.decode()
    assert f'name="v_{cast.poppy.id}" value="1"' in page


def test_the_register_rows_escape_what_people_typed(client, cast, at_905):
    from registers.services import sign_in_late

    cast.poppy.preferred_first_name = '<img src=x onerror="alert(1)">'
    cast.poppy.save()
    sign_in_late(cast.poppy, london(9, 4), by=cast.olive, now=london(9, 4))
    Mark.objects.filter(pupil=cast.poppy).update(note='"><b>note</b>')
    for user in (cast.alice, cast.olive):
        client.force_login(user)
        page = client.get(url(cast.hawthorn)).content.decode()
        assert "<img src=x" not in page and "<b>note</b>" not in page
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
        assert "&quot;&gt;&lt;b&gt;note&lt;/b&gt;" in page
