//! Work-item use cases (DOMAIN §13–§15): create (a grid worker's report, an enterprise's
//! request, a problem from one of the eight sources), suggest a route, apply a transition
//! (load → `yiping_flow::apply` → store with the version read → children from the effects, in
//! one transaction), list a unit's inbox with overdue flags, and the scheduled jobs
//! ([`run_jobs`]: overdue detection, pre-deadline warnings, chase notices and escalation).
//!
//! The engine's context ([`FlowSetup`]) is the holiday calendar, the shipped category book
//! (`categories.toml`) and the organisation read from the store's entities.
//!
//! People (the API, the pages, the CLI, Open311) come in through [`door`]: `door::create`,
//! `door::act`, `door::issue_directive`, `door::file_public`, which check role and scope
//! ([`actors`]) before calling [`create`] and [`transition_loaded`] here. Those two, and
//! [`transition`], check no person: the scheduled jobs, raised problems and the demo generator
//! act through them as the system.

pub mod actors;
pub mod client_input;
pub mod door;
mod jobs;
pub mod metrics;
pub(crate) mod raised;
pub mod service_definitions;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use yiping_flow::{
    Actor, Calendar, CategoryBook, CategoryCode, Channel, Command, Effect, FlowContext, ItemId,
    ItemKind, NewWorkItem, OrgMap, Priority, RegionLevel, Route, RouteBasis, Stage, UserId,
    Verification, WorkItem, apply, receive, route,
};
use yiping_kernel::{EntityId, EntityKind};
use yiping_store::{
    ItemExtras, PROBLEM_SOURCES, Page, Paged, Store, StoreError, StoredWorkItem, TransitionRecord,
    WorkItemFilter, next_due,
};

use crate::AppError;

pub use jobs::{JobReport, run_jobs};

/// The shipped category book: 部件, 事件 and enterprise-request topics with the demo's
/// department codes (D001…).
pub const CATEGORIES_TOML: &str = include_str!("categories.toml");

/// What the engine needs besides the item.
#[derive(Debug, Clone)]
pub struct FlowSetup {
    pub calendar: Calendar,
    pub categories: CategoryBook,
    pub org: OrgMap,
    /// The city (the region without a parent): the platform that receives online requests.
    pub city: Option<EntityId>,
    /// The routing rules (`routing.csv`), their codes resolved against the organisation.
    pub routing: Vec<ResolvedRule>,
}

/// A routing rule ([`crate::config::routing`]) with its codes resolved to units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedRule {
    pub row: usize,
    pub category: crate::config::routing::CategoryPattern,
    /// `None`: the whole city.
    pub region: Option<EntityId>,
    pub unit: ResolvedUnit,
}

/// Who a resolved rule sends items to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolvedUnit {
    Department(String),
    Territorial,
    Unit(EntityId),
}

impl FlowSetup {
    /// The calendar and categories shipped with yiping, with an empty organisation.
    pub fn shipped() -> Result<Self, AppError> {
        let calendar = crate::calendar::official()?;
        let categories = CategoryBook::from_toml_str(CATEGORIES_TOML)
            .map_err(|e| AppError::invalid(format!("事项分类表无效：{e}")))?;
        Ok(Self {
            calendar,
            categories,
            org: OrgMap::new(),
            city: None,
            routing: Vec::new(),
        })
    }

