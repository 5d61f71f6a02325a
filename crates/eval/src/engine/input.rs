//! What the engine is given: entities, one column set per item, references and the previous
//! period's results. Columns are plain `Vec<Option<f64>>` aligned with `entities`, so the app layer
//! fills each from one store query per indicator ([`KeyIndex::column`]); a short or empty column
//! simply means "no data" for the entities past its end.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use yiping_kernel::{EntityKind, Polarity};

use super::output::Evaluation;

/// One entity that may be in a scheme's population.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityInput {
    /// A stable key: region code, credit code or internal id as text. Shared (`Arc`) so that
    /// results carry it without one allocation per entity.
    pub key: Arc<str>,
    pub name: String,
    pub kind: EntityKind,
    pub level: u8,
    pub groups: Vec<String>,
    /// An explicit cohort name; when `None` the entity joins the first scheme cohort that shares
    /// one of its groups.
    pub cohort: Option<String>,
    /// 不定等级 decided outside the scheme (utilities, start-ups…), besides the scheme's own list.
    pub exempt: bool,
}

impl EntityInput {
    pub fn new(
        key: impl Into<Arc<str>>,
        name: impl Into<String>,
        kind: EntityKind,
        level: u8,
    ) -> Self {
        Self {
            key: key.into(),
            name: name.into(),
            kind,
            level,
            groups: Vec::new(),
            cohort: None,
            exempt: false,
        }
    }

    pub fn with_groups<I: IntoIterator<Item = S>, S: Into<String>>(mut self, groups: I) -> Self {
        self.groups.extend(groups.into_iter().map(Into::into));
        self
    }

    pub fn in_cohort(mut self, cohort: impl Into<String>) -> Self {
        self.cohort = Some(cohort.into());
        self
    }

    pub fn exempted(mut self) -> Self {
        self.exempt = true;
        self
    }
}

/// The raw inputs of one item, aligned with [`EvalInput::entities`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemInput {
    /// The current value: a cumulative level, a rate, or another scheme's score.
    pub value: Vec<Option<f64>>,
    /// The level of the same cumulative period a year earlier (growth, contribution).
    pub previous: Vec<Option<f64>>,
    /// The growth % published by the statistics office; preferred over derived growth.
    pub reported_growth: Vec<Option<f64>>,
    /// The entity's target (annual plan, growth target).
    pub target: Vec<Option<f64>>,
    /// The indicator's polarity; the scheme item may override it. Higher-better when absent.
    pub polarity: Option<Polarity>,
    /// The city value of the item's measure (reference for differences, bands and colours).
    pub city: Option<f64>,
    /// The parent (e.g. city) level now and a year earlier: share and contribution.
    pub parent_current: Option<f64>,
    pub parent_previous: Option<f64>,
    /// 序时进度 in % for this item, when it differs from the input-wide one (non-linear plans).
    pub time_progress: Option<f64>,
}

impl ItemInput {
    pub fn values(value: Vec<Option<f64>>) -> Self {
        Self {
            value,
            ..Self::default()
        }
    }
}

/// Values that cut points and differences may refer to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct References {
    /// The city value of the total score (for score-based bands relative to the city).
    pub city: Option<f64>,
    /// 序时进度 in % at the evaluated period.
    pub time_progress: Option<f64>,
    /// Other named references (`national`, `province`…).
    pub named: BTreeMap<String, f64>,
}

/// One entity's result in the previous period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreviousEntry {
    pub rank: Option<u32>,
    pub cohort_rank: Option<u32>,
    pub grade: Option<String>,
}

/// The previous period's results by entity key (for rank moves and 晋升/下降).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreviousResults {
    entries: HashMap<String, PreviousEntry>,
}

impl PreviousResults {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, key: impl Into<String>, entry: PreviousEntry) {
        self.entries.insert(key.into(), entry);
    }

    pub fn get(&self, key: &str) -> Option<&PreviousEntry> {
        self.entries.get(key)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Everything one evaluation needs. Items and adjustments are keyed by their id in the scheme.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalInput {
    pub entities: Vec<EntityInput>,
    pub items: BTreeMap<String, ItemInput>,
    pub adjustments: BTreeMap<String, Vec<Option<f64>>>,
    pub references: References,
    pub previous: Option<PreviousResults>,
}

impl EvalInput {
    pub fn new(entities: Vec<EntityInput>) -> Self {
        Self {
            entities,
            ..Self::default()
        }
    }

    /// A key → position index, to align store rows with the entities.
    pub fn key_index(&self) -> KeyIndex<'_> {
        KeyIndex {
            len: self.entities.len(),
            map: self
                .entities
                .iter()
                .enumerate()
                .map(|(i, e)| (&*e.key, i))
                .collect(),
        }
    }
}

/// Positions of entity keys in an [`EvalInput`].
#[derive(Debug, Clone)]
pub struct KeyIndex<'a> {
    len: usize,
    map: HashMap<&'a str, usize>,
}

impl KeyIndex<'_> {
    pub fn position(&self, key: &str) -> Option<usize> {
        self.map.get(key).copied()
    }

    /// A column aligned with the entities from (key, value) pairs; unknown keys are ignored.
    pub fn column<'k, I: IntoIterator<Item = (&'k str, f64)>>(&self, pairs: I) -> Vec<Option<f64>> {
        let mut out = vec![None; self.len];
        for (k, v) in pairs {
            if let Some(&i) = self.map.get(k) {
                out[i] = Some(v);
            }
        }
        out
    }

    /// The total scores of another evaluation, for a composite item (`score_of_scheme`).
    pub fn scores_of(&self, evaluation: &Evaluation) -> Vec<Option<f64>> {
        let mut out = vec![None; self.len];
        for row in &evaluation.rows {
            if let (Some(&i), Some(score)) = (self.map.get(&*row.key), row.score) {
                out[i] = Some(score);
            }
        }
        out
    }
}
