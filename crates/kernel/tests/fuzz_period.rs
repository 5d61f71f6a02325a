//! Fuzzing the Chinese period parser with proptest (issue 18): any text gives a period or an
//! error, never a panic, and whatever parses prints back to itself. Cases per property: 256, or
//! `YIPING_FUZZ_CASES` (bench/fuzz/run.sh runs many, for minutes).

use proptest::prelude::*;
use yiping_kernel::Period;

fn config() -> ProptestConfig {
    let cases = std::env::var("YIPING_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Whatever parses, prints as a code that parses back to the same period.
fn round_trips(p: Period) -> Result<(), TestCaseError> {
    prop_assert_eq!(Period::parse_code(&p.code()), Ok(p));
    prop_assert_eq!(Period::parse(&p.label_zh(), None), Ok(p));
    Ok(())
}

fn all_readers(s: &str) -> Result<(), TestCaseError> {
    for year in [None, Some(2024), Some(i32::MIN), Some(i32::MAX)] {
        if let Ok(p) = Period::parse(s, year) {
            round_trips(p)?;
        }
        if let Some(p) = Period::find_in_text(s, year) {
            round_trips(p)?;
        }
    }
    if let Ok(p) = Period::parse_code(s) {
        round_trips(p)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Any printable text.
    #[test]
    fn any_text(s in "\\PC{0,32}") {
        all_readers(&s)?;
    }

    /// Text made of what periods are written with: digits in both scripts, 年月季度, ranges and
    /// separators, codes.
    #[test]
    fn period_like_text(
        s in "[0-9０-９零〇一二三四五六七八九十百千年月日季度半上下前后第全至到—–～~\\-./／QHMWqhmw第周份末初 ]{0,24}"
    ) {
        all_readers(&s)?;
    }

    /// Numbers at the edges of what years, months and weeks can be.
    #[test]
    fn edge_numbers(
        y in prop_oneof![Just(0i64), Just(-1), Just(9999), Just(10000), Just(i64::MAX), 1900i64..2200],
        a in prop_oneof![Just(0i64), Just(13), Just(54), Just(u32::MAX as i64), 1i64..13],
        b in prop_oneof![Just(0i64), Just(13), 1i64..13],
    ) {
        for s in [
            format!("{y}年{a}—{b}月"),
            format!("{y}年第{a}季度"),
            format!("{y}M{a:02}-M{b:02}"),
            format!("{y}W{a:02}"),
            format!("{y}Q{a}"),
            format!("{y}H{a}"),
            format!("{y}.{a}"),
            format!("{a}—{b}月"),
        ] {
            all_readers(&s)?;
        }
    }
}
