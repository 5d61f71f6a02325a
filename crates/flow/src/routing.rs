//! Routing: who should handle an item, and how fanned-out items hang together.
//!
//! - [`route`]: category → responsible department, looked up from the item's location upwards
//!   (grid → town → district → city); when no department answers, the territorial unit (属地):
//!   the town of the grid, or the region itself when it is a town or above. With neither, the
//!   item stays with the unit that received it (首问负责).
//! - 首问负责 itself is a rule of the state machine: [`WorkItem::owner_unit`] is the receiving
//!   unit until another unit signs for the item (签收); a 回退 hands it back.
//! - Fan-out ([`crate::Command::FanOut`]) emits one [`ChildSpec`] per unit; the application
//!   stores each as a child item ([`ChildSpec::into_item`]) that needs its own 签收 and 反馈.
//!   [`progress`] counts a parent's children; 汇总 ([`crate::Command::Consolidate`]) moves the
//!   parent on when every child has replied (指令) or closed (一件事 service case).

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use yiping_kernel::EntityId;

use crate::category::{Category, CategoryCode};
use crate::clock::ClockType;
use crate::model::{
    Channel, Counters, HistoryEntry, ItemId, ItemKind, Priority, Stage, Step, WorkItem,
};
use crate::roles::Actor;

/// The level of a region in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    City,
    District,
    Town,
    Village,
    Grid,
}

/// The organisation as the router sees it: the region tree, the departments of each region by
/// code, and every unit's parent for escalation (a region's parent region; a department's
/// region).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgMap {
    parents: BTreeMap<EntityId, EntityId>,
    levels: BTreeMap<EntityId, RegionLevel>,
    departments: BTreeMap<(EntityId, String), EntityId>,
}

impl OrgMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a region with its level and parent region.
    pub fn add_region(
        &mut self,
        region: EntityId,
        level: RegionLevel,
        parent: Option<EntityId>,
    ) -> &mut Self {
        self.levels.insert(region, level);
        if let Some(parent) = parent {
            self.parents.insert(region, parent);
        }
        self
    }

    /// Adds a department of a region under a department code (城管局 of 渝中区 as `CGJ`); the
    /// department escalates to its region.
    pub fn add_department(&mut self, region: EntityId, code: &str, unit: EntityId) -> &mut Self {
        self.departments.insert((region, code.to_string()), unit);
        self.parents.insert(unit, region);
        self
    }

    /// The unit an item of `unit` escalates to (升级).
    pub fn parent_of(&self, unit: EntityId) -> Option<EntityId> {
        self.parents.get(&unit).copied()
    }

    pub fn level_of(&self, region: EntityId) -> Option<RegionLevel> {
        self.levels.get(&region).copied()
    }

    /// The region and its ancestors, nearest first.
    pub fn region_chain(&self, region: EntityId) -> Vec<EntityId> {
        let mut chain = vec![region];
        while let Some(parent) = self.parent_of(chain[chain.len() - 1]) {
            if chain.contains(&parent) {
                break; // a cycle in bad data must not hang the router
            }
            chain.push(parent);
        }
        chain
    }

    /// The department with `code` nearest to the location (its own region first, then upwards);
    /// without a location, a city-level department.
    pub fn department_for(&self, location: Option<EntityId>, code: &str) -> Option<EntityId> {
        let regions = match location {
            Some(l) => self.region_chain(l),
            None => self
                .levels
                .iter()
                .filter(|(_, level)| **level == RegionLevel::City)
                .map(|(id, _)| *id)
                .collect(),
        };
        regions
            .into_iter()
            .find_map(|r| self.departments.get(&(r, code.to_string())).copied())
    }

    /// The territorial unit (属地) of a location: the nearest region at town level or above.
    pub fn territorial_unit(&self, location: EntityId) -> Option<EntityId> {
        self.region_chain(location).into_iter().find(|r| {
            matches!(
                self.level_of(*r),
                Some(RegionLevel::Town | RegionLevel::District | RegionLevel::City)
            )
        })
    }
}

/// Why a route chose its unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteBasis {
    /// The category's responsible department with this code.
    Department { code: String },
    /// No department answered: the territorial unit (属地).
    Territorial,
    /// A routing rule of the city's configuration (its row in `routing.csv`) names the unit.
    Rule { row: usize },
}

