//! Demo work items: a few thousand synthetic cases received in the 12 months before the demo's
//! day by the districts of the demo (grid workers' reports, hotline events, enterprises'
//! requests, problems from the eight sources, directives fanned out to departments), each driven
//! through the engine itself to a stage drawn from a plausible mix, so that every stage,
//! suspensions, supervision, returns, reworks and late closures occur. An item that would still be
//! open and past its deadline on the day is driven to 结案 instead, except a few (about
//! [`KEEP_LATE`] of them), so the first run of the jobs finds a handful of overdue items to chase,
//! as a working city would, not hundreds. The monthly metrics of the 12 complete months are then
//! written as observations.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use yiping_flow::{
    Actor, ActorRole, CategoryDomain, Channel, Command, Effect, ItemKind, NewWorkItem, Priority,
    Reason, Stage, SuspendKind, UserId, Verification, WorkItem, apply, receive,
};
use yiping_kernel::{EntityId, EntityKind, Period};
use yiping_store::{ChangeContext, ItemExtras, PROBLEM_SOURCES, Store, TransitionRecord};

use yiping_app::AppError;
use yiping_app::work_items::metrics::refresh_metrics;
use yiping_app::work_items::{FlowSetup, command_note, suggest_route};

use crate::DemoDay;

/// How many items the demo creates.
pub const DEMO_ITEMS: usize = 3000;

/// The chance that an item which would be open and overdue on the demo's day is left so.
pub const KEEP_LATE: f64 = 0.01;

/// Items received more than this many days before the demo's day are not left open on purpose
/// (a directive cannot be driven again, so an old one is driven to 结案 from the start).
const OLD_DAYS: i64 = 30;

/// What the demo loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoItems {
    pub items: usize,
    pub children: usize,
    pub by_stage: Vec<(Stage, usize)>,
    pub metric_values: usize,
    /// (scheme, period) evaluations computed on the written metrics.
    pub evaluations: usize,
}

impl fmt::Display for DemoItems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stages: Vec<String> = self
            .by_stage
            .iter()
            .map(|(s, n)| format!("{}{n}", s.label_zh()))
            .collect();
        write!(f, "闭环事项 {} 件", self.items)?;
        if self.children > 0 {
            write!(f, "，另有下发子事项 {} 件", self.children)?;
        }
        write!(
            f,
            "（{}），办理指标 {} 条，事项办理赛马 {} 期",
            stages.join("、"),
            self.metric_values,
            self.evaluations
        )
    }
}

fn reason(text: &str) -> Reason {
    Reason::new(text).expect("non-blank demo text")
}

fn user(name: String) -> UserId {
    UserId::new(name).expect("non-blank demo user")
}

/// Where demo events happen, before the category's name.
const PLACES: [&str; 8] = [
    "解放碑步行街",
    "小区门口",
    "学校周边",
    "农贸市场旁",
    "主干道",
    "老旧小区内",
    "公交站台附近",
    "滨江路",
];

/// The stage an item is driven to (at most; a refusal stops it earlier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Goal {
    Received,
    Rejected,
    Registered,
    Dispatched,
    Signed,
    Handling,
    Replied,
    Verified,
    Closed,
    Cancelled,
    AwaitingRuling,
}

fn goal(rng: &mut ChaCha8Rng) -> Goal {
    const MIX: [(Goal, u32); 11] = [
        (Goal::Received, 3),
        (Goal::Rejected, 3),
        (Goal::Registered, 4),
        (Goal::Dispatched, 5),
        (Goal::Signed, 4),
        (Goal::Handling, 8),
        (Goal::Replied, 5),
        (Goal::Verified, 3),
        (Goal::Closed, 60),
        (Goal::Cancelled, 3),
        (Goal::AwaitingRuling, 2),
    ];
    let total: u32 = MIX.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (g, w) in MIX {
        if x < w {
            return g;
        }
        x -= w;
    }
    Goal::Closed
}

#[derive(Clone)]
struct Driver<'a> {
    setup: &'a FlowSetup,
    item: WorkItem,
    records: Vec<TransitionRecord>,
    now: DateTime<Utc>,
    children: Vec<WorkItem>,
    end: DateTime<Utc>,
    /// Child items a fan-out asked for.
    specs: Vec<yiping_flow::ChildSpec>,
}

