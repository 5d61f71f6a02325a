//! The one door through which people change work items: every front end (the JSON API, the
//! pages, the CLI and Open311) files and moves items through these functions and nothing else,
//! so that the checks cannot differ between them.
//!
//! - [`create`]: a user files an item (上报, 诉求, 指令 …) — role and scope ([`actors`]), the
//!   enterprise's own region as the location of its request, then the engine receives it.
//! - [`act`]: a user sends a command to an item at the version they read — not found, role and
//!   scope, stale version, the engine's refusal, in that order; then the new version, its
//!   history record and any children are stored in one transaction.
//! - [`issue_directive`]: 一键智达 — a directive received, registered and fanned out to units of
//!   the user's subtree, refused whole before anything is stored when a unit lies outside it.
//! - [`file_public`]: a public service request (Open311), received by the city as the system,
//!   placed in the child region whose boundaries contain the reported point.
//! - [`item`], [`children`], [`list`] and [`list_stored`]: what a user may read;
//!   [`public_request`] and [`public_requests`]: what anyone may read over Open311 (events
//!   without an enterprise, see [`is_public`]).
//!
//! Failures are typed: [`AppError::NotFound`] (404), [`AppError::Forbidden`] (403, the access
//! rule's reason), [`AppError::Conflict`] (409, someone else changed the item first),
//! [`AppError::Flow`] (422, the engine's Chinese message) and [`AppError::Invalid`] (422).
//!
//! Only an administrator may act at a time other than now (`at`, for replaying events); the
//! scheduled jobs and the demo generator act as the system through [`super::transition`] and
//! [`super::create`], which check no person.

use chrono::{DateTime, Utc};
use yiping_access::{AccessError, Capability, Principal, Role};
use yiping_flow::{
    Actor, CategoryCode, Channel, Command, Effect, ItemId, ItemKind, Priority, Recipient, Route,
    UserId,
};
use yiping_kernel::{EntityId, EntityKind};
use yiping_store::{ItemExtras, Page, Paged, Store, StoreError, StoredWorkItem, WorkItemFilter};

use super::client_input::check_client_extras;
use super::{CreateItem, FlowSetup, ItemView, actors, suggest_route};
use crate::AppError;
use crate::geo::{ShippedMap, child_region_at};

/// A command for one item, as the user sends it.
#[derive(Debug, Clone)]
pub struct Action {
    pub item: ItemId,
    /// The version the user read; another stored version is a [`AppError::Conflict`].
    pub expected_version: u64,
    pub command: Command,
    /// The user's own words for the history (a rating's comment); without one the history
    /// keeps the command's text.
    pub note: Option<String>,
}

impl Action {
    pub fn new(item: ItemId, expected_version: u64, command: Command) -> Self {
        Self {
            item,
            expected_version,
            command,
            note: None,
        }
    }

    pub fn with_note(mut self, note: Option<String>) -> Self {
        self.note = note;
        self
    }
}

/// What a command did.
#[derive(Debug, Clone)]
pub struct Acted {
    /// The item as stored now, with its whole history.
    pub item: StoredWorkItem,
    pub effects: Vec<Effect>,
    /// Items created by a fan-out.
    pub children: Vec<ItemId>,
    /// Who the engine saw acting (the user in the flow role their command needed).
    pub actor: Actor,
    /// When the command took effect.
    pub at: DateTime<Utc>,
}

impl Acted {
    /// The notices the command sends (to units or persons).
    pub fn notices(&self) -> impl Iterator<Item = (&Recipient, &str)> {
        self.effects.iter().filter_map(|e| match e {
            Effect::Notify { to, message } => Some((to, message.as_str())),
            _ => None,
        })
    }
}

/// An item just filed.
#[derive(Debug, Clone)]
pub struct Created {
    pub item: StoredWorkItem,
    /// Where it should be dispatched, by its category or its location.
    pub suggested_route: Option<Route>,
}

/// When a user acts: now, or the time an administrator gives (replaying events).
fn acting_time(p: &Principal, at: Option<DateTime<Utc>>) -> Result<DateTime<Utc>, AppError> {
    match at {
        None => Ok(Utc::now()),
        Some(at) if p.role == Role::Admin => Ok(at),
        Some(_) => Err(AppError::Forbidden(AccessError::Rule(
            "只有系统管理员可以指定操作时间".into(),
        ))),
    }
}

fn missing(id: ItemId) -> AppError {
    AppError::NotFound(format!("事项 {id} 不存在"))
}

/// Item `id` with its history, if `p` may see it.
pub async fn item(
    store: &dyn Store,
    p: &Principal,
    id: ItemId,
) -> Result<StoredWorkItem, AppError> {
    let stored = store.work_item(id).await?.ok_or_else(|| missing(id))?;
    actors::require_visible(p, &stored.item)?;
    Ok(stored)
}

