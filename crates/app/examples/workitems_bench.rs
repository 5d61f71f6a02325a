//! bench/workitems: full work-item lifecycles through the app layer, driven by
//! `bench/workitems/run.py`.
//!
//! Each lifecycle is a hotline event taken through every step a normal closure needs, each step
//! the `work_items::transition` use case with the version read from the previous step:
//! 受理 (create) → 立案 → 派遣 → 签收 → 处置 → 反馈 → 核查 → 结案. `--tasks` tokio tasks share the
//! items; the run prints lifecycles/s, transitions/s and the latency of each step, then a
//! `RESULT {json}` line for the script.
//!
//! ```sh
//! cargo run --release --example workitems_bench -p yiping-app -- \
//!     --database /tmp/wi.db --items 2000 --tasks 4
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use yiping_app::AppError;
use yiping_app::database::{self, Create, DatabaseUrl};
use yiping_app::work_items::{self, CreateItem, FlowSetup};
use yiping_flow::{
    Actor, ActorRole, CategoryCode, Channel, Command, ItemKind, Priority, Reason, Stage, UserId,
    Verification,
};
use yiping_kernel::{EntityCode, EntityId, EntityKind, NewEntity};
use yiping_store::{
    ChangeContext, EntityUpsert, ItemExtras, Page, ParentRef, Store, StoreError, WorkItemFilter,
};

/// The steps after creation, in order; the first column of the report is 受理.
const STEPS: [&str; 8] = [
    "受理", "立案", "派遣", "签收", "处置", "反馈", "核查", "结案",
];

#[derive(Debug)]
struct Args {
    database: String,
    items: usize,
    tasks: usize,
    warmup: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        database: String::new(),
        items: 2000,
        tasks: 4,
        warmup: 50,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--database" => a.database = value()?,
            "--items" => a.items = value()?.parse().map_err(|e| format!("--items: {e}"))?,
            "--tasks" => a.tasks = value()?.parse().map_err(|e| format!("--tasks: {e}"))?,
            "--warmup" => a.warmup = value()?.parse().map_err(|e| format!("--warmup: {e}"))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.database.is_empty() {
        return Err(
            "usage: workitems_bench --database PATH|postgres://… [--items N] [--tasks T] [--warmup W]"
                .into(),
        );
    }
    a.tasks = a.tasks.max(1);
    Ok(a)
}

/// The units a lifecycle needs: the receiving district and the department it is dispatched to.
#[derive(Debug, Clone, Copy)]
struct Org {
    district: EntityId,
    department: EntityId,
}

async fn seed(store: &dyn Store) -> Result<Org, AppError> {
    let e = |kind, code: &str, name: &str, level| {
        let code = EntityCode::parse(code).map_err(|e| AppError::invalid(e.to_string()))?;
        NewEntity::new(kind, Some(code), name, level).map_err(|e| AppError::invalid(e.to_string()))
    };
    let items = vec![
        EntityUpsert::new(e(EntityKind::Region, "500000", "重庆市", 1)?),
        EntityUpsert::new(e(EntityKind::Region, "500103", "渝中区", 2)?)
            .with_parent(ParentRef::Earlier(0)),
        EntityUpsert::new(e(EntityKind::Department, "D009", "市城市管理局", 2)?)
            .with_parent(ParentRef::Earlier(0)),
    ];
    let ctx = ChangeContext::new("基准测试", "种子", start());
    let ids: Vec<EntityId> = store
        .upsert_entities(&items, &ctx)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    Ok(Org {
        district: ids[1],
        department: ids[2],
    })
}

/// Monday 2024-03-04 09:00 Beijing time.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 4, 1, 0, 0)
        .single()
        .unwrap_or_default()
}

fn actor(user: &str, role: ActorRole, unit: EntityId) -> Result<Actor, AppError> {
    let user = UserId::new(user).map_err(|e| AppError::invalid(e.to_string()))?;
    Ok(Actor::new(user, role, unit))
}

fn reason(text: &str) -> Result<Reason, AppError> {
    Ok(Reason::new(text)?)
}

/// The commands of a normal closure after 受理, with who performs them.
fn closure_steps(org: Org) -> Result<Vec<(Command, Actor)>, AppError> {
    let sup = actor("监督员1", ActorRole::Supervisor, org.district)?;
    let disp = actor("派遣员1", ActorRole::Dispatcher, org.district)?;
    let handler = actor("承办人1", ActorRole::Handler, org.department)?;
    Ok(vec![
        (Command::Register, sup.clone()),
        (
            Command::Dispatch {
                unit: org.department,
            },
            disp,
        ),
        (Command::Sign, handler.clone()),
        (Command::Handle, handler.clone()),
        (
            Command::Reply {
                result: reason("已按要求处置完毕，现场照片已上传")?,
            },
            handler,
        ),
        (
            Command::Verify {
                outcome: Verification::Passed,
            },
            sup.clone(),
        ),
        (Command::Close, sup),
    ])
}

fn new_item(org: Org, n: usize) -> Result<CreateItem, AppError> {
    Ok(CreateItem {
        kind: ItemKind::Event,
        title: format!("解放碑步行街暴露垃圾（基准 {n}）"),
        category: CategoryCode::parse("事件/01/01")
            .map_err(|e| AppError::invalid(e.to_string()))?,
        priority: Priority::Normal,
        channel: Channel::Hotline,
        receiving_unit: org.district,
        location: Some(org.district),
        enterprise: None,
        reporter: None,
        requester: None,
        extras: ItemExtras::default(),
    })
}

