//! The demo of yiping: Chongqing with synthetic figures, work items and users, so that every
//! screen, league table and inbox has something to show on a fresh database. The binary
//! (`yiping demo`) and the tests use it; the application (`yiping-app`) does not depend on it, and
//! it reaches the store only through the app's use cases and the `Store` trait, like any other
//! caller.
//!
//! Principal items:
//! - [`generate_for`] returns [`DemoData`] for a [`DemoDay`], a pure, deterministic generator (no
//!   database): the region tree (重庆市 → 38 区县 and 3 functional areas → 1,031 镇街, real names and
//!   codes from the embedded data files, and the 村/社区 and 网格 of three towns), city departments,
//!   a few hundred synthetic firms, the indicator catalogue (with the eight report cards'
//!   synthetic indices), observations from 2022 through the day's last complete month (formula
//!   indicators such as 亩均税收 derived from the firms' inputs) and the targets of its year.
//!   [`generate`] is the same for the fixed [`DemoDay::REFERENCE`] (data through 2024年12月).
//!   Entities refer to each other by [`DemoEntity::key`], observations and targets by entity key
//!   and indicator code, so the loader assigns ids and resolves keys in order.
//! - [`load_demo`] writes it, stores the shipped schemes, evaluates them and raises the shipped
//!   alert rules' problems ([`load_demo_data`]: the data only).
//! - [`items::load_at`] drives a few thousand work items received in the 12 months before a moment
//!   through the engine (few left overdue) and writes their metrics; [`ensure_demo_users`] adds one
//!   user per role and a grid worker per grid, all with [`DEMO_PASSWORD`].
//!
//! Published figures (with their sources in `data/chongqing-districts.csv`) are kept exactly and
//! carry that source in [`DemoObservation::source`]; everything else is synthetic, which the
//! product must say wherever the data is shown ([`DEMO_NOTICE`]).
//!
//! The same seed always yields the same data: every part draws from its own ChaCha8 stream named
//! by a label, and no platform-dependent maths is used.

mod cards;
mod data;
mod departments;
mod draw;
mod enterprises;
mod formulas;
mod indicators;
pub mod items;
mod load;
mod profile;
mod regions;
mod series;
mod targets;
#[cfg(test)]
mod tests;
mod users;
mod villages;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use yiping_kernel::{Measure, NewEntity, NewIndicator, Period, TargetKind};

pub use data::{DISTRICTS_CSV, OfficialDay, OfficialDayKind, TOWNS_CSV, official_days};
pub use load::{DemoSummary, alert_periods, demo_periods, load_demo, load_demo_data};
pub use users::{DEMO_PASSWORD, DemoUser, JIEFANGBEI_GRID, ensure_demo_users, grid_worker_login};
pub use villages::{DemoGrid, grids};
/// Shown wherever demo data is displayed (the screen shows it too, hence its home in the app).
pub use yiping_app::screen::DEMO_NOTICE;

/// The seed the product uses unless told otherwise.
pub const DEFAULT_SEED: u64 = 20_240_421;

/// The first year with regional data (2023, the year of the published levels, is its base).
const FIRST_YEAR: i32 = 2022;

/// The day the demo is generated for: its data run through the last complete month before it,
/// its targets are those of its year, and its work items were received in the 12 months before
/// it. `yiping demo` uses today (China time) unless given `--today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DemoDay {
    today: NaiveDate,
}

impl DemoDay {
    /// The fixed day of [`generate`] and [`items::load`], kept for tests that rely on 2024 being
    /// the latest complete year: data through 2024年12月.
    pub const REFERENCE: DemoDay = DemoDay {
        today: NaiveDate::from_ymd_opt(2025, 1, 1).expect("a valid date"),
    };

    /// A demo for `today`; refused before 2024-02-01 (the demo's published figures run through
    /// 2024, and a year needs its 1–2月 data) and after 2099.
    pub fn new(today: NaiveDate) -> Result<Self, String> {
        let earliest = NaiveDate::from_ymd_opt(2024, 3, 1).expect("a valid date");
        if today < earliest || today.year() > 2099 {
            return Err(format!(
                "演示日期 {today} 不在可生成范围内（2024-03-01 至 2099-12-31）"
            ));
        }
        Ok(Self { today })
    }

    /// Today in China (UTC+8).
    pub fn now_in_china() -> Result<Self, String> {
        Self::new((Utc::now() + chrono::TimeDelta::hours(8)).date_naive())
    }

    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// 09:00 China time on the day: the moment a fixed run acts at.
    pub fn morning(&self) -> DateTime<Utc> {
        let at = self.today.and_hms_opt(1, 0, 0).expect("a valid time");
        Utc.from_utc_datetime(&at)
    }

    /// The last complete month: (year, month).
    pub fn through(&self) -> (i32, u8) {
        let (y, m) = (self.today.year(), self.today.month() as u8);
        if m == 1 { (y - 1, 12) } else { (y, m - 1) }
    }

