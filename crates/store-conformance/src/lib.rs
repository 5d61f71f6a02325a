//! The store conformance suite: the same scenarios, run against every backend on a fresh, empty
//! store, so that SQLite and PostgreSQL are held to one behaviour of [`yiping_store::Store`].
//!
//! Principal items: [`scenarios`] (every scenario by name) and the [`Scenario`] type. A backend's
//! test (`crates/store-sqlite/tests/conformance.rs`, `crates/store-postgres/tests/conformance.rs`)
//! calls [`scenarios`] and runs each one on a new database. Scenarios panic with a message on
//! failure, like tests.
//!
//! Why a crate of its own: the suite is test code (about two thousand lines); kept in `store` it
//! was compiled into every production binary. Backends take it as a dev-dependency.

use std::future::Future;
use std::pin::Pin;

use chrono::{NaiveDate, TimeZone, Utc};
use yiping_kernel::{
    EntityCode, EntityId, EntityKind, IndicatorKind, Measure, NewEntity, NewIndicator,
    ObservationKey, ObservationStatus, ObservationValue, Period, Polarity, Target, TargetKind,
};

use yiping_store::{
    ApplyOptions, ChangeContext, EntityChange, EntityFilter, EntityUpsert, ObservationFilter, Page,
    ParentRef, Store, StoreError, TargetFilter,
};

mod alert_states;
mod audit;
mod config;
mod evaluations;
mod idempotency;
mod maps;
mod notifications;
mod observations;
mod pending;
mod quality;
mod redistricting;
mod users;
mod work_items;

pub use evaluations::{RawSql, corrupt_results_are_named};

pub type BoxFut<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
pub type Scenario = for<'a> fn(&'a dyn Store) -> BoxFut<'a>;

/// Every scenario, by name.
pub fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        (
            "entities_round_trip_with_tree_and_history",
            entities_round_trip,
        ),
        ("entity_lists_filter_and_page", entity_lists_filter_and_page),
        (
            "redistricting_closes_the_old_parent_link",
            redistricting::a_new_parent_closes_the_old_link,
        ),
        ("indicators_round_trip_and_update", indicators_round_trip),
        (
            "observations_insert_update_audit_and_dry_run",
            observations::observations_lifecycle,
        ),
        (
            "observation_batches_are_all_or_nothing",
            observations::observations_atomic,
        ),
        (
            "observation_lists_filter_and_page",
            observations::observation_lists,
        ),
        (
            "approved_values_are_kept_unless_reopened",
            observations::approved_values_are_kept,
        ),
        ("targets_round_trip", observations::targets_round_trip),
        (
            "pending_follow_ups_recorded_claimed_and_finished",
            pending::recorded_claimed_and_finished,
        ),
        (
            "values_round_trip_bit_for_bit",
            observations::values_round_trip,
        ),
        ("schemes_versions_round_trip", evaluations::schemes_versions),
        (
            "evaluations_replace_page_and_filter",
            evaluations::evaluations_replace_and_page,
        ),
        (
            "evaluation_history_and_atomic_replace",
            evaluations::evaluation_history_and_atomicity,
        ),
        (
            "work_items_round_trip_and_filters",
            work_items::round_trip_and_filters,
        ),
        ("work_items_fan_out_children", work_items::fan_out_children),
        (
            "work_items_racing_tasks_one_winner_per_version",
            work_items::racing_tasks,
        ),
        (
            "users_sessions_and_tokens",
            users::users_sessions_and_tokens,
        ),
        ("login_attempts_count_and_list", users::login_attempts),
        (
            "throttle_reserves_attempts_atomically",
            users::throttle_reserves_atomically,
        ),
        (
            "throttle_grants_the_limit_under_concurrency",
            users::throttle_under_concurrency,
        ),
        (
            "api_tokens_revoked_for_good",
            users::tokens_revoked_for_good,
        ),
        (
            "audit_events_newest_first",
            audit::audit_events_newest_first,
        ),
        (
            "region_maps_replace_and_check_the_region",
            maps::region_maps_replace_and_check_the_region,
        ),
        (
            "config_files_replace_by_name_in_one_write",
            config::config_files_replace_by_name_in_one_write,
        ),
        (
            "idempotency_keys_claimed_answered_and_expired",
            idempotency::keys_claimed_answered_and_expired,
        ),
        (
            "idempotency_racing_claims_one_winner",
            idempotency::racing_claims_one_winner,
        ),
        (
            "notifications_per_user_read_and_unread",
            notifications::per_user_read_and_unread,
        ),
        (
            "notification_deliveries_retry_and_log",
            notifications::deliveries_retry_and_log,
        ),
        (
            "alert_instances_transitions_and_silences",
            alert_states::instances_transitions_and_silences,
        ),
        (
            "findings_upsert_on_rule_entity_period_and_keep_comments",
            quality::findings_upsert_on_rule_entity_period_and_keep_comments,
        ),
        (
            "outlier_flags_keep_their_review_when_found_again",
            quality::outlier_flags_keep_their_review_when_found_again,
        ),
        ("pool_stats_count_the_open_connections", pool_stats),
    ]
}

