//! 问题 items raised by the system rather than a person: from evaluation grades
//! (`crate::evaluate::problems`) and from indicator alert rules (`crate::alerts`). Both read the
//! problems already raised from one source (to deduplicate on the link in their extras) and
//! create a new item received by the entity it is about, as the system actor.

use chrono::{DateTime, Utc};
use yiping_flow::{
    Actor, ActorRole, CategoryCode, CategoryDomain, Channel, ItemId, ItemKind, NewWorkItem,
    Priority, UserId,
};
use yiping_kernel::EntityId;
use yiping_store::{ItemExtras, Page, Store, TransitionRecord, WorkItemFilter};

use super::FlowSetup;
use crate::AppError;

/// The extras of every 问题 stored with `source`, open or closed.
pub(crate) async fn problem_extras(
    store: &dyn Store,
    source: &str,
) -> Result<Vec<ItemExtras>, AppError> {
    let filter = WorkItemFilter {
        kind: Some(ItemKind::Problem),
        problem_source: Some(source.to_string()),
        ..WorkItemFilter::default()
    };
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = store
            .work_items(
                &filter,
                Page {
                    limit: Page::MAX_LIMIT,
                    offset,
                },
            )
            .await?;
        let n = page.items.len() as u64;
        out.extend(page.items.into_iter().map(|s| s.extras));
        offset += n;
        if n == 0 || offset >= page.total {
            break;
        }
    }
    Ok(out)
}

/// The problem type of alert problems (问题/监测预警/指标预警) in the shipped book.
pub(crate) const ALERT_CATEGORY: &str = "问题/02/01";
/// The problem type of evaluation problems (问题/赛马比拼/评价落后) in the shipped book.
pub(crate) const EVALUATION_CATEGORY: &str = "问题/03/01";

/// The category a raised problem is filed under: `preferred` (a problem type of the shipped book)
/// when the city's book has it, else the book's problem type named after the problem's source
/// (督查, 审计 …), else its first problem type. `None` when the book has no problem types: a
/// problem is never filed under an event's category.
pub(crate) fn problem_category(
    setup: &FlowSetup,
    preferred: &str,
    source: &str,
) -> Option<CategoryCode> {
    let problems = || {
        setup
            .categories
            .iter()
            .filter(|c| c.code.domain() == CategoryDomain::Problem)
    };
    CategoryCode::parse(preferred)
        .ok()
        .filter(|c| setup.categories.get(c).is_some())
        .or_else(|| {
            problems()
                .find(|c| c.minor_name == source)
                .map(|c| c.code.clone())
        })
        .or_else(|| problems().next().map(|c| c.code.clone()))
}

/// A problem to raise about `entity`, which receives and owns it.
pub(crate) struct RaisedProblem {
    pub title: String,
    pub category: CategoryCode,
    pub priority: Priority,
    pub channel: Channel,
    pub entity: EntityId,
    /// Who raised it, as shown in the history (评价系统, 监测预警).
    pub system: &'static str,
    pub extras: ItemExtras,
}

/// Receives the problem through the engine and stores it with its extras.
pub(crate) async fn raise_problem(
    store: &dyn Store,
    setup: &FlowSetup,
    p: RaisedProblem,
    now: DateTime<Utc>,
) -> Result<ItemId, AppError> {
    let id = store.reserve_item_ids(1).await?[0];
    let new = NewWorkItem {
        id,
        kind: ItemKind::Problem,
        title: p.title,
        category: p.category,
        priority: p.priority,
        channel: p.channel,
        receiving_unit: p.entity,
        location: Some(p.entity),
        enterprise: None,
        reporter: None,
        requester: None,
    };
    let actor = Actor::new(
        UserId::new(p.system).expect("non-blank"),
        ActorRole::Supervisor,
        p.entity,
    );
    let (item, _) = yiping_flow::receive(new, &actor, now, &setup.ctx())?;
    let records: Vec<TransitionRecord> = item
        .history
        .iter()
        .cloned()
        .map(TransitionRecord::new)
        .collect();
    store.insert_work_item(&item, &p.extras, &records).await?;
    Ok(id)
}