    /// The last day of [`DemoDay::through`].
    pub fn through_day(&self) -> NaiveDate {
        self.today.with_day(1).expect("a valid date") - chrono::TimeDelta::days(1)
    }

    /// The years with regional data: 2022 to the year of the last complete month.
    pub fn data_years(&self) -> Vec<i32> {
        (FIRST_YEAR..=self.through().0).collect()
    }

    /// The complete years up to the last complete month.
    pub fn complete_years(&self) -> Vec<i32> {
        let (y, m) = self.through();
        let last = if m == 12 { y } else { y - 1 };
        (FIRST_YEAR..=last).collect()
    }

    /// The years with targets: the year of the last complete month and the current year.
    pub fn target_years(&self) -> Vec<i32> {
        let mut ys = vec![self.through().0, self.today.year()];
        ys.dedup();
        ys
    }

    /// Whether a period's data can exist on the day (it ended by the last complete month).
    pub fn covers(&self, p: &Period) -> bool {
        p.last_day() <= self.through_day()
    }
}

/// An entity with the key other demo records use to refer to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoEntity {
    /// Unique among all demo entities: the region code (`500103`, `500103001`), `FA-…` for the
    /// functional areas, `D001` … for departments, `E0001` … for firms.
    pub key: String,
    /// The entity without parent links (the store assigns the parent's id).
    pub entity: NewEntity,
    /// The key of the parent, which always comes earlier in [`DemoData::entities`].
    pub parent_key: Option<String>,
}

/// One value of one indicator for one entity and period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoObservation {
    pub entity_key: String,
    /// An indicator's code as in [`DemoData::indicators`] (canonical upper case).
    pub indicator_code: String,
    pub period: Period,
    pub measure: Measure,
    /// Rounded to the indicator's decimals; growth (%) to one decimal.
    pub value: f64,
    /// Where a published value comes from; `None` for synthetic values.
    pub source: Option<String>,
}

/// An annual target of one entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoTarget {
    pub entity_key: String,
    pub indicator_code: String,
    pub year: i32,
    pub kind: TargetKind,
    pub value: f64,
    /// Cumulative planned share at the end of each month (12 values ending at 1); `None` = linear.
    pub schedule: Option<Vec<f64>>,
}

/// Everything the demo loads, in loading order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoData {
    /// Parents before children: the city, 区县 and functional areas, 镇街, departments, firms.
    pub entities: Vec<DemoEntity>,
    pub indicators: Vec<NewIndicator>,
    pub observations: Vec<DemoObservation>,
    pub targets: Vec<DemoTarget>,
    /// The day the data was generated for.
    pub day: DemoDay,
}

/// Generates the demo data for `seed` as of [`DemoDay::REFERENCE`] (data 2022–2024).
///
/// # Panics
///
/// Only if an embedded data file is malformed, which the tests rule out.
pub fn generate(seed: u64) -> DemoData {
    generate_for(seed, DemoDay::REFERENCE)
}

/// Generates the demo data for `seed` as of `day`: regional data from 2022 through the last
/// complete month, firms' yearly inputs for the complete years from 2023, report-card indices for
/// the quarters from 2024, targets for [`DemoDay::target_years`]. The same seed and day always
/// give the same data, and a later day only adds periods (earlier values do not move).
pub fn generate_for(seed: u64, day: DemoDay) -> DemoData {
    let regions = regions::build();
    let mut indicators = indicators::all();
    indicators.extend(cards::indicators());
    let firms = enterprises::generate(seed, &regions, &day.complete_years());
    let mut observations = series::regional(seed, &regions, &indicators, &day.data_years());
    observations.extend(cards::observations(seed, &regions, day.through().0));
    let derived = formulas::derive(&indicators, &firms.observations);
    observations.extend(firms.observations);
    observations.extend(derived);
    observations.retain(|o| day.covers(&o.period));
    let targets = targets::generate(seed, &regions, &observations, &day.target_years());
    let mut entities = regions.entities;
    entities.extend(departments::build());
    entities.extend(firms.entities);
    DemoData {
        entities,
        indicators,
        observations,
        targets,
        day,
    }
}

/// The demo's names without its figures: the region tree, the city departments and the indicator
/// catalogue (for readers of report text that need names and have no database).
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCatalogue {
    pub entities: Vec<NewEntity>,
    pub indicators: Vec<NewIndicator>,
}

/// See [`DemoCatalogue`]; no random draws, so no seed.
pub fn catalogue() -> DemoCatalogue {
    let regions = regions::build();
    let mut indicators = indicators::all();
    indicators.extend(cards::indicators());
    let mut entities: Vec<NewEntity> = regions.entities.into_iter().map(|e| e.entity).collect();
    entities.extend(departments::build().into_iter().map(|e| e.entity));
    DemoCatalogue {
        entities,
        indicators,
    }
}