    /// The city's configuration ([`crate::config::load`]: calendar, categories, routing rules)
    /// with the organisation of the store: regions by level and parent, and departments by code
    /// under their region.
    pub async fn load(store: &dyn Store) -> Result<Self, AppError> {
        let config = crate::config::load(store).await?;
        let mut setup = Self {
            calendar: config.calendar,
            categories: config.categories,
            org: OrgMap::new(),
            city: None,
            routing: Vec::new(),
        };
        let entities = store.all_entities().await?;
        let mut regions = std::collections::HashSet::new();
        for e in entities
            .iter()
            .filter(|e| e.data.kind == EntityKind::Region)
        {
            let level = match e.data.level {
                1 => RegionLevel::City,
                2 => RegionLevel::District,
                3 => RegionLevel::Town,
                4 => RegionLevel::Village,
                _ => RegionLevel::Grid,
            };
            setup.org.add_region(e.id, level, e.current_parent());
            if level == RegionLevel::City && setup.city.is_none() {
                setup.city = Some(e.id);
            }
            regions.insert(e.id);
        }
        for e in entities
            .iter()
            .filter(|e| e.data.kind == EntityKind::Department)
        {
            if let (Some(code), Some(parent)) = (&e.data.code, e.current_parent())
                && regions.contains(&parent)
            {
                setup.org.add_department(parent, code.as_str(), e.id);
            }
        }
        setup.routing = resolve_rules(&config.routing, &entities);
        Ok(setup)
    }

    /// Whether `unit` is a region or department of the loaded organisation.
    pub fn knows_unit(&self, unit: EntityId) -> bool {
        self.org.level_of(unit).is_some() || self.org.parent_of(unit).is_some()
    }

    pub fn ctx(&self) -> FlowContext<'_> {
        FlowContext::new(&self.calendar, &self.categories, &self.org)
    }
}

/// A new item as a user or a client submits it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateItem {
    pub kind: ItemKind,
    pub title: String,
    /// `事件/01/01`, `部件/01/01`, `企业诉求/01/01` (or the English domain names).
    pub category: CategoryCode,
    #[serde(default = "normal")]
    pub priority: Priority,
    pub channel: Channel,
    /// The unit whose inbox receives the item (首问单位).
    pub receiving_unit: EntityId,
    #[serde(default)]
    pub location: Option<EntityId>,
    /// The enterprise's entity id, required for an enterprise request.
    #[serde(default)]
    pub enterprise: Option<EntityId>,
    #[serde(default)]
    pub reporter: Option<UserId>,
    #[serde(default)]
    pub requester: Option<UserId>,
    #[serde(default)]
    pub extras: ItemExtras,
}

fn normal() -> Priority {
    Priority::Normal
}

/// An item as shown in lists and detail views.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub id: ItemId,
    pub kind: ItemKind,
    pub kind_name: &'static str,
    pub title: String,
    pub category: CategoryCode,
    pub category_name: Option<String>,
    pub priority: Priority,
    pub channel: Channel,
    pub stage: Stage,
    pub stage_name: &'static str,
    pub receiving_unit: EntityId,
    pub owner_unit: EntityId,
    pub assignee: Option<EntityId>,
    pub escalated_to: Option<EntityId>,
    pub location: Option<EntityId>,
    pub enterprise: Option<EntityId>,
    pub parent: Option<ItemId>,
    pub children: u32,
    pub supervised: bool,
    pub suspended: bool,
    pub received_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closure: Option<&'static str>,
    /// The earliest pending deadline.
    pub due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    /// Due within the warning window (预警).
    pub due_soon: bool,
    pub version: u64,
    pub updated_at: DateTime<Utc>,
    pub extras: ItemExtras,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<TransitionRecord>>,
    /// Set when the item's pending deadlines were counted over a year the working calendar does
    /// not cover (see [`ItemView::with_calendar`]): the deadline is a guess, and says which year
    /// is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar_warning: Option<String>,
    #[serde(skip)]
    deadlines: Vec<DateTime<Utc>>,
}

/// How long before a deadline an item is flagged as due soon.
pub const WARNING_WINDOW: TimeDelta = TimeDelta::hours(24);

