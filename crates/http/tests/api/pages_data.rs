//! The data pages: the entry form (scope, role, CSRF, validation, all or nothing), the import
//! (dry run, confirmation, out-of-scope rows) and exports.

use yiping_kernel::{
    IndicatorId, Measure, ObservationKey, ObservationStatus, ObservationValue, Period,
};
use yiping_store::{ApplyOptions, ChangeContext, ObservationFilter, Page};

use super::helpers::{
    Reply, Session, TestApp, enc, first_value_field, get_as, login, post_form_as, send, send_as,
    spawn_demo,
};

const YUZHONG: &str = "500103";
const WANZHOU: &str = "500101";

fn entry_url(unit: &str) -> String {
    format!("/data/entry?unit={unit}&period=2024M10")
}

/// The id of the demo entity with `code`.
async fn entity_id(app: &TestApp, code: &str) -> yiping_kernel::EntityId {
    let all = app.store.all_entities().await.unwrap();
    all.iter()
        .find(|e| e.data.code.as_ref().is_some_and(|c| c.as_str() == code))
        .unwrap()
        .id
}

async fn stored(app: &TestApp, entity: &str, field: &str) -> Option<f64> {
    let e = entity_id(app, entity).await;
    let key = ObservationKey {
        entity: e,
        indicator: IndicatorId(field[1..].parse().unwrap()),
        period: Period::months(2024, 1, 10).unwrap(),
        measure: Measure::Value,
    };
    let page = app
        .store
        .observations(
            &ObservationFilter {
                entities: Some(vec![key.entity]),
                indicators: Some(vec![key.indicator]),
                periods: Some(vec![key.period]),
                measure: Some(Measure::Value),
                ..ObservationFilter::default()
            },
            Page::first(5),
        )
        .await
        .unwrap();
    page.items.first().map(|o| o.value.value())
}

/// The demo's figures are approved (已审核); the unit's 2024年1—10月 figures are set back to
/// 已报送 so that its reporter may change them.
async fn unapprove(app: &TestApp, entity: &str) {
    let e = entity_id(app, entity).await;
    let page = app
        .store
        .observations(
            &ObservationFilter {
                entities: Some(vec![e]),
                periods: Some(vec![Period::months(2024, 1, 10).unwrap()]),
                ..ObservationFilter::default()
            },
            Page::first(500),
        )
        .await
        .unwrap();
    let batch: Vec<_> = page
        .items
        .iter()
        .map(|o| {
            let v = ObservationValue::new(o.value.value(), ObservationStatus::Submitted).unwrap();
            (o.key, v)
        })
        .collect();
    let ctx = ChangeContext::new("测试", "退回", chrono::Utc::now());
    app.store
        .apply_observations(&batch, &ctx, ApplyOptions::write())
        .await
        .unwrap();
}