/// The children of a fanned-out item `parent` that `p` has opened with [`item`] (empty for an
/// item without children), for its progress and the commands that wait on them (汇总).
pub async fn children(
    store: &dyn Store,
    p: &Principal,
    parent: &StoredWorkItem,
) -> Result<Vec<yiping_flow::WorkItem>, AppError> {
    actors::require_visible(p, &parent.item)?;
    if parent.item.children == 0 {
        return Ok(Vec::new());
    }
    Ok(store.child_items(parent.item.id).await?)
}

/// A page of the items `p` may see (one unit's inbox in their subtree, an enterprise's own
/// requests), with overdue and warning flags as of now; see [`super::list`].
pub async fn list(
    store: &dyn Store,
    setup: &FlowSetup,
    p: &Principal,
    filter: WorkItemFilter,
    overdue_only: bool,
    page: Page,
) -> Result<Paged<ItemView>, AppError> {
    let filter = actors::scope_filter(p, filter)?;
    super::list(store, setup, filter, overdue_only, page, Utc::now()).await
}

/// A page of the items `p` may see, as stored (with their extras), for pages that offer each
/// item's commands or show what the views leave out.
pub async fn list_stored(
    store: &dyn Store,
    p: &Principal,
    filter: WorkItemFilter,
    page: Page,
) -> Result<Paged<StoredWorkItem>, AppError> {
    let filter = actors::scope_filter(p, filter)?;
    Ok(store.work_items(&filter, page).await?)
}

/// Whether an item is a public service request that Open311 may publish: an event (a citizen's
/// or a grid worker's report), never an enterprise's request, a problem or a directive.
pub fn is_public(item: &yiping_flow::WorkItem) -> bool {
    item.kind == ItemKind::Event && item.enterprise.is_none()
}

/// Public request `id` with its history (`None` when there is none or it is not public).
pub async fn public_request(
    store: &dyn Store,
    id: ItemId,
) -> Result<Option<StoredWorkItem>, AppError> {
    Ok(store.work_item(id).await?.filter(|x| is_public(&x.item)))
}

/// Up to `limit` of the public requests matching `filter`, as stored, newest first.
pub async fn public_requests(
    store: &dyn Store,
    filter: &WorkItemFilter,
    limit: u32,
) -> Result<Vec<StoredWorkItem>, AppError> {
    let page = store.work_items(filter, Page::first(limit)).await?;
    Ok(page
        .items
        .into_iter()
        .filter(|x| is_public(&x.item))
        .collect())
}

/// Sends `action` to its item as `p`, at `at` (administrators only; `None` is now).
pub async fn act(
    store: &dyn Store,
    setup: &FlowSetup,
    p: &Principal,
    action: Action,
    at: Option<DateTime<Utc>>,
) -> Result<Acted, AppError> {
    let now = acting_time(p, at)?;
    act_at(store, setup, p, action, now).await
}

async fn act_at(
    store: &dyn Store,
    setup: &FlowSetup,
    p: &Principal,
    action: Action,
    now: DateTime<Utc>,
) -> Result<Acted, AppError> {
    let Action {
        item: id,
        expected_version,
        command,
        note,
    } = action;
    let stored = store.work_item(id).await?.ok_or_else(|| missing(id))?;
    let suggested = suggest_route(setup, &stored.item).map(|r| r.unit);
    let actor = actors::check_command(p, &stored.item, &command, suggested)?;
    let out = super::transition_loaded(
        store,
        setup,
        stored,
        expected_version,
        &command,
        &actor,
        now,
        note,
    )
    .await
    .map_err(|e| match e {
        // A stale version, read here or lost in a race with another writer.
        AppError::Store(StoreError::Conflict { what }) => AppError::Conflict(what),
        other => other,
    })?;
    Ok(Acted {
        item: out.item,
        effects: out.effects,
        children: out.children,
        actor,
        at: now,
    })
}

/// Files `new` as `p`, received at `at` (administrators only; `None` is now): an enterprise
/// files its own request on the city platform, located in the region it belongs to (属地);
/// everyone else files for units of their subtree (see [`actors::scope_new_item`]).
pub async fn create(
    store: &dyn Store,
    setup: &FlowSetup,
    p: &Principal,
    new: CreateItem,
    at: Option<DateTime<Utc>>,
) -> Result<Created, AppError> {
    let now = acting_time(p, at)?;
    create_at(store, setup, p, new, now).await
}

async fn create_at(
    store: &dyn Store,
    setup: &FlowSetup,
    p: &Principal,
    new: CreateItem,
    now: DateTime<Utc>,
) -> Result<Created, AppError> {
    let (mut new, actor) = actors::scope_new_item(p, setup, new)?;
    check_client_extras(&new.extras)?;
    if p.role == Role::Enterprise {
        new.location = own_region(store, p.unit).await?;
    }
    let item = super::create(store, setup, new, &actor, now).await?;
    let suggested_route = suggest_route(setup, &item.item);
    Ok(Created {
        item,
        suggested_route,
    })
}

