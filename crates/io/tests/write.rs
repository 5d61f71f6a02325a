//! Writing tables and reading them back: XLSX keeps cells, numbers and merges exactly; CSV keeps
//! the text, with numbers that parse back to the same value.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use proptest::prelude::*;
use yiping_io::{
    Cell, Fill, MergedRange, ReadOptions, Table, WriteError, read_grid, read_grid_bytes, write_csv,
    write_xlsx, write_xlsx_bytes,
};

fn t(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn n(x: f64) -> Cell {
    Cell::Number(x)
}

fn mr(first_row: usize, first_col: usize, last_row: usize, last_col: usize) -> MergedRange {
    MergedRange {
        first_row,
        first_col,
        last_row,
        last_col,
    }
}

const GREEN: u32 = 0x63BE7B;
const RED: u32 = 0xF8696B;

/// 2024年各区县地区生产总值: a two-row header (地区生产总值 over 总量 and 增速), a unit row,
/// data rows, a 合计 row and a merged 注 row; the ranks filled green and red.
fn gdp_table() -> Table {
    let mut table =
        Table::new(["地区", "地区生产总值", "", "排名"]).with_title("2024年各区县地区生产总值");
    table.header.push(vec![
        String::new(),
        "总量".into(),
        "增速".into(),
        String::new(),
    ]);
    table.rows = vec![
        vec![t("单位"), t("亿元"), t("%"), Cell::Empty],
        vec![t("渝中区"), n(1234.5), n(6.1), n(2.0)],
        vec![t("江北区"), n(1500.25), n(-0.3), n(1.0)],
        vec![
            t("两江新区（直管区）, \"北部\""),
            n(0.1 + 0.2),
            n(1e-7),
            n(123_456_789.123_456_7),
        ],
        vec![t("合计"), n(2734.75 + 0.1 + 0.2), Cell::Empty, Cell::Empty],
        vec![t("注：增速按可比价格计算。\n数据来源：区统计局。")],
    ];
    let note = table.data_row(5);
    table.merges = vec![
        mr(0, 0, 1, 0),
        mr(0, 1, 0, 2),
        mr(0, 3, 1, 3),
        mr(note, 0, note, 3),
    ];
    table.fills = vec![
        Fill {
            row: table.data_row(1),
            col: 3,
            rgb: RED,
        },
        Fill {
            row: table.data_row(2),
            col: 3,
            rgb: GREEN,
        },
        Fill {
            row: 0,
            col: 3,
            rgb: GREEN,
        },
    ];
    table
}

/// What reading the written table back should give, before type conversion: title row, header
/// rows, data rows; cells hidden by XLSX merges blank; trailing blanks dropped.
fn expected_rows(table: &Table, merges_hide: bool) -> Vec<Vec<Cell>> {
    let text = |s: &String| {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.clone())
        }
    };
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    if let Some(title) = &table.title {
        rows.push(vec![text(title)]);
    }
    rows.extend(
        table
            .header
            .iter()
            .map(|h| h.iter().map(text).collect::<Vec<_>>()),
    );
    rows.extend(table.rows.iter().cloned());
    if merges_hide {
        let top = usize::from(table.title.is_some());
        for m in &table.merges {
            for r in m.first_row..=m.last_row {
                for c in m.first_col..=m.last_col {
                    if (r, c) != (m.first_row, m.first_col)
                        && let Some(cell) = rows.get_mut(r + top).and_then(|row| row.get_mut(c))
                    {
                        *cell = Cell::Empty;
                    }
                }
            }
        }
    }
    normalized(rows)
}

fn normalized(mut rows: Vec<Vec<Cell>>) -> Vec<Vec<Cell>> {
    for row in &mut rows {
        while row.last() == Some(&Cell::Empty) {
            row.pop();
        }
    }
    while rows.last().is_some_and(Vec::is_empty) {
        rows.pop();
    }
    rows
}