fn ctx(source: &str) -> ChangeContext {
    ChangeContext::new(
        "测试员",
        source,
        Utc.with_ymd_and_hms(2024, 10, 21, 9, 30, 0).unwrap(),
    )
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn region(code: Option<&str>, name: &str, level: u8) -> NewEntity {
    NewEntity::new(
        EntityKind::Region,
        code.map(|c| EntityCode::parse(c).unwrap()),
        name,
        level,
    )
    .unwrap()
}

/// City → 2 districts → a town that moved from the first district to the second on 2016-06-01.
async fn seed_tree(s: &dyn Store) -> Vec<EntityId> {
    let items = vec![
        EntityUpsert::new(region(Some("500000"), "重庆市", 1).with_aliases(["全市"])),
        EntityUpsert::new(
            region(Some("500155"), "梁平区", 2)
                .with_aliases(["梁平", "梁平县"])
                .with_groups(["渝东北"])
                .with_attr("land_area_km2", serde_json::json!(1892.0)),
        )
        .with_parent(ParentRef::Earlier(0)),
        EntityUpsert::new(
            region(None, "两江新区", 2)
                .with_aliases(["两江"])
                .with_groups(["主城都市区"]),
        )
        .with_parent(ParentRef::Earlier(0)),
        EntityUpsert {
            entity: region(Some("500155001"), "梁山街道", 3),
            parents: vec![
                (ParentRef::Earlier(2), None, Some(d(2016, 6, 1))),
                (ParentRef::Earlier(1), Some(d(2016, 6, 1)), None),
            ],
        },
    ];
    let out = s
        .upsert_entities(&items, &ctx("种子"))
        .await
        .expect("upsert tree");
    assert_eq!(out.len(), 4);
    assert!(
        out.iter().all(|(_, c)| *c == EntityChange::Inserted),
        "{out:?}"
    );
    out.into_iter().map(|(id, _)| id).collect()
}

fn entities_round_trip(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let ids = seed_tree(s).await;
        let liangping = s.entity(ids[1]).await.unwrap().expect("stored");
        assert_eq!(liangping.data.name, "梁平区");
        assert_eq!(liangping.data.code.as_ref().unwrap().as_str(), "500155");
        let mut aliases = liangping.data.aliases.clone();
        aliases.sort();
        assert_eq!(aliases, vec!["梁平".to_string(), "梁平县".to_string()]);
        assert_eq!(liangping.data.groups, vec!["渝东北".to_string()]);
        assert_eq!(
            liangping.data.attrs["land_area_km2"],
            serde_json::json!(1892.0)
        );
        assert_eq!(liangping.current_parent(), Some(ids[0]));

        let town = s.entity(ids[3]).await.unwrap().unwrap();
        assert_eq!(town.parent_at(d(2015, 1, 1)), Some(ids[2]));
        assert_eq!(town.parent_at(d(2020, 1, 1)), Some(ids[1]));

        // The subtree follows the links valid on the date.
        let mut before = s.subtree(ids[2], d(2015, 1, 1)).await.unwrap();
        before.sort();
        assert_eq!(before, vec![ids[2], ids[3]]);
        assert_eq!(
            s.subtree(ids[2], d(2020, 1, 1)).await.unwrap(),
            vec![ids[2]]
        );
        assert_eq!(s.subtree(ids[0], d(2020, 1, 1)).await.unwrap().len(), 4);

        // Upserting the same again changes nothing; a renamed alias set is an update.
        let again = vec![
            EntityUpsert::new(
                region(Some("500155"), "梁平区", 2)
                    .with_aliases(["梁平", "梁平县"])
                    .with_groups(["渝东北"])
                    .with_attr("land_area_km2", serde_json::json!(1892.0)),
            )
            .with_parent(ParentRef::Existing(ids[0])),
        ];
        let out = s.upsert_entities(&again, &ctx("再次")).await.unwrap();
        assert_eq!(out, vec![(ids[1], EntityChange::Unchanged)]);
        let changed = vec![
            EntityUpsert::new(region(Some("500155"), "梁平区", 2).with_aliases(["梁平"]))
                .with_parent(ParentRef::Existing(ids[0])),
        ];
        let out = s.upsert_entities(&changed, &ctx("修改")).await.unwrap();
        assert_eq!(out, vec![(ids[1], EntityChange::Updated)]);
        let e = s.entity(ids[1]).await.unwrap().unwrap();
        assert_eq!(e.data.aliases, vec!["梁平".to_string()]);
        assert!(e.data.groups.is_empty());

        // A parent that does not exist is refused and nothing is written.
        let bad = vec![
            EntityUpsert::new(region(Some("500156"), "武隆区", 2)),
            EntityUpsert::new(region(Some("500229"), "城口县", 2))
                .with_parent(ParentRef::Existing(EntityId(987_654))),
        ];
        let err = s.upsert_entities(&bad, &ctx("坏")).await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Invalid { .. } | StoreError::NotFound { .. }
            ),
            "{err:?}"
        );
        assert_eq!(
            s.all_entities().await.unwrap().len(),
            4,
            "the failed batch left rows behind"
        );
        assert!(s.entity(EntityId(987_654)).await.unwrap().is_none());
    })
}

