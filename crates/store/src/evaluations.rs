//! Stored evaluation schemes and results (DESIGN §3 "Evaluation"): one header per (scheme,
//! period) and one row per entity. The store keeps what the app layer computed; it knows nothing
//! about how a scheme scores.
//!
//! A run's metadata ([`RunMeta`]: grade and colour definitions, items, labels) and each row's
//! per-item breakdown ([`BreakdownItem`]) are typed here and kept as JSON text by the backends;
//! the backend decodes them on reading, and a row that does not decode is
//! [`StoreError::Corrupt`](crate::StoreError::Corrupt) naming the scheme, period and entity. The
//! JSON shapes are frozen (databases written before the types existed read back unchanged): do
//! not rename or retype a field without a migration.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use yiping_eval::scheme::MeasureKind;
use yiping_eval::{GradeChange, GrowthSource, RankMove};
use yiping_kernel::{EntityId, Frequency, IndicatorCode, Period};

/// A version of a scheme to store: its TOML text plus the fields the store lists and selects by
/// (the app layer has checked the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScheme {
    pub code: String,
    /// The evaluation year this version applies from.
    pub year: i32,
    pub name: String,
    pub frequency: Frequency,
    /// The TOML source as the analyst wrote it.
    pub source: String,
}

/// A stored version of a scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredScheme {
    pub code: String,
    pub year: i32,
    pub name: String,
    pub frequency: Frequency,
    pub source: String,
    /// 1 when first stored, +1 on every change of the text.
    pub version: i64,
    pub changed_by: String,
    pub updated_at: DateTime<Utc>,
}

/// The header of one evaluation of a scheme for a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationRun {
    pub scheme: String,
    pub period: Period,
    /// The version of the scheme that produced the results.
    pub scheme_year: i32,
    pub scheme_version: i64,
    /// The period whose stored results the rank and grade moves compare with.
    pub previous_period: Option<Period>,
    /// Rows stored (the population).
    pub population: u32,
    /// Rows with a rank (not excluded).
    pub ranked: u32,
    /// What the rows refer to: grade and colour definitions, items, labels.
    pub meta: RunMeta,
    pub computed_at: DateTime<Utc>,
}

/// One entity's stored result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationRow {
    pub entity: EntityId,
    /// The key the engine ranked by (region code, credit code, or the id as text).
    pub entity_key: String,
    /// The entity's name when evaluated.
    pub entity_name: String,
    /// League-table position, from 0: ranked rows by rank, then excluded rows.
    pub position: u32,
    pub score: Option<f64>,
    pub rank: Option<u32>,
    pub cohort: Option<String>,
    pub cohort_rank: Option<u32>,
    pub grade: Option<String>,
    pub colour: Option<String>,
    pub rank_change: Option<RankMove>,
    pub cohort_rank_change: Option<RankMove>,
    pub grade_change: Option<GradeChange>,
    /// 不定等级: scored and ranked, not graded.
    pub exempt: bool,
    /// Left out for missing data: no score, no rank.
    pub excluded: bool,
    pub explanation: String,
    /// One entry per item of the run's [`RunMeta::items`], in their order.
    pub breakdown: Vec<BreakdownItem>,
}

/// Which rows of an evaluation to list. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultFilter {
    pub cohort: Option<String>,
    pub grade: Option<String>,
    pub entity: Option<EntityId>,
}

/// One page of an evaluation: its header and the rows in league-table order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationPage {
    pub run: EvaluationRun,
    pub rows: crate::Paged<EvaluationRow>,
}

/// The compact form of a stored row, for the next evaluation: previous ranks and grades, and the
/// scores composites take.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultSlice {
    pub entity: EntityId,
    pub entity_key: String,
    pub score: Option<f64>,
    pub rank: Option<u32>,
    pub cohort_rank: Option<u32>,
    pub grade: Option<String>,
}

/// One period of an entity's history in a scheme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultHistoryEntry {
    pub period: Period,
    pub row: EvaluationRow,
}

/// A colour fill, `0xRRGGBB`; written `#RRGGBB` (upper-case hex) in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u32);

impl Rgb {
    /// From `#RRGGBB` (or `RRGGBB`).
    pub fn parse(s: &str) -> Option<Self> {
        let hex = s.strip_prefix('#').unwrap_or(s);
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(hex, 16).ok().map(Self)
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:06X}", self.0)
    }
}

impl Serialize for Rgb {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rgb {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("颜色“{s}”不是 #RRGGBB")))
    }
}

