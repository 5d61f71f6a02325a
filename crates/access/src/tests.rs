//! The capability table, cell by cell, and scope checks.

use std::sync::Arc;

use yiping_kernel::EntityId;

use crate::{AccessError, Capability as C, Principal, Role as R, Scope};

/// The expected table: for each role, the capabilities it has. Written out by hand so that a
/// change to `Role::can` must be mirrored here.
fn expected(role: R) -> &'static [C] {
    match role {
        R::Admin => &C::ALL,
        R::Analyst => &[
            C::ViewScreen,
            C::ViewData,
            C::EnterData,
            C::ManageCatalog,
            C::ViewEvaluations,
            C::RunEvaluations,
            C::ViewItems,
            C::ReportEvent,
            C::HandleItems,
            C::SuperviseItems,
            C::IssueDirective,
            C::ManageMaps,
        ],
        R::Reporter => &[
            C::ViewScreen,
            C::ViewData,
            C::EnterData,
            C::ViewEvaluations,
            C::ViewItems,
            C::ReportEvent,
        ],
        R::Handler => &[
            C::ViewScreen,
            C::ViewData,
            C::ViewEvaluations,
            C::ViewItems,
            C::ReportEvent,
            C::HandleItems,
        ],
        R::Leader => &[
            C::ViewScreen,
            C::ViewData,
            C::ViewEvaluations,
            C::ViewItems,
            C::HandleItems,
            C::SuperviseItems,
            C::IssueDirective,
        ],
        R::GridWorker => &[
            C::ViewScreen,
            C::ViewEvaluations,
            C::ViewItems,
            C::ReportEvent,
        ],
        R::Enterprise => &[C::ViewItems, C::FileRequest],
    }
}

#[test]
fn every_cell_of_the_capability_table() {
    for role in R::ALL {
        for cap in C::ALL {
            assert_eq!(
                role.can(cap),
                expected(role).contains(&cap),
                "{role:?} × {cap:?}"
            );
        }
    }
}

#[test]
fn roles_parse_from_code_and_chinese_label() {
    for role in R::ALL {
        assert_eq!(role.code().parse::<R>(), Ok(role));
        assert_eq!(role.label_zh().parse::<R>(), Ok(role));
    }
    let err = "boss".parse::<R>().unwrap_err();
    assert!(err.contains("未知角色“boss”"), "{err}");
}

fn principal(role: R, unit: i64, members: &[i64]) -> Principal {
    Principal {
        user_id: 1,
        login: "u".into(),
        name: "用户".into(),
        role,
        unit: EntityId(unit),
        unit_name: "渝中区".into(),
        scope: Arc::new(Scope::new(
            EntityId(unit),
            members.iter().map(|&m| EntityId(m)),
        )),
    }
}

#[test]
fn scope_contains_the_unit_and_its_subtree_only() {
    let p = principal(R::Reporter, 10, &[11, 12]);
    assert!(p.sees(EntityId(10)) && p.sees(EntityId(11)) && p.sees(EntityId(12)));
    assert!(!p.sees(EntityId(13)));
    assert_eq!(p.require_in(C::EnterData, EntityId(11)), Ok(()));
    assert_eq!(
        p.require_in(C::EnterData, EntityId(13)),
        Err(AccessError::OutOfScope {
            unit_name: "渝中区".into()
        })
    );
    assert_eq!(
        p.require_in(C::EnterData, EntityId(13))
            .unwrap_err()
            .to_string(),
        "超出本单位（渝中区）的管辖范围"
    );
}

#[test]
fn role_refusal_comes_before_scope_and_names_both() {
    let p = principal(R::Leader, 10, &[11]);
    let err = p.require_in(C::EnterData, EntityId(11)).unwrap_err();
    assert_eq!(err.to_string(), "领导无权填报数据");
}

#[test]
fn single_scope_is_just_the_enterprise() {
    let s = Scope::single(EntityId(7));
    assert_eq!(s.len(), 1);
    assert!(s.contains(EntityId(7)) && !s.contains(EntityId(8)));
    assert_eq!(s.root(), EntityId(7));
}

#[test]
fn the_system_sees_every_entity_without_listing_them() {
    let s = Scope::everything(EntityId(1));
    assert!(s.is_everything() && s.contains(EntityId(987_654)));
    assert!(!Scope::single(EntityId(7)).is_everything());
    let p = Principal::system();
    assert!(p.sees(EntityId(42)) && p.can(C::ViewEvaluations));
    assert_eq!(p.require_in(C::ViewEvaluations, EntityId(42)), Ok(()));
}
