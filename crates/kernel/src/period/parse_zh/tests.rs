use super::*;

/// Forms written with a year: the same result with or without a default year.
const WITH_YEAR: &[(&str, &str)] = &[
    ("2024年1—9月", "2024M01-M09"),
    ("2024年1-9月", "2024M01-M09"),
    ("2024年1–9月", "2024M01-M09"),
    ("2024年1——9月", "2024M01-M09"),
    ("2024年1月至9月", "2024M01-M09"),
    ("2024年1月份至9月份", "2024M01-M09"),
    ("2024年1月至2024年9月", "2024M01-M09"),
    ("1月至2024年9月", "2024M01-M09"),
    ("2024年1-9月(累计)", "2024M01-M09"),
    ("2024年1-9月（累计）", "2024M01-M09"),
    ("2024年末", "2024"),
    ("2024年底", "2024"),
    ("2024年前三季度", "2024M01-M09"),
    ("2024年一季度", "2024Q1"),
    ("2024年第二季度", "2024Q2"),
    ("2024年第1季度", "2024Q1"),
    ("2024年三季度", "2024Q3"),
    ("2024年一至三季度", "2024M01-M09"),
    ("2024年上半年", "2024H1"),
    ("2024年下半年", "2024H2"),
    ("2024年", "2024"),
    ("2024年度", "2024"),
    ("2024年全年", "2024"),
    ("2024年3月", "2024M03"),
    ("2024年3月份", "2024M03"),
    ("2024年十二月", "2024M12"),
    ("2024年1-3月份", "2024Q1"),
    ("2024年1—9月累计", "2024M01-M09"),
    ("2024年第12周", "2024W12"),
    ("2024年12周", "2024W12"),
    ("２０２４年１－９月", "2024M01-M09"),
    ("２０２４年３月", "2024M03"),
    ("二〇二四年三月", "2024M03"),
    ("截至2024年9月", "2024M01-M09"),
    ("2024年截至9月末", "2024M01-M09"),
    ("2024年9月累计", "2024M01-M09"),
    (" 2024 年 1 - 9 月 ", "2024M01-M09"),
    ("2024.1-9", "2024M01-M09"),
    ("2024.1—9月", "2024M01-M09"),
    ("2024-03", "2024M03"),
    ("2024.03", "2024M03"),
    ("2024/3", "2024M03"),
    ("2024年Q3", "2024Q3"),
    ("2024年M01-M09", "2024M01-M09"),
    ("2024 Q3", "2024Q3"),
    ("2024q3", "2024Q3"),
    ("2024Q3", "2024Q3"),
    ("2024W12", "2024W12"),
    ("2024", "2024"),
    ("２０２４Ｑ３", "2024Q3"),
];

/// Forms without a year, parsed with the default year 2024.
const WITHOUT_YEAR: &[(&str, &str)] = &[
    ("1-9月", "2024M01-M09"),
    ("1—9月", "2024M01-M09"),
    ("1–9月", "2024M01-M09"),
    ("1―9月", "2024M01-M09"),
    ("1～9月", "2024M01-M09"),
    ("1~9月", "2024M01-M09"),
    ("1〜9月", "2024M01-M09"),
    ("1至9月", "2024M01-M09"),
    ("1到9月", "2024M01-M09"),
    ("1—2月", "2024M01-M02"),
    ("1—12月", "2024"),
    ("4-6月", "2024Q2"),
    ("１－９月", "2024M01-M09"),
    ("１～９月", "2024M01-M09"),
    ("前三季度", "2024M01-M09"),
    ("前两个季度", "2024H1"),
    ("前9个月", "2024M01-M09"),
    ("前九个月", "2024M01-M09"),
    ("一季度", "2024Q1"),
    ("第一季度", "2024Q1"),
    ("二季度", "2024Q2"),
    ("第二季度", "2024Q2"),
    ("三季度", "2024Q3"),
    ("四季度", "2024Q4"),
    ("第四季度", "2024Q4"),
    ("3季度", "2024Q3"),
    ("一至三季度", "2024M01-M09"),
    ("一~二季度", "2024H1"),
    ("第二至第四季度", "2024M04-M12"),
    ("上半年", "2024H1"),
    ("下半年", "2024H2"),
    ("全年", "2024"),
    ("3月", "2024M03"),
    ("3月份", "2024M03"),
    ("12月", "2024M12"),
    ("一月", "2024M01"),
    ("二月份", "2024M02"),
    ("十月", "2024M10"),
    ("十一月", "2024M11"),
    ("十二月", "2024M12"),
    ("一至九月", "2024M01-M09"),
    ("第12周", "2024W12"),
    ("第十二周", "2024W12"),
    ("1—9月累计", "2024M01-M09"),
    ("1-9月份累计", "2024M01-M09"),
    ("9月累计", "2024M01-M09"),
    ("截至9月", "2024M01-M09"),
    ("截至9月底", "2024M01-M09"),
    ("截止到9月末", "2024M01-M09"),
    ("截至三季度末", "2024M01-M09"),
    ("1月至9月", "2024M01-M09"),
    ("1月—9月", "2024M01-M09"),
    ("3月-5月", "2024M03-M05"),
    ("Q3", "2024Q3"),
    ("h2", "2024H2"),
    ("M01-M09", "2024M01-M09"),
    ("M03", "2024M03"),
    ("W12", "2024W12"),
];

