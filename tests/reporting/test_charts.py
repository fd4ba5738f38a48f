import re

from reporting import charts


def _texts(svg: str):
    for x, anchor, size, text in re.findall(
        r'<text x="([\d.]+)" y="[\d.]+" text-anchor="(\w+)" font-size="(\d+)"[^>]*>([^<]*)</text>',
        svg,
    ):
        yield float(x), anchor, int(size), text


def test_week_labels_stay_inside_the_chart():
    weeks = [(f"{d} Nov", 95.0) for d in (2, 9, 16, 23, 30)] + [("7 Dec", 96.5)]
    svg = charts.line_chart(weeks, 96.0, "Attendance week by week")
    labels = [(x, size, text) for x, anchor, size, text in _texts(svg) if anchor == "middle"]
    assert [t for _, _, t in labels] == [label for label, _ in weeks]
    for x, size, text in labels:
        half = len(text) * size * 0.3  # DejaVu Sans averages about 0.6 em a character
        assert x - half >= 0 and x + half <= charts.WIDTH, text


def test_suppressed_bars_are_left_out_but_labelled():
    svg = charts.bar_chart([("Y1", 95.0), ("Y2", None)], 96.0, "By year group")
    assert svg.count("<rect") == 1
    assert ">Y2</text>" in svg and "Y2: " not in svg