/// Latencies in microseconds, one vector per step.
type Lat = Vec<Vec<u32>>;

/// Takes items `first, first + stride, …` below `end` through a whole lifecycle.
async fn run_lifecycles(
    store: Arc<dyn Store>,
    setup: Arc<FlowSetup>,
    org: Org,
    first: usize,
    end: usize,
    stride: usize,
) -> Result<Lat, String> {
    let inner = async {
        let steps = closure_steps(org)?;
        let receiver = actor("受理员1", ActorRole::Supervisor, org.district)?;
        let mut lat: Lat = vec![Vec::new(); STEPS.len()];
        for n in (first..end).step_by(stride) {
            // Received during working hours on one Monday; each step half an hour later.
            let at = start() + TimeDelta::seconds((n % 3600) as i64);
            let t = Instant::now();
            let created =
                work_items::create(store.as_ref(), &setup, new_item(org, n)?, &receiver, at)
                    .await?;
            lat[0].push(micros(t.elapsed()));
            let id = created.item.id;
            let mut version = created.item.version;
            for (k, (cmd, who)) in steps.iter().enumerate() {
                let now = at + TimeDelta::minutes(30 * (k as i64 + 1));
                let t = Instant::now();
                let out =
                    work_items::transition(store.as_ref(), &setup, id, version, cmd, who, now)
                        .await?;
                lat[k + 1].push(micros(t.elapsed()));
                version = out.item.item.version;
            }
            if version == 0 {
                return Err(AppError::invalid("version did not move"));
            }
        }
        Ok::<_, AppError>(lat)
    };
    inner.await.map_err(|e| e.to_string())
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[idx.min(sorted.len() - 1)]) / 1000.0
}

async fn run_phase(
    store: &Arc<dyn Store>,
    setup: &Arc<FlowSetup>,
    org: Org,
    first: usize,
    end: usize,
    tasks: usize,
) -> Result<Lat, Box<dyn std::error::Error>> {
    let mut handles = Vec::new();
    for k in 0..tasks {
        handles.push(tokio::spawn(run_lifecycles(
            store.clone(),
            setup.clone(),
            org,
            first + k,
            end,
            tasks,
        )));
    }
    let mut lat: Lat = vec![Vec::new(); STEPS.len()];
    for h in handles {
        let part = h.await??;
        for (all, p) in lat.iter_mut().zip(part) {
            all.extend(p);
        }
    }
    Ok(lat)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let url = DatabaseUrl::parse(&args.database)?;
    let store = database::open(&url, Create::Yes).await?;
    let org = seed(store.as_ref()).await?;
    let setup = Arc::new(FlowSetup::load(store.as_ref()).await?);

    // Warm-up (connections, statement caches), not timed.
    run_phase(&store, &setup, org, 0, args.warmup, args.tasks).await?;

    let first = args.warmup;
    let end = first + args.items;
    let t = Instant::now();
    let mut lat = run_phase(&store, &setup, org, first, end, args.tasks).await?;
    let secs = t.elapsed().as_secs_f64();

    // Every timed item is closed, and a stale version is still refused.
    let closed = store
        .work_items(
            &WorkItemFilter {
                stages: vec![Stage::Closed],
                ..WorkItemFilter::default()
            },
            Page::first(1),
        )
        .await?;
    let closed_total = usize::try_from(closed.total)?;
    if closed_total != end {
        return Err(format!("expected {end} closed items, found {closed_total}").into());
    }
    let any = closed
        .items
        .first()
        .ok_or("no closed item to check the version with")?;
    let stale = work_items::transition(
        store.as_ref(),
        &setup,
        any.item.id,
        1,
        &Command::Close,
        &closure_steps(org)?[6].1,
        start(),
    )
    .await;
    if !matches!(stale, Err(AppError::Store(StoreError::Conflict { .. }))) {
        return Err(format!("a stale version was not refused: {stale:?}").into());
    }

    let transitions = args.items * (STEPS.len() - 1);
    let lifecycles_s = args.items as f64 / secs;
    let transitions_s = transitions as f64 / secs;
    println!(
        "{}: {} lifecycles ({} transitions + {} creates) with {} tasks in {:.2} s",
        url.display(),
        args.items,
        transitions,
        args.items,
        args.tasks,
        secs
    );
    println!("  lifecycles/s {lifecycles_s:>10.0}   transitions/s {transitions_s:>10.0}");
    let mut steps_json = Vec::new();
    for (name, l) in STEPS.iter().zip(lat.iter_mut()) {
        l.sort_unstable();
        let (p50, p99) = (percentile(l, 0.50), percentile(l, 0.99));
        println!("  {name}  p50 {p50:>7.2} ms   p99 {p99:>7.2} ms");
        steps_json.push(serde_json::json!({"step": name, "p50_ms": p50, "p99_ms": p99}));
    }
    let result = serde_json::json!({
        "backend": match url { DatabaseUrl::Sqlite(_) => "sqlite", DatabaseUrl::Postgres(_) => "postgres" },
        "items": args.items,
        "tasks": args.tasks,
        "seconds": secs,
        "transitions": transitions,
        "lifecycles_per_s": lifecycles_s,
        "transitions_per_s": transitions_s,
        "steps": steps_json,
    });
    println!("RESULT {result}");
    Ok(())
}
