//! The working calendar and the four clocks, on the State Council's 2024–2026 arrangements.

mod support;

use chrono::{FixedOffset, NaiveDate, NaiveTime, TimeDelta};
use proptest::prelude::*;
use support::{HOLIDAYS_CSV, calendar, t};
use yiping_flow::{Calendar, CalendarError, ClockType, DayKind, Pause, WorkingHours};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

const WD: ClockType = ClockType::WorkingDays;
const WH: ClockType = ClockType::WorkingHours;

#[test]
fn the_shipped_file_parses_with_holidays_and_make_up_days() {
    let cal = calendar();
    assert_eq!(
        cal.years().into_iter().collect::<Vec<_>>(),
        [2024, 2025, 2026]
    );
    let day = cal.special_day(date(2024, 2, 10)).unwrap();
    assert_eq!((day.kind, day.name.as_str()), (DayKind::Holiday, "春节"));
    assert_eq!(
        cal.special_day(date(2025, 10, 1)).unwrap().name,
        "国庆节、中秋节"
    );
    let working = [
        (date(2024, 2, 4), true),   // Sunday, make-up day
        (date(2024, 2, 9), true),   // Friday before the holiday
        (date(2024, 2, 12), false), // 春节
        (date(2024, 2, 18), true),  // Sunday, make-up day
        (date(2024, 3, 2), false),  // an ordinary Saturday
        (date(2024, 3, 4), true),   // an ordinary Monday
        (date(2025, 1, 26), true),  // Sunday, make-up day
        (date(2025, 2, 8), true),   // Saturday, make-up day
        (date(2025, 9, 28), true),  // Sunday, make-up day
        (date(2025, 10, 8), false), // Wednesday inside 国庆节、中秋节
        (date(2025, 10, 11), true), // Saturday, make-up day
        (date(2027, 1, 4), true),   // beyond the file: the weekly rule
    ];
    for (d, expected) in working {
        assert_eq!(cal.is_working_day(d), expected, "{d}");
    }
}

#[test]
fn three_working_days_across_the_2024_spring_festival() {
    let cal = calendar();
    let start = t(2024, 2, 8, 17, 0);
    assert_eq!(cal.deadline(start, 1, WD), t(2024, 2, 9, 17, 30));
    // The make-up Sunday 2024-02-18 is the second working day.
    assert_eq!(cal.deadline(start, 2, WD), t(2024, 2, 18, 17, 30));
    assert_eq!(cal.deadline(start, 3, WD), t(2024, 2, 19, 17, 30));
    // The make-up Sunday 2024-02-04 counts too.
    assert_eq!(
        cal.deadline(t(2024, 2, 2, 10, 0), 1, WD),
        t(2024, 2, 4, 17, 30)
    );
}

#[test]
fn working_days_across_the_2025_spring_festival() {
    let cal = calendar();
    let start = t(2025, 1, 24, 16, 0); // Friday
    let expected = [
        t(2025, 1, 26, 17, 30), // Sunday, make-up day
        t(2025, 1, 27, 17, 30),
        t(2025, 2, 5, 17, 30), // after 1/28–2/4
        t(2025, 2, 6, 17, 30),
        t(2025, 2, 7, 17, 30),
        t(2025, 2, 8, 17, 30), // Saturday, make-up day
        t(2025, 2, 10, 17, 30),
    ];
    for (n, want) in expected.into_iter().enumerate() {
        assert_eq!(
            cal.deadline(start, n as u32 + 1, WD),
            want,
            "{} days",
            n + 1
        );
    }
}

#[test]
fn working_days_across_national_day_2025() {
    let cal = calendar();
    let start = t(2025, 9, 26, 10, 0); // Friday
    let expected = [
        t(2025, 9, 28, 17, 30), // Sunday, make-up day
        t(2025, 9, 29, 17, 30),
        t(2025, 9, 30, 17, 30),
        t(2025, 10, 9, 17, 30), // after 10/1–10/8
        t(2025, 10, 10, 17, 30),
        t(2025, 10, 11, 17, 30), // Saturday, make-up day
        t(2025, 10, 13, 17, 30),
    ];
    for (n, want) in expected.into_iter().enumerate() {
        assert_eq!(
            cal.deadline(start, n as u32 + 1, WD),
            want,
            "{} days",
            n + 1
        );
    }
}

#[test]
fn zero_working_days_means_today_or_the_next_working_day() {
    let cal = calendar();
    assert_eq!(
        cal.deadline(t(2024, 3, 4, 10, 0), 0, WD),
        t(2024, 3, 4, 17, 30)
    );
    assert_eq!(
        cal.deadline(t(2024, 3, 4, 18, 0), 0, WD),
        t(2024, 3, 5, 17, 30)
    );
    assert_eq!(
        cal.deadline(t(2024, 10, 3, 10, 0), 0, WD),
        t(2024, 10, 8, 17, 30)
    );
}