impl ItemView {
    pub fn new(stored: StoredWorkItem, book: &CategoryBook, now: DateTime<Utc>) -> Self {
        let StoredWorkItem {
            item,
            extras,
            records,
        } = stored;
        let due_at = next_due(&item);
        let with_history = !records.is_empty();
        Self {
            id: item.id,
            kind: item.kind,
            kind_name: item.kind.label_zh(),
            category_name: book
                .get(&item.category)
                .map(|c| format!("{}/{}", c.major_name, c.minor_name)),
            title: item.title.clone(),
            category: item.category.clone(),
            priority: item.priority,
            channel: item.channel,
            stage: item.stage,
            stage_name: item.stage.label_zh(),
            receiving_unit: item.receiving_unit,
            owner_unit: item.owner_unit,
            assignee: item.assignee,
            escalated_to: item.escalated_to,
            location: item.location,
            enterprise: item.enterprise,
            parent: item.parent,
            children: item.children,
            supervised: item.supervised,
            suspended: item.suspension.is_some(),
            received_at: item.received_at,
            closed_at: item.closed_at,
            closure: item.closure.map(|c| c.label_zh()),
            due_at,
            overdue: item.is_overdue(now),
            due_soon: due_at.is_some_and(|d| d >= now && d - now <= WARNING_WINDOW),
            version: item.version,
            updated_at: item.updated_at,
            extras,
            history: with_history.then_some(records),
            calendar_warning: None,
            deadlines: item.deadlines.values().copied().collect(),
        }
    }

    /// The view with [`ItemView::calendar_warning`] set when an open item's deadlines run from
    /// its receipt into a year `cal` does not cover.
    pub fn with_calendar(mut self, cal: &Calendar) -> Self {
        if self.closed_at.is_none()
            && let Some(last) = self.deadlines.iter().max()
        {
            let from = cal.local(self.received_at).date();
            let to = cal.local(*last).date();
            self.calendar_warning = crate::calendar::coverage_warning(cal, from, to);
        }
        self
    }
}

