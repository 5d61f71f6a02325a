//! Tests of the entry form's rules: deadlines, numbers as typed, months.

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn the_deadline_is_the_fifth_working_day_of_the_next_month() {
    let cal = crate::calendar::official().unwrap();
    // 2024-10: 1—7 October are the National Day holiday, 12 October a make-up working day.
    assert_eq!(reporting_deadline(&cal, 2024, 9), d(2024, 10, 12));
    // 2024-11: Fri 1, Mon 4 … Thu 7.
    assert_eq!(reporting_deadline(&cal, 2024, 10), d(2024, 11, 7));
    // December's figures are due in January of the next year (1 January is a holiday).
    assert_eq!(reporting_deadline(&cal, 2024, 12), d(2025, 1, 8));
}

#[test]
fn numbers_are_read_as_people_type_them() {
    assert_eq!(parse_number(" 1,234.5 "), Ok(Some(1234.5)));
    assert_eq!(parse_number("１２．５"), Ok(Some(12.5)));
    assert_eq!(parse_number("-3.2%"), Ok(Some(-3.2)));
    assert_eq!(parse_number(""), Ok(None));
    assert!(parse_number("12a").is_err());
    assert!(parse_number("inf").is_err());
    assert!(parse_number("1e5").is_err());
}

#[test]
fn months_parse_from_codes_and_chinese() {
    assert_eq!(parse_month("2024M10").unwrap(), (2024, 10));
    assert_eq!(parse_month("2024M01-M10").unwrap(), (2024, 10));
    assert_eq!(parse_month("2024年3月").unwrap(), (2024, 3));
    assert!(parse_month("2024W10").is_err());
    assert_eq!(due_month(d(2025, 1, 3)), (2024, 12));
}

#[test]
fn a_months_state_comes_from_its_stored_values() {
    use yiping_kernel::ObservationStatus::{Approved, Draft, Submitted};
    let (a, b) = (IndicatorId(1), IndicatorId(2));
    let expected: BTreeSet<IndicatorId> = [a, b].into();
    let deadline = d(2026, 11, 6);
    let state = |stored: &[(IndicatorId, yiping_kernel::ObservationStatus)], today| {
        month_state(stored, &expected, deadline, today)
    };
    let late = d(2026, 12, 7);
    assert_eq!(state(&[], late), MonthState::Overdue { days: 31 });
    assert_eq!(state(&[], d(2026, 11, 4)), MonthState::Due { days_left: 2 });
    assert_eq!(state(&[], deadline), MonthState::Due { days_left: 0 });
    // A month with data is never overdue, however late it is.
    assert_eq!(state(&[(a, Draft), (b, Draft)], late), MonthState::Draft);
    assert_eq!(
        state(&[(a, Submitted)], late),
        MonthState::Partial {
            filled: 1,
            expected: 2
        }
    );
    assert_eq!(
        state(&[(a, Approved), (b, Submitted)], late),
        MonthState::Reported
    );
    assert_eq!(
        state(&[(a, Approved), (b, Approved)], late),
        MonthState::Approved
    );
    let labels: Vec<_> = [
        MonthState::Approved,
        MonthState::Reported,
        MonthState::Partial {
            filled: 1,
            expected: 2,
        },
        MonthState::Draft,
        MonthState::Due { days_left: 2 },
        MonthState::Overdue { days: 31 },
        MonthState::WithFebruary,
    ]
    .iter()
    .map(|s| (s.label_zh(), s.tone()))
    .collect();
    assert_eq!(
        labels.iter().map(|l| l.1).collect::<BTreeSet<_>>().len(),
        7,
        "every state has its own colour"
    );
    assert_eq!(labels[5].0, "逾期未报");
    let detail = |s: MonthState| s.detail_zh().unwrap_or_default();
    assert_eq!(detail(MonthState::Overdue { days: 31 }), "已逾期31天");
    assert_eq!(detail(MonthState::Due { days_left: 0 }), "今天截止");
    assert_eq!(detail(MonthState::Due { days_left: 3 }), "还剩3天");
    assert_eq!(detail(MonthState::Approved), "");
}

#[test]
fn the_window_has_every_month_newest_first() {
    let w = window(d(2026, 12, 7), WINDOW_MONTHS);
    assert_eq!(w.len(), 24);
    assert_eq!(w[0], (2026, 12));
    assert_eq!(w[11], (2026, 1));
    assert_eq!(w[12], (2025, 12));
    assert_eq!(w[23], (2025, 1));
}