/// Numbers read back from CSV are text that parses to the same value.
fn as_csv(rows: Vec<Vec<Cell>>) -> Vec<Vec<Cell>> {
    rows.into_iter()
        .map(|row| {
            row.into_iter()
                .map(|c| match c {
                    Cell::Number(x) => Cell::Text(x.to_string()),
                    other => other,
                })
                .collect()
        })
        .collect()
}

// ---------------------------------------------------------------- XLSX

#[test]
fn xlsx_round_trip_keeps_cells_numbers_and_merges() {
    let table = gdp_table();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("导出.xlsx");
    write_xlsx(&[("地区生产总值", &table)], &path).unwrap();
    let grid = read_grid(&path, &ReadOptions::default()).unwrap();
    assert_eq!(grid.sheet.as_deref(), Some("地区生产总值"));
    assert_eq!(grid.rows(), expected_rows(&table, true));
    // Numbers are numbers, bit for bit.
    assert_eq!(grid.cell(6, 1).to_cell(), n(0.1 + 0.2));
    assert_eq!(grid.cell(6, 3).to_cell(), n(123_456_789.123_456_7));
    // The title merged across the four columns, the table's merges one row down.
    assert_eq!(
        grid.merges(),
        vec![
            mr(0, 0, 0, 3),
            mr(1, 0, 2, 0),
            mr(1, 1, 1, 2),
            mr(1, 3, 2, 3),
            mr(8, 0, 8, 3)
        ]
    );
}

#[test]
fn xlsx_header_is_bold_and_fills_are_applied() {
    let table = gdp_table();
    let bytes = write_xlsx_bytes(&[("表", &table)]).unwrap();
    let mut book = Xlsx::new(Cursor::new(bytes)).unwrap();
    let styles = book.worksheet_style("表").unwrap();
    let bold = |r: u32, c: u32| {
        styles
            .get((r, c))
            .and_then(|s| s.font.as_ref())
            .is_some_and(|f| f.is_bold())
    };
    let fill = |r: u32, c: u32| {
        styles
            .get((r, c))
            .and_then(|s| s.fill.as_ref())
            .and_then(|f| f.get_color())
            .map(|c| c.to_argb() & 0xFF_FFFF)
    };
    assert!(bold(0, 0), "title");
    assert!(
        bold(1, 0) && bold(1, 1) && bold(2, 1) && bold(2, 2),
        "header"
    );
    assert!(!bold(4, 0), "data");
    // Table row 3 (data row 1) is sheet row 4, below the title.
    assert_eq!(fill(4, 3), Some(RED));
    assert_eq!(fill(5, 3), Some(GREEN));
    assert_eq!(fill(1, 3), Some(GREEN), "filled header cell");
    assert!(bold(1, 3), "filled header cell stays bold");
    assert_eq!(fill(5, 2), None);
}

#[test]
fn xlsx_several_sheets_and_merged_numbers() {
    let mut second = Table::new(["指标", "值"]);
    second.rows = vec![vec![t("合计"), n(42.5)], vec![Cell::Empty, Cell::Empty]];
    second.merges = vec![mr(1, 1, 2, 1)];
    let first = gdp_table();
    let bytes = write_xlsx_bytes(&[("一", &first), ("二", &second)]).unwrap();
    let opts = ReadOptions {
        sheet: Some("二".into()),
        ..ReadOptions::default()
    };
    let grid = read_grid_bytes("x.xlsx", &bytes, &opts).unwrap();
    assert_eq!(
        grid.rows(),
        vec![vec![t("指标"), t("值")], vec![t("合计"), n(42.5)]]
    );
    assert_eq!(grid.merges(), vec![mr(1, 1, 2, 1)]);
}