/// What every row of a run refers to: the scheme's name, grades, colours, cohorts and items as
/// they were when the run was computed (a later version of the scheme does not change them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    pub scheme_name: String,
    pub frequency: Frequency,
    /// Best first; empty when the scheme has no banding.
    pub grades: Vec<GradeDef>,
    /// Written after a grade: 档, 类.
    pub grade_suffix: String,
    /// In the scheme's order; empty when the scheme has no colours.
    pub colours: Vec<ColourDef>,
    pub cohorts: Vec<String>,
    pub items: Vec<ItemDef>,
    /// 综合得分, 赛马得分.
    pub score_label: String,
    /// 全市, 全区: "居全市第3位".
    pub scope_label: String,
    /// Decimals a score is shown with (`None`: the reader's default).
    pub score_decimals: Option<u8>,
}

impl RunMeta {
    /// The definition of grade `name`.
    pub fn grade(&self, name: &str) -> Option<&GradeDef> {
        self.grades.iter().find(|g| g.name == name)
    }

    /// The definition of colour `name`.
    pub fn colour(&self, name: &str) -> Option<&ColourDef> {
        self.colours.iter().find(|c| c.name == name)
    }
}

/// A grade of a run (A, B, C …) with its fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeDef {
    pub name: String,
    pub label: Option<String>,
    pub rgb: Rgb,
}

/// One of the five colours (深绿 … 红) with its fill and meaning: of a run, or of the one
/// screen's live colourings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColourDef {
    pub name: String,
    pub rgb: Rgb,
    pub meaning: String,
}

/// An item of a run: what the breakdown entry at the same index measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemDef {
    pub id: String,
    pub name: String,
    /// `None` for a composite item (the score of another scheme).
    pub indicator: Option<IndicatorCode>,
    pub measure: MeasureKind,
    pub unit: String,
    pub decimals: u8,
    pub weight: f64,
    /// Weighted points are points × weight ÷ divisor.
    pub divisor: Option<f64>,
}

impl ItemDef {
    /// The weighted points of `points`.
    pub fn weighted(&self, points: Option<f64>) -> Option<f64> {
        Some(points? * self.weight / self.divisor?)
    }
}

/// One item of one row as stored: compact, because a run of 100 000 firms keeps one per item
/// (ids, names and weights are in [`RunMeta::items`]).
/// Serialises as it is stored (see [`BreakdownItem::write_json`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BreakdownItem {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_compact"
    )]
    pub raw: Option<f64>,
    /// The derived measure when it differs from `raw`; `None` when it equals `raw` (readers take
    /// [`BreakdownItem::measure`]).
    #[serde(
        default,
        rename = "measure",
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_compact"
    )]
    pub derived: Option<f64>,
    /// Normalised points (kept to 6 decimals).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_compact"
    )]
    pub points: Option<f64>,
    /// Where a growth measure came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth: Option<GrowthSource>,
    /// The measure was missing (the missing-data rule supplied the points, if any).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missing: bool,
}

impl BreakdownItem {
    /// The measure the item was scored on: the derived one, else the raw value.
    pub fn measure(&self) -> Option<f64> {
        self.derived.or(self.raw)
    }

    /// Appends `items` as compact JSON, the form the backends store: an array of objects whose
    /// absent or non-finite numbers, absent growth and `missing: false` are left out, numbers in
    /// their shortest form without a trailing `.0` (see [`serialize_compact`]).
    pub fn write_json(items: &[BreakdownItem], out: &mut String) {
        let mut f = ryu::Buffer::new();
        out.push('[');
        for (k, b) in items.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            out.push('{');
            let len = out.len();
            push_num(out, &mut f, "raw", b.raw);
            push_num(out, &mut f, "measure", b.derived);
            push_num(out, &mut f, "points", b.points);
            match b.growth {
                Some(GrowthSource::Reported) => out.push_str(",\"growth\":\"reported\""),
                Some(GrowthSource::Derived) => out.push_str(",\"growth\":\"derived\""),
                None => {}
            }
            if b.missing {
                out.push_str(",\"missing\":true");
            }
            // Every field was written with a leading comma: drop the first one.
            if out.len() > len {
                out.remove(len);
            }
            out.push('}');
        }
        out.push(']');
    }
}

fn push_num(out: &mut String, f: &mut ryu::Buffer, key: &str, v: Option<f64>) {
    if let Some(x) = v.filter(|x| x.is_finite()) {
        out.push_str(",\"");
        out.push_str(key);
        out.push_str("\":");
        let t = f.format_finite(x);
        out.push_str(t.strip_suffix(".0").unwrap_or(t));
    }
}

