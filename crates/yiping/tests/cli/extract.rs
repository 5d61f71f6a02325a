//! `yiping extract` as a user runs it: facts out of .txt and .docx, CSV output, clear errors for
//! files that are not reports.

use std::io::Write;
use std::path::Path;

use super::support::{text, yiping};

/// A short digest written for these tests (one speaker, a lead paragraph with the period).
const DIGEST: &str = "发言摘登\n\n会议通报2024年一季度经济运行情况。梁平区、城口县负责同志作交流发言。\n\n稳中求进 奋勇争先\n\n梁平区委书记 张三\n\n梁平区一季度地区生产总值增长6.6%、居全市第五,规上工业增加值增长１０．２％。\n\n一、抓项目。新签约项目18个、总投资126亿元。营商环境报表位列A档。\n";

fn no_db(dir: &Path) -> std::path::PathBuf {
    dir.join("absent.db")
}

fn facts(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_text_report_gives_one_fact_per_line_with_exact_spans() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("digest.txt");
    std::fs::write(&file, DIGEST).unwrap();
    let o = yiping(&no_db(dir.path()), &["extract", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let f = facts(&o.stdout);
    assert_eq!(f.len(), 6, "{f:#?}");
    let chars: Vec<char> = DIGEST.chars().collect();
    for x in &f {
        let t = x["text"].as_str().unwrap();
        let off = x["offset"].as_u64().unwrap() as usize;
        let span: String = chars[off..off + t.chars().count()].iter().collect();
        assert_eq!(span, t);
        assert_eq!(x["subject"], "梁平区");
    }
    let gdp = &f[0];
    assert_eq!(gdp["indicator"], "地区生产总值");
    assert_eq!(gdp["period"], "2024Q1");
    assert_eq!(gdp["measure"], "growth_pct");
    assert_eq!(gdp["value"], 6.6);
    let rank = &f[1];
    assert_eq!(
        (rank["measure"].as_str(), rank["value"].as_f64()),
        (Some("rank"), Some(5.0))
    );
    assert_eq!(rank["compare_to"], "全市");
    assert_eq!(f[2]["value"], 10.2);
    assert_eq!(f[5]["value"], "A");
    // The database file was not created: the demo catalogue was used.
    assert!(!no_db(dir.path()).exists());
}

#[test]
fn csv_output_to_a_file_and_a_period_for_undated_text() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("note.txt");
    std::fs::write(&file, "一季度,全市社零总额增长4.5%。\n").unwrap();
    let out = dir.path().join("facts.csv");
    let o = yiping(
        &no_db(dir.path()),
        &[
            "extract",
            file.to_str().unwrap(),
            "--format",
            "csv",
            "-o",
            out.to_str().unwrap(),
            "--period",
            "2025年一季度",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("已抽取 1 条事实"), "{}", text(&o));
    let csv = std::fs::read_to_string(&out).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("subject,region,indicator_text,indicator,period,measure,value")
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with("全市,全市,社零总额,社会消费品零售总额,2025Q1,growth_pct,4.5,%"),
        "{row}"
    );
}

fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let mut body = String::new();
    for p in paragraphs {
        // Split each paragraph into two runs, as Word does.
        let cut = p
            .char_indices()
            .nth(p.chars().count() / 2)
            .map_or(0, |(i, _)| i);
        body.push_str(&format!(
            "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r><w:r><w:t>{}</w:t></w:r></w:p>",
            &p[..cut],
            &p[cut..]
        ));
    }
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default();
        z.start_file("[Content_Types].xml", opts).unwrap();
        z.write_all(b"<Types/>").unwrap();
        z.start_file("word/document.xml", opts).unwrap();
        z.write_all(xml.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    buf.into_inner()
}

#[test]
fn a_docx_report_is_read_paragraph_by_paragraph() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("digest.docx");
    let paras: Vec<&str> = DIGEST.split("\n\n").map(str::trim).collect();
    std::fs::write(&file, docx(&paras)).unwrap();
    let saved = dir.path().join("body.txt");
    let o = yiping(
        &no_db(dir.path()),
        &[
            "extract",
            file.to_str().unwrap(),
            "--text-out",
            saved.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let f = facts(&o.stdout);
    assert_eq!(f.len(), 6, "{f:#?}");
    // Offsets refer to the text as read, which --text-out saves.
    let body: Vec<char> = std::fs::read_to_string(&saved).unwrap().chars().collect();
    for x in &f {
        let t = x["text"].as_str().unwrap();
        let off = x["offset"].as_u64().unwrap() as usize;
        assert_eq!(
            body[off..off + t.chars().count()]
                .iter()
                .collect::<String>(),
            t
        );
    }
}

fn fails_with(args: &[&str], dir: &Path, needles: &[&str]) {
    let o = yiping(&no_db(dir), args);
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    for n in needles {
        assert!(t.contains(n), "{n} not in: {t}");
    }
}

#[test]
fn files_that_are_not_reports_are_refused_with_their_name() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("photo.txt");
    std::fs::write(&bin, [0x89u8, b'P', b'N', b'G', 0, 0, 0, 13, 0xFF, 0x00]).unwrap();
    fails_with(
        &["extract", bin.to_str().unwrap()],
        dir.path(),
        &["photo.txt", "二进制"],
    );

    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    fails_with(
        &["extract", empty.to_str().unwrap()],
        dir.path(),
        &["empty.txt", "空文件"],
    );

    let blank = dir.path().join("blank.txt");
    std::fs::write(&blank, "\n \n").unwrap();
    fails_with(
        &["extract", blank.to_str().unwrap()],
        dir.path(),
        &["blank.txt", "没有文字"],
    );

    let fake = dir.path().join("report.docx");
    std::fs::write(&fake, "这不是压缩包").unwrap();
    fails_with(
        &["extract", fake.to_str().unwrap()],
        dir.path(),
        &["report.docx", "不是可读的 .docx", "ZIP"],
    );

    let missing = dir.path().join("nothing.txt");
    fails_with(
        &["extract", missing.to_str().unwrap()],
        dir.path(),
        &["nothing.txt"],
    );

    let pdf = dir.path().join("scan.pdf");
    std::fs::write(&pdf, b"%PDF-1.4 not really").unwrap();
    let has_pdftotext = std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok();
    let needle = if has_pdftotext {
        "不是可读的 PDF"
    } else {
        "pdftotext"
    };
    fails_with(
        &["extract", pdf.to_str().unwrap()],
        dir.path(),
        &["scan.pdf", needle],
    );
}

#[test]
fn an_existing_database_supplies_the_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.db");
    let o = yiping(&db, &["init"]);
    assert!(o.status.success(), "{}", text(&o));
    let file = dir.path().join("digest.txt");
    std::fs::write(&file, DIGEST).unwrap();
    let o = yiping(&db, &["extract", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let f = facts(&o.stdout);
    // An empty catalogue: the same values, but no indicator maps.
    assert_eq!(f.len(), 6);
    assert!(f.iter().all(|x| x["indicator"].is_null()), "{f:#?}");
}