/// Creates an item (受理): checks what the kind requires, reserves an id, runs the engine and
/// stores the item with its first history entries. A grid worker's report (a 上报人 on
/// [`Channel::GridWorker`]) is registered at once.
pub async fn create(
    store: &dyn Store,
    setup: &FlowSetup,
    new: CreateItem,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<StoredWorkItem, AppError> {
    let mut extras = new.extras;
    match new.kind {
        ItemKind::Problem => match extras.problem_source.as_deref().map(str::trim) {
            Some(s) if PROBLEM_SOURCES.contains(&s) => {
                extras.problem_source = Some(s.to_string());
            }
            Some(s) => {
                return Err(AppError::invalid(format!(
                    "问题来源“{s}”无效，应为：{}",
                    PROBLEM_SOURCES.join("、")
                )));
            }
            None => {
                return Err(AppError::invalid(format!(
                    "问题须注明来源：{}",
                    PROBLEM_SOURCES.join("、")
                )));
            }
        },
        _ if extras.problem_source.is_some() => {
            return Err(AppError::invalid("只有问题清单中的事项可以注明问题来源"));
        }
        _ => {}
    }
    if new.kind == ItemKind::EnterpriseRequest {
        let Some(ent) = new.enterprise else {
            return Err(AppError::invalid("企业诉求须注明企业（主体编号）"));
        };
        match store.entity(ent).await? {
            Some(e) if e.data.kind == EntityKind::Enterprise => {}
            Some(e) => {
                return Err(AppError::invalid(format!(
                    "主体 {ent}（{}）不是企业",
                    e.data.name
                )));
            }
            None => return Err(AppError::invalid(format!("企业 {ent} 不存在"))),
        }
    }
    // Entities are never deleted, so a unit of the organisation loaded into `setup` exists; only
    // another unit costs a read.
    if !setup.knows_unit(new.receiving_unit) && store.entity(new.receiving_unit).await?.is_none() {
        return Err(AppError::invalid(format!(
            "受理单位 {} 不存在",
            new.receiving_unit
        )));
    }
    let id = store
        .reserve_item_ids(1)
        .await?
        .pop()
        .ok_or_else(|| AppError::invalid("未能分配事项编号"))?;
    let (item, _effects) = receive(
        NewWorkItem {
            id,
            kind: new.kind,
            title: new.title,
            category: new.category,
            priority: new.priority,
            channel: new.channel,
            receiving_unit: new.receiving_unit,
            location: new.location,
            enterprise: new.enterprise,
            reporter: new.reporter,
            requester: new.requester,
        },
        actor,
        now,
        &setup.ctx(),
    )?;
    let records: Vec<TransitionRecord> = item
        .history
        .iter()
        .map(|e| TransitionRecord {
            entry: e.clone(),
            note: None,
            clock_used: Some(0.0),
            overdue: false,
        })
        .collect();
    store.insert_work_item(&item, &extras, &records).await?;
    let stored = StoredWorkItem {
        item,
        extras,
        records,
    };
    auto_dispatch(store, setup, stored, now).await
}

/// Who registers and dispatches an item without a dispatcher, as shown in its history.
const AUTO_DISPATCH: &str = "自动派遣";

/// Registers and dispatches a new item by its one routing rule when its category dispatches
/// automatically ([`automatic_route`]); otherwise returns it as it is, the suggestion left to
/// the dispatcher.
async fn auto_dispatch(
    store: &dyn Store,
    setup: &FlowSetup,
    mut stored: StoredWorkItem,
    now: DateTime<Utc>,
) -> Result<StoredWorkItem, AppError> {
    let Some(route) = automatic_route(setup, &stored.item) else {
        return Ok(stored);
    };
    let unit = stored.item.receiving_unit;
    let who = UserId::new(AUTO_DISPATCH).expect("non-blank");
    let mut records = std::mem::take(&mut stored.records);
    if stored.item.stage == Stage::Received {
        let actor = Actor::new(who.clone(), yiping_flow::ActorRole::Supervisor, unit);
        let out = transition(
            store,
            setup,
            stored.item.id,
            stored.item.version,
            &Command::Register,
            &actor,
            now,
        )
        .await?;
        stored = out.item;
        records.append(&mut stored.records);
    }
    if stored.item.stage == Stage::Registered {
        let actor = Actor::new(who, yiping_flow::ActorRole::Dispatcher, unit);
        let out = transition(
            store,
            setup,
            stored.item.id,
            stored.item.version,
            &Command::Dispatch { unit: route.unit },
            &actor,
            now,
        )
        .await?;
        stored = out.item;
        records.append(&mut stored.records);
    }
    stored.records = records;
    Ok(stored)
}

/// The rules of the configuration with their codes resolved; a rule naming a code the store no
/// longer holds is left out (the import checked them when it was made).
fn resolve_rules(
    rules: &crate::config::RoutingRules,
    entities: &[yiping_kernel::Entity],
) -> Vec<ResolvedRule> {
    use crate::config::RuleUnit;
    let by_code = |kind: Option<EntityKind>, code: &str| {
        entities
            .iter()
            .find(|e| {
                kind.is_none_or(|k| e.data.kind == k)
                    && e.data.code.as_ref().is_some_and(|c| c.as_str() == code)
            })
            .map(|e| e.id)
    };
    rules
        .rules
        .iter()
        .filter_map(|r| {
            let region = match &r.region {
                None => None,
                Some(code) => Some(by_code(Some(EntityKind::Region), code)?),
            };
            let unit = match &r.unit {
                RuleUnit::Department(code) => ResolvedUnit::Department(code.clone()),
                RuleUnit::Territorial => ResolvedUnit::Territorial,
                RuleUnit::Unit(code) => ResolvedUnit::Unit(by_code(None, code)?),
            };
            Some(ResolvedRule {
                row: r.row,
                category: r.category.clone(),
                region,
                unit,
            })
        })
        .collect()
}

/// The routing rules matching an item, nearest region first (a rule for the whole city last;
/// file order among equals).
pub fn matching_rules<'a>(setup: &'a FlowSetup, item: &WorkItem) -> Vec<&'a ResolvedRule> {
    let chain = item
        .location
        .map(|l| setup.org.region_chain(l))
        .unwrap_or_default();
    let mut found: Vec<(usize, &ResolvedRule)> = setup
        .routing
        .iter()
        .filter(|r| r.category.covers(&item.category))
        .filter_map(|r| match r.region {
            None => Some((usize::MAX, r)),
            Some(region) => chain.iter().position(|c| *c == region).map(|d| (d, r)),
        })
        .collect();
    found.sort_by_key(|(d, r)| (*d, r.row));
    found.into_iter().map(|(_, r)| r).collect()
}

