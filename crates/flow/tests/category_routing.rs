//! Categories as data, and routing to departments or the territorial unit.

mod support;

use support::*;
use yiping_flow::{
    CategoryBook, CategoryCode, CategoryDomain, ClockType, ItemKind, Priority, RouteBasis, route,
};

fn code(s: &str) -> CategoryCode {
    CategoryCode::parse(s).unwrap()
}

#[test]
fn the_book_reads_codes_departments_clocks_and_limits() {
    let book = book();
    assert_eq!(book.len(), 4);
    let garbage = book.get(&code("事件/01/01")).unwrap();
    assert_eq!(
        (garbage.major_name.as_str(), garbage.minor_name.as_str()),
        ("市容环境", "暴露垃圾")
    );
    assert_eq!(garbage.departments, ["CGJ"]);
    assert_eq!(
        garbage.close_condition.as_deref(),
        Some("垃圾清运完毕，现场无残留")
    );
    let normal = garbage.limits(Priority::Normal);
    assert_eq!(
        (normal.clock, normal.stages.handle),
        (ClockType::WorkingHours, Some(16))
    );
    let urgent = garbage.limits(Priority::Urgent);
    assert_eq!(
        (urgent.clock, urgent.stages.handle),
        (ClockType::UrgentHours, Some(4))
    );
    // No 特急 limits: the 一般 ones apply.
    assert_eq!(garbage.limits(Priority::Critical), normal);
    let manhole = book.get(&code("component/01/01")).unwrap();
    assert_eq!(manhole.limits(Priority::Normal).stages.sign, None);
    assert_eq!(
        book.majors(CategoryDomain::Event),
        [("01", "市容环境"), ("02", "矛盾纠纷")]
    );
    assert_eq!(code("企业诉求/03/01").to_string(), "企业诉求/03/01");
    assert_eq!(code("enterprise/03/01"), code("企业诉求/03/01"));
}

#[test]
fn codes_must_be_two_digits_with_a_known_domain() {
    let e = |s: &str| CategoryCode::parse(s).unwrap_err().to_string();
    assert_eq!(e("事件/1/01"), "大类代码“1”无效，应为两位数字");
    assert_eq!(e("事件/01/0a"), "小类代码“0a”无效，应为两位数字");
    assert_eq!(e("设施/01/01"), "分类领域“设施”无效");
    assert_eq!(e("0101"), "分类代码“0101”无效，应形如“事件/01/02”");
}

#[test]
fn bad_books_are_refused_with_the_place_named() {
    let one = |body: &str| {
        format!(
            "[[category]]\ndomain = \"事件\"\nmajor = \"01\"\nmajor_name = \"市容环境\"\n{body}"
        )
    };
    let err = |text: &str| CategoryBook::from_toml_str(text).unwrap_err().to_string();
    let limits = "[category.limits.\"一般\"]\nhandle = 8\n";
    let ok = one(&format!(
        "minor = \"01\"\nminor_name = \"暴露垃圾\"\nclock = \"工作小时\"\n{limits}"
    ));
    let parsed = CategoryBook::from_toml_str(&ok).unwrap();
    assert_eq!(parsed.len(), 1);

    let no_normal = one(
        "minor = \"01\"\nminor_name = \"暴露垃圾\"\nclock = \"working_hours\"\n[category.limits.urgent]\nhandle = 2\n",
    );
    assert_eq!(
        err(&no_normal),
        "分类“事件/01/01”：缺少“一般”（normal）优先级的时限"
    );

    let bad_minor = one(&format!(
        "minor = \"1\"\nminor_name = \"暴露垃圾\"\nclock = \"working_hours\"\n{limits}"
    ));
    assert_eq!(
        err(&bad_minor),
        "第1个分类（01/1）：小类代码“1”无效，应为两位数字"
    );

    let twice = format!("{ok}\n{ok}");
    assert_eq!(err(&twice), "分类“事件/01/01”：分类代码重复");

    let renamed = format!(
        "{ok}\n[[category]]\ndomain = \"event\"\nmajor = \"01\"\nmajor_name = \"环境卫生\"\nminor = \"02\"\nminor_name = \"乱倒渣土\"\nclock = \"natural_days\"\n{limits}"
    );
    assert_eq!(
        err(&renamed),
        "分类“事件/01/02”：大类 01 已命名为“市容环境”，不能又叫“环境卫生”"
    );

    let unknown_clock = one(&format!(
        "minor = \"01\"\nminor_name = \"暴露垃圾\"\nclock = \"fortnights\"\n{limits}"
    ));
    assert!(err(&unknown_clock).starts_with("分类表 TOML 无效"));
    let typo = one(&format!(
        "minor = \"01\"\nminor_name = \"x\"\nclock = \"natural_days\"\ndepartment = [\"CGJ\"]\n{limits}"
    ));
    assert!(err(&typo).contains("department"), "{}", err(&typo));
}

