"""Attendance bands and the support each triggers (Heartwood's attendance policy).

99-100% (0-2 days off), 96-98% (4-7.5 days), 92-95% (9.5-17 days), under 90%
persistent absence (19+ days), under 50% severe absence. The policy leaves
90-92% unnamed; Rollcall treats it with the 92-95% band, as a concern.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Band:
    key: str
    name: str
    lowest: float  # attendance % at or above which a pupil is in this band
    support: tuple[str, ...]


BANDS = (
    Band("excellent", "Excellent (99–100%)", 99.0, ("Praise message home", "Certificate")),
    Band("good", "Good (96–98%)", 96.0, ("Monthly monitoring",)),
    Band(
        "concern",
        "Concern (90–95%)",
        90.0,
        ("Letter if attendance keeps falling", "Early intervention meeting with parents"),
    ),
    Band(
        "persistent",
        "Persistent absence (under 90%)",
        50.0,
        (
            "Family support / early help referral",
            "Attendance contract or action plan",
            "4-weekly reviews",
            "Attendance panel",
        ),
    ),
    Band(
        "severe",
        "Severe absence (under 50%)",
        0.0,
        ("LA attendance officer consultation", "Attendance panel", "Weekly review"),
    ),
)


def band_for(rate: float | None) -> Band | None:
    if rate is None:
        return None
    return next(b for b in BANDS if rate >= b.lowest)
