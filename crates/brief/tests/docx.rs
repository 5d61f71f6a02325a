//! The Word document: LibreOffice opens it (converted to PDF), its text holds every number the
//! template placed, and page 1 is rendered for a look (`target/brief-district-1.png`).

use std::path::Path;
use std::process::Command;

use yiping_brief::*;

#[path = "roundtrip.rs"]
#[allow(dead_code)]
mod roundtrip_data;

fn font() -> Vec<u8> {
    for p in [
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    ] {
        if let Ok(b) = std::fs::read(p) {
            return b;
        }
    }
    panic!("no CJK font for the charts (apt-get install fonts-wqy-zenhei)");
}

fn sample() -> BriefData {
    let mut d = roundtrip_data::district();
    d.trends = vec![
        Trend {
            name: "规上工业增加值增速".into(),
            unit: "%".into(),
            points: (1..=9)
                .map(|m| (format!("2024-{m:02}"), Some(5.0 + f64::from(m) * 0.3)))
                .collect(),
        },
        Trend {
            name: "固定资产投资增速".into(),
            unit: "%".into(),
            points: (1..=9)
                .map(|m| (format!("2024-{m:02}"), Some(-4.0 + f64::from(m) * 0.1)))
                .collect(),
        },
    ];
    d.behind = vec![Behind {
        unit: "解放碑街道".into(),
        indicator: "固定资产投资".into(),
        completion: 61.2,
        time_progress: 75.0,
        gap: -13.8,
        label: "明显低于".into(),
    }];
    d.problems = Problems {
        total: 12,
        open: 4,
        closed: 8,
        overdue: 1,
        closure_rate: Some(66.7),
        rows: vec![ProblemRow {
            title: "某园区道路积水".into(),
            place: "解放碑街道".into(),
            stage: "办理中".into(),
            overdue: true,
        }],
    };
    d
}

#[test]
fn the_document_opens_in_libreoffice_with_its_numbers_tables_and_charts() {
    chart::use_font(font()).unwrap();
    let t = Template::parse(
        "月度通报",
        include_str!("../../../templates/briefs/月度通报.toml"),
    )
    .unwrap();
    let b = compose(&t, &sample());
    let charts = b
        .blocks
        .iter()
        .filter(|x| matches!(x, Block::Chart(_)))
        .count();
    let tables = b
        .blocks
        .iter()
        .filter(|x| matches!(x, Block::Table(_)))
        .count();
    assert_eq!((charts, tables), (2, 4));
    let bytes = docx::write(&b).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("通报.docx");
    std::fs::write(&path, &bytes).unwrap();
    let Ok(st) = Command::new("libreoffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&path)
        .env("HOME", dir.path())
        .status()
    else {
        eprintln!("LibreOffice is not installed: the conversion leg is skipped");
        return;
    };
    assert!(st.success());
    let pdf = dir.path().join("通报.pdf");
    assert!(pdf.exists(), "LibreOffice wrote no PDF");
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // The pages as pictures, for a look: target/brief-sample-N.png.
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/brief-sample");
    let _ = Command::new("pdftoppm")
        .args(["-png", "-r", "60"])
        .arg(&pdf)
        .arg(&target)
        .status();
    for p in &b.placed {
        assert!(
            text.contains(&p.text),
            "{} ({}) is not in the PDF:\n{text}",
            p.what,
            p.text
        );
        let back: f64 = p.text.parse().unwrap();
        assert_eq!(back, words::printed(p.stored, p.decimals), "{}", p.what);
    }
    // pdftotext spaces Latin runs off Chinese ones (2024 年): compare without spaces.
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for needle in [
        "渝中区经济运行监测调度中心",
        "表2",
        "江北区",
        "解放碑街道",
        "—1—",
        "—2—",
    ] {
        assert!(compact.contains(needle), "{needle} missing:\n{text}");
    }
}
