//! Fuzzing the CSV reader and the table parser with proptest (issue 18): bytes in, a grid or an
//! error naming the file; a grid in, observations or problems naming file, row and reason, never
//! a panic. Cases per property: 256, or `YIPING_FUZZ_CASES` (bench/fuzz/run.sh runs many).

use proptest::prelude::*;
use yiping_io::{ParseOptions, ReadOptions, parse_observations, read_grid_bytes};

use super::support::catalog;

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

/// Cells people write in these tables, and a few that break things.
const CELLS: &[&str] = &[
    "地区",
    "区县",
    "主体代码",
    "主体",
    "指标代码",
    "指标",
    "时期",
    "口径",
    "数值",
    "计量单位",
    "状态",
    "地区生产总值",
    "地区生产总值增速",
    "固定资产投资",
    "增速",
    "渝中区",
    "万州区",
    "全市",
    "合计",
    "重庆市",
    "2024年1—9月",
    "1—9月",
    "2024Q1",
    "前三季度",
    "12.5",
    "-3.2",
    "1,002.3万元",
    "5%",
    "%",
    "亿元",
    "万元",
    "",
    "注：数据为初步统计",
    "\"",
    "\"\"",
    "十二",
    "1e308",
    "NaN",
    "inf",
    "500103",
    "2024.1",
    "已审核",
    "草稿",
    "\u{1b}[31m",
    "=1+1",
];

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(CELLS).prop_map(str::to_string),
        1 => "\\PC{0,8}",
    ]
}

fn table() -> impl Strategy<Value = String> {
    let row = proptest::collection::vec(cell(), 0..7);
    (
        proptest::collection::vec(row, 0..10),
        prop_oneof![Just("\n"), Just("\r\n")],
    )
        .prop_map(|(rows, eol)| {
            rows.iter()
                .map(|r| r.join(","))
                .collect::<Vec<_>>()
                .join(eol)
        })
}

fn parses_or_names_its_problems(bytes: &[u8]) -> Result<(), TestCaseError> {
    let grid = match read_grid_bytes("fuzz.csv", bytes, &ReadOptions::default()) {
        Ok(g) => g,
        Err(e) => {
            prop_assert!(e.to_string().contains("fuzz.csv"), "{}", e);
            return Ok(());
        }
    };
    let options = [
        ParseOptions::default(),
        ParseOptions {
            default_period: yiping_kernel::Period::parse_code("2024Q1").ok(),
            ..ParseOptions::default()
        },
    ];
    for opts in &options {
        if let Err(problems) = parse_observations(&grid, &catalog(), opts) {
            prop_assert!(!problems.is_empty());
            for p in problems {
                prop_assert_eq!(&p.at.file, "fuzz.csv");
                prop_assert!(!p.reason.is_empty());
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Tables built from the cells of real tables.
    #[test]
    fn tables_of_known_cells(text in table()) {
        parses_or_names_its_problems(text.as_bytes())?;
    }

    /// The same tables in GBK.
    #[test]
    fn tables_in_gbk(text in table()) {
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        parses_or_names_its_problems(&gbk)?;
    }

    /// Any bytes.
    #[test]
    fn any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        parses_or_names_its_problems(&bytes)?;
    }
}
