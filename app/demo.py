"""The demo teachers, as both systems hold them.

One list feeds the console's seed (the CPD side) and the TRS sandbox's seed (the TRS side), so the
two agree about who exists. Dates are worked out from the day the seed runs, so a demo seeded today
still has a fail inside its appeal window and a pass inside its correction window. Each teacher
stands for one state a caseworker meets; `story` says which, and the README lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

APPROPRIATE_BODIES = (
    "Alpha Teaching School Hub",
    "Birmingham City Council",
    "Capital Teaching School Hub",
    "North Yorkshire Induction Service",
    "Independent Schools Teacher Induction Panel (IStip)",
)

# TRS's own exemption reason ids (app/data/trs-exemption-reasons.csv).
QUALIFIED_BEFORE_MAY_2000 = "5a80cee8-98a8-426b-8422-b0e81cb49b36"
PASSED_IN_WALES = "39550fa9-3147-489d-b808-4feea7f7f979"
PASSED_IN_NORTHERN_IRELAND = "3471ab35-e6e4-4fa9-a72b-b8bd113df591"


@dataclass(frozen=True)
class DemoPeriod:
    appropriate_body: str
    started_on: date
    finished_on: date | None
    training_programme: str
    number_of_terms: float | None
    outcome: str | None = None  # "pass" | "fail"
    outcome_recorded_on: date | None = None


@dataclass(frozen=True)
class DemoTrsInduction:
    status: str
    start_date: date | None = None
    completed_date: date | None = None
    exemption_reason_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoTeacher:
    trn: str
    story: str
    first_name: str
    last_name: str
    date_of_birth: date
    qts_date: date | None
    trs: DemoTrsInduction | None  # None: TRS has never heard of this TRN
    periods: tuple[DemoPeriod, ...] = ()
    extensions: tuple[float, ...] = ()
    middle_name: str = ""
    deactivated: bool = False
    merged_into: str | None = None
    in_cpd: bool = True
    extra: dict = field(default_factory=dict)


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _autumn_start(today: date, years_back: int) -> date:
    """The first Monday of September, `years_back` academic years before today's."""
    year = today.year if today.month >= 9 else today.year - 1
    first = date(year - years_back, 9, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def demo_teachers(today: date) -> list[DemoTeacher]:
    """Every demo teacher, with dates relative to `today`."""
    ab = APPROPRIATE_BODIES
    recent_pass_on = today - timedelta(days=10)
    recent_fail_on = today - timedelta(days=6)
    old_fail_on = _years_ago(today, 2)
    in_progress_start = _autumn_start(today, 1)
    legacy_completed = _years_ago(today, 8)
    return [
        DemoTeacher(
            trn="1000001",
            story="In progress: an ongoing induction period in CPD",
            first_name="Amara",
            last_name="Okafor",
            date_of_birth=date(1997, 4, 12),
            qts_date=in_progress_start - timedelta(days=60),
            trs=DemoTrsInduction("InProgress", start_date=in_progress_start),
            periods=(DemoPeriod(ab[0], in_progress_start, None, "provider_led", None),),
            extensions=(1.0,),
        ),
        DemoTeacher(
            trn="1000002",
            story="Passed recently: the correction window is still open",
            first_name="Ben",
            middle_name="James",
            last_name="Hughes",
            date_of_birth=date(1995, 11, 3),
            qts_date=_autumn_start(today, 2) - timedelta(days=70),
            trs=DemoTrsInduction(
                "Passed", start_date=_autumn_start(today, 2), completed_date=recent_pass_on
            ),
            periods=(
                DemoPeriod(
                    ab[1],
                    _autumn_start(today, 2),
                    _autumn_start(today, 1) - timedelta(days=10),
                    "school_led",
                    3.0,
                ),
                DemoPeriod(
                    ab[2],
                    _autumn_start(today, 1),
                    recent_pass_on,
                    "school_led",
                    3.0,
                    outcome="pass",
                    outcome_recorded_on=recent_pass_on,
                ),
            ),
        ),
        DemoTeacher(
            trn="1000003",
            story="Failed recently: an appeal can still be lodged",
            first_name="Chloe",
            last_name="Adeyemi",
            date_of_birth=date(1996, 2, 29),
            qts_date=_autumn_start(today, 2) - timedelta(days=80),
            trs=DemoTrsInduction(
                "Failed", start_date=_autumn_start(today, 2), completed_date=recent_fail_on
            ),
            periods=(
                DemoPeriod(
                    ab[3],
                    _autumn_start(today, 2),
                    recent_fail_on,
                    "provider_led",
                    6.0,
                    outcome="fail",
                    outcome_recorded_on=recent_fail_on,
                ),
            ),
        ),
        DemoTeacher(
            trn="1000004",
            story="Failed long ago: the appeal window closed years since",
            first_name="Daniel",
            last_name="Kowalski",
            date_of_birth=date(1990, 7, 19),
            qts_date=_years_ago(today, 5),
            trs=DemoTrsInduction(
                "Failed", start_date=_years_ago(today, 4), completed_date=old_fail_on
            ),
            periods=(
                DemoPeriod(
                    ab[0],
                    _years_ago(today, 4),
                    old_fail_on,
                    "school_led",
                    6.0,
                    outcome="fail",
                    outcome_recorded_on=old_fail_on,
                ),
            ),
        ),
        DemoTeacher(
            trn="1000005",
            story="Exempt in TRS while CPD still has an open induction period",
            first_name="Eilidh",
            last_name="MacLeod",
            date_of_birth=date(1994, 9, 8),
            qts_date=in_progress_start - timedelta(days=30),
            trs=DemoTrsInduction(
                "Exempt",
                start_date=in_progress_start,
                exemption_reason_ids=(PASSED_IN_NORTHERN_IRELAND,),
            ),
            periods=(DemoPeriod(ab[4], in_progress_start, None, "school_led", None),),
        ),
        DemoTeacher(
            trn="1000006",
            story="Failed induction in Wales: cannot serve induction again in England",
            first_name="Ffion",
            last_name="Pritchard",
            date_of_birth=date(1993, 1, 21),
            qts_date=_years_ago(today, 4),
            trs=DemoTrsInduction(
                "FailedInWales",
                start_date=_years_ago(today, 3),
                completed_date=_years_ago(today, 1),
            ),
        ),
        DemoTeacher(
            trn="1000007",
            story="No QTS yet: induction cannot start",
            first_name="George",
            last_name="Mensah",
            date_of_birth=date(2000, 5, 30),
            qts_date=None,
            trs=DemoTrsInduction("None"),
        ),
        DemoTeacher(
            trn="1000008",
            story="Legacy pass 8 years ago: held in TRS only, not managed by CPD",
            first_name="Harriet",
            last_name="Lindqvist",
            date_of_birth=date(1985, 12, 1),
            qts_date=_years_ago(today, 10),
            trs=DemoTrsInduction(
                "Passed", start_date=_years_ago(today, 10), completed_date=legacy_completed
            ),
        ),
        DemoTeacher(
            trn="1000009",
            story="Required to complete: has QTS, induction not yet started",
            first_name="Imran",
            last_name="Chaudhry",
            date_of_birth=date(1999, 3, 14),
            qts_date=today - timedelta(days=120),
            trs=DemoTrsInduction("RequiredToComplete"),
        ),
        DemoTeacher(
            trn="1000010",
            story="Exempt in TRS: qualified before 7 May 2000",
            first_name="Judith",
            last_name="Osei",
            date_of_birth=date(1972, 6, 17),
            qts_date=date(1996, 7, 1),
            trs=DemoTrsInduction("Exempt", exemption_reason_ids=(QUALIFIED_BEFORE_MAY_2000,)),
        ),
        DemoTeacher(
            trn="1000011",
            story="Deactivated in TRS",
            first_name="Kieran",
            last_name="Doyle",
            date_of_birth=date(1992, 10, 10),
            qts_date=_years_ago(today, 3),
            trs=DemoTrsInduction("RequiredToComplete"),
            deactivated=True,
        ),
        DemoTeacher(
            trn="1000012",
            story="Merged in TRS into 1000001",
            first_name="Amara",
            last_name="Okafor-Smith",
            date_of_birth=date(1997, 4, 12),
            qts_date=in_progress_start - timedelta(days=60),
            trs=DemoTrsInduction("RequiredToComplete"),
            merged_into="1000001",
        ),
        DemoTeacher(
            trn="1000013",
            story="Not found: CPD holds a TRN that TRS does not know",
            first_name="",
            last_name="",
            date_of_birth=date(1990, 1, 1),
            qts_date=None,
            trs=None,
        ),
        DemoTeacher(
            trn="1000014",
            story="Passed in Wales: exempt in TRS, never in CPD",
            first_name="Llinos",
            last_name="Evans",
            date_of_birth=date(1991, 8, 25),
            qts_date=_years_ago(today, 6),
            trs=DemoTrsInduction("Exempt", exemption_reason_ids=(PASSED_IN_WALES,)),
            in_cpd=False,
        ),
    ]