/// The pool's figures for monitoring: after a round trip at least one connection is open, no
/// more are idle than open, and none beyond the maximum.
fn pool_stats(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        s.ping().await.unwrap();
        let p = s.pool_stats();
        assert!(p.size >= 1, "{p:?}");
        assert!(p.idle <= p.size, "{p:?}");
        assert!(p.max >= p.size, "{p:?}");
    })
}

fn entity_lists_filter_and_page(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let ids = seed_tree(s).await;
        let firm = NewEntity::new(
            EntityKind::Enterprise,
            Some(EntityCode::parse("91500000TEST00001X").unwrap()),
            "重庆测试科技有限公司",
            9,
        )
        .unwrap()
        .with_groups(["规上", "专精特新"]);
        s.upsert_entities(
            &[EntityUpsert::new(firm).with_parent(ParentRef::Existing(ids[1]))],
            &ctx("企业"),
        )
        .await
        .unwrap();

        let all = s
            .entities(&EntityFilter::default(), Page::default())
            .await
            .unwrap();
        assert_eq!(all.total, 5);
        let regions = s
            .entities(
                &EntityFilter {
                    kind: Some(EntityKind::Region),
                    ..Default::default()
                },
                Page::default(),
            )
            .await
            .unwrap();
        assert_eq!(regions.total, 4);
        let level2 = s
            .entities(
                &EntityFilter {
                    level: Some(2),
                    ..Default::default()
                },
                Page::default(),
            )
            .await
            .unwrap();
        assert_eq!(level2.total, 2);
        let children = s
            .entities(
                &EntityFilter {
                    parent: Some(ids[0]),
                    ..Default::default()
                },
                Page::default(),
            )
            .await
            .unwrap();
        assert_eq!(children.total, 2);
        let sub = s
            .entities(
                &EntityFilter {
                    subtree: Some(ids[1]),
                    ..Default::default()
                },
                Page::default(),
            )
            .await
            .unwrap();
        assert_eq!(sub.total, 3, "梁平区, its town (now) and the firm");
        let tagged = s
            .entities(
                &EntityFilter {
                    group: Some("专精特新".into()),
                    ..Default::default()
                },
                Page::default(),
            )
            .await
            .unwrap();
        assert_eq!(tagged.items.len(), 1);
        assert_eq!(tagged.items[0].data.kind, EntityKind::Enterprise);
        let by_alias = s
            .entities(
                &EntityFilter {
                    name_contains: Some("梁平县".into()),
                    ..Default::default()
                },
                Page::default(),
            )
            .await
            .unwrap();
        assert_eq!(by_alias.items.len(), 1);

        let p1 = s
            .entities(&EntityFilter::default(), Page::new(2, 0))
            .await
            .unwrap();
        let p3 = s
            .entities(&EntityFilter::default(), Page::new(2, 4))
            .await
            .unwrap();
        assert_eq!((p1.items.len(), p1.total, p3.items.len()), (2, 5, 1));
        let mut seen: Vec<EntityId> = Vec::new();
        for off in [0, 2, 4] {
            seen.extend(
                s.entities(&EntityFilter::default(), Page::new(2, off))
                    .await
                    .unwrap()
                    .items
                    .iter()
                    .map(|e| e.id),
            );
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 5, "pages overlap or miss rows");
    })
}

