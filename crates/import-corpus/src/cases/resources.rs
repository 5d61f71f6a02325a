//! Resources: zip bombs (a sheet of ~640 MiB whitespace, one ~259 MiB shared string, a part
//! that inflates past the size it declares, a shared-string table claiming four billion
//! entries) are refused with a message about size before anything is parsed; a stray cell in
//! the far corner (dimension A1:XFD1048576) costs one cell; a legal 1,048,576-row sheet is read
//! within the memory bound (`heavy`).

use super::{REFUSED_YEAR, Years, case};
use crate::xlsx::{Cell, Part, frame, sheet_xml, text, workbook, zip};
use crate::{Case, Expect, HEAVY_ENTERPRISES, accept, level, reject};

/// A small long table (header and one row) as sheet cells.
fn table(year: i32) -> Vec<(usize, usize, Cell)> {
    vec![
        (0, 0, text("主体代码")),
        (0, 1, text("指标代码")),
        (0, 2, text("时期")),
        (0, 3, text("数值")),
        (1, 0, text("500112")),
        (1, 1, text("GDP")),
        (1, 2, text(&format!("{year}Q3"))),
        (1, 3, Cell::Number(777.5)),
    ]
}

pub(super) fn cases(years: &mut Years, heavy: bool) -> Vec<Case> {
    let r = REFUSED_YEAR;
    let sheet_head = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>"#;
    let sheet_tail = "</t></is></c></row></sheetData></worksheet>";

    // ~640 MiB of whitespace inside one cell's text.
    let mut parts = frame("Sheet1", false, "");
    parts.push(Part::with_run(
        "xl/worksheets/sheet1.xml",
        sheet_head.as_bytes(),
        b' ',
        640,
        sheet_tail.as_bytes(),
    ));
    let whitespace = zip(&parts);

    // One shared string of ~259 MiB.
    let mut parts = frame("Sheet1", true, "");
    parts.push(Part::deflated(
        "xl/worksheets/sheet1.xml",
        sheet_xml("A1", &[]).as_bytes(),
    ));
    parts.push(Part::with_run(
        "xl/sharedStrings.xml",
        br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#,
        b'A',
        259,
        b"</t></si></sst>",
    ));
    let shared = zip(&parts);

    // A part that declares 16 KiB and inflates to 640 MiB.
    let mut parts = frame("Sheet1", false, "");
    parts.push(
        Part::with_run(
            "xl/worksheets/sheet1.xml",
            sheet_head.as_bytes(),
            b' ',
            640,
            sheet_tail.as_bytes(),
        )
        .declaring(16 * 1024),
    );
    let lying = zip(&parts);

    // A shared-string table that claims four billion strings (the reader reserves room for them).
    let mut parts = frame("Sheet1", true, "");
    parts.push(Part::deflated(
        "xl/worksheets/sheet1.xml",
        sheet_xml(
            "A1:B2",
            &[(0, 0, text("地区")), (0, 1, text("地区生产总值"))],
        )
        .as_bytes(),
    ));
    parts.push(Part::deflated(
        "xl/sharedStrings.xml",
        br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" uniqueCount="4000000000"><si><t>a</t></si></sst>"#,
    ));
    let counted = zip(&parts);

    let mut stray = table(r);
    stray.push((1_048_575, 16_383, text("x")));

    let mut out = vec![
        case(
            "资源01-空白压缩炸弹.xlsx",
            "资源",
            "工作表中一个单元格里有约640 MiB空白",
            whitespace,
            reject(&["过大", "sheet1.xml", "MiB", "压缩"]),
        ),
        case(
            "资源02-超长共享字符串.xlsx",
            "资源",
            "一个约259 MiB的共享字符串",
            shared,
            reject(&["过大", "sharedStrings.xml", "MiB"]),
        ),
        case(
            "资源03-谎报解压大小.xlsx",
            "资源",
            "部件声明16 KiB，实际解压为640 MiB",
            lying,
            reject(&["过大", "sheet1.xml", "声明的大小"]),
        ),
        case(
            "资源04-共享字符串数量造假.xlsx",
            "资源",
            "共享字符串表声称有40亿个字符串",
            counted,
            reject(&["sharedStrings.xml", "4000000000", "共享字符串"]),
        ),
        case(
            "资源06-远角的杂散单元格.xlsx",
            "资源",
            "表格之外XFD1048576有一个“x”，维度A1:XFD1048576",
            workbook("Sheet1", "A1:XFD1048576", &stray, ""),
            reject(&["第1048576行"]),
        ),
    ];
    let y = years.next();
    let mut blank = table(y);
    blank.push((1_048_575, 16_383, text(" ")));
    out.push(case(
        "资源05-远角的空白单元格.xlsx",
        "资源",
        "表格之外XFD1048576有一个空格，维度A1:XFD1048576：导入表格本身",
        workbook("Sheet1", "A1:XFD1048576", &blank, ""),
        accept(vec![level("500112", "GDP", &format!("{y}Q3"), 777.5)], &[]),
    ));
    if heavy {
        out.extend(big(years));
    }
    out
}

/// The number of data rows of a full sheet (1,048,576 rows with the header).
const BIG_ROWS: usize = 1_048_575;

/// The rows of the big sheets: enterprises × 3 indicators × 18 months, in the exporter's layout.
fn big_rows(year: i32) -> impl Iterator<Item = Vec<String>> {
    const INDICATORS: [(&str, &str, &str); 3] = [
        ("ENT_TAX", "评价税收", "万元"),
        ("LAND_MU", "用地面积", "亩"),
        ("ENT_EMPLOYEES", "年平均职工人数", "人"),
    ];
    (0..BIG_ROWS).map(move |i| {
        let e = i % HEAVY_ENTERPRISES;
        let k = i / HEAVY_ENTERPRISES;
        let (code, name, unit) = INDICATORS[k % 3];
        let month = k / 3 + 1;
        let (y, m) = if month > 12 {
            (year + 1, month - 12)
        } else {
            (year, month)
        };
        vec![
            format!("HV{e:05}"),
            format!("压力测试企业{e:05}"),
            code.to_string(),
            name.to_string(),
            format!("{y}M{m:02}"),
            "数值".to_string(),
            format!("{}.{}", (i * 7919) % 100_000, i % 10),
            unit.to_string(),
            "已报送".to_string(),
        ]
    })
}

fn big(years: &mut Years) -> Vec<Case> {
    // Each big sheet spans two years (18 months).
    let y = years.next();
    years.next();
    let header = [
        "主体代码",
        "主体",
        "指标代码",
        "指标",
        "时期",
        "口径",
        "数值",
        "计量单位",
        "状态",
    ];
    let xlsx = crate::xlsx::big_sheet("数据", &header, big_rows(y), 6);
    let z = years.next();
    years.next();
    let mut text = header.join(",");
    text.push('\n');
    for row in big_rows(z) {
        text.push_str(&row.join(","));
        text.push('\n');
    }
    let expect = Expect::Accept {
        rows: Vec::new(),
        count: BIG_ROWS,
        warnings: Vec::new(),
    };
    vec![
        Case {
            heavy: true,
            ..case(
                "资源07-1048576行.xlsx",
                "资源",
                "合法的满行工作表：1,048,576行×9列",
                xlsx,
                expect.clone(),
            )
        },
        Case {
            heavy: true,
            ..case(
                "资源08-1048576行.csv",
                "资源",
                "同样内容的CSV：1,048,576行×9列",
                text.into_bytes(),
                expect,
            )
        },
    ]
}
