//! Encodings and control characters: UTF-16 (with or without a byte-order mark) is refused
//! naming UTF-16 and advising "CSV UTF-8"; a control character in a cell is shown escaped in
//! the report; GB18030 four-byte characters decode.

use super::{LONG, REFUSED_YEAR, Years, case, csv};
use crate::{Case, accept, level, reject};

fn utf16(text: &str, bom: bool, big_endian: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend(if big_endian {
            [0xFE, 0xFF]
        } else {
            [0xFF, 0xFE]
        });
    }
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

pub(super) fn cases(years: &mut Years) -> Vec<Case> {
    let r = REFUSED_YEAR;
    let table = format!("{LONG}\r\n500103,渝中区,GDP,地区生产总值,{r}Q1,数值,100,亿元\r\n");
    let mut out = vec![
        case(
            "编码01-UTF-16带BOM.csv",
            "编码",
            "Excel“Unicode文本”：UTF-16LE，带字节顺序标记",
            utf16(&table, true, false),
            reject(&["UTF-16", "CSV UTF-8"]),
        ),
        case(
            "编码02-UTF-16无BOM.csv",
            "编码",
            "UTF-16LE，没有字节顺序标记",
            utf16(&table, false, false),
            reject(&["UTF-16", "CSV UTF-8"]),
        ),
        case(
            "编码03-UTF-16BE无BOM.csv",
            "编码",
            "UTF-16BE，没有字节顺序标记",
            utf16(&table, false, true),
            reject(&["UTF-16", "CSV UTF-8"]),
        ),
        case(
            "编码04-单元格里的控制字符.csv",
            "编码",
            "主体名称里夹着终端转义序列ESC[31m",
            csv(&[
                LONG.to_string(),
                format!(",渝中\u{1b}[31m区,GDP,地区生产总值,{r}Q1,数值,100,亿元"),
            ]),
            reject(&["第2行", "B列", r"渝中\x1b[31m区", "不是已知的主体"]),
        ),
    ];
    let y = years.next();
    let text = format!(
        "{y}年1—9月主要指标（𠮷㐀䶮）\n{LONG}\n500112,渝北区,GDP,地区生产总值,{y}M01-M09,数值,2100.25,亿元\n"
    );
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    debug_assert!(!unmappable);
    out.push(case(
        "编码05-GB18030四字节字符.csv",
        "编码",
        "GB18030编码，标题里有四字节字符（𠮷㐀䶮）",
        bytes.into_owned(),
        accept(
            vec![level("500112", "GDP", &format!("{y}M01-M09"), 2100.25)],
            &[],
        ),
    ));
    out
}