#[test]
fn kinds_use_their_own_classifications() {
    assert!(CategoryDomain::Event.fits(ItemKind::Event));
    assert!(CategoryDomain::Component.fits(ItemKind::Event));
    assert!(!CategoryDomain::Enterprise.fits(ItemKind::Event));
    assert!(CategoryDomain::Enterprise.fits(ItemKind::EnterpriseRequest));
    assert!(!CategoryDomain::Event.fits(ItemKind::EnterpriseRequest));
    for kind in [
        ItemKind::Problem,
        ItemKind::Directive,
        ItemKind::ServiceCase,
    ] {
        assert!(CategoryDomain::Component.fits(kind) && CategoryDomain::Enterprise.fits(kind));
    }
}

#[test]
fn category_routes_to_the_department_of_the_location_s_district() {
    let (book, org) = (book(), org());
    let garbage = book.get(&code("事件/01/01")).unwrap();
    let r = route(garbage, Some(GRID), &org).unwrap();
    assert_eq!(r.unit, DEPT);
    assert_eq!(r.basis, RouteBasis::Department { code: "CGJ".into() });
    assert_eq!(r.to_string(), "按分类派至责任部门 20（CGJ）");
    // Departments are tried in order; the first that exists up the chain wins (the city's FGW).
    let power = book.get(&code("企业诉求/03/01")).unwrap();
    assert_eq!(route(power, Some(TOWN), &org).unwrap().unit, CITY_FGW);
    assert_eq!(route(power, None, &org).unwrap().unit, CITY_FGW);
}

#[test]
fn no_department_falls_back_to_the_territorial_unit() {
    let (book, org) = (book(), org());
    let noise = book.get(&code("事件/02/01")).unwrap();
    let r = route(noise, Some(GRID), &org).unwrap();
    assert_eq!((r.unit, r.basis.clone()), (TOWN, RouteBasis::Territorial));
    assert_eq!(r.to_string(), "无责任部门，按属地派至 100");
    assert_eq!(route(noise, Some(VILLAGE), &org).unwrap().unit, TOWN);
    assert_eq!(route(noise, Some(DISTRICT), &org).unwrap().unit, DISTRICT);
    // A department code nobody answers to falls back the same way; no location, no route: the
    // first receiver keeps the item.
    let mut garbage = book.get(&code("事件/01/01")).unwrap().clone();
    garbage.departments = vec!["NOBODY".into()];
    assert_eq!(route(&garbage, Some(GRID), &org).unwrap().unit, TOWN);
    assert_eq!(route(noise, None, &org), None);
}

#[test]
fn the_org_map_walks_up_for_escalation() {
    let org = org();
    assert_eq!(
        org.region_chain(GRID),
        [GRID, VILLAGE, TOWN, DISTRICT, CITY]
    );
    assert_eq!(org.parent_of(DEPT), Some(DISTRICT));
    assert_eq!(org.parent_of(CITY), None);
    assert_eq!(org.territorial_unit(GRID), Some(TOWN));
}