impl Driver<'_> {
    /// Applies `cmd` after `gap`; false (and nothing changed) when refused or past the year.
    fn step(&mut self, cmd: Command, actor: &Actor, gap: TimeDelta) -> bool {
        let at = self.now + gap;
        if at >= self.end {
            return false;
        }
        let ctx = self.setup.ctx().with_children(&self.children);
        let Ok((next, effects)) = apply(&self.item, &cmd, actor, at, &ctx) else {
            return false;
        };
        let used = self.setup.calendar.elapsed(
            self.item.updated_at,
            at,
            self.item.clock,
            &self.item.pauses_until(at),
        );
        self.records.push(TransitionRecord {
            entry: next.history.last().cloned().expect("one entry per step"),
            note: command_note(&cmd),
            clock_used: Some(
                (self.setup.calendar.in_units(used, self.item.clock) * 100.0).round() / 100.0,
            ),
            overdue: self.item.is_overdue(at),
        });
        self.specs
            .extend(effects.into_iter().filter_map(|e| match e {
                Effect::CreateChild(spec) => Some(spec),
                _ => None,
            }));
        self.item = next;
        self.now = at;
        true
    }
}

/// Creates the demo items as of [`DemoDay::REFERENCE`] (received over 2024) and writes the 2024
/// monthly metrics.
pub async fn load(store: &dyn Store, seed: u64) -> Result<DemoItems, AppError> {
    load_n(store, seed, DEMO_ITEMS).await
}

/// [`load`] with `count` items.
pub async fn load_n(store: &dyn Store, seed: u64, count: usize) -> Result<DemoItems, AppError> {
    load_at(store, seed, count, DemoDay::REFERENCE.morning()).await
}

/// Creates `count` demo items received in the 12 months before `now` (driven no further than
/// `now`) and writes the metrics of the 12 complete months before `now`'s month (China time).
pub async fn load_at(
    store: &dyn Store,
    seed: u64,
    count: usize,
    now: DateTime<Utc>,
) -> Result<DemoItems, AppError> {
    load_keeping(store, seed, count, now, KEEP_LATE).await
}

