//! The work-item panel: open, overdue and closed items and the closure rate per child unit, and
//! the latest problems, counted live from the stored items (so a closure shows on the next
//! refresh of the screen). An item belongs to the child whose subtree holds its location (or,
//! without a location, its owner unit), as the handling metrics rate a 区县 (DOMAIN §18).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiping_flow::{ItemKind, Stage, WorkItem};
use yiping_kernel::EntityId;
use yiping_store::ItemExtras;

/// Fewer items than this in a rate's denominator give no rate (样本量不足).
pub const MIN_SAMPLE: u64 = 5;

/// Live counts of one unit's items.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WorkCounts {
    pub total: u64,
    pub open: u64,
    pub overdue: u64,
    pub closed: u64,
    /// 撤销 and 不予立案: not counted in the closure rate.
    pub dropped: u64,
}

impl WorkCounts {
    pub(crate) fn add(&mut self, item: &WorkItem, now: DateTime<Utc>) {
        self.total += 1;
        match item.stage {
            Stage::Closed => self.closed += 1,
            Stage::Cancelled | Stage::Rejected => self.dropped += 1,
            _ => {
                self.open += 1;
                if item.is_overdue(now) {
                    self.overdue += 1;
                }
            }
        }
    }

    /// Closed ÷ (all − dropped) in %, `None` below [`MIN_SAMPLE`].
    pub fn closure_rate(&self) -> Option<f64> {
        let base = self.total.saturating_sub(self.dropped);
        (base >= MIN_SAMPLE).then(|| self.closed as f64 / base as f64 * 100.0)
    }
}

/// Where an entity lies relative to a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// The unit itself.
    Unit,
    /// In the subtree of this child of the unit.
    Child(EntityId),
    /// Outside the unit's subtree.
    Outside,
}

/// Which child of `unit` an entity belongs to, walking up the parent map.
pub fn child_of(
    mut id: EntityId,
    unit: EntityId,
    parents: &HashMap<EntityId, EntityId>,
) -> Placement {
    if id == unit {
        return Placement::Unit;
    }
    for _ in 0..16 {
        match parents.get(&id) {
            Some(&p) if p == unit => return Placement::Child(id),
            Some(&p) => id = p,
            None => return Placement::Outside,
        }
    }
    Placement::Outside
}

/// A 问题 shown in the panel of latest problems.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProblemRow {
    pub id: String,
    pub title: String,
    pub stage: String,
    pub open: bool,
    pub overdue: bool,
    /// Where it is (the child unit's name, or the unit's own).
    pub place: String,
    pub source: Option<String>,
    pub received_at: DateTime<Utc>,
}

/// Counts per child and for the whole unit, and the newest problems (up to `max_problems`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkSummary {
    pub total: WorkCounts,
    pub by_child: HashMap<EntityId, WorkCounts>,
    pub problems: Vec<ProblemRow>,
}

/// Sums `items` (newest first) over the unit's subtree.
pub fn summarise(
    items: &[(WorkItem, ItemExtras)],
    unit: EntityId,
    parents: &HashMap<EntityId, EntityId>,
    names: &HashMap<EntityId, String>,
    now: DateTime<Utc>,
    max_problems: usize,
) -> WorkSummary {
    let mut s = WorkSummary::default();
    for (item, extras) in items {
        let place = item.location.unwrap_or(item.owner_unit);
        let child = match child_of(place, unit, parents) {
            Placement::Unit => None,
            // A child shown on the screen (a region), or the unit's own department.
            Placement::Child(c) if names.contains_key(&c) => Some(c),
            Placement::Child(_) => None,
            Placement::Outside => continue,
        };
        s.total.add(item, now);
        if let Some(c) = child {
            s.by_child.entry(c).or_default().add(item, now);
        }
        if item.kind == ItemKind::Problem && s.problems.len() < max_problems {
            let at = child.unwrap_or(unit);
            s.problems.push(ProblemRow {
                id: item.id.to_string(),
                title: item.title.clone(),
                stage: item.stage.label_zh().to_string(),
                open: !item.stage.is_terminal(),
                overdue: item.is_overdue(now),
                place: names.get(&at).cloned().unwrap_or_default(),
                source: extras.problem_source.clone(),
                received_at: item.received_at,
            });
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_of_walks_up_to_the_unit() {
        let parents: HashMap<EntityId, EntityId> = [
            (EntityId(2), EntityId(1)),
            (EntityId(3), EntityId(2)),
            (EntityId(4), EntityId(3)),
            (EntityId(9), EntityId(8)),
        ]
        .into_iter()
        .collect();
        let at = |id, unit| child_of(EntityId(id), EntityId(unit), &parents);
        assert_eq!(at(4, 1), Placement::Child(EntityId(2)));
        assert_eq!(at(4, 2), Placement::Child(EntityId(3)));
        assert_eq!(at(2, 2), Placement::Unit);
        assert_eq!(at(9, 1), Placement::Outside);
    }

    /// An item received by `unit` (no location: placed by its owner), as the engine makes it.
    fn received(id: i64, unit: EntityId) -> (WorkItem, ItemExtras) {
        use chrono::TimeZone;
        use yiping_flow::{Actor, ActorRole, CategoryCode, Channel, ItemId, NewWorkItem, Priority};
        let setup = crate::work_items::FlowSetup::shipped().unwrap();
        let new = NewWorkItem {
            id: ItemId(id),
            kind: ItemKind::Event,
            title: "测试事项".into(),
            category: CategoryCode::parse("事件/01/01").unwrap(),
            priority: Priority::Normal,
            channel: Channel::Hotline,
            receiving_unit: unit,
            location: None,
            enterprise: None,
            reporter: None,
            requester: None,
        };
        let actor = Actor::new(
            yiping_flow::UserId::new("受理员").unwrap(),
            ActorRole::Supervisor,
            unit,
        );
        let at = chrono::Utc.with_ymd_and_hms(2024, 3, 4, 1, 0, 0).unwrap();
        let item = yiping_flow::receive(new, &actor, at, &setup.ctx())
            .unwrap()
            .0;
        (item, ItemExtras::default())
    }

    #[test]
    fn a_departments_items_count_for_its_region_not_for_a_child() {
        let (city, district, dept) = (EntityId(1), EntityId(2), EntityId(10));
        let parents: HashMap<EntityId, EntityId> =
            [(district, city), (dept, city)].into_iter().collect();
        let names: HashMap<EntityId, String> =
            [(city, "市".to_string()), (district, "区".to_string())]
                .into_iter()
                .collect();
        let items = vec![
            received(1, dept),
            received(2, district),
            received(3, EntityId(99)),
        ];
        let now = chrono::Utc::now();
        let s = summarise(&items, city, &parents, &names, now, 8);
        // The department's item and the district's count for the city; the stranger's does not.
        assert_eq!(s.total.total, 2);
        // Only the district is a child on the screen.
        assert_eq!(s.by_child.len(), 1);
        assert_eq!(s.by_child[&district].total, 1);
    }

    #[test]
    fn closure_rate_needs_a_sample_and_ignores_dropped_items() {
        let mut c = WorkCounts {
            total: 6,
            closed: 3,
            dropped: 2,
            open: 1,
            overdue: 0,
        };
        assert_eq!(c.closure_rate(), None);
        c.total = 12;
        c.open = 7;
        assert_eq!(c.closure_rate(), Some(30.0));
    }
}