fn gdp() -> NewIndicator {
    let mut i = NewIndicator::new("GDP", "地区生产总值", "亿元")
        .unwrap()
        .with_aliases(["GDP总量"]);
    i.definition = "按当年价格计算的地区生产总值".into();
    i.owner_department = Some("市统计局".into());
    i.constraint = Some("预期性".into());
    i.range = yiping_kernel::ValidRange::NON_NEGATIVE;
    i
}

fn rd() -> NewIndicator {
    let mut i = NewIndicator::new("RD_INTENSITY", "研发投入强度", "%")
        .unwrap()
        .with_decimals(2)
        .unwrap();
    i.kind = IndicatorKind::Rate;
    i.formula = Some("RD / GDP * 100".into());
    i.frequency = yiping_kernel::Frequency::Year;
    i.range = yiping_kernel::ValidRange::new(Some(0.0), Some(100.0)).unwrap();
    i
}

fn indicators_round_trip(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let r = s
            .upsert_indicators(&[gdp(), rd()], &ctx("指标"))
            .await
            .unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged), (2, 0, 0));
        let all = s.indicators().await.unwrap();
        assert_eq!(all.len(), 2);
        let g = all.iter().find(|i| i.data.code.as_str() == "GDP").unwrap();
        assert_eq!(g.data, gdp());
        let r2 = all
            .iter()
            .find(|i| i.data.code.as_str() == "RD_INTENSITY")
            .unwrap();
        assert_eq!(r2.data, rd());

        let mut changed = gdp();
        changed.polarity = Polarity::LowerBetter;
        changed.aliases = vec!["生产总值".into()];
        changed.range = yiping_kernel::ValidRange::new(Some(-0.5), Some(1e300)).unwrap();
        let r = s
            .upsert_indicators(&[changed.clone(), rd()], &ctx("指标"))
            .await
            .unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged), (0, 1, 1));
        let again = s.indicators().await.unwrap();
        let g2 = again
            .iter()
            .find(|i| i.data.code.as_str() == "GDP")
            .unwrap();
        assert_eq!(g2.id, g.id, "an update keeps the id");
        assert_eq!(g2.data, changed);
    })
}