async fn post_entry(app: &TestApp, s: &Session, unit: &str, fields: &[(&str, &str)]) -> Reply {
    super::helpers::post_form_as(app, s, &entry_url(unit), fields).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reporter_enters_its_own_units_figures_and_nobody_elses() {
    let app = spawn_demo().await;
    let me = login(&app, "yuzhong-reporter").await;
    let form = get_as(&app, &me, &entry_url(YUZHONG)).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("渝中区"));
    assert!(form.body.contains("报送截止"));
    // October 2024 is long past, but its figures are stored (and approved): not overdue.
    assert!(form.body.contains("已审核"), "{}", form.body);
    assert!(
        !form.body.contains("逾期"),
        "a month with data is not overdue"
    );
    assert!(
        form.body.contains("2024年11月07日"),
        "5th working day of November"
    );
    let field = first_value_field(&form.body);

    // Another district's form: refused, in Chinese, for reading and for posting.
    let other = get_as(&app, &me, &entry_url(WANZHOU)).await;
    assert_eq!(other.status, 403);
    assert!(
        other.body.contains("超出本单位（渝中区）的管辖范围"),
        "{}",
        other.body
    );
    let before = stored(&app, WANZHOU, &field).await;
    let r = post_entry(&app, &me, WANZHOU, &[(&field, "1")]).await;
    assert_eq!(r.status, 403);
    assert_eq!(stored(&app, WANZHOU, &field).await, before);

    // A leader reads data but does not enter it.
    let leader = login(&app, "leader").await;
    let r = get_as(&app, &leader, &entry_url(YUZHONG)).await;
    assert_eq!(r.status, 403);
    let r = post_entry(&app, &leader, YUZHONG, &[(&field, "1")]).await;
    assert_eq!(r.status, 403);

    // Without the CSRF token nothing happens.
    let body = format!("{}=1", enc(&field));
    let r = send(
        &app,
        "POST",
        &entry_url(YUZHONG),
        &[("Cookie", me.cookie.as_str())],
        Some(("application/x-www-form-urlencoded", body)),
    )
    .await;
    assert_eq!(r.status, 403);

    // A wrong field: the message beside it, nothing stored (not even the right field).
    let growth = field.replacen('v', "g", 1);
    let before = stored(&app, YUZHONG, &field).await;
    let r = post_entry(&app, &me, YUZHONG, &[(&field, "4321.5"), (&growth, "十二")]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("“十二”不是有效的数字"), "{}", r.body);
    assert!(r.body.contains("本次未保存任何数据"));
    assert_eq!(stored(&app, YUZHONG, &field).await, before);

    // Right, but the figure is approved (已审核): a reporter may not change it (issue 11, bug 3).
    let r = post_entry(
        &app,
        &me,
        YUZHONG,
        &[(&field, "4,321.5"), (&growth, "-2.5")],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("已审核"), "{}", r.body);
    assert_eq!(stored(&app, YUZHONG, &field).await, before);

    // Once sent back to 已报送, saved through the importer.
    unapprove(&app, YUZHONG).await;
    let r = post_entry(
        &app,
        &me,
        YUZHONG,
        &[(&field, "4,321.5"), (&growth, "-2.5")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("已保存"), "{}", r.body);
    assert_eq!(stored(&app, YUZHONG, &field).await, Some(4321.5));
    assert!(
        r.body.contains("value=\"4321.50\""),
        "the form shows the stored value"
    );
}

fn multipart(file_name: &str, csv: &str, digest: Option<&str>) -> (String, String) {
    let b = "----yipingtestboundary";
    let mut body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n"
    );
    if let Some(d) = digest {
        body.push_str(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"digest\"\r\n\r\n{d}\r\n"
        ));
    }
    body.push_str(&format!("--{b}--\r\n"));
    (format!("multipart/form-data; boundary={b}"), body)
}

async fn upload(app: &TestApp, s: &Session, path: &str, csv: &str, digest: Option<&str>) -> Reply {
    let (ct, body) = multipart("渝中区10月.csv", csv, digest);
    send_as(app, s, "POST", path, Some((&ct, body))).await
}