/// The region an enterprise belongs to (its current parent, when that is a region).
async fn own_region(store: &dyn Store, unit: EntityId) -> Result<Option<EntityId>, AppError> {
    let Some(parent) = store.entity(unit).await?.and_then(|e| e.current_parent()) else {
        return Ok(None);
    };
    let is_region = store
        .entity(parent)
        .await?
        .is_some_and(|e| e.data.kind == EntityKind::Region);
    Ok(is_region.then_some(parent))
}

/// 一键智达: receives `directive` (its kind is set to 指令) as `p`, registers it and fans it out
/// to `units`, each step through the engine at the same time. Every unit must lie in the user's
/// subtree, checked before anything is stored.
pub async fn issue_directive(
    store: &dyn Store,
    setup: &FlowSetup,
    p: &Principal,
    mut directive: CreateItem,
    units: Vec<EntityId>,
    at: Option<DateTime<Utc>>,
) -> Result<Acted, AppError> {
    let now = acting_time(p, at)?;
    p.require(Capability::IssueDirective)?;
    if units.is_empty() {
        return Err(AppError::invalid("请至少选择一个下发单位"));
    }
    for u in &units {
        p.require_in(Capability::IssueDirective, *u)?;
    }
    directive.kind = ItemKind::Directive;
    let created = create_at(store, setup, p, directive, now).await?;
    let item = &created.item.item;
    let registered = act_at(
        store,
        setup,
        p,
        Action::new(item.id, item.version, Command::Register),
        now,
    )
    .await?;
    let item = &registered.item.item;
    act_at(
        store,
        setup,
        p,
        Action::new(item.id, item.version, Command::FanOut { units }),
        now,
    )
    .await
}

/// A public service request (Open311 GeoReport v2) as the intake received it.
#[derive(Debug, Clone)]
pub struct PublicRequest {
    pub title: String,
    /// A 部件 or 事件 category.
    pub category: CategoryCode,
    /// Who asked (the email or device id the client gave), kept for the engine, never shown.
    pub requester: Option<UserId>,
    /// Where it happened: (`lat`, `long`).
    pub position: Option<(f64, f64)>,
    /// Description, address, media and attributes as posted (the token is written by
    /// [`file_public`]; system links are refused, see [`super::client_input`]).
    pub extras: ItemExtras,
}

/// Files a public service request as a 事件 received online by the city's platform (the
/// region without a parent), acting as the system: the intake has no signed-in user (the front
/// end checks its key). A position inside the registered boundaries of the city's children
/// places the item there (and routes it there when no department is responsible); `shipped`
/// is the front end's own map of the city's children, used when none was uploaded.
pub async fn file_public(
    store: &dyn Store,
    setup: &FlowSetup,
    request: PublicRequest,
    shipped: Option<ShippedMap<'_>>,
    at: DateTime<Utc>,
) -> Result<Created, AppError> {
    check_client_extras(&request.extras)?;
    let city = setup
        .city
        .ok_or_else(|| AppError::invalid("尚未建立城市主体，无法受理"))?;
    let location = match request.position {
        Some((lat, long)) => match store.entity(city).await? {
            Some(e) => child_region_at(store, &e, shipped, long, lat, at.date_naive()).await?,
            None => None,
        },
        None => None,
    };
    let new = CreateItem {
        kind: ItemKind::Event,
        title: request.title,
        category: request.category,
        priority: Priority::Normal,
        channel: Channel::Online,
        receiving_unit: city,
        location,
        enterprise: None,
        reporter: None,
        requester: request.requester,
        // The receipt the requester may quote later, written here and never taken from them.
        extras: ItemExtras {
            token: Some(crate::auth::new_secret()[..32].to_string()),
            ..request.extras
        },
    };
    let item = super::create(store, setup, new, &Actor::system(city), at).await?;
    let suggested_route = suggest_route(setup, &item.item);
    Ok(Created {
        item,
        suggested_route,
    })
}

/// A person named in an item's history: their name and unit (`None` for the system's own
/// steps, such as the overdue jobs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub unit: Option<EntityId>,
}

/// The login the system's own steps are recorded under (jobs, imports).
pub const SYSTEM_LOGIN: &str = "system";

/// The people behind the logins of `item`'s history, for someone who may see the item: its
/// page names who acted ("张三，市经济信息委"), never a login. An unknown login (a removed
/// user) is left out and shown as recorded.
pub async fn people(
    store: &dyn Store,
    p: &Principal,
    item: &StoredWorkItem,
) -> Result<std::collections::HashMap<String, Person>, AppError> {
    actors::require_visible(p, &item.item)?;
    let logins: std::collections::HashSet<&str> = item
        .records
        .iter()
        .map(|r| r.entry.actor.user.as_str())
        .collect();
    let mut out = std::collections::HashMap::new();
    if logins.contains(SYSTEM_LOGIN) {
        out.insert(
            SYSTEM_LOGIN.to_string(),
            Person {
                name: "自动任务".to_string(),
                unit: None,
            },
        );
    }
    for u in store.users().await? {
        if logins.contains(u.login.as_str()) {
            out.insert(
                u.login,
                Person {
                    name: u.name,
                    unit: Some(u.unit),
                },
            );
        }
    }
    Ok(out)
}
