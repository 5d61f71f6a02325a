//! Evaluating a scheme directly on a CSV file, without a database: the input is streamed with the
//! `csv` crate into one `Vec` per column, the engine runs once, and the league table is written
//! in rank order. Built for 100 000 rows and more.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use yiping_eval::scheme::{Base, MeasureKind};
use yiping_eval::{EntityInput, EvalInput, Evaluation, ItemInput, Scheme, evaluate};

use crate::AppError;

/// The input format, shown by `yiping evaluate --help`.
pub const CSV_FORMAT_HELP: &str = "\
CSV 输入格式（UTF-8，首行为表头，每行一个评价对象）：
  主体代码 / key      必填，唯一标识（统一社会信用代码、地区代码等），排名并列时按它排序
  名称 / name         可选
  分组 / groups       可选，多个分组用 ; 或 、 分隔（如 规上;专精特新），用于方案的 population.groups、
                      cohorts 和 exemptions.groups
  不定等级 / exempt    可选，填 1、是 或 true 的对象参与评分排名但不定等级
  <指标代码>           方案中每个评价项的指标一列（如 TAX_PER_MU），列名也可用评价项代码；空白表示缺数
  <指标代码>@上年       可选：上年同期值（增速、贡献类评价项）
  <指标代码>@增速       可选：统计部门公布的增速（%），优先于由两期数值计算的增速
  <指标代码>@目标       可选：目标值（完成率、序时进度、目标得分）
  <方案代码>           综合方案的评价项：该方案的总得分
  <加减分代码>          方案 adjustments 中加分、扣分项的数值
全市（参照）值：用 --city 指定一行的主体代码，该行作为参照值，不参加排名。
输出（按排名）：排名、主体代码、名称、组别、组内排名、得分、等级、颜色、不定等级、说明，以及每个评价项的指标值和得分。";

/// Where the time of a CSV evaluation went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CsvTimings {
    pub read: Duration,
    pub compute: Duration,
    pub write: Duration,
}

/// The result of [`evaluate_csv`].
#[derive(Debug)]
pub struct CsvEvaluation {
    pub evaluation: Evaluation,
    pub rows: usize,
    pub timings: CsvTimings,
}

fn norm(h: &str) -> String {
    h.trim().trim_start_matches('\u{feff}').to_ascii_uppercase()
}

/// What a header column is.
#[derive(Debug, Clone, PartialEq)]
enum Col {
    Key,
    Name,
    Groups,
    Exempt,
    /// (item index, which input).
    Item(usize, Part),
    Adjustment(String),
    Ignored,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Value,
    Previous,
    Growth,
    Target,
}

fn classify(scheme: &Scheme, header: &str) -> Col {
    let h = norm(header);
    match h.as_str() {
        "KEY" | "CODE" | "ENTITY" | "主体代码" | "代码" | "统一社会信用代码" => {
            return Col::Key;
        }
        "NAME" | "名称" | "主体" | "企业名称" => return Col::Name,
        "GROUPS" | "分组" | "标签" => return Col::Groups,
        "EXEMPT" | "不定等级" => return Col::Exempt,
        _ => {}
    }
    let (base, part) = match h.split_once('@') {
        None => (h.as_str(), Part::Value),
        Some((b, suffix)) => match suffix.trim() {
            "上年" | "上年同期" | "PREVIOUS" => (b, Part::Previous),
            "增速" | "GROWTH" => (b, Part::Growth),
            "目标" | "TARGET" => (b, Part::Target),
            _ => return Col::Ignored,
        },
    };
    let base = base.trim();
    for (k, it) in scheme.items().iter().enumerate() {
        let by_indicator = it.indicator.as_ref().is_some_and(|c| c.as_str() == base);
        let by_scheme = matches!(&it.measure, MeasureKind::SchemeScore { scheme } if scheme.eq_ignore_ascii_case(base));
        if by_indicator || by_scheme || it.id.eq_ignore_ascii_case(base) {
            return Col::Item(k, part);
        }
    }
    if part == Part::Value
        && let Some(a) = scheme
            .adjustments()
            .iter()
            .find(|a| a.id.eq_ignore_ascii_case(base))
    {
        return Col::Adjustment(a.id.clone());
    }
    Col::Ignored
}

