//! Properties of periods over arbitrary valid values.

use proptest::prelude::*;

use super::Period;
use super::arith::iso_weeks_in;

/// Any valid period from 1950 (so that the year before is valid too) to 2199.
fn any_period() -> impl Strategy<Value = Period> {
    prop_oneof![
        (1950i32..=2199, 1u8..=12, 1u8..=12).prop_map(|(y, a, b)| Period::months(
            y,
            a.min(b),
            a.max(b)
        )
        .unwrap()),
        (1950i32..=2199, 1u8..=53)
            .prop_map(|(y, w)| Period::week(y, w.min(iso_weeks_in(y))).unwrap()),
    ]
}

proptest! {
    #[test]
    fn code_round_trips(p in any_period()) {
        prop_assert_eq!(Period::parse(&p.code(), None), Ok(p));
        prop_assert_eq!(Period::parse_code(&p.code()), Ok(p));
    }

    #[test]
    fn label_round_trips(p in any_period()) {
        prop_assert_eq!(Period::parse(&p.label_zh(), None), Ok(p));
        prop_assert_eq!(Period::parse(&p.label_zh(), Some(1999)), Ok(p));
    }

    #[test]
    fn labels_are_found_in_titles(p in any_period()) {
        let label = p.label_zh();
        let title = format!("表1 {label}各区县主要经济指标（单位：亿元）");
        prop_assert_eq!(Period::find_in_text(&title, None), Some(p));
        // A bare `2024` inside text is too often a number to count as a year; other codes are found.
        let sheet = format!("{}数据", p.code());
        let expected = (p.code().len() > 4).then_some(p);
        prop_assert_eq!(Period::find_in_text(&sheet, None), expected);
    }

    #[test]
    fn previous_keeps_the_length_of_a_non_cumulative_range(p in any_period()) {
        let prev = p.previous().unwrap();
        if !p.is_cumulative() {
            prop_assert_eq!(prev.month_count(), p.month_count());
            prop_assert!(prev.last_day() < p.first_day());
        } else if matches!(p.month_count(), Some(2 | 4 | 5 | 7..=11)) {
            // 1—n月 → 1—(n−1)月.
            prop_assert_eq!(prev.first_day(), p.first_day());
            prop_assert_eq!(prev.month_count().unwrap() + 1, p.month_count().unwrap());
        }
        // Years, halves, quarters, months and weeks tile the calendar.
        let tiles = matches!(p.month_count(), None | Some(1 | 3 | 6 | 12)) && p.code().len() <= 7;
        if tiles {
            prop_assert_eq!(prev.last_day().succ_opt().unwrap(), p.first_day());
            prop_assert_eq!(prev.code().len(), p.code().len());
        }
    }

    #[test]
    fn a_period_contains_itself(p in any_period(), q in any_period()) {
        prop_assert!(p.contains(&p));
        prop_assert!(p.overlaps(&p));
        prop_assert_eq!(p.overlaps(&q), q.overlaps(&p));
        if p.contains(&q) {
            prop_assert!(p.overlaps(&q));
        }
        if p.contains(&q) && q.contains(&p) {
            prop_assert_eq!(p.first_day(), q.first_day());
            prop_assert_eq!(p.last_day(), q.last_day());
        }
    }

    #[test]
    fn same_period_last_year_is_one_year_earlier(p in any_period()) {
        let last = p.same_period_last_year().unwrap();
        prop_assert_eq!(last.year_number(), p.year_number() - 1);
        prop_assert_eq!(last.month_count(), p.month_count());
        if let (Period::Months { from: a, to: b, .. }, Period::Months { from: c, to: d, .. }) = (p, last) {
            prop_assert_eq!((a, b), (c, d));
        }
    }

    #[test]
    fn elapsed_share_is_a_share(p in any_period()) {
        let by_day = p.elapsed_share_by_day();
        let by_month = p.elapsed_share_by_month();
        prop_assert!(by_day > 0.0 && by_day <= 1.0);
        prop_assert!(by_month > 0.0 && by_month <= 1.0);
        if let Period::Months { to, .. } = p {
            prop_assert_eq!(by_month, f64::from(to) / 12.0);
            // Within half a month of each other.
            prop_assert!((by_day - by_month).abs() < 0.05);
        }
    }

    #[test]
    fn parse_never_panics(s in "\\PC{0,12}", year in proptest::option::of(1949i32..=2200)) {
        let _ = Period::parse(&s, year);
        let _ = Period::find_in_text(&s, year);
    }

    #[test]
    fn parse_never_panics_on_period_like_text(
        s in "[0-9０-９一二两三四五六七八九十〇年月份季度周第前至到截止累计底末上下半全QHMWqhmw.\\-—～/ ]{0,14}",
        year in proptest::option::of(1949i32..=2200),
    ) {
        if let Ok(p) = Period::parse(&s, year) {
            prop_assert_eq!(Period::parse_code(&p.code()), Ok(p));
        }
        let _ = Period::find_in_text(&s, year);
    }
}
