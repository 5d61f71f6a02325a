//! `yiping import` refuses a file changing approved values unless `--reopen` (issue 11, bug 3).

use super::support::{audit, text, yiping};

#[test]
fn a_reimport_changing_approved_values_needs_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.db");
    assert!(yiping(&db, &["init"]).status.success());
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.to_str().unwrap().to_string()
    };
    let e = write(
        "e.csv",
        "类型,代码,名称,层级,上级代码\n地区,500000,重庆市,1,\n地区,500103,渝中区,2,500000\n",
    );
    let i = write(
        "i.csv",
        "代码,名称,计量单位,频率,类型\nGDP,地区生产总值,亿元,季,累计值\n",
    );
    let approved = write(
        "a.csv",
        "主体,指标,时期,数值,状态\n渝中区,GDP,2024Q1,100,已审核\n",
    );
    for f in [&e, &i, &approved] {
        let o = yiping(&db, &["import", f]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let changed = write("b.csv", "主体,指标,时期,数值\n渝中区,GDP,2024Q1,101\n");
    let o = yiping(&db, &["import", &changed]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("第2行 D列"), "{}", text(&o));
    assert!(text(&o).contains("已审核（100）"), "{}", text(&o));
    let o = yiping(&db, &["import", "--reopen", &changed]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("重新打开已审核数值 1 个"), "{}", text(&o));
    assert!(
        audit(&db)
            .iter()
            .any(|a| a.action == "observations.reopen" && a.detail.contains("渝中区")),
        "no audit of the reopen"
    );
}