#[test]
fn working_hours_skip_lunch_nights_weekends_and_holidays() {
    let cal = calendar();
    let cases = [
        (t(2024, 3, 4, 11, 0), 1, t(2024, 3, 4, 12, 0)), // ends exactly at lunch
        (t(2024, 3, 4, 11, 0), 2, t(2024, 3, 4, 14, 30)), // across lunch
        (t(2024, 3, 4, 12, 30), 1, t(2024, 3, 4, 14, 30)), // starts in lunch
        (t(2024, 3, 4, 16, 30), 3, t(2024, 3, 5, 11, 0)), // overnight
        (t(2024, 3, 4, 20, 0), 1, t(2024, 3, 5, 10, 0)), // starts after hours
        (t(2024, 3, 8, 17, 0), 1, t(2024, 3, 11, 9, 30)), // over a weekend
        (t(2024, 2, 9, 17, 0), 1, t(2024, 2, 18, 9, 30)), // over 春节 to the make-up Sunday
        (t(2024, 3, 4, 9, 0), 7, t(2024, 3, 4, 17, 30)), // one full day
    ];
    for (start, hours, want) in cases {
        assert_eq!(cal.deadline(start, hours, WH), want, "{start} + {hours}h");
    }
    let elapsed = |a, b| cal.elapsed(a, b, WH, &[]);
    assert_eq!(
        elapsed(t(2024, 3, 4, 11, 0), t(2024, 3, 4, 14, 0)),
        TimeDelta::minutes(90)
    );
    assert_eq!(
        elapsed(t(2024, 3, 4, 16, 30), t(2024, 3, 5, 10, 0)),
        TimeDelta::hours(2)
    );
    assert_eq!(
        elapsed(t(2024, 2, 9, 17, 0), t(2024, 2, 18, 10, 0)),
        TimeDelta::minutes(90)
    );
    assert_eq!(
        elapsed(t(2024, 3, 5, 10, 0), t(2024, 3, 4, 10, 0)),
        TimeDelta::zero()
    );
}

#[test]
fn natural_days_and_urgent_hours_run_around_the_clock() {
    let cal = calendar();
    let nd = ClockType::NaturalDays;
    assert_eq!(
        cal.deadline(t(2024, 2, 8, 17, 0), 7, nd),
        t(2024, 2, 15, 17, 0)
    );
    let uh = ClockType::UrgentHours;
    assert_eq!(
        cal.deadline(t(2024, 2, 10, 22, 0), 4, uh),
        t(2024, 2, 11, 2, 0)
    );
    let a = t(2024, 2, 9, 12, 0);
    assert_eq!(
        cal.elapsed(a, a + TimeDelta::days(3), nd, &[]),
        TimeDelta::days(3)
    );
    assert_eq!(cal.in_units(TimeDelta::days(3), nd), 3.0);
    assert_eq!(cal.in_units(TimeDelta::hours(14), WD), 2.0);
    assert_eq!(cal.in_units(TimeDelta::minutes(90), uh), 1.5);
}

#[test]
fn pauses_are_subtracted_once_and_only_inside_the_interval() {
    let cal = calendar();
    let nd = ClockType::NaturalDays;
    let (start, end) = (t(2024, 3, 1, 0, 0), t(2024, 3, 11, 0, 0));
    let pauses = [
        Pause {
            from: t(2024, 3, 2, 0, 0),
            to: t(2024, 3, 4, 0, 0),
        },
        Pause {
            from: t(2024, 3, 3, 0, 0),
            to: t(2024, 3, 5, 0, 0),
        }, // overlaps the first
        Pause {
            from: t(2024, 2, 20, 0, 0),
            to: t(2024, 3, 1, 12, 0),
        }, // starts before
        Pause {
            from: t(2024, 4, 1, 0, 0),
            to: t(2024, 4, 2, 0, 0),
        }, // outside
    ];
    let got = cal.elapsed(start, end, nd, &pauses);
    assert_eq!(
        got,
        TimeDelta::days(10) - TimeDelta::days(3) - TimeDelta::hours(12)
    );
    // On the working-hours clock a pause only removes working time.
    let lunch_and_afternoon = [Pause {
        from: t(2024, 3, 4, 11, 30),
        to: t(2024, 3, 4, 14, 0),
    }];
    let got = cal.elapsed(
        t(2024, 3, 4, 9, 0),
        t(2024, 3, 4, 17, 30),
        WH,
        &lunch_and_afternoon,
    );
    assert_eq!(got, TimeDelta::hours(7) - TimeDelta::hours(1));
    // Advancing by the clock time left is how a resumed item gets its new deadline.
    let left = cal.elapsed(t(2024, 3, 4, 16, 0), t(2024, 3, 5, 10, 0), WH, &[]);
    assert_eq!(
        cal.advance(t(2024, 3, 11, 16, 0), left, WH),
        t(2024, 3, 12, 10, 0)
    );
}