const HEADER: &str = "主体代码,主体,指标代码,指标,时期,口径,数值,计量单位\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_is_previewed_then_confirmed_and_refused_whole_outside_the_scope() {
    let app = spawn_demo().await;
    let me = login(&app, "yuzhong-reporter").await;
    let page = get_as(&app, &me, "/data/import").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("hx-encoding=\"multipart/form-data\""));

    let csv = format!("{HEADER}{YUZHONG},渝中区,FAI,固定资产投资,2024M01-M10,数值,777.77,亿元\n");
    // The figure is approved: the preview refuses the file, naming the cell (issue 11, bug 3).
    let preview = upload(&app, &me, "/data/import/preview", &csv, None).await;
    assert!(preview.body.contains("已审核（"), "{}", preview.body);
    assert!(preview.body.contains("<td>G</td>"), "{}", preview.body);
    unapprove(&app, YUZHONG).await;
    let preview = upload(&app, &me, "/data/import/preview", &csv, None).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview.body.contains("预览（尚未写入）"),
        "{}",
        preview.body
    );
    assert!(
        preview.body.contains("渝中区 固定资产投资"),
        "changes by name"
    );
    let at = preview.body.find("name=\"digest\" value=\"").unwrap() + 21;
    let digest = preview.body[at..at + 64].to_string();

    let fai = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            let ind = store
                .indicators()
                .await
                .unwrap()
                .into_iter()
                .find(|i| i.data.code.as_str() == "FAI")
                .unwrap();
            stored_fai(&store, ind.id).await
        }
    };
    assert_ne!(fai(&app).await, Some(777.77), "the preview wrote nothing");

    // Another file than the one previewed is refused.
    let other = csv.replace("777.77", "1");
    let r = upload(&app, &me, "/data/import/apply", &other, Some(&digest)).await;
    assert!(r.body.contains("文件与预览时不同，未导入"), "{}", r.body);
    let r = upload(&app, &me, "/data/import/apply", &csv, Some(&digest)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("已导入"), "{}", r.body);
    assert_eq!(fai(&app).await, Some(777.77));
    let audit = app.store.audit_events(5).await.unwrap();
    assert_eq!(
        audit.iter().filter(|e| e.action == "import.apply").count(),
        1,
        "only the applied import is recorded, not the preview: {audit:?}"
    );

    // A row of 万州区: the whole file is refused, the row named.
    let mixed = format!(
        "{HEADER}{YUZHONG},渝中区,FAI,固定资产投资,2024M01-M10,数值,1.5,亿元\n{WANZHOU},万州区,FAI,固定资产投资,2024M01-M10,数值,2.5,亿元\n"
    );
    let r = upload(&app, &me, "/data/import/preview", &mixed, None).await;
    assert_eq!(r.status, 403, "a refusal, swapped in by htmx: {}", r.body);
    assert!(r.body.contains("整个文件未导入"));
    assert!(r.body.contains("超出本单位（渝中区）的管辖范围"));
    assert!(r.body.contains("万州区"));
    assert!(!r.body.contains("确认导入"));

    // Without the CSRF header the upload is refused.
    let (ct, body) = multipart("a.csv", &csv, None);
    let r = send(
        &app,
        "POST",
        "/data/import/preview",
        &[("Cookie", me.cookie.as_str())],
        Some((&ct, body)),
    )
    .await;
    assert_eq!(r.status, 403);
}

