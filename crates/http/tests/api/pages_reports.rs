//! The report review page (报告读数): a written report uploaded, its facts shown beside the text,
//! the confirmed ones stored as drafts with the report as source; nothing stored by reading, and
//! nothing outside the reviewer's scope.

use yiping_kernel::ObservationStatus;
use yiping_store::{ObservationFilter, Page};

use crate::helpers::*;

/// A report of a quarter the demo has no data for, so every fact is new.
const REPORT: &str = "2019年一季度经济运行简报\n\
2019年一季度，渝中区地区生产总值增长6.5%，固定资产投资增长8.2%。\n";

async fn read(app: &TestApp, s: &Session, name: &str, bytes: &[u8], unit: &str) -> Reply {
    let b = "----yipingreportboundary";
    let mut body = Vec::new();
    for (field, value) in [("period", ""), ("unit", unit)] {
        body.extend(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .into_bytes(),
        );
    }
    body.extend(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n"
        )
        .into_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend(format!("\r\n--{b}--\r\n").into_bytes());
    let ct = format!("multipart/form-data; boundary={b}");
    let headers = [
        ("Cookie", s.cookie.as_str()),
        ("X-CSRF-Token", s.csrf.as_str()),
    ];
    send_bytes(
        app,
        "POST",
        "/data/reports/read",
        &headers,
        Some((&ct, body)),
    )
    .await
}

async fn drafts(app: &TestApp) -> Vec<yiping_kernel::Observation> {
    app.store
        .observations(
            &ObservationFilter {
                status: Some(ObservationStatus::Draft),
                ..ObservationFilter::default()
            },
            Page::first(100),
        )
        .await
        .unwrap()
        .items
}

/// The value of the input named `name` in `html`.
fn input_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no {name} in {html}"));
    let rest = &html[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reporter_reads_a_report_and_stores_the_confirmed_facts_as_drafts() {
    let app = spawn_demo().await;
    let s = login(&app, "yuzhong-reporter").await;
    let page = get_as(&app, &s, "/data/reports").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("报告读数") && page.body.contains("渝中区"));

    let r = read(&app, &s, "简报.txt", REPORT.as_bytes(), "渝中区").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("mark id=\"fact-0\""), "{}", r.body);
    assert!(r.body.contains("可直接保存"), "{}", r.body);
    assert!(drafts(&app).await.is_empty(), "reading stores nothing");

    // Confirm the GDP fact as read and the investment fact corrected.
    let i_gdp = if input_value(&r.body, "text_0").contains("6.5") {
        "0"
    } else {
        "1"
    };
    let i_fai = if i_gdp == "0" { "1" } else { "0" };
    let mut fields: Vec<(String, String)> = vec![
        ("file".into(), "简报.txt".into()),
        ("digest".into(), input_value(&r.body, "digest")),
    ];
    for i in [i_gdp, i_fai] {
        fields.push(("keep".into(), i.into()));
        for f in ["entity", "indicator", "period", "unit", "text"] {
            let name = format!("{f}_{i}");
            fields.push((name.clone(), input_value(&r.body, &name)));
        }
        fields.push((format!("measure_{i}"), "growth".into()));
        let value = if i == i_fai {
            "8.4".to_string()
        } else {
            input_value(&r.body, &format!("value_{i}"))
        };
        fields.push((format!("value_{i}"), value));
    }
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = post_form_as(&app, &s, "/data/reports/save", &refs).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("存为草稿：新增2项"), "{}", saved.body);
    let stored = drafts(&app).await;
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert!(stored.iter().all(|o| o.source == "报告《简报.txt》"));
    assert!(stored.iter().any(|o| o.value.value() == 8.4));

    // Another district's reporter cannot store 渝中区's figure: refused whole, fact named.
    let w = login(&app, "wanzhou-reporter").await;
    let mut other = refs.clone();
    for (k, v) in other.iter_mut() {
        if *k == format!("value_{i_gdp}") {
            *v = "6.6";
        }
    }
    let refused = post_form_as(&app, &w, "/data/reports/save", &other).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("超出本单位"), "{}", refused.body);
    assert!(refused.body.contains("未保存"), "{}", refused.body);
    assert_eq!(drafts(&app).await.len(), 2);

    // A file that is not a report is named; a handler may not use the page.
    let bad = read(&app, &s, "假.docx", b"not a zip", "").await;
    assert!(
        bad.body.contains("假.docx") && bad.body.contains(".docx"),
        "{}",
        bad.body
    );
    let h = login(&app, "jxw-handler").await;
    assert_eq!(get_as(&app, &h, "/data/reports").await.status, 403);
    let r = read(&app, &h, "简报.txt", REPORT.as_bytes(), "").await;
    assert_eq!(r.status, 403, "{}", r.body);
}