/// Serialises a number as the stored breakdown holds it, so that what a reader sends is what a
/// JSON parser of the stored text would give: a value whose shortest form ends in `.0` as an
/// integer (19.0 → `19`; −0.0 stays a float), any other as a float. For `serialize_with` on
/// `Option<f64>` fields.
pub fn serialize_compact<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    let Some(x) = v.filter(|x| x.is_finite()) else {
        return s.serialize_none();
    };
    let mut f = ryu::Buffer::new();
    if let Some(int) = f.format_finite(x).strip_suffix(".0")
        && int != "-0"
    {
        if let Ok(i) = int.parse::<i64>() {
            return s.serialize_i64(i);
        }
        if let Ok(u) = int.parse::<u64>() {
            return s.serialize_u64(u);
        }
    }
    s.serialize_f64(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_read_and_write_as_hex() {
        assert_eq!(Rgb(0x1A_98_50).to_string(), "#1A9850");
        assert_eq!(Rgb::parse("#1a9850"), Some(Rgb(0x1A_98_50)));
        assert_eq!(Rgb::parse("#1A985"), None);
        assert_eq!(Rgb::parse("#GG9850"), None);
        let json = serde_json::to_string(&Rgb(0xBF)).unwrap();
        assert_eq!(json, "\"#0000BF\"");
        assert_eq!(serde_json::from_str::<Rgb>(&json).unwrap(), Rgb(0xBF));
        assert!(serde_json::from_str::<Rgb>("\"red\"").is_err());
    }

    #[test]
    fn a_breakdown_is_written_compact_and_read_back() {
        let items = [
            BreakdownItem {
                raw: Some(19.0),
                derived: Some(-2.5),
                points: Some(1.0 / 3.0),
                growth: Some(GrowthSource::Reported),
                missing: false,
            },
            BreakdownItem {
                raw: Some(f64::NAN),
                missing: true,
                ..BreakdownItem::default()
            },
        ];
        let mut text = String::new();
        BreakdownItem::write_json(&items, &mut text);
        assert_eq!(
            text,
            r#"[{"raw":19,"measure":-2.5,"points":0.3333333333333333,"growth":"reported"},{"missing":true}]"#
        );
        let back: Vec<BreakdownItem> = serde_json::from_str(&text).unwrap();
        assert_eq!(back[0], items[0]);
        assert_eq!(back[1].raw, None);
        assert_eq!(back[0].measure(), Some(-2.5));
        let plain = BreakdownItem {
            raw: Some(4.0),
            ..BreakdownItem::default()
        };
        assert_eq!(plain.measure(), Some(4.0));
    }

    #[test]
    fn compact_numbers_serialise_as_the_stored_text_parses() {
        #[derive(Serialize)]
        struct N(#[serde(serialize_with = "serialize_compact")] Option<f64>);
        for x in [19.0, -3.0, 0.1, -0.0, 1e16, 2e15, 123.456, 1e-7] {
            let mut stored = String::new();
            BreakdownItem::write_json(
                &[BreakdownItem {
                    raw: Some(x),
                    ..BreakdownItem::default()
                }],
                &mut stored,
            );
            let parsed: serde_json::Value = serde_json::from_str(&stored).unwrap();
            let ours = serde_json::to_value(N(Some(x))).unwrap();
            assert_eq!(ours, parsed[0]["raw"], "{x}");
            assert_eq!(
                serde_json::to_string(&N(Some(x))).unwrap(),
                parsed[0]["raw"].to_string(),
                "{x}"
            );
        }
        assert_eq!(serde_json::to_string(&N(None)).unwrap(), "null");
    }

    #[test]
    fn run_metadata_reads_the_frozen_shape() {
        let text = r##"{"cohorts":["渝东北"],"colours":[{"meaning":"好","name":"深绿","rgb":"#1A9850"}],
            "frequency":"quarter","grade_suffix":"档","grades":[{"label":null,"name":"A","rgb":"#63BE7B"}],
            "items":[{"decimals":1,"divisor":100.0,"id":"gdp","indicator":"GDP","measure":"growth",
            "name":"地区生产总值增速","unit":"%","weight":30.0},{"decimals":2,"divisor":null,"id":"x",
            "indicator":null,"measure":{"difference_to_reference":{"base":"growth","reference":"city"}},
            "name":"差","unit":"个百分点","weight":10.0}],"scheme_name":"赛马","scope_label":"全市",
            "score_decimals":null,"score_label":"赛马得分"}"##;
        let meta: RunMeta = serde_json::from_str(text).unwrap();
        assert_eq!(meta.grade("A").map(|g| g.rgb), Some(Rgb(0x63_BE_7B)));
        assert_eq!(meta.colour("深绿").map(|c| c.meaning.as_str()), Some("好"));
        assert_eq!(meta.items[0].weighted(Some(50.0)), Some(15.0));
        assert_eq!(meta.items[1].weighted(Some(50.0)), None);
        let again: serde_json::Value = serde_json::to_value(&meta).unwrap();
        let original: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(again, original, "the shape round-trips");
    }
}