fn code(input: &str, default_year: Option<i32>) -> Result<String, PeriodError> {
    Period::parse(input, default_year).map(|p| p.code())
}

#[test]
fn forms_with_a_year() {
    for &(input, expected) in WITH_YEAR {
        assert_eq!(code(input, None).as_deref(), Ok(expected), "{input}");
        assert_eq!(code(input, Some(2019)).as_deref(), Ok(expected), "{input}");
    }
}

#[test]
fn forms_without_a_year_take_the_default() {
    for &(input, expected) in WITHOUT_YEAR {
        assert_eq!(code(input, Some(2024)).as_deref(), Ok(expected), "{input}");
        let other = expected.replacen("2024", "2023", 1);
        assert_eq!(code(input, Some(2023)), Ok(other), "{input}");
    }
}

#[test]
fn forms_without_a_year_need_one() {
    for &(input, _) in WITHOUT_YEAR {
        assert_eq!(
            Period::parse(input, None),
            Err(PeriodError::MissingYear {
                input: input.to_string()
            }),
            "{input}"
        );
    }
}

fn reason(input: &str, default_year: Option<i32>) -> String {
    match Period::parse(input, default_year) {
        Err(PeriodError::Unrecognised { input: got, reason }) => {
            assert_eq!(got, input);
            reason
        }
        other => panic!("{input}: expected Unrecognised, got {other:?}"),
    }
}

#[test]
fn garbage_is_refused_with_a_reason() {
    for (input, needle) in [
        ("第五季度", "季度须在一至四之间"),
        ("五季度", "季度须在一至四之间"),
        ("一至五季度", "季度须在一至四之间"),
        ("三至一季度", "起始季度"),
        ("13月", "不能是13月"),
        ("2024年13月", "不能是13月"),
        ("2024年0月", "不能是0月"),
        ("0-9月", "不能是0月"),
        ("9-1月", "起始月份（9月）晚于截止月份（1月）"),
        ("2024年9-1月", "晚于"),
        ("第54周", "周次须在1—53之间"),
        ("2024年第53周", "2024年只有52周"),
        ("2025年第53周", "2025年只有52周"),
        ("2024年第0周", "周次"),
        ("24年1-9月", "年份须写四位数"),
        ("24年", "年份须写四位数"),
        ("二四年", "年份须写四位数"),
        ("20245年3月", "年份须写四位数"),
        ("1900年", "1949"),
        ("2024-03-15", "日期"),
        ("2024.3.15", "日期"),
        ("2024.1", "歧义"),
        ("２０２４．１", "歧义"),
        ("2024年3月18日", "日期"),
        ("3月18号", "日期"),
        ("2023年12月—2024年2月", "不能跨年"),
        ("Q5", "无法识别"),
        ("W53", "2024年只有52周"),
        ("2024年1-9月各区县", "“各区县”"),
        ("1-9", "无法识别"),
        ("abc", "无法识别"),
        ("第1-3周", "只能是一周"),
        ("截至第12周", "周不能累计"),
        ("第三月", "无法识别"),
        ("2024年第3月", "无法识别"),
        ("2024季度", "季度须在一至四之间"),
        ("", "内容为空"),
        ("   ", "内容为空"),
    ] {
        let reason = reason(input, Some(2024));
        assert!(reason.contains(needle), "{input}: {reason}");
    }
    // Numbers are checked before the missing year is reported.
    assert!(reason("13月", None).contains("13月"));
    assert!(reason("第五季度", None).contains("季度"));
}

#[test]
fn errors_display_in_chinese() {
    let e = Period::parse("1-9月", None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "时期“1-9月”没有写年份，请指定默认年份（例如 --period 或 --year）"
    );
    let e = Period::parse("第五季度", Some(2024)).unwrap_err();
    assert_eq!(e.to_string(), "时期“第五季度”无法识别：季度须在一至四之间");
}

#[test]
fn labels() {
    for (code, label) in [
        ("2024", "2024年"),
        ("2024H1", "2024年上半年"),
        ("2024H2", "2024年下半年"),
        ("2024Q1", "2024年一季度"),
        ("2024Q4", "2024年四季度"),
        ("2024M03", "2024年3月"),
        ("2024M12", "2024年12月"),
        ("2024M01-M09", "2024年1—9月"),
        ("2024M02-M04", "2024年2—4月"),
        ("2024W12", "2024年第12周"),
        ("2026W01", "2026年第1周"),
    ] {
        let p = Period::parse_code(code).unwrap();
        assert_eq!(p.label_zh(), label);
        assert_eq!(Period::parse(label, None), Ok(p), "{label}");
    }
}