async fn stored_fai(
    store: &std::sync::Arc<dyn yiping_store::Store>,
    id: IndicatorId,
) -> Option<f64> {
    let all = store.all_entities().await.unwrap();
    let e = all
        .iter()
        .find(|e| e.data.code.as_ref().is_some_and(|c| c.as_str() == YUZHONG))
        .unwrap();
    store
        .observations(
            &ObservationFilter {
                entities: Some(vec![e.id]),
                indicators: Some(vec![id]),
                periods: Some(vec![Period::months(2024, 1, 10).unwrap()]),
                measure: Some(Measure::Value),
                ..ObservationFilter::default()
            },
            Page::first(1),
        )
        .await
        .unwrap()
        .items
        .first()
        .map(|o| o.value.value())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_page_and_exports_stay_in_the_users_scope() {
    let app = spawn_demo().await;
    let me = login(&app, "yuzhong-reporter").await;
    let page = get_as(&app, &me, "/data").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("截止日期") && page.body.contains("导出"));

    let r = get_as(
        &app,
        &me,
        "/data/export?format=csv&layout=long&period=2024M01-M10&indicator=FAI",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.content_type.starts_with("text/csv"));
    let cd = r.header("content-disposition").unwrap();
    assert!(
        cd.contains("filename*=UTF-8''%E6%B8%9D%E4%B8%AD%E5%8C%BA"),
        "{cd}"
    );
    assert!(r.body.contains("渝中区"));
    assert!(!r.body.contains("万州区"), "only the user's subtree");

    let r = get_as(
        &app,
        &me,
        &format!("/data/export?format=csv&unit={WANZHOU}"),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = get_as(&app, &me, "/data/export?format=csv&layout=wide").await;
    assert_eq!(r.status, 422, "a wide CSV holds one period");
    assert!(r.body.contains("宽表 CSV 只能容纳一个时期"));
    let grid = login(&app, "enterprise").await;
    assert_eq!(get_as(&app, &grid, "/data").await.status, 403);
}

/// The 数据质量 page (issue 12): a reporter sees its own district's findings (not another's) and
/// marks one for follow-up; an analyst sees the outlier flag with its chart data and dismisses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quality_page_lists_findings_by_unit_and_outliers_with_their_history() {
    let app = spawn_demo().await;
    let entities = app.store.all_entities().await.unwrap();
    let id = |code: &str| {
        entities
            .iter()
            .find(|e| e.data.code.as_ref().is_some_and(|c| c.as_str() == code))
            .unwrap()
            .id
    };
    let june = Period::months(2024, 1, 6).unwrap();
    let finding = |entity, message: &str| yiping_store::NewFinding {
        rule: "PAGE_TEST".into(),
        rule_name: "页面测试规则".into(),
        importance: "medium".into(),
        entity,
        period: june,
        left: Some(5.0),
        right: Some(3.0),
        message: message.into(),
        found_at: chrono::Utc::now(),
    };
    app.store
        .record_findings(&[
            finding(id(YUZHONG), "渝中区 页面测试：左边 5 大于 右边 3"),
            finding(id(WANZHOU), "万州区 页面测试：左边 5 大于 右边 3"),
        ])
        .await
        .unwrap();
    let retail = app
        .store
        .indicators()
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.data.code.as_str() == "RETAIL")
        .unwrap()
        .id;
    app.store
        .record_outlier_flags(&[yiping_store::NewOutlierFlag {
            indicator: retail,
            entity: id(YUZHONG),
            period: june,
            value: 321.5,
            index: 1.6,
            median: 1.02,
            low: 0.97,
            high: 1.07,
            modified_z: Some(9.1),
            history: vec![(2022, 180.25), (2023, 190.75)],
            found_at: chrono::Utc::now(),
        }])
        .await
        .unwrap();

    let reporter = login(&app, "yuzhong-reporter").await;
    let page = get_as(&app, &reporter, "/data/quality").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("渝中区 页面测试"), "{}", page.body);
    assert!(
        !page.body.contains("万州区 页面测试"),
        "another district's finding is shown"
    );
    let ours = app
        .store
        .findings(&yiping_store::QualityFilter {
            entities: Some(vec![id(YUZHONG)]),
            ..Default::default()
        })
        .await
        .unwrap()[0]
        .id;
    let r = post_form_as(
        &app,
        &reporter,
        &format!("/data/quality/findings/{ours}"),
        &[("follow_up", "1"), ("comment", "已请统计员核对")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = app.store.finding(ours).await.unwrap().unwrap();
    assert!(after.follow_up);
    assert_eq!(after.comment, "已请统计员核对");

    let analyst = login(&app, "analyst").await;
    let page = get_as(&app, &analyst, "/data/quality").await;
    assert!(page.body.contains("outlier-charts"), "{}", page.body);
    assert!(page.body.contains("190.75") && page.body.contains("321.5"));
    assert!(page.body.contains("社会消费品零售总额"));
    let flag = app.store.outlier_flags(&Default::default()).await.unwrap()[0].id;
    let r = post_form_as(
        &app,
        &analyst,
        &format!("/data/quality/outliers/{flag}"),
        &[("review", "dismissed"), ("note", "")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        app.store.outlier_flag(flag).await.unwrap().unwrap().review,
        yiping_store::OutlierReview::Dismissed
    );
}

/// The month `back` months before `today`'s.
fn months_before(today: chrono::NaiveDate, back: u32) -> (i32, u8) {
    use chrono::Datelike;
    let n = today.year() * 12 + today.month0() as i32 - back as i32;
    (n.div_euclid(12), (n.rem_euclid(12) + 1) as u8)
}

/// Stores one value of every indicator 渝中区 has ever reported for the 1—m月 period of
/// (`year`, `month`), in `status` (or only 固定资产投资 (FAI) when `one` is set).
async fn fill_month(app: &TestApp, (year, month): (i32, u8), status: ObservationStatus, one: bool) {
    let e = entity_id(app, YUZHONG).await;
    let page = app
        .store
        .observations(
            &ObservationFilter {
                entities: Some(vec![e]),
                ..ObservationFilter::default()
            },
            Page::first(Page::MAX_LIMIT),
        )
        .await
        .unwrap();
    let period = Period::months(year, 1, month).unwrap();
    let mut batch = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for o in &page.items {
        if !matches!(o.key.period, Period::Months { from: 1, .. }) || !seen.insert(o.key.indicator)
        {
            continue;
        }
        let key = ObservationKey {
            period,
            measure: Measure::Value,
            ..o.key
        };
        batch.push((key, ObservationValue::new(1.0, status).unwrap()));
    }
    if one {
        let fai = app
            .store
            .indicators()
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.data.code.as_str() == "FAI")
            .unwrap();
        batch.retain(|(k, _)| k.indicator == fai.id);
        assert_eq!(batch.len(), 1);
    }
    let ctx = ChangeContext::new("测试", "填报", chrono::Utc::now());
    app.store
        .apply_observations(&batch, &ctx, ApplyOptions::write())
        .await
        .unwrap();
}

/// The rows of the reporting list: (月份, 状态 with its detail).
fn list_rows(body: &str) -> Vec<(String, String, String)> {
    let text = |html: &str| {
        let mut out = String::new();
        let mut tag = false;
        for c in html.chars() {
            match c {
                '<' => tag = true,
                '>' => tag = false,
                c if !tag => out.push(c),
                _ => {}
            }
        }
        out.trim().to_string()
    };
    body.split("<tr class=\"month\" data-state=\"")
        .skip(1)
        .map(|row| {
            let row = &row[..row.find("</tr>").unwrap()];
            let tone = row[..row.find('"').unwrap()].to_string();
            let cells: Vec<String> = row
                .split("<td>")
                .skip(1)
                .map(|c| text(&c[..c.find("</td>").unwrap_or(c.len())]))
                .collect();
            (cells[0].clone(), tone, cells[2].clone())
        })
        .collect()
}

/// Issue 17: the reporting list shows every month of the window in order, each in the state its
/// stored values give, with its own colour; a month with data is never 逾期.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reporting_list_shows_every_month_in_its_true_state() {
    let app = spawn_demo().await;
    let today = (chrono::Utc::now() + chrono::TimeDelta::hours(8)).date_naive();
    fill_month(
        &app,
        months_before(today, 2),
        ObservationStatus::Approved,
        false,
    )
    .await;
    fill_month(
        &app,
        months_before(today, 3),
        ObservationStatus::Submitted,
        false,
    )
    .await;
    fill_month(
        &app,
        months_before(today, 4),
        ObservationStatus::Draft,
        false,
    )
    .await;
    fill_month(
        &app,
        months_before(today, 5),
        ObservationStatus::Submitted,
        true,
    )
    .await;
    let me = login(&app, "yuzhong-reporter").await;
    let page = get_as(&app, &me, "/data").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let rows = list_rows(&page.body);
    assert_eq!(rows.len(), 24, "{rows:?}");
    for (back, row) in rows.iter().enumerate() {
        let (y, m) = months_before(today, back as u32);
        assert_eq!(row.0, format!("{y}年{m}月"), "no month skipped: {rows:?}");
    }
    // The current month is due next month (January, when empty, goes with February).
    let empty = |back: u32, otherwise: (&'static str, &'static str)| {
        if months_before(today, back).1 == 1 {
            ("combined", "并入1—2月")
        } else {
            otherwise
        }
    };
    let expect = [
        (0, empty(0, ("due", "待报"))),
        (2, ("approved", "已审核")),
        (3, ("reported", "已报送")),
        (4, ("draft", "草稿")),
        (5, ("partial", "部分报送")),
        (6, empty(6, ("overdue", "逾期未报"))),
    ];
    for (i, (tone, label)) in expect {
        assert_eq!(rows[i].1, tone, "{:?}", rows[i]);
        assert!(rows[i].2.starts_with(label), "{:?}", rows[i]);
    }
    if rows[6].1 == "overdue" {
        assert!(rows[6].2.contains("已逾期") && rows[6].2.contains('天'));
    }
    for r in &rows[2..=5] {
        assert!(
            !r.2.contains("逾期"),
            "a month with data is not overdue: {r:?}"
        );
    }
}