/// [`load_at`] leaving an item open and overdue at `now` with chance `keep_late` instead of
/// [`KEEP_LATE`] (1.0: every item stays at the stage drawn for it, late or not).
pub async fn load_keeping(
    store: &dyn Store,
    seed: u64,
    count: usize,
    now: DateTime<Utc>,
    keep_late: f64,
) -> Result<DemoItems, AppError> {
    let keep_late = keep_late.clamp(0.0, 1.0);
    let setup = FlowSetup::load(store).await?;
    let entities = store.all_entities().await?;
    let districts: Vec<EntityId> = entities
        .iter()
        .filter(|e| e.data.kind == EntityKind::Region && e.data.level == 2)
        .map(|e| e.id)
        .collect();
    let enterprises: Vec<EntityId> = entities
        .iter()
        .filter(|e| e.data.kind == EntityKind::Enterprise)
        .map(|e| e.id)
        .collect();
    // The firm of the demo's `enterprise` user (the enterprise with the smallest code, as in
    // `users`): its requests are theirs, so they are asked to rate the closed ones.
    let demo_firm = entities
        .iter()
        .filter(|e| e.data.kind == EntityKind::Enterprise)
        .filter_map(|e| e.data.code.as_ref().map(|c| (c.as_str().to_string(), e.id)))
        .min_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, id)| id);
    let departments: Vec<EntityId> = entities
        .iter()
        .filter(|e| e.data.kind == EntityKind::Department)
        .map(|e| e.id)
        .collect();
    if districts.is_empty() {
        return Err(AppError::invalid("演示事项需要先载入区县主体"));
    }
    // The towns and streets of each district: grid events and problems happen in one of them,
    // so that a district's one screen has figures per town.
    let today = (now + TimeDelta::hours(8)).date_naive();
    let day0 = today;
    let mut towns: std::collections::HashMap<EntityId, Vec<EntityId>> =
        std::collections::HashMap::new();
    for e in &entities {
        if e.data.kind == EntityKind::Region
            && e.data.level == 3
            && let Some(p) = e.parent_at(day0)
        {
            towns.entry(p).or_default().push(e.id);
        }
    }
    // The demo's grids (level-5 regions) with their 区县 and their grid worker's login: about a
    // third of the grid workers' reports come from them, located in the grid.
    let parent_of: std::collections::HashMap<EntityId, EntityId> = entities
        .iter()
        .filter_map(|e| e.parent_at(day0).map(|p| (e.id, p)))
        .collect();
    let level_of: std::collections::HashMap<EntityId, u8> =
        entities.iter().map(|e| (e.id, e.data.level)).collect();
    let name_of: std::collections::HashMap<EntityId, &str> = entities
        .iter()
        .map(|e| (e.id, e.data.name.as_str()))
        .collect();
    let grids: Vec<(EntityId, EntityId, String)> = entities
        .iter()
        .filter(|e| e.data.kind == EntityKind::Region && e.data.level == 5)
        .filter_map(|e| {
            let mut at = e.id;
            for _ in 0..4 {
                at = *parent_of.get(&at)?;
                if level_of.get(&at) == Some(&2) {
                    let code = e.data.code.as_ref()?.as_str();
                    return Some((e.id, at, crate::grid_worker_login(code)));
                }
            }
            None
        })
        .collect();
    // Drawn apart from the main sequence, so that every other draw stays as it was.
    let mut place_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0054_4f57_4e53);
    let mut grid_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0047_5249_4453);
    let events: Vec<_> = setup
        .categories
        .iter()
        .filter(|c| c.code.domain().fits(yiping_flow::ItemKind::Event))
        .map(|c| c.code.clone())
        .collect();
    let topics: Vec<_> = setup
        .categories
        .iter()
        .filter(|c| c.code.domain() == CategoryDomain::Enterprise)
        .map(|c| c.code.clone())
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0057_495f_4445_4d4f);
    let mut late_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x004c_4154_4500);
    let start = now - TimeDelta::days(365);
    let end = now;
    let ids = store
        .reserve_item_ids(u32::try_from(count).unwrap_or(u32::MAX))
        .await?;
    let mut summary = DemoItems::default();
    let mut counts = std::collections::BTreeMap::new();
    for (n, id) in ids.into_iter().enumerate() {
        let district = districts[rng.random_range(0..districts.len())];
        // Received during working hours, spread over the 12 months before the day.
        let day = rng.random_range(0..364);
        let received = start
            + TimeDelta::days(day)
            + TimeDelta::hours(rng.random_range(1..9))
            + TimeDelta::minutes(rng.random_range(0..60));
        let roll = rng.random_range(0..100);
        let name = |c: &yiping_flow::CategoryCode| {
            setup
                .categories
                .get(c)
                .map(|x| x.minor_name.clone())
                .unwrap_or_default()
        };
        let (kind, channel, category, title) = if roll < 55 {
            let c = events[rng.random_range(0..events.len())].clone();
            let t = format!("{}{}", PLACES[rng.random_range(0..PLACES.len())], name(&c));
            let ch = if rng.random_bool(0.6) {
                Channel::GridWorker
            } else {
                Channel::Hotline
            };
            (ItemKind::Event, ch, c, t)
        } else if roll < 80 && !enterprises.is_empty() && !topics.is_empty() {
            let c = topics[rng.random_range(0..topics.len())].clone();
            let t = format!("企业反映{}问题", name(&c));
            (ItemKind::EnterpriseRequest, Channel::Enterprise, c, t)
        } else if roll < 97 {
            let c = events[rng.random_range(0..events.len())].clone();
            let src = PROBLEM_SOURCES[rng.random_range(0..PROBLEM_SOURCES.len())];
            let t = format!("{src}反馈：{}问题整改", name(&c));
            (ItemKind::Problem, Channel::Leadership, c, t)
        } else {
            let c = events[rng.random_range(0..events.len())].clone();
            (
                ItemKind::Directive,
                Channel::Leadership,
                c,
                "开展安全隐患专项排查".to_string(),
            )
        };
        let grid = kind == ItemKind::Event && channel == Channel::GridWorker;
        let in_grid = (grid && !grids.is_empty() && grid_rng.random_bool(0.3))
            .then(|| grids[grid_rng.random_range(0..grids.len())].clone());
        let district = in_grid.as_ref().map_or(district, |g| g.1);
        // A grid's event is named by its community (not by a street of another district).
        let title = match &in_grid {
            Some(g) => {
                let village = parent_of.get(&g.0).and_then(|v| name_of.get(v));
                format!(
                    "{}{}",
                    village.copied().unwrap_or_default(),
                    name(&category)
                )
            }
            None => title,
        };
        let receiver = if let Some((grid_id, _, login)) = &in_grid {
            Actor::new(user(login.clone()), ActorRole::Reporter, *grid_id)
        } else if grid {
            Actor::new(
                user(format!("网格员{:03}", n % 400)),
                ActorRole::Reporter,
                district,
            )
        } else {
            Actor::new(
                user(format!("受理员{}", district.0 % 50)),
                ActorRole::Supervisor,
                district,
            )
        };
        let enterprise = (kind == ItemKind::EnterpriseRequest)
            .then(|| enterprises[rng.random_range(0..enterprises.len())]);
        let priority = if rng.random_bool(0.1) {
            Priority::Urgent
        } else {
            Priority::Normal
        };
        let extras = ItemExtras {
            problem_source: (kind == ItemKind::Problem)
                .then(|| title.split("反馈").next().unwrap_or_default().to_string()),
            ..ItemExtras::default()
        };
        let new = NewWorkItem {
            id,
            kind,
            title,
            category,
            priority,
            channel,
            receiving_unit: district,
            location: Some(match (&in_grid, towns.get(&district)) {
                (Some(g), _) => g.0,
                (None, Some(ts)) if matches!(kind, ItemKind::Event | ItemKind::Problem) => {
                    ts[place_rng.random_range(0..ts.len())]
                }
                _ => district,
            }),
            enterprise,
            reporter: None,
            requester: enterprise
                .filter(|e| Some(*e) == demo_firm)
                .map(|_| user("enterprise".to_string())),
        };
        let (item, _) = receive(new, &receiver, received, &setup.ctx())?;
        let records = item
            .history
            .iter()
            .cloned()
            .map(|e| TransitionRecord {
                clock_used: Some(0.0),
                ..TransitionRecord::new(e)
            })
            .collect();
        let mut d = Driver {
            setup: &setup,
            item,
            records,
            now: received,
            children: Vec::new(),
            end,
            specs: Vec::new(),
        };
        let mut target = goal(&mut rng);
        let old = now - received > TimeDelta::days(OLD_DAYS);
        let supervisor = Actor::new(
            user(format!("监督员{}", district.0 % 50)),
            ActorRole::Supervisor,
            district,
        );
        let dispatcher = Actor::new(
            user(format!("派遣员{}", district.0 % 50)),
            ActorRole::Dispatcher,
            district,
        );
        let hours =
            |rng: &mut ChaCha8Rng, lo: i64, hi: i64| TimeDelta::hours(rng.random_range(lo..hi));
        let mut children = Vec::new();
        if kind == ItemKind::Directive {
            if old && !late_rng.random_bool(keep_late) {
                target = Goal::Closed;
            }
            children = drive_directive(
                store,
                &mut d,
                target,
                &mut rng,
                &supervisor,
                &dispatcher,
                &departments,
            )
            .await?;
        } else {
            let before = d.clone();
            drive(
                &mut d,
                target,
                &mut rng,
                &supervisor,
                &dispatcher,
                &departments,
                hours,
            );
            if !d.item.stage.is_terminal()
                && d.item.is_overdue(now)
                && !late_rng.random_bool(keep_late)
            {
                d = before;
                drive(
                    &mut d,
                    Goal::Closed,
                    &mut rng,
                    &supervisor,
                    &dispatcher,
                    &departments,
                    hours,
                );
            }
        }
        *counts.entry(d.item.stage).or_insert(0usize) += 1;
        store.insert_work_item(&d.item, &extras, &d.records).await?;
        summary.items += 1;
        for (child, records) in children {
            store
                .insert_work_item(&child, &ItemExtras::default(), &records)
                .await?;
            summary.children += 1;
        }
    }
    summary.by_stage = counts.into_iter().collect();
    let ctx = ChangeContext::new("演示数据", "闭环事项办理指标", end);
    let months = complete_months(today)?;
    // Written, then the schemes reading WI_* (事项办理赛马) are evaluated for those months.
    let report = refresh_metrics(store, &setup, &months, end, &ctx).await?;
    summary.metric_values += report
        .written
        .iter()
        .map(|(_, r)| r.inserted + r.updated + r.unchanged)
        .sum::<usize>();
    if let Some(e) = report.failed.first() {
        return Err(AppError::invalid(format!("事项办理赛马未能计算：{e}")));
    }
    summary.evaluations = report.evaluated.len();
    Ok(summary)
}