/// The unit a routing rule gives an item at `location`.
fn rule_route(setup: &FlowSetup, rule: &ResolvedRule, location: Option<EntityId>) -> Option<Route> {
    match &rule.unit {
        ResolvedUnit::Department(code) => Some(Route {
            unit: setup.org.department_for(location, code)?,
            basis: RouteBasis::Department { code: code.clone() },
        }),
        ResolvedUnit::Territorial => Some(Route {
            unit: setup.org.territorial_unit(location?)?,
            basis: RouteBasis::Territorial,
        }),
        ResolvedUnit::Unit(unit) => Some(Route {
            unit: *unit,
            basis: RouteBasis::Rule { row: rule.row },
        }),
    }
}

/// The unit an item should be dispatched to: by the nearest routing rule of its category and
/// location ([`crate::config::routing`]), else by its category's departments or its location.
pub fn suggest_route(setup: &FlowSetup, item: &WorkItem) -> Option<Route> {
    let category = setup.categories.get(&item.category)?;
    if let Some(r) = matching_rules(setup, item)
        .into_iter()
        .find_map(|r| rule_route(setup, r, item.location))
    {
        return Some(r);
    }
    route(category, item.location, &setup.org)
}

/// The route to dispatch an item to without a dispatcher: when its category says so
/// (`auto_dispatch`) and exactly one routing rule matches it (and gives a unit).
pub fn automatic_route(setup: &FlowSetup, item: &WorkItem) -> Option<Route> {
    let category = setup.categories.get(&item.category)?;
    if !category.auto_dispatch {
        return None;
    }
    match matching_rules(setup, item).as_slice() {
        [one] => rule_route(setup, one, item.location),
        _ => None,
    }
}

/// The text given with a command (reason, result, explanation), for the history.
pub fn command_note(cmd: &Command) -> Option<String> {
    let text = match cmd {
        Command::Reject { reason }
        | Command::Return { reason }
        | Command::Adjudicate { reason, .. }
        | Command::ForceClose { reason }
        | Command::RequestExtension { reason, .. }
        | Command::RefuseExtension { reason }
        | Command::Cancel { reason }
        | Command::Verify {
            outcome: Verification::Failed { reason },
        } => reason.as_str(),
        Command::Reply { result } => result.as_str(),
        Command::Suspend { explanation, .. } => explanation.as_str(),
        Command::Supervise { note } => note.as_str(),
        _ => return None,
    };
    Some(text.to_string())
}

/// What a transition did.
#[derive(Debug, Clone)]
pub struct TransitionOutcome {
    /// The item as stored now. Its `records` are the history it was read with plus the new
    /// record: the whole history after [`transition_loaded`] of an item read with
    /// `Store::work_item`, only the new record after [`transition`] (which reads no history).
    pub item: StoredWorkItem,
    pub effects: Vec<Effect>,
    /// Items created by a fan-out.
    pub children: Vec<ItemId>,
}