fn parse_number(raw: &[u8], row: u64, col: usize, header: &str) -> Result<Option<f64>, AppError> {
    let t = std::str::from_utf8(raw)
        .map_err(|_| {
            AppError::invalid(format!(
                "第{row}行第{}列（{header}）不是 UTF-8 文本",
                col + 1
            ))
        })?
        .trim();
    if t.is_empty() || t == "-" || t == "—" {
        return Ok(None);
    }
    let parsed = if t.contains(',') {
        t.replace(',', "").parse::<f64>()
    } else {
        t.parse::<f64>()
    };
    let x = parsed.map_err(|_| {
        AppError::invalid(format!("第{row}行第{}列（{header}）“{t}”不是数字", col + 1))
    })?;
    if !x.is_finite() {
        return Err(AppError::invalid(format!(
            "第{row}行第{}列（{header}）“{t}”不是有限数",
            col + 1
        )));
    }
    Ok(Some(x))
}

/// Reads the input into the engine's columns; the city row (when named) becomes the reference.
fn read_input(
    scheme: &Scheme,
    input: impl Read,
    city_key: Option<&str>,
) -> Result<EvalInput, AppError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| AppError::invalid(format!("无法读取表头：{e}")))?
        .iter()
        .map(String::from)
        .collect();
    let cols: Vec<Col> = headers.iter().map(|h| classify(scheme, h)).collect();
    if !cols.contains(&Col::Key) {
        return Err(AppError::invalid(
            "输入缺少主体代码列（表头应为 主体代码 或 key）",
        ));
    }
    let items = scheme.items();
    let missing: Vec<String> = items
        .iter()
        .enumerate()
        .filter(|(k, _)| !cols.contains(&Col::Item(*k, Part::Value)))
        .map(|(_, it)| {
            it.indicator
                .as_ref()
                .map_or_else(|| it.id.clone(), |c| c.as_str().to_string())
        })
        .collect();
    if !missing.is_empty() {
        return Err(AppError::invalid(format!(
            "输入缺少评价项的列：{}（列名为指标代码或评价项代码）",
            missing.join("、")
        )));
    }
    let pop = scheme.population();
    let level = pop.level.unwrap_or(1);
    let mut entities: Vec<EntityInput> = Vec::new();
    let mut item_cols: Vec<[Vec<Option<f64>>; 4]> =
        items.iter().map(|_| Default::default()).collect();
    let mut adj_cols: HashMap<String, Vec<Option<f64>>> = HashMap::new();
    let mut city: Vec<[Option<f64>; 4]> = vec![[None; 4]; items.len()];
    let part_index = |p: Part| match p {
        Part::Value => 0,
        Part::Previous => 1,
        Part::Growth => 2,
        Part::Target => 3,
    };
    let mut record = csv::ByteRecord::new();
    let mut row: u64 = 1;
    let mut key_groups: HashMap<String, Arc<[String]>> = HashMap::new();
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(AppError::invalid(format!("CSV 格式错误：{e}"))),
        }
        row += 1;
        let text = |i: usize| -> Result<&str, AppError> {
            std::str::from_utf8(&record[i])
                .map_err(|_| AppError::invalid(format!("第{row}行第{}列不是 UTF-8 文本", i + 1)))
        };
        let key_idx = cols.iter().position(|c| *c == Col::Key).unwrap_or(0);
        let key = text(key_idx)?.trim();
        if key.is_empty() {
            return Err(AppError::invalid(format!("第{row}行缺少主体代码")));
        }
        let is_city = city_key == Some(key);
        let mut e = EntityInput::new(key, String::new(), pop.kind, level);
        for (i, c) in cols.iter().enumerate() {
            match c {
                Col::Name => e.name = text(i)?.trim().to_string(),
                Col::Groups => {
                    let g = text(i)?.trim();
                    if !g.is_empty() {
                        // Firms share few distinct group lists: parse each list once.
                        let list = key_groups.entry(g.to_string()).or_insert_with(|| {
                            g.split([';', '；', '、', '|'])
                                .map(str::trim)
                                .filter(|s| !s.is_empty())
                                .map(String::from)
                                .collect::<Vec<_>>()
                                .into()
                        });
                        e.groups = list.to_vec();
                    }
                }
                Col::Exempt => {
                    let t = text(i)?.trim();
                    e.exempt = matches!(t, "1" | "是" | "true" | "TRUE" | "True" | "Y" | "y");
                }
                Col::Item(k, part) => {
                    let v = parse_number(&record[i], row, i, &headers[i])?;
                    if is_city {
                        city[*k][part_index(*part)] = v;
                    } else {
                        item_cols[*k][part_index(*part)].push(v);
                    }
                }
                Col::Adjustment(id) => {
                    let v = parse_number(&record[i], row, i, &headers[i])?;
                    if !is_city {
                        adj_cols.entry(id.clone()).or_default().push(v);
                    }
                }
                Col::Key | Col::Ignored => {}
            }
        }
        if !is_city {
            entities.push(e);
        }
    }
    let mut input = EvalInput::new(entities);
    for (k, (it, [value, previous, growth, target])) in items.iter().zip(item_cols).enumerate() {
        let [cv, cp, cg, ct] = city[k];
        let city_growth =
            yiping_eval::pick_growth(cg, yiping_eval::measures::yoy_growth(cv, cp)).map(|(v, _)| v);
        let city_value = match &it.measure {
            MeasureKind::Growth
            | MeasureKind::DifferenceToReference {
                base: Base::Growth, ..
            } => city_growth,
            MeasureKind::Completion => cv
                .zip(ct)
                .and_then(|(v, t)| yiping_eval::measures::completion_rate(v, t)),
            _ => cv,
        };
        input.items.insert(
            it.id.clone(),
            ItemInput {
                value,
                previous,
                reported_growth: growth,
                target,
                city: city_value,
                parent_current: cv,
                parent_previous: cp,
                ..ItemInput::default()
            },
        );
    }
    input.adjustments = adj_cols.into_iter().collect();
    Ok(input)
}