/// A suggested unit for dispatch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub unit: EntityId,
    pub basis: RouteBasis,
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.basis {
            RouteBasis::Department { code } => {
                write!(f, "按分类派至责任部门 {}（{code}）", self.unit)
            }
            RouteBasis::Territorial => write!(f, "无责任部门，按属地派至 {}", self.unit),
            RouteBasis::Rule { row } => {
                write!(f, "按派遣规则（第{row}行）派至 {}", self.unit)
            }
        }
    }
}

/// The unit an item of `category` at `location` should be dispatched to; `None` when neither a
/// department nor a territorial unit answers (the first receiver keeps it).
pub fn route(category: &Category, location: Option<EntityId>, org: &OrgMap) -> Option<Route> {
    for code in &category.departments {
        if let Some(unit) = org.department_for(location, code) {
            return Some(Route {
                unit,
                basis: RouteBasis::Department { code: code.clone() },
            });
        }
    }
    let unit = org.territorial_unit(location?)?;
    Some(Route {
        unit,
        basis: RouteBasis::Territorial,
    })
}

/// How far a fanned-out parent's children have come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Children the fan-out created, less the cancelled ones (they no longer count).
    pub total: u32,
    /// Children found cancelled (撤销), left out of `total`.
    pub cancelled: u32,
    /// Children found among the items given.
    pub found: u32,
    pub signed: u32,
    pub replied: u32,
    pub closed: u32,
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "已签收 {}/{}，已反馈 {}/{}，已办结 {}/{}",
            self.signed, self.total, self.replied, self.total, self.closed, self.total
        )?;
        if self.cancelled > 0 {
            write!(f, "，已撤销 {}", self.cancelled)?;
        }
        Ok(())
    }
}

/// Counts the children of `parent` among `items` (other items are ignored). Cancelled children
/// are counted apart and left out of the total, so they do not hold up 汇总.
pub fn progress(parent: &WorkItem, items: &[WorkItem]) -> Progress {
    let mut p = Progress {
        total: parent.children,
        cancelled: 0,
        found: 0,
        signed: 0,
        replied: 0,
        closed: 0,
    };
    for child in items.iter().filter(|i| i.parent == Some(parent.id)) {
        p.found += 1;
        use Stage::*;
        let s = child.stage;
        p.signed += u32::from(matches!(s, Signed | Handling | Replied | Verified | Closed));
        p.replied += u32::from(matches!(s, Replied | Verified | Closed));
        p.closed += u32::from(s == Closed);
        p.cancelled += u32::from(s == Cancelled);
    }
    p.total = p.total.saturating_sub(p.cancelled);
    p
}

/// A child item to create, emitted by a fan-out: already dispatched to its unit, owned by the
/// issuing unit until the child is signed for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildSpec {
    pub parent: ItemId,
    pub unit: EntityId,
    pub kind: ItemKind,
    pub title: String,
    pub category: CategoryCode,
    pub priority: Priority,
    pub channel: Channel,
    pub clock: ClockType,
    pub location: Option<EntityId>,
    pub enterprise: Option<EntityId>,
    /// The issuing unit: the child's first receiver and owner until it is signed for.
    pub issuing_unit: EntityId,
    pub deadlines: BTreeMap<Stage, DateTime<Utc>>,
    pub at: DateTime<Utc>,
    pub dispatched_by: Actor,
}

impl ChildSpec {
    /// The child item, with the id the store gave it.
    pub fn into_item(self, id: ItemId) -> WorkItem {
        let entry = HistoryEntry {
            version: 1,
            at: self.at,
            actor: self.dispatched_by,
            step: Step::ChildOf {
                parent: self.parent,
                unit: self.unit,
            },
            from: Stage::Registered,
            to: Stage::Dispatched,
            on_time: None,
        };
        WorkItem {
            id,
            kind: self.kind,
            title: self.title,
            category: self.category,
            priority: self.priority,
            channel: self.channel,
            clock: self.clock,
            location: self.location,
            enterprise: self.enterprise,
            reporter: None,
            requester: None,
            receiving_unit: self.issuing_unit,
            owner_unit: self.issuing_unit,
            assignee: Some(self.unit),
            final_owner: false,
            parent: Some(self.parent),
            children: 0,
            stage: Stage::Dispatched,
            received_at: self.at,
            registered_at: Some(self.at),
            handled_at: None,
            handled_by: None,
            closed_at: None,
            closure: None,
            deadlines: self.deadlines,
            suspension: None,
            pauses: Vec::new(),
            pending_extension: None,
            counters: Counters::default(),
            supervised: false,
            escalated_to: None,
            rating: None,
            outcome_reason: None,
            version: 1,
            updated_at: self.at,
            history: vec![entry],
        }
    }
}