/// The 12 complete months before `today`'s month, oldest first.
fn complete_months(today: chrono::NaiveDate) -> Result<Vec<Period>, AppError> {
    use chrono::Datelike;
    let index = today.year() * 12 + today.month0() as i32;
    (index - 12..index)
        .map(|i| {
            Period::month(i.div_euclid(12), (i.rem_euclid(12) + 1) as u8)
                .map_err(|e| AppError::invalid(e.to_string()))
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn drive(
    d: &mut Driver<'_>,
    target: Goal,
    rng: &mut ChaCha8Rng,
    supervisor: &Actor,
    dispatcher: &Actor,
    departments: &[EntityId],
    hours: impl Fn(&mut ChaCha8Rng, i64, i64) -> TimeDelta,
) {
    if target == Goal::Received {
        return;
    }
    if target == Goal::Rejected {
        d.step(
            Command::Reject {
                reason: reason("不属于受理范围"),
            },
            supervisor,
            hours(rng, 1, 3),
        );
        return;
    }
    if d.item.stage == Stage::Received && !d.step(Command::Register, supervisor, hours(rng, 0, 3)) {
        return;
    }
    if rng.random_bool(0.05) {
        d.step(
            Command::Supervise {
                note: reason("群众反映强烈，列入督办"),
            },
            supervisor,
            hours(rng, 0, 2),
        );
    }
    if matches!(target, Goal::Registered) {
        return;
    }
    if target == Goal::Cancelled {
        d.step(
            Command::Cancel {
                reason: reason("诉求人撤回"),
            },
            supervisor,
            hours(rng, 1, 24),
        );
        return;
    }
    let unit = suggest_route(d.setup, &d.item)
        .map(|r| r.unit)
        .or_else(|| departments.first().copied())
        .unwrap_or(d.item.owner_unit);
    if !d.step(Command::Dispatch { unit }, dispatcher, hours(rng, 0, 4)) {
        return;
    }
    let handler =
        |unit: EntityId| Actor::new(user(format!("承办人{}", unit.0)), ActorRole::Handler, unit);
    if target == Goal::AwaitingRuling {
        d.step(
            Command::Return {
                reason: reason("不属于本单位职责"),
            },
            &handler(unit),
            hours(rng, 1, 8),
        );
        d.step(Command::Dispatch { unit }, dispatcher, hours(rng, 1, 8));
        d.step(
            Command::Return {
                reason: reason("仍不属于本单位职责"),
            },
            &handler(unit),
            hours(rng, 1, 8),
        );
        return;
    }
    if target == Goal::Dispatched {
        return;
    }
    // Some units sign late, some handle late: the metrics then have something to show.
    let slow = rng.random_bool(0.2);
    let gap = |rng: &mut ChaCha8Rng| {
        if slow {
            hours(rng, 24, 24 * 12)
        } else {
            hours(rng, 1, 20)
        }
    };
    let h = handler(unit);
    let g = gap(rng);
    if !d.step(Command::Sign, &h, g) || target == Goal::Signed {
        return;
    }
    let g = gap(rng);
    if !d.step(Command::Handle, &h, g) {
        return;
    }
    if rng.random_bool(0.04) {
        d.step(
            Command::Suspend {
                kind: SuspendKind::Suspend,
                explanation: reason("等待第三方检测结果"),
            },
            supervisor,
            hours(rng, 1, 8),
        );
        if target == Goal::Handling || rng.random_bool(0.3) {
            return;
        }
        d.step(Command::Resume, supervisor, hours(rng, 24, 24 * 10));
    }
    if target == Goal::Handling {
        return;
    }
    let g = gap(rng);
    if !d.step(
        Command::Reply {
            result: reason("已按要求处置完毕，现场照片已上传"),
        },
        &h,
        g,
    ) || target == Goal::Replied
    {
        return;
    }
    if rng.random_bool(0.08) {
        d.step(
            Command::Verify {
                outcome: Verification::Failed {
                    reason: reason("现场核查仍有问题，退回返工"),
                },
            },
            supervisor,
            hours(rng, 1, 8),
        );
        d.step(
            Command::Reply {
                result: reason("已返工处置"),
            },
            &h,
            hours(rng, 4, 48),
        );
    }
    if !d.step(
        Command::Verify {
            outcome: Verification::Passed,
        },
        supervisor,
        hours(rng, 1, 8),
    ) || target == Goal::Verified
    {
        return;
    }
    d.step(Command::Close, supervisor, hours(rng, 0, 4));
}

/// A directive: 立案, 分派 to two or three departments, each child signed, handled and
/// answered (most of them), then 汇总, 核查 and 结案 when every child has answered.
async fn drive_directive(
    store: &dyn Store,
    d: &mut Driver<'_>,
    target: Goal,
    rng: &mut ChaCha8Rng,
    supervisor: &Actor,
    dispatcher: &Actor,
    departments: &[EntityId],
) -> Result<Vec<(WorkItem, Vec<TransitionRecord>)>, AppError> {
    let h = |rng: &mut ChaCha8Rng, lo: i64, hi: i64| TimeDelta::hours(rng.random_range(lo..hi));
    if d.item.stage == Stage::Received && !d.step(Command::Register, supervisor, h(rng, 0, 2)) {
        return Ok(Vec::new());
    }
    if departments.len() < 3 || matches!(target, Goal::Received | Goal::Registered) {
        return Ok(Vec::new());
    }
    let mut units: Vec<EntityId> = Vec::new();
    while units.len() < rng.random_range(2..4usize) {
        let u = departments[rng.random_range(0..departments.len())];
        if !units.contains(&u) {
            units.push(u);
        }
    }
    if !d.step(Command::FanOut { units }, dispatcher, h(rng, 0, 4)) {
        return Ok(Vec::new());
    }
    let specs = std::mem::take(&mut d.specs);
    let ids = store
        .reserve_item_ids(u32::try_from(specs.len()).unwrap_or(u32::MAX))
        .await?;
    let mut out = Vec::new();
    for (spec, id) in specs.into_iter().zip(ids) {
        let unit = spec.unit;
        let child = spec.into_item(id);
        let records = child
            .history
            .iter()
            .cloned()
            .map(TransitionRecord::new)
            .collect();
        let mut c = Driver {
            setup: d.setup,
            now: child.updated_at,
            item: child,
            records,
            children: Vec::new(),
            end: d.end,
            specs: Vec::new(),
        };
        let handler = Actor::new(user(format!("承办人{}", unit.0)), ActorRole::Handler, unit);
        // A directive meant to be closed has every answer; others miss one now and then.
        let answered = !matches!(target, Goal::Dispatched | Goal::Signed)
            && (rng.random_bool(0.9) || target == Goal::Closed);
        let _ = c.step(Command::Sign, &handler, h(rng, 1, 24))
            && c.step(Command::Handle, &handler, h(rng, 1, 24))
            && answered
            && c.step(
                Command::Reply {
                    result: reason("本单位排查完毕，未发现重大隐患"),
                },
                &handler,
                h(rng, 24, 24 * 5),
            );
        // A directive carried through has each answer checked and closed by the issuing side,
        // so that no answered child waits for a check for ever.
        if c.item.stage == Stage::Replied && matches!(target, Goal::Verified | Goal::Closed) {
            let _ = c.step(
                Command::Verify {
                    outcome: Verification::Passed,
                },
                supervisor,
                h(rng, 1, 8),
            ) && c.step(Command::Close, supervisor, h(rng, 0, 4));
        }
        out.push((c.item, c.records));
    }
    let latest = out.iter().map(|(c, _)| c.updated_at).max().unwrap_or(d.now);
    d.children = out.iter().map(|(c, _)| c.clone()).collect();
    let gap = (latest - d.now).max(TimeDelta::zero()) + h(rng, 1, 8);
    if !matches!(target, Goal::Dispatched | Goal::Signed | Goal::Handling)
        && d.step(Command::Consolidate, supervisor, gap)
        && !matches!(target, Goal::Replied)
        && d.step(
            Command::Verify {
                outcome: Verification::Passed,
            },
            supervisor,
            h(rng, 1, 8),
        )
        && !matches!(target, Goal::Verified)
    {
        d.step(Command::Close, supervisor, h(rng, 0, 4));
    }
    Ok(out)
}
