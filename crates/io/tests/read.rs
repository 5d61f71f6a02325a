//! Reading CSV and XLSX files into grids: encodings, delimiters, sheets, merges, positions, errors.

use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Formula, Workbook};
use yiping_io::{
    Cell, Encoding, Grid, MergedRange, ReadError, ReadOptions, read_grid, read_grid_bytes,
};

const GDP: &str = "地区,地区生产总值\n渝中区,1234.5\n江北区,1500.25\n";

fn t(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn n(x: f64) -> Cell {
    Cell::Number(x)
}

fn with(encoding: Encoding) -> ReadOptions {
    ReadOptions {
        encoding,
        sheet: None,
    }
}

fn sheet(name: &str) -> ReadOptions {
    ReadOptions {
        sheet: Some(name.to_string()),
        ..ReadOptions::default()
    }
}

fn gdp_rows() -> Vec<Vec<Cell>> {
    vec![
        vec![t("地区"), t("地区生产总值")],
        vec![t("渝中区"), t("1234.5")],
        vec![t("江北区"), t("1500.25")],
    ]
}

fn gbk(s: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(s);
    assert!(!unmappable);
    bytes.into_owned()
}

// ---------------------------------------------------------------- CSV

#[test]
fn utf8_csv_reads_as_text_cells() {
    let grid = read_grid_bytes("gdp.csv", GDP.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(grid.file, "gdp.csv");
    assert_eq!(grid.sheet, None);
    assert_eq!(grid.rows(), gdp_rows());
    assert!(grid.merges().is_empty());
}

#[test]
fn utf8_bom_is_stripped_whatever_the_chosen_encoding() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(GDP.as_bytes());
    for encoding in [Encoding::Auto, Encoding::Utf8, Encoding::Gbk] {
        let grid = read_grid_bytes("gdp.csv", &bytes, &with(encoding)).unwrap();
        assert_eq!(grid.rows(), gdp_rows(), "{encoding}");
    }
}

#[test]
fn gbk_csv_is_detected_and_can_be_forced() {
    let bytes = gbk(GDP);
    assert!(std::str::from_utf8(&bytes).is_err());
    for encoding in [Encoding::Auto, Encoding::Gbk, Encoding::Gb18030] {
        let grid = read_grid_bytes("gdp.csv", &bytes, &with(encoding)).unwrap();
        assert_eq!(grid.rows(), gdp_rows(), "{encoding}");
    }
}

#[test]
fn forcing_utf8_on_gbk_bytes_names_file_line_and_offset() {
    let text = "year,value\n2024,渝中区\n";
    let bytes = gbk(text);
    let err = read_grid_bytes("区县.csv", &bytes, &with(Encoding::Utf8)).unwrap_err();
    match &err {
        ReadError::BadEncoding {
            file,
            encoding,
            line,
            offset,
        } => {
            assert_eq!(file, "区县.csv");
            assert_eq!(*encoding, "UTF-8");
            assert_eq!(*line, 2);
            assert_eq!(*offset, "year,value\n2024,".len() as u64);
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("区县.csv") && msg.contains("UTF-8") && msg.contains("第2行"),
        "{msg}"
    );
}

#[test]
fn malformed_gbk_is_an_error_when_forced_or_detected() {
    // 0x81 starts a two-byte sequence; 0x20 cannot follow it.
    let mut bytes = gbk("地区,值\n");
    let at = bytes.len() as u64;
    bytes.extend_from_slice(b"\x81\x20,1\n");
    for (encoding, label) in [
        (Encoding::Gbk, "GBK"),
        (Encoding::Gb18030, "GB18030"),
        (Encoding::Auto, "GBK/GB18030"),
    ] {
        let err = read_grid_bytes("坏.csv", &bytes, &with(encoding)).unwrap_err();
        match &err {
            ReadError::BadEncoding { line, offset, .. } => assert_eq!((*line, *offset), (2, at)),
            other => panic!("{other:?}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("坏.csv") && msg.contains(label) && msg.contains("第2行"),
            "{msg}"
        );
    }
}

#[test]
fn tab_and_semicolon_delimiters_are_detected() {
    let tab = "\n地区\t地区生产总值\n渝中区\t1234.5\n江北区\t1500.25\n";
    let grid = read_grid_bytes("gdp.txt", tab.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(grid.rows()[1..], gdp_rows()[..]);
    let semi = GDP.replace(',', ";");
    let grid = read_grid_bytes("gdp.csv", semi.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(grid.rows(), gdp_rows());
    // A comma in the first line keeps the comma, even with semicolons in the text.
    let grid = read_grid_bytes("a.csv", "a;b,c\n".as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(grid.rows(), vec![vec![t("a;b"), t("c")]]);
}

/// Excel's "Unicode text" export is UTF-16: refused (issue 20), with or without a byte-order
/// mark, naming UTF-16 and telling the user to save as "CSV UTF-8", whatever encoding is
/// chosen.
#[test]
fn utf16_text_is_refused_with_advice() {
    let text = "地区\t地区生产总值\r\n渝中区\t1234.5\r\n江北区\t1500.25\r\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let mut bom = vec![0xFF, 0xFE];
    bom.extend_from_slice(&le);
    for (bytes, encoding) in [
        (&bom, Encoding::Auto),
        (&le, Encoding::Auto),
        (&be, Encoding::Utf8),
        (&le, Encoding::Gbk),
    ] {
        let err = read_grid_bytes("unicode.txt", bytes, &with(encoding)).unwrap_err();
        assert!(matches!(err, ReadError::Utf16 { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("UTF-16") && msg.contains("CSV UTF-8") && msg.contains("unicode.txt"),
            "{msg}"
        );
    }
}

#[test]
fn ragged_rows_empty_cells_blank_lines_and_quotes_are_kept() {
    let text = "标题\n\n地区,总量,增速\n渝中区,, 6.1 \n\"江北区,北部\",\"多\n行\",\"引\"\"号\"\n\n,,\n合计\n";
    let grid = read_grid_bytes("a.csv", text.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(
        grid.rows(),
        vec![
            vec![t("标题")],
            vec![],
            vec![t("地区"), t("总量"), t("增速")],
            vec![t("渝中区"), Cell::Empty, t(" 6.1 ")],
            vec![t("江北区,北部"), t("多\n行"), t("引\"号")],
            vec![],
            vec![Cell::Empty, Cell::Empty, Cell::Empty],
            vec![t("合计")],
        ]
    );
    assert_eq!(grid.cell(3, 2).text(), "6.1");
}

#[test]
fn crlf_line_endings_are_read() {
    let text = GDP.replace('\n', "\r\n");
    let grid = read_grid_bytes("gdp.csv", text.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(grid.rows(), gdp_rows());
}

#[test]
fn unclosed_quote_is_a_syntax_error_with_its_line() {
    let text = "地区,值\n渝中区,1\n\"江北区,2\n南岸区,3\n";
    let err = read_grid_bytes("引号.csv", text.as_bytes(), &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, ReadError::Csv { line: 3, .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("引号.csv") && msg.contains("第3行") && msg.contains("引号"),
        "{msg}"
    );
}

#[test]
fn empty_csv_is_an_empty_grid() {
    for bytes in [&b""[..], b"\xEF\xBB\xBF", b"\n\n"] {
        let grid = read_grid_bytes("empty.csv", bytes, &ReadOptions::default()).unwrap();
        assert!(grid.rows().is_empty(), "{bytes:?}");
    }
}

#[test]
fn read_grid_uses_the_path_and_extension_case_insensitively() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("GDP.CSV");
    std::fs::write(&path, gbk(GDP)).unwrap();
    let grid = read_grid(&path, &ReadOptions::default()).unwrap();
    assert_eq!(grid.rows(), gdp_rows());
    assert_eq!(grid.file, path.display().to_string());
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let err = read_grid(Path::new("/nonexistent/区县.csv"), &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, ReadError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("/nonexistent/区县.csv"), "{err}");
}

#[test]
fn unsupported_extensions_name_the_file_and_the_formats() {
    for name in ["data.json", "noext", "表.xls", "a.csv.bak"] {
        let err = read_grid_bytes(name, b"x", &ReadOptions::default()).unwrap_err();
        assert!(matches!(err, ReadError::Unsupported { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains(name) && msg.contains(".csv") && msg.contains(".xlsx"),
            "{msg}"
        );
    }
    let msg = read_grid_bytes("表.xls", b"x", &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("另存为 .xlsx"), "{msg}");
    // read_grid refuses before touching the disk.
    let err = read_grid(Path::new("/nonexistent/a.pdf"), &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, ReadError::Unsupported { .. }), "{err:?}");
}

// ---------------------------------------------------------------- XLSX

/// A typical statistical table, placed at B2 of sheet "2024年", plus a sheet "说明".
/// Rows (1-based): 2 title, 3–4 two-row header, 5 unit row, 6–7 data, 8 合计, 9 注.
fn gdp_workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_align(FormatAlign::Center);
    let ws = book.add_worksheet();
    ws.set_name("2024年").unwrap();
    ws.merge_range(1, 1, 1, 4, "2024年各区县地区生产总值", &bold)
        .unwrap();
    ws.merge_range(2, 1, 3, 1, "地区", &bold).unwrap();
    ws.merge_range(2, 2, 2, 3, "地区生产总值", &bold).unwrap();
    ws.merge_range(2, 4, 3, 4, "排名", &bold).unwrap();
    ws.write_string(3, 2, "总量").unwrap();
    ws.write_string(3, 3, "增速").unwrap();
    ws.write_string(4, 1, "单位").unwrap();
    ws.write_string(4, 2, "亿元").unwrap();
    ws.write_string(4, 3, "%").unwrap();
    ws.write_string(5, 1, "渝中区").unwrap();
    ws.write_number(5, 2, 1234.5).unwrap();
    ws.write_number(5, 3, 6.1).unwrap();
    ws.write_number(5, 4, 2).unwrap();
    ws.write_string(6, 1, "江北区").unwrap();
    ws.write_number(6, 2, 1500.25).unwrap();
    ws.write_number(6, 3, 5.8).unwrap();
    ws.write_number(6, 4, 1).unwrap();
    ws.write_string(7, 1, "合计").unwrap();
    ws.write_formula(7, 2, Formula::new("=SUM(C6:C7)").set_result("2734.75"))
        .unwrap();
    ws.write_formula(7, 3, Formula::new("=1/0").set_result("#DIV/0!"))
        .unwrap();
    ws.merge_range(8, 1, 8, 4, "注：增速按可比价格计算。", &Format::new())
        .unwrap();

    let notes = book.add_worksheet();
    notes.set_name("说明").unwrap();
    notes.write_string(0, 0, "更新日期").unwrap();
    let date = ExcelDateTime::from_ymd(2024, 3, 31).unwrap();
    notes
        .write_datetime_with_format(0, 1, &date, &Format::new().set_num_format("yyyy-mm-dd"))
        .unwrap();
    notes.write_string(1, 0, "已审核").unwrap();
    notes.write_boolean(1, 1, true).unwrap();
    notes.write_number(1, 2, 42).unwrap();
    book.save_to_buffer().unwrap()
}

fn mr(first_row: usize, first_col: usize, last_row: usize, last_col: usize) -> MergedRange {
    MergedRange {
        first_row,
        first_col,
        last_row,
        last_col,
    }
}

#[test]
fn xlsx_first_sheet_keeps_positions_types_and_merges() {
    let grid = read_grid_bytes("gdp.xlsx", &gdp_workbook(), &ReadOptions::default()).unwrap();
    assert_eq!(grid.file, "gdp.xlsx");
    assert_eq!(grid.sheet.as_deref(), Some("2024年"));
    let e = Cell::Empty;
    let expected: Vec<Vec<Cell>> = vec![
        vec![],
        vec![e.clone(), t("2024年各区县地区生产总值")],
        vec![
            e.clone(),
            t("地区"),
            t("地区生产总值"),
            e.clone(),
            t("排名"),
        ],
        vec![e.clone(), e.clone(), t("总量"), t("增速")],
        vec![e.clone(), t("单位"), t("亿元"), t("%")],
        vec![e.clone(), t("渝中区"), n(1234.5), n(6.1), n(2.0)],
        vec![e.clone(), t("江北区"), n(1500.25), n(5.8), n(1.0)],
        vec![e.clone(), t("合计"), n(2734.75), t("#DIV/0!")],
        vec![e.clone(), t("注：增速按可比价格计算。")],
    ];
    assert_eq!(grid.rows(), expected);
    assert_eq!(
        grid.merges(),
        vec![
            mr(1, 1, 1, 4),
            mr(2, 1, 3, 1),
            mr(2, 2, 2, 3),
            mr(2, 4, 3, 4),
            mr(8, 1, 8, 4)
        ]
    );
    // Absolute addressing: C6 holds 渝中区's total.
    assert_eq!(grid.cell(5, 2).to_cell(), n(1234.5));
    assert_eq!(grid.merge_at(3, 1), Some(&mr(2, 1, 3, 1)));
    assert_eq!(grid.merge_at(2, 3), Some(&mr(2, 2, 2, 3)));
    assert_eq!(grid.merge_at(5, 1), None);
}

#[test]
fn xlsx_named_sheet_converts_dates_and_bools_to_text() {
    let grid = read_grid_bytes("gdp.xlsm", &gdp_workbook(), &sheet("说明")).unwrap();
    assert_eq!(grid.sheet.as_deref(), Some("说明"));
    assert_eq!(
        grid.rows(),
        vec![
            vec![t("更新日期"), t("2024-03-31")],
            vec![t("已审核"), t("TRUE"), n(42.0)]
        ]
    );
    assert!(grid.merges().is_empty());
}

#[test]
fn xlsx_missing_sheet_lists_the_sheets() {
    let err = read_grid_bytes("gdp.xlsx", &gdp_workbook(), &sheet("2023年")).unwrap_err();
    match &err {
        ReadError::SheetMissing { available, .. } => assert_eq!(available, &["2024年", "说明"]),
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("gdp.xlsx") && msg.contains("“2023年”") && msg.contains("“2024年”、“说明”"),
        "{msg}"
    );
}

#[test]
fn xlsx_first_visible_sheet_is_the_default() {
    let mut book = Workbook::new();
    book.add_worksheet()
        .set_name("隐藏")
        .unwrap()
        .write_string(0, 0, "hidden")
        .unwrap();
    book.add_worksheet()
        .set_name("数据")
        .unwrap()
        .write_string(0, 0, "shown")
        .unwrap();
    book.worksheet_from_index(0).unwrap().set_hidden(true);
    book.worksheet_from_index(1).unwrap().set_active(true);
    let bytes = book.save_to_buffer().unwrap();
    let grid = read_grid_bytes("h.xlsx", &bytes, &ReadOptions::default()).unwrap();
    assert_eq!(grid.sheet.as_deref(), Some("数据"));
    // A hidden sheet can still be asked for by name.
    let grid = read_grid_bytes("h.xlsx", &bytes, &sheet("隐藏")).unwrap();
    assert_eq!(grid.rows(), vec![vec![t("hidden")]]);
}

#[test]
fn xlsx_empty_sheet_is_an_empty_grid() {
    let mut book = Workbook::new();
    book.add_worksheet();
    let grid = read_grid_bytes(
        "e.xlsx",
        &book.save_to_buffer().unwrap(),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(
        grid,
        Grid::from_rows("e.xlsx", Some("Sheet1"), vec![], vec![])
    );
}

#[test]
fn corrupt_xlsx_is_an_error_naming_the_file() {
    let mut zip_ish = b"PK\x03\x04".to_vec();
    zip_ish.extend_from_slice(&[0; 64]);
    for bytes in [GDP.as_bytes(), &zip_ish[..], b""] {
        let err = read_grid_bytes("坏表.xlsx", bytes, &ReadOptions::default()).unwrap_err();
        assert!(matches!(err, ReadError::Xlsx { .. }), "{err:?}");
        assert!(err.to_string().contains("坏表.xlsx"), "{err}");
    }
}

#[test]
fn xlsx_from_disk_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gdp.xlsx");
    std::fs::write(&path, gdp_workbook()).unwrap();
    let from_disk = read_grid(&path, &ReadOptions::default()).unwrap();
    let from_bytes = read_grid_bytes("gdp.xlsx", &gdp_workbook(), &ReadOptions::default()).unwrap();
    assert_eq!(from_disk.rows(), from_bytes.rows());
    assert_eq!(from_disk.merges(), from_bytes.merges());
}

// ---------------------------------------------------------------- bad input never panics

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_give_a_grid_or_an_error(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512),
        forced in proptest::prelude::any::<bool>(),
    ) {
        let opts = with(if forced { Encoding::Utf8 } else { Encoding::Auto });
        for name in ["x.csv", "x.xlsx"] {
            if let Err(e) = read_grid_bytes(name, &bytes, &opts) {
                proptest::prop_assert!(e.to_string().contains(name), "{e}");
            }
        }
    }

    #[test]
    fn arbitrary_text_csv_keeps_one_row_per_record(text in "[a,;\t\"\r\n 区]{0,64}") {
        if let Ok(grid) = read_grid_bytes("x.csv", text.as_bytes(), &ReadOptions::default()) {
            proptest::prop_assert!(grid.row_count() <= text.matches(['\r', '\n']).count() + 1);
        }
    }
}

// ---------------------------------------------------------------- issue 20

#[test]
fn gb18030_four_byte_characters_decode() {
    let text = "地区,备注\n渝北区,𠮷㐀䶮€\n";
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    // 𠮷 (U+20BB7) and 㐀 (U+3400) take four bytes in GB18030.
    assert!(bytes.len() > encoding_rs::GBK.encode("地区,备注\n渝北区,\n").0.len() + 8);
    for encoding in [Encoding::Auto, Encoding::Gb18030, Encoding::Gbk] {
        let grid = read_grid_bytes("四字节.csv", &bytes, &with(encoding)).unwrap();
        assert_eq!(grid.cell(1, 1).text(), "𠮷㐀䶮€", "{encoding}");
    }
}

#[test]
fn a_stray_cell_in_the_far_corner_is_one_cell() {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.write_string(0, 0, "地区").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let grid = read_grid_bytes(
        "远角.xlsx",
        &book.save_to_buffer().unwrap(),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(grid.row_count(), 1_048_576);
    assert_eq!(grid.width(), 16_384);
    assert_eq!(grid.cell(1_048_575, 16_383).text(), "x");
    assert_eq!(grid.row(1_048_575).count(), 1);
    assert!(grid.row(5).next().is_none());
}

#[test]
fn formula_cells_without_a_result_are_refused_naming_them() {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.write_string(0, 0, "地区").unwrap();
    ws.write_string(0, 1, "地区生产总值").unwrap();
    ws.write_string(1, 0, "合计").unwrap();
    // rust_xlsxwriter stores 0 and asks Excel to recalculate on opening.
    ws.write_formula(1, 1, Formula::new("=SUM(B3:B4)")).unwrap();
    ws.write_formula(2, 1, Formula::new("=1+1").set_result("2"))
        .unwrap();
    let err = read_grid_bytes(
        "公式.xlsx",
        &book.save_to_buffer().unwrap(),
        &ReadOptions::default(),
    )
    .unwrap_err();
    match &err {
        ReadError::Formulas { cells, count, .. } => {
            assert_eq!(cells, &["B2"]);
            assert_eq!(*count, 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("重新计算"), "{err}");
}

#[test]
fn an_oversized_file_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("大.csv");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(yiping_io::MAX_FILE_BYTES + 1).unwrap();
    let err = read_grid(&path, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, ReadError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("拆分"), "{err}");
}