#[test]
fn xlsx_write_errors_are_in_chinese() {
    let table = gdp_table();
    assert!(matches!(write_xlsx_bytes(&[]), Err(WriteError::NoSheets)));
    let err = write_xlsx(
        &[("表", &table)],
        std::path::Path::new("/nonexistent/导出.xlsx"),
    )
    .unwrap_err();
    assert!(matches!(err, WriteError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("/nonexistent/导出.xlsx"), "{err}");
    let err = write_xlsx_bytes(&[("Sheet1", &table), ("sheet1", &table)]).unwrap_err();
    assert!(err.to_string().contains("重名"), "{err}");
}

// ---------------------------------------------------------------- CSV

#[test]
fn csv_round_trip_keeps_text_and_numbers_parse_back() {
    let table = gdp_table();
    let mut bytes = Vec::new();
    write_csv(&table, &mut bytes).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(
        text.starts_with("2024年各区县地区生产总值\r\n地区,地区生产总值,,排名\r\n"),
        "{text}"
    );
    assert!(text.contains("\r\n渝中区,1234.5,6.1,2\r\n"), "{text}");
    assert!(text.contains(",0.0000001,"), "no exponent: {text}");

    let grid = read_grid_bytes("导出.csv", &bytes, &ReadOptions::default()).unwrap();
    assert_eq!(
        normalized(grid.rows()),
        as_csv(expected_rows(&table, false))
    );
    let parsed: f64 = grid.cell(6, 1).text().parse().unwrap();
    assert_eq!(parsed, 0.1 + 0.2);
}

#[test]
fn csv_first_line_with_semicolons_or_tabs_still_reads_as_commas() {
    let mut table = Table::new(["a", "b"]).with_title("单位: 亿元; 来源: 统计局");
    table.rows = vec![vec![t("x;y"), t("1\t2")]];
    let mut bytes = Vec::new();
    write_csv(&table, &mut bytes).unwrap();
    let grid = read_grid_bytes("a.csv", &bytes, &ReadOptions::default()).unwrap();
    assert_eq!(grid.rows(), expected_rows(&table, false));
}

#[test]
fn csv_to_a_file_reads_back() {
    let table = gdp_table();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("导出.csv");
    write_csv(&table, std::fs::File::create(&path).unwrap()).unwrap();
    let grid = read_grid(&path, &ReadOptions::default()).unwrap();
    assert_eq!(
        normalized(grid.rows()),
        as_csv(expected_rows(&table, false))
    );
}

// ---------------------------------------------------------------- properties

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1_000_000i64..1_000_000).prop_map(|i| i as f64),
        -1e12..1e12f64,
        any::<f64>().prop_filter("finite", |x| x.is_finite()),
    ]
}

fn cell(text: &'static str) -> impl Strategy<Value = Cell> {
    prop_oneof![
        1 => Just(Cell::Empty),
        3 => number().prop_map(Cell::Number),
        3 => text.prop_map(Cell::Text),
    ]
}

fn table(text: &'static str) -> impl Strategy<Value = Table> {
    let title = proptest::option::of(text);
    let header = proptest::collection::vec(proptest::collection::vec(text, 0..5), 0..3);
    let rows = proptest::collection::vec(proptest::collection::vec(cell(text), 0..6), 0..8);
    (title, header, rows).prop_map(|(title, header, rows)| Table {
        title,
        header,
        rows,
        ..Table::default()
    })
}

const CSV_TEXT: &str = "[a-z0-9 ,;\t\"\r\n地区生产总值，。%.-]{1,10}";
const XLSX_TEXT: &str = "[a-z0-9 ,;\"\n地区生产总值，。%.-]{1,10}";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn csv_round_trip(table in table(CSV_TEXT)) {
        let mut bytes = Vec::new();
        write_csv(&table, &mut bytes).unwrap();
        let grid = read_grid_bytes("p.csv", &bytes, &ReadOptions::default()).unwrap();
        prop_assert_eq!(normalized(grid.rows()), as_csv(expected_rows(&table, false)));
    }

    #[test]
    fn xlsx_round_trip(table in table(XLSX_TEXT)) {
        let bytes = write_xlsx_bytes(&[("表", &table)]).unwrap();
        let grid = read_grid_bytes("p.xlsx", &bytes, &ReadOptions::default()).unwrap();
        prop_assert_eq!(grid.rows(), expected_rows(&table, true));
    }
}