/// Applies a command to item `id` as read at `expected_version`: a different stored version is
/// a conflict; a refusal is the engine's Chinese message; on success the next version, the
/// history record and any child items are stored in one transaction. The item is read without
/// its history (the engine does not need it).
pub async fn transition(
    store: &dyn Store,
    setup: &FlowSetup,
    id: ItemId,
    expected_version: u64,
    cmd: &Command,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<TransitionOutcome, AppError> {
    let stored = store
        .work_item_head(id)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("事项 {id}"),
        })?;
    transition_loaded(
        store,
        setup,
        stored,
        expected_version,
        cmd,
        actor,
        now,
        None,
    )
    .await
}

/// [`transition`] of an item already read (by the caller's access check, say), with a note of
/// the user's for the history (a rating's comment); without one the history keeps the
/// command's own text. The store still refuses the write if the item changed since it was read.
#[allow(clippy::too_many_arguments)]
pub async fn transition_loaded(
    store: &dyn Store,
    setup: &FlowSetup,
    stored: StoredWorkItem,
    expected_version: u64,
    cmd: &Command,
    actor: &Actor,
    now: DateTime<Utc>,
    note: Option<String>,
) -> Result<TransitionOutcome, AppError> {
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    let current = stored.item;
    let id = current.id;
    if current.version != expected_version {
        return Err(StoreError::Conflict {
            what: format!(
                "事项 {id} 已被他人修改（当前版本 {}，提交依据的版本 {expected_version}），请刷新后重试",
                current.version
            ),
        }
        .into());
    }
    let children = if current.children > 0 {
        store.child_items(id).await?
    } else {
        Vec::new()
    };
    let ctx = setup.ctx().with_children(&children);
    let (next, effects) = apply(&current, cmd, actor, now, &ctx)?;
    let used = setup.calendar.elapsed(
        current.updated_at,
        now,
        current.clock,
        &current.pauses_until(now),
    );
    let record = TransitionRecord {
        entry: next
            .history
            .last()
            .cloned()
            .ok_or_else(|| AppError::invalid("引擎未记录本次变更"))?,
        note: note.or_else(|| command_note(cmd)),
        clock_used: Some((setup.calendar.in_units(used, current.clock) * 100.0).round() / 100.0),
        overdue: current.is_overdue(now),
    };
    let specs: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::CreateChild(spec) => Some(spec.clone()),
            _ => None,
        })
        .collect();
    let child_ids = store
        .apply_transition(&current, &next, &record, &specs)
        .await?;
    let notices = crate::notifications::from_effects(&next, cmd.kind(), &effects);
    crate::notifications::send_logged(store, &notices, Some(actor.user.as_str()), now).await;
    let mut records = stored.records;
    records.push(record);
    Ok(TransitionOutcome {
        item: StoredWorkItem {
            item: next,
            extras: stored.extras,
            records,
        },
        effects,
        children: child_ids,
    })
}

/// One item with its history, as a view.
pub async fn item_view(
    store: &dyn Store,
    setup: &FlowSetup,
    id: ItemId,
    now: DateTime<Utc>,
) -> Result<Option<ItemView>, AppError> {
    Ok(store
        .work_item(id)
        .await?
        .map(|s| ItemView::new(s, &setup.categories, now).with_calendar(&setup.calendar)))
}

/// A page of items (a unit's inbox when `filter.unit` is set), with overdue and warning flags
/// as of `now`. `overdue_only` keeps the items overdue at `now`.
pub async fn list(
    store: &dyn Store,
    setup: &FlowSetup,
    mut filter: WorkItemFilter,
    overdue_only: bool,
    page: Page,
    now: DateTime<Utc>,
) -> Result<Paged<ItemView>, AppError> {
    if overdue_only {
        filter.due_before = Some(now);
        filter.open_only = true;
    }
    let p = store.work_items(&filter, page).await?;
    Ok(Paged {
        items: p
            .items
            .into_iter()
            .map(|s| ItemView::new(s, &setup.categories, now).with_calendar(&setup.calendar))
            .collect(),
        total: p.total,
        limit: p.limit,
        offset: p.offset,
    })
}

#[cfg(test)]
mod tests;