fn find(text: &str, default_year: Option<i32>) -> Option<String> {
    Period::find_in_text(text, default_year).map(|p| p.code())
}

#[test]
fn periods_in_titles_and_sheet_names() {
    for (text, expected) in [
        ("2024年1—9月各区县主要经济指标", "2024M01-M09"),
        ("表1 2024年一季度全市规上工业增加值（单位：亿元）", "2024Q1"),
        (
            "表1　2024年一季度全市规上工业增加值（单位：亿元）",
            "2024Q1",
        ),
        ("重庆市2023年全年主要指标", "2023"),
        ("重庆市2023年主要指标", "2023"),
        ("2024Q3", "2024Q3"),
        ("2024年9月", "2024M09"),
        ("2024年9月份", "2024M09"),
        ("2024", "2024"),
        ("数据2024Q3", "2024Q3"),
        ("2024Q3数据", "2024Q3"),
        ("(2024W12)", "2024W12"),
        ("2024年第12周（3月18日—24日）重点项目周报", "2024W12"),
        ("2024年1—9月与2023年同期对比", "2024M01-M09"),
        ("2024年各区县1—9月主要经济指标", "2024M01-M09"),
        ("2024年 上半年", "2024H1"),
        ("全市主要经济指标（2024.1-9）", "2024M01-M09"),
        ("全市主要经济指标（2024年1-9月累计）", "2024M01-M09"),
        ("数据截至2024年9月底", "2024M01-M09"),
        ("２０２４年１－９月各区县", "2024M01-M09"),
        ("二〇二四年一季度", "2024Q1"),
        ("2024年十二月主要指标", "2024M12"),
    ] {
        assert_eq!(find(text, None).as_deref(), Some(expected), "{text}");
        assert_eq!(find(text, Some(2019)).as_deref(), Some(expected), "{text}");
    }
}

#[test]
fn titles_without_a_year_use_the_default() {
    for (text, expected) in [
        ("1-9月", "2024M01-M09"),
        ("1-9月各区县主要指标", "2024M01-M09"),
        ("各区县前三季度主要指标", "2024M01-M09"),
        ("表3 一季度规上工业", "2024Q1"),
        ("上半年经济运行情况", "2024H1"),
        ("9月份", "2024M09"),
        ("截至9月底各区县固投完成情况", "2024M01-M09"),
        ("第12周重点项目", "2024W12"),
        ("十二月", "2024M12"),
    ] {
        assert_eq!(find(text, Some(2024)).as_deref(), Some(expected), "{text}");
        assert_eq!(find(text, None), None, "{text}");
    }
}

#[test]
fn titles_without_a_period() {
    for text in [
        "",
        "全市主要经济指标",
        "Sheet1",
        "统一月度报表",
        "增加值2024.5亿元",
        "表13月份",
        "2024-03-15 更新",
        "2024年13月",
        "各区县项目进度（截至2024年3月18日）",
        "SQ3",
    ] {
        assert_eq!(find(text, Some(2024)), None, "{text}");
    }
}

#[test]
fn excel_mangled_months_are_ambiguous_only_when_they_are() {
    let e = Period::parse("2024.1", Some(2024)).unwrap_err().to_string();
    assert!(e.contains("2024年1月") && e.contains("2024年10月"), "{e}");
    for (input, code) in [
        ("2024.10", "2024M10"),
        ("2024.01", "2024M01"),
        ("2024.2", "2024M02"),
        ("2024.1月", "2024M01"),
        ("2024.1-3", "2024Q1"),
    ] {
        assert_eq!(Period::parse(input, None).unwrap().code(), code, "{input}");
    }
}

#[test]
fn mentions_keep_bare_years_and_yearless_months_apart() {
    let m = |t: &str| Period::mention_in_text(t);
    assert_eq!(m("2024年各区县主要经济指标"), Some(Mention::Year(2024)));
    assert_eq!(
        m("2024年1—9月各区县主要经济指标"),
        Some(Mention::Period(Period::months(2024, 1, 9).unwrap()))
    );
    assert_eq!(
        m("2024年各区县1—9月主要指标"),
        Some(Mention::Period(Period::months(2024, 1, 9).unwrap()))
    );
    match m("1～9月各区县") {
        Some(Mention::Yearless(y)) => {
            assert_eq!(y.label_zh(), "1—9月");
            assert_eq!(y.in_year(2023).unwrap().code(), "2023M01-M09");
        }
        other => panic!("{other:?}"),
    }
    match m("第一季度") {
        Some(Mention::Yearless(y)) => assert_eq!(y.in_year(2024).unwrap().code(), "2024Q1"),
        other => panic!("{other:?}"),
    }
    assert_eq!(m("各区县主要指标"), None);
    // find_in_text reads a bare year as the whole year, as before.
    assert_eq!(
        Period::find_in_text("2024年各区县主要经济指标", None).map(|p| p.code()),
        Some("2024".to_string())
    );
}