#[test]
fn working_hours_and_offset_are_configurable() {
    let hours = WorkingHours::new(&[(hm(8, 30), hm(12, 0)), (hm(14, 0), hm(18, 0))]).unwrap();
    assert_eq!(hours.daily(), TimeDelta::minutes(450));
    let cal = calendar().with_working_hours(hours);
    assert_eq!(
        cal.deadline(t(2024, 3, 4, 11, 0), 2, WH),
        t(2024, 3, 4, 15, 0)
    );
    assert_eq!(
        cal.deadline(t(2024, 3, 4, 11, 0), 1, WD),
        t(2024, 3, 5, 18, 0)
    );

    let bad = WorkingHours::new(&[(hm(9, 0), hm(12, 0)), (hm(11, 0), hm(17, 0))]).unwrap_err();
    assert!(bad.to_string().starts_with("工作时段无效"), "{bad}");
    assert!(WorkingHours::new(&[(hm(12, 0), hm(9, 0))]).is_err());
    assert!(WorkingHours::new(&[]).is_err());

    let utc = calendar().with_offset(FixedOffset::east_opt(0).unwrap());
    let start = chrono::DateTime::parse_from_rfc3339("2024-03-04T09:00:00Z")
        .unwrap()
        .to_utc();
    assert_eq!(utc.deadline(start, 1, WH), start + TimeDelta::hours(1));
}

#[test]
fn csv_errors_name_the_line_and_a_new_year_can_be_added() {
    let err = |text: &str| Calendar::from_csv(text).unwrap_err();
    assert_eq!(
        err("2024-01-01,holiday,元旦\n"),
        CalendarError::MissingHeader
    );
    assert_eq!(err("# only a comment\n"), CalendarError::MissingHeader);
    assert_eq!(
        err("date,kind,name\n2024-13-01,holiday,x\n").to_string(),
        "第2行：日期“2024-13-01”无效，应为 YYYY-MM-DD"
    );
    assert_eq!(
        err("# c\ndate,kind,name\n\n2024-05-01,rest,劳动节\n").to_string(),
        "第4行：类型“rest”无效，应为 holiday（放假）或 workday（调休上班）"
    );
    assert_eq!(
        err("date,kind,name\n2024-05-01,holiday,劳动节\n2024-05-01,workday,劳动节\n").to_string(),
        "第3行：2024-05-01 已定义为“放假”，不能再定义为“调休上班”"
    );
    assert!(matches!(
        err("date,kind,name\n2024-05-01\n"),
        CalendarError::Columns { line: 2, .. }
    ));

    let mut cal = Calendar::from_csv(&format!("\u{feff}{HOLIDAYS_CSV}")).unwrap();
    cal.extend_csv("date,kind,name\n2027-01-01,holiday,元旦\n2027-01-02,Workday,元旦\n")
        .unwrap();
    assert!(!cal.is_working_day(date(2027, 1, 1)));
    assert!(cal.is_working_day(date(2027, 1, 2)));
    assert!(cal.years().contains(&2027));
    // A conflicting extension is refused whole.
    let before = cal.clone();
    assert!(
        cal.extend_csv("date,kind,name\n2027-03-01,holiday,x\n2024-02-10,workday,x\n")
            .is_err()
    );
    assert_eq!(cal, before);
}

fn any_start() -> impl Strategy<Value = chrono::DateTime<chrono::Utc>> {
    // Any minute from 2024-01-01 to the end of 2026, local time.
    (0i64..(3 * 366 * 24 * 60)).prop_map(|m| t(2024, 1, 1, 0, 0) + TimeDelta::minutes(m))
}

proptest! {
    #[test]
    fn a_working_hours_deadline_is_exactly_that_much_working_time_away(
        start in any_start(), hours in 0u32..120,
    ) {
        let cal = calendar();
        let end = cal.deadline(start, hours, WH);
        prop_assert_eq!(cal.elapsed(start, end, WH, &[]), TimeDelta::hours(hours.into()));
    }

    #[test]
    fn working_day_deadlines_close_working_days_in_order(start in any_start(), n in 1u32..15) {
        let cal = calendar();
        let a = cal.deadline(start, n, WD);
        let b = cal.deadline(start, n + 1, WD);
        prop_assert!(a > start && b > a);
        for d in [a, b] {
            let local = cal.local(d);
            prop_assert!(cal.is_working_day(local.date()));
            prop_assert_eq!(local.time(), hm(17, 30));
        }
    }

    #[test]
    fn advance_undoes_elapsed_on_every_clock(
        start in any_start(), minutes in 0i64..(30 * 24 * 60), clock in 0usize..4,
    ) {
        let cal = calendar();
        let clock = [ClockType::UrgentHours, WH, WD, ClockType::NaturalDays][clock];
        let amount = TimeDelta::minutes(minutes);
        let end = cal.advance(start, amount, clock);
        prop_assert_eq!(cal.elapsed(start, end, clock, &[]), amount);
    }
}