/// One item's (measure, points) for a run of rows.
type ItemCells = (Vec<Option<f64>>, Vec<Option<f64>>);

/// A float as CSV text: shortest round-trip form, integers without `.0`.
fn float(f: &mut ryu::Buffer, x: Option<f64>) -> &str {
    match x {
        None => "",
        Some(x) => {
            let s = f.format(x);
            s.strip_suffix(".0").unwrap_or(s)
        }
    }
}

/// Formats league rows (row index, result) as CSV records into a buffer. `items[k]` holds item
/// k's (measure, points) for these rows, in the same order: gathered beforehand column by column,
/// because reading them here row by row in rank order would miss the cache on every cell.
fn format_rows(
    ev: &Evaluation,
    input: &EvalInput,
    rows: &[(usize, &yiping_eval::EntityResult)],
    items: &[ItemCells],
) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(rows.len() * 200));
    let (mut f, mut n) = (ryu::Buffer::new(), itoa::Buffer::new());
    for (j, &(i, r)) in rows.iter().enumerate() {
        w.write_field(r.rank.map_or("", |x| n.format(x)))?;
        w.write_field(&*r.key)?;
        w.write_field(&input.entities[r.input_index].name)?;
        w.write_field(ev.cohort_of(r).unwrap_or(""))?;
        w.write_field(r.cohort_rank.map_or("", |x| n.format(x)))?;
        w.write_field(float(&mut f, r.score))?;
        w.write_field(ev.grade_of(r).unwrap_or(""))?;
        w.write_field(ev.colour_of(r).unwrap_or(""))?;
        w.write_field(if r.exempt { "是" } else { "" })?;
        w.write_field(ev.explanation(i))?;
        for (measure, points) in items {
            w.write_field(float(&mut f, measure[j]))?;
            w.write_field(float(&mut f, points[j]))?;
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Which columns the output has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputColumns {
    /// The whole league table: rank, key, name, cohort, cohort rank, score, grade, colour,
    /// exemption, explanation, and each item's measure and points.
    #[default]
    Full,
    /// Rank, key, score and grade only (for feeding another system).
    Brief,
}

const BRIEF_HEADER: [&str; 4] = ["排名", "主体代码", "得分", "等级"];

/// Rank, key, score and grade of league rows.
fn format_brief(
    ev: &Evaluation,
    rows: &[(usize, &yiping_eval::EntityResult)],
) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(rows.len() * 48));
    let (mut f, mut n) = (ryu::Buffer::new(), itoa::Buffer::new());
    for &(_, r) in rows {
        w.write_field(r.rank.map_or("", |x| n.format(x)))?;
        w.write_field(&*r.key)?;
        w.write_field(float(&mut f, r.score))?;
        w.write_field(ev.grade_of(r).unwrap_or(""))?;
        w.write_record(None::<&[u8]>)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Writes the league table; rows are formatted on every core, in rank order.
fn write_output(
    ev: &Evaluation,
    input: &EvalInput,
    columns: OutputColumns,
    mut out: impl Write,
) -> Result<(), AppError> {
    let failed = |e: &dyn std::fmt::Display| AppError::invalid(format!("无法写入输出：{e}"));
    if columns == OutputColumns::Brief {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(BRIEF_HEADER).map_err(|e| failed(&e))?;
        let order: Vec<(usize, &yiping_eval::EntityResult)> = ev.ranked().collect();
        let head = w.into_inner().map_err(|e| failed(&e.into_error()))?;
        out.write_all(&head).map_err(|e| failed(&e))?;
        out.write_all(&format_brief(ev, &order).map_err(|e| failed(&e))?)
            .map_err(|e| failed(&e))?;
        out.flush().map_err(|e| failed(&e))?;
        return Ok(());
    }
    let mut header: Vec<String> = [
        "排名",
        "主体代码",
        "名称",
        "组别",
        "组内排名",
        "得分",
        "等级",
        "颜色",
        "不定等级",
        "说明",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for c in &ev.items {
        header.push(format!("{}（指标值）", c.name));
        header.push(format!("{}（得分）", c.name));
    }
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(&header).map_err(|e| failed(&e))?;
    let head = w.into_inner().map_err(|e| failed(&e.into_error()))?;
    out.write_all(&head).map_err(|e| failed(&e))?;
    let order: Vec<(usize, &yiping_eval::EntityResult)> = ev.ranked().collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let size = order.len().div_ceil(threads).max(1);
    let parts: Vec<Result<Vec<u8>, csv::Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = order
            .chunks(size)
            .map(|chunk| {
                s.spawn(move || {
                    let items: Vec<_> = ev
                        .items
                        .iter()
                        .map(|c| {
                            let m = chunk.iter().map(|&(i, _)| c.measure[i]).collect();
                            let p = chunk.iter().map(|&(i, _)| c.normalised[i]).collect();
                            (m, p)
                        })
                        .collect();
                    format_rows(ev, input, chunk, &items)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(csv::Error::from(std::io::Error::other("格式化线程失败")))
                })
            })
            .collect()
    });
    for part in parts {
        out.write_all(&part.map_err(|e| failed(&e))?)
            .map_err(|e| failed(&e))?;
    }
    out.flush().map_err(|e| failed(&e))?;
    Ok(())
}

/// Evaluates `scheme` on the CSV `input` and writes the league table to `output`.
pub fn evaluate_csv(
    scheme: &Scheme,
    input: impl Read,
    output: impl Write,
    city_key: Option<&str>,
    columns: OutputColumns,
) -> Result<CsvEvaluation, AppError> {
    let t0 = Instant::now();
    let data = read_input(scheme, input, city_key)?;
    let t1 = Instant::now();
    let evaluation = evaluate(scheme, &data);
    let t2 = Instant::now();
    write_output(&evaluation, &data, columns, output)?;
    let t3 = Instant::now();
    Ok(CsvEvaluation {
        rows: data.entities.len(),
        evaluation,
        timings: CsvTimings {
            read: t1 - t0,
            compute: t2 - t1,
            write: t3 - t2,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEME: &str = r#"
code = "T"
name = "测试"
year = 2024
frequency = "year"
missing = "exclude"
weighting = "per_hundred"
[population]
kind = "enterprise"
groups = ["规上"]
[[items]]
id = "tax"
name = "亩均税收"
indicator = "TAX_PER_MU"
weight = 100
normalisation = { method = "benchmark_ratio", benchmark = 10.0 }
[exemptions]
groups = ["公用事业"]
[banding]
mode = "relative"
bands = [{ grade = "A", top_pct = 50 }, { grade = "B" }]
"#;

    #[test]
    fn a_csv_is_ranked_graded_and_written_in_rank_order() {
        let s = Scheme::from_toml_str(SCHEME).unwrap();
        let input = "主体代码,名称,分组,TAX_PER_MU\n\
                     E1,甲,规上,5\n\
                     E2,乙,规上;公用事业,20\n\
                     E3,丙,规下,30\n\
                     E4,丁,规上,15\n\
                     E5,戊,规上,\n";
        let mut out = Vec::new();
        let r = evaluate_csv(&s, input.as_bytes(), &mut out, None, OutputColumns::Full).unwrap();
        assert_eq!(r.rows, 5);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("排名,主体代码,名称,组别,组内排名,得分,等级"));
        assert!(lines[1].starts_with("1,E2,乙,,,200,,,是,"), "{}", lines[1]);
        assert!(lines[2].starts_with("2,E4,丁,,,150,A,"), "{}", lines[2]);
        assert!(lines[3].starts_with("3,E1,甲,,,50,B,"), "{}", lines[3]);
        assert!(
            lines[4].starts_with(",E5,戊,,,,,,,缺少亩均税收数据"),
            "{}",
            lines[4]
        );
        assert_eq!(lines.len(), 5, "the 规下 firm is not in the population");
    }

    #[test]
    fn the_city_row_is_the_reference_and_reported_growth_wins() {
        let s = Scheme::from_toml_str(yiping_eval::shipped::FIVE_COLOUR_IND_VA).unwrap();
        // City growth 8.6 (DOMAIN §6): ≥ 10.6 深绿, ≥ 8.6 绿, ≥ 6.6 黄, ≥ 0 橙, else 红.
        let input = "主体代码,名称,IND_VA,IND_VA@上年,IND_VA@增速\n\
                     500000,重庆市,,,8.6\n\
                     500106,沙坪坝区,,,24.6\n\
                     500156,武隆区,114,100,\n\
                     500103,渝中区,,,7.0\n\
                     500110,綦江区,105,100,-3.0\n";
        let mut out = Vec::new();
        let r = evaluate_csv(
            &s,
            input.as_bytes(),
            &mut out,
            Some("500000"),
            OutputColumns::Full,
        )
        .unwrap();
        assert_eq!(r.rows, 4, "the city row is not ranked");
        let text = String::from_utf8(out).unwrap();
        let colour = |key: &str| {
            text.lines()
                .find(|l| l.contains(key))
                .and_then(|l| l.split(',').nth(7))
                .unwrap()
                .to_string()
        };
        assert_eq!(colour("500106"), "深绿");
        assert_eq!(colour("500156"), "深绿", "derived growth 14 %");
        assert_eq!(colour("500103"), "黄");
        assert_eq!(
            colour("500110"),
            "红",
            "reported −3.0 wins over the derived +5 %"
        );
    }

    #[test]
    fn brief_output_has_rank_key_score_and_grade_only() {
        let s = Scheme::from_toml_str(SCHEME).unwrap();
        let mut full = Vec::new();
        let input = "主体代码,名称,分组,TAX_PER_MU\nE1,甲,规上,30\nE2,乙,规上,10\nE3,丙,规上,20\n";
        evaluate_csv(&s, input.as_bytes(), &mut full, None, OutputColumns::Full).unwrap();
        let mut brief = Vec::new();
        evaluate_csv(&s, input.as_bytes(), &mut brief, None, OutputColumns::Brief).unwrap();
        let brief = String::from_utf8(brief).unwrap();
        let lines: Vec<&str> = brief.lines().collect();
        assert_eq!(lines[0], "排名,主体代码,得分,等级");
        assert_eq!(lines.len(), 4);
        // The same ranks, keys, scores and grades as the full table, in the same order.
        let full = String::from_utf8(full).unwrap();
        for (b, f) in lines[1..].iter().zip(full.lines().skip(1)) {
            let b: Vec<&str> = b.split(',').collect();
            let f: Vec<&str> = f.split(',').collect();
            assert_eq!((b[0], b[1], b[2], b[3]), (f[0], f[1], f[5], f[6]));
        }
    }

    #[test]
    fn bad_input_is_refused_with_the_place() {
        let s = Scheme::from_toml_str(SCHEME).unwrap();
        let e = evaluate_csv(
            &s,
            "主体代码,TAXES\nE1,1\n".as_bytes(),
            Vec::new(),
            None,
            OutputColumns::Full,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("TAX_PER_MU"), "{e}");
        let e = evaluate_csv(
            &s,
            "主体代码,TAX_PER_MU\nE1,abc\n".as_bytes(),
            Vec::new(),
            None,
            OutputColumns::Full,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("第2行第2列") && e.contains("abc"), "{e}");
    }
}
