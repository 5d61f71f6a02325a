//! Reports people write, read back into data: a report's facts proposed for review, and the facts
//! a person confirms stored as draft observations.
//!
//! Why two steps: the extractor (`yiping-text`) reads sentences, and a sentence can be misread;
//! nothing it finds is stored until a person has seen it beside the text and confirmed or
//! corrected it. [`review`] reads the document and proposes, for each fact, what would be stored
//! (unit, indicator, period, measure, value, unit of measure) with the reason when it cannot be
//! stored as it is (a rank, an indicator outside the catalogue, a unit outside the reviewer's
//! scope, a value the database already holds). [`store_drafts`] takes the confirmed fields and
//! stores them through the importer — the same checks, unit conversions, audit and pipeline as a
//! file — with status 草稿 and the document as source, all or nothing.
//!
//! A draft never replaces a reported or approved value: a confirmed fact that differs from a
//! stored 已报送/已审核 value is refused, naming the fact; one equal to it is left alone (its status
//! is kept).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use yiping_access::{Capability, Principal};
use yiping_io::{
    Cell, Grid, OBSERVATION_LONG_HEADER, ParseOptions, Problem, ReadOptions, SourceRef,
    parse_observations, read_document,
};
use yiping_kernel::{
    Catalog, EntityMatch, IndicatorMatch, Measure, ObservationKey, ObservationStatus,
    ObservationValue, Period,
};
use yiping_store::{ChangeContext, ObservationFilter, Page, Store};
use yiping_text::{Fact, FactValue, Lexicon, Options, extract};

use crate::AppError;

use crate::data_files::OUT_OF_SCOPE;
use crate::import::{ImportKind, ImportOptions, ImportOutcome, import_grid};
/// The largest report read (a front end may refuse a bigger upload before reading it).
pub use yiping_io::MAX_DOCUMENT_BYTES;

/// A report read for review: its text and one proposal per fact found.
#[derive(Debug, Clone)]
pub struct ReportReview {
    pub file: String,
    /// SHA-256 of the uploaded bytes (hex), recorded with the drafts stored from it.
    pub digest: String,
    pub text: String,
    pub items: Vec<ReviewItem>,
}

/// One fact of a report and what would be stored for it.
#[derive(Debug, Clone)]
pub struct ReviewItem {
    pub fact: Fact,
    pub draft: DraftFact,
    /// Why the fact cannot be stored as proposed (the reviewer may correct the fields); `None`
    /// when it can.
    pub note: Option<String>,
    /// The value stored now for the proposed key, if any.
    pub stored: Option<ObservationValue>,
}

impl ReviewItem {
    /// Whether the page offers it checked: storable as proposed and not already stored.
    pub fn proposed(&self) -> bool {
        self.note.is_none()
    }
}

/// The fields of one fact as the reviewer confirms them, in the importer's words: the unit and
/// the indicator by code or name, the period in any form the importer reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DraftFact {
    pub entity: String,
    pub indicator: String,
    pub period: String,
    pub measure: Option<Measure>,
    pub value: String,
    pub unit: String,
    /// The sentence span the fact was read from (kept for the reviewer).
    pub text: String,
}

/// What storing confirmed facts did.
#[derive(Debug, Clone)]
pub struct DraftsStored {
    pub outcome: ImportOutcome,
    /// Confirmed facts equal to a value already stored (left as they are).
    pub unchanged: usize,
}

/// The names the extractor knows: the catalogue's units, zones, enterprises and indicators.
pub async fn lexicon(store: &dyn Store) -> Result<(Lexicon, Catalog), AppError> {
    let catalog = Catalog::new(store.all_entities().await?, store.indicators().await?);
    Ok((Lexicon::from_catalog(&catalog), catalog))
}

/// What the reviewer says about a report before it is read.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportContext<'a> {
    /// The report's period, for sentences and sections that state none (any form the importer
    /// reads: 2024Q1, 2024年一季度).
    pub period: Option<&'a str>,
    /// The unit the report speaks for (code or name), for facts whose sentence names none.
    pub unit: Option<&'a str>,
}

/// Reads the report `file` and proposes its facts for review by `who` (who must be allowed to
/// enter data).
pub async fn review(
    store: &dyn Store,
    who: &Principal,
    file: &str,
    bytes: &[u8],
    about: ReportContext<'_>,
) -> Result<ReportReview, AppError> {
    who.require(Capability::EnterData)?;
    let text = read_document(file, bytes).map_err(|e| AppError::invalid(e.to_string()))?;
    let options = match about.period.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => {
            let period = Period::parse(p, None)
                .map_err(|e| AppError::invalid(format!("报告期“{p}”无法识别：{e}")))?;
            Options {
                year: Some(period.year_number()),
                period: Some(period.code()),
            }
        }
        None => Options::default(),
    };
    let (lexicon, catalog) = lexicon(store).await?;
    let speaker = about.unit.map(str::trim).filter(|u| !u.is_empty());
    if let Some(u) = speaker
        && !matches!(catalog.find_entity(u, None), EntityMatch::One(_))
    {
        return Err(AppError::invalid(format!(
            "报告单位“{u}”不在目录中或对应多个单位，请填写代码"
        )));
    }
    let facts = extract(&text, &lexicon, &options);
    let mut items: Vec<ReviewItem> = facts
        .into_iter()
        .map(|mut fact| {
            if fact.subject.is_none() && fact.region.is_none() {
                fact.subject = speaker.map(str::to_string);
            }
            propose(fact, &catalog, who)
        })
        .collect();
    mark_stored(store, &catalog, &mut items).await?;
    Ok(ReportReview {
        file: file.to_string(),
        digest: sha256_hex(bytes),
        text,
        items,
    })
}

/// The proposal for one fact, with the first reason it cannot be stored as it is.
fn propose(fact: Fact, catalog: &Catalog, who: &Principal) -> ReviewItem {
    let mut note: Option<String> = None;
    let mut why = |reason: String| {
        if note.is_none() {
            note = Some(reason);
        }
    };
    let measure = match fact.measure {
        yiping_text::Measure::GrowthPct => Some(Measure::Growth),
        yiping_text::Measure::Value
        | yiping_text::Measure::Count
        | yiping_text::Measure::RatePct
        | yiping_text::Measure::SharePct => Some(Measure::Value),
        _ => None,
    };
    if measure.is_none() {
        why("排名、档次、百分点差等不作为指标数值保存".into());
    }
    let value = match &fact.value {
        FactValue::Number(v) => ryu::Buffer::new()
            .format(*v)
            .trim_end_matches(".0")
            .to_string(),
        FactValue::Grade(g) => g.clone(),
    };
    // The unit the fact names: its subject when the catalogue knows it, else its region.
    let mut entity = fact
        .subject
        .clone()
        .or_else(|| fact.region.clone())
        .unwrap_or_default();
    let mut entity_id = None;
    for name in [fact.subject.as_deref(), fact.region.as_deref()]
        .into_iter()
        .flatten()
    {
        match catalog.find_entity(name, None) {
            EntityMatch::One(id) => {
                entity_id = Some(id);
                break;
            }
            EntityMatch::Ambiguous(_) => why(format!("“{name}”对应多个单位，请填写代码")),
            EntityMatch::None => {}
        }
    }
    match entity_id.and_then(|id| catalog.entity(id)) {
        Some(e) => {
            // The name people read, unless another unit shares it (then the code).
            entity = match (catalog.find_entity(&e.data.name, None), &e.data.code) {
                (EntityMatch::One(id), _) if id == e.id => e.data.name.clone(),
                (_, Some(code)) => code.as_str().to_string(),
                (_, None) => e.data.name.clone(),
            };
            if !who.scope.contains(e.id) {
                why(format!("{OUT_OF_SCOPE}（{}）的管辖范围", who.unit_name));
            }
        }
        None if entity.is_empty() => why("没有读出主体".into()),
        None => why(format!("目录中没有“{entity}”")),
    }
    let indicator = match fact
        .indicator
        .as_deref()
        .map(|n| (n, catalog.find_indicator(n)))
    {
        Some((_, IndicatorMatch::One(id))) => catalog.indicator(id).map_or_else(String::new, |i| {
            match catalog.find_indicator(&i.data.name) {
                IndicatorMatch::One(same) if same == id => i.data.name.clone(),
                _ => i.data.code.to_string(),
            }
        }),
        _ => {
            why(format!("“{}”未对应到目录中的指标", fact.indicator_text));
            fact.indicator_text.clone()
        }
    };
    let period = match fact.period.as_deref().map(|p| (p, Period::parse(p, None))) {
        // Written as people write it when that reads back the same (2024年一季度), else the code.
        Some((_, Ok(p))) => match Period::parse(&p.label_zh(), None) {
            Ok(same) if same == p => p.label_zh(),
            _ => p.code(),
        },
        Some((p, Err(_))) => {
            why("时期不明，请填写（如 2024Q1、2024年1-9月）".into());
            if p == "cumulative" {
                String::new()
            } else {
                p.to_string()
            }
        }
        None => {
            why("没有读出时期，请填写（如 2024Q1、2024年1-9月）".into());
            String::new()
        }
    };
    let unit = match (measure, fact.measure) {
        (Some(Measure::Growth), _)
        | (_, yiping_text::Measure::RatePct | yiping_text::Measure::SharePct) => "%".to_string(),
        _ => fact.unit.clone().unwrap_or_default(),
    };
    ReviewItem {
        draft: DraftFact {
            entity,
            indicator,
            period,
            measure,
            value,
            unit,
            text: fact.text.clone(),
        },
        fact,
        note,
        stored: None,
    }
}

/// Notes the values already stored for the proposals that resolve to a key.
async fn mark_stored(
    store: &dyn Store,
    catalog: &Catalog,
    items: &mut [ReviewItem],
) -> Result<(), AppError> {
    let keys: Vec<Option<ObservationKey>> =
        items.iter().map(|i| key_of(&i.draft, catalog)).collect();
    let stored = stored_values(store, keys.iter().flatten().copied().collect()).await?;
    for (item, key) in items.iter_mut().zip(&keys) {
        let Some(v) = key.and_then(|k| stored.get(&k)) else {
            continue;
        };
        item.stored = Some(*v);
        if item.note.is_none() {
            let same = item.draft.value.parse::<f64>().ok() == Some(v.value());
            if same {
                item.note = Some(format!("库中已有相同数值（{}）", v.status.label_zh()));
            } else if v.status != ObservationStatus::Draft {
                item.note = Some(format!(
                    "库中已有{}的数值 {}，草稿不会覆盖它",
                    v.status.label_zh(),
                    v.value()
                ));
            }
            // A stored draft may be replaced by the confirmed reading.
        }
    }
    Ok(())
}

/// The key a proposal resolves to when every part of it is known.
fn key_of(d: &DraftFact, catalog: &Catalog) -> Option<ObservationKey> {
    let EntityMatch::One(entity) = catalog.find_entity(&d.entity, None) else {
        return None;
    };
    let IndicatorMatch::One(indicator) = catalog.find_indicator(&d.indicator) else {
        return None;
    };
    Some(ObservationKey {
        entity,
        indicator,
        period: Period::parse(&d.period, None).ok()?,
        measure: d.measure?,
    })
}

/// The stored values of `keys`.
async fn stored_values(
    store: &dyn Store,
    keys: Vec<ObservationKey>,
) -> Result<HashMap<ObservationKey, ObservationValue>, AppError> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let mut entities: Vec<_> = keys.iter().map(|k| k.entity).collect();
    let mut indicators: Vec<_> = keys.iter().map(|k| k.indicator).collect();
    let mut periods: Vec<_> = keys.iter().map(|k| k.period).collect();
    entities.sort();
    entities.dedup();
    indicators.sort();
    indicators.dedup();
    periods.sort();
    periods.dedup();
    let filter = ObservationFilter {
        entities: Some(entities),
        indicators: Some(indicators),
        periods: Some(periods),
        ..ObservationFilter::default()
    };
    let wanted: std::collections::HashSet<_> = keys.into_iter().collect();
    let mut out = HashMap::new();
    let mut offset = 0;
    loop {
        let page = store
            .observations(&filter, Page::new(Page::MAX_LIMIT, offset))
            .await?;
        let n = page.items.len();
        for o in page.items {
            if wanted.contains(&o.key) {
                out.insert(o.key, o.value);
            }
        }
        if n < Page::MAX_LIMIT as usize {
            break;
        }
        offset += n as u64;
    }
    Ok(out)
}

/// Stores the facts `who` confirmed from the report `file` (with the SHA-256 `digest` of its
/// bytes) as draft observations: all or nothing, through the importer (unit conversions, valid
/// ranges, audit, the pipeline after a change). A problem names the fact by its number (1 = the
/// first confirmed fact) in the problem's row.
pub async fn store_drafts(
    store: &dyn Store,
    who: &Principal,
    file: &str,
    digest: &str,
    facts: &[DraftFact],
    at: DateTime<Utc>,
) -> Result<DraftsStored, AppError> {
    who.require(Capability::EnterData)?;
    if facts.is_empty() {
        return Err(AppError::invalid("没有确认任何事实，未保存"));
    }
    let label = format!("《{file}》确认的事实");
    let reject = |problems: Vec<Problem>| AppError::Rejected {
        file: label.clone(),
        problems,
    };
    let problem = |n: usize, column: &str, value: &str, reason: String| Problem {
        at: SourceRef {
            file: label.clone(),
            sheet: None,
            row: n,
            column: Some(column.to_string()),
        },
        value: value.to_string(),
        reason,
    };
    // Fields the importer would read differently are refused here in the form's words.
    let mut problems = Vec::new();
    for (i, f) in facts.iter().enumerate() {
        if f.measure.is_none() {
            problems.push(problem(
                i + 1,
                "口径",
                "",
                "排名、档次等不能存为指标数值".into(),
            ));
        }
        if f.value.trim().parse::<f64>().is_err() {
            problems.push(problem(i + 1, "数值", &f.value, "不是数字".into()));
        }
    }
    if !problems.is_empty() {
        return Err(reject(problems));
    }
    let (_, catalog) = lexicon(store).await?;
    let grid = as_grid(&label, facts);
    // Resolve as the importer does, to check scope and what is stored before writing.
    let parsed = parse_observations(&grid, &catalog, &ParseOptions::default())
        .map_err(|p| reject(renumber(p)))?;
    let mut problems = Vec::new();
    for r in &parsed.rows {
        if !who.scope.contains(r.key.entity) {
            let name = catalog
                .entity(r.key.entity)
                .map_or_else(|| r.key.entity.to_string(), |e| e.data.name.clone());
            problems.push(problem(
                fact_number(r.at.row),
                "主体",
                &name,
                format!("{OUT_OF_SCOPE}（{}）的管辖范围", who.unit_name),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(reject(problems));
    }
    let stored = stored_values(store, parsed.rows.iter().map(|r| r.key).collect()).await?;
    let mut keep = Vec::new();
    let mut unchanged = 0;
    for r in &parsed.rows {
        let n = fact_number(r.at.row);
        match stored.get(&r.key) {
            Some(v) if v.value() == r.value.value() => unchanged += 1,
            Some(v) if v.status != ObservationStatus::Draft => problems.push(problem(
                n,
                "数值",
                &facts[n - 1].value,
                format!(
                    "库中已有{}的数值 {}，报告中的数值不以草稿覆盖",
                    v.status.label_zh(),
                    v.value()
                ),
            )),
            _ => keep.push(facts[n - 1].clone()),
        }
    }
    if !problems.is_empty() {
        return Err(reject(problems));
    }
    let ctx = ChangeContext::new(
        format!("{}（{}）", who.name, who.login),
        format!("报告《{file}》"),
        at,
    );
    let outcome = if keep.is_empty() {
        // Everything confirmed is already stored: nothing to write.
        let mut out = import_grid(
            store,
            &as_grid(&label, facts),
            &ImportOptions {
                kind: ImportKind::Observations,
                read: ReadOptions::default(),
                parse: ParseOptions::default(),
                dry_run: true,
            },
            &ctx,
        )
        .await?;
        out.dry_run = false;
        out
    } else {
        let opts = ImportOptions {
            kind: ImportKind::Observations,
            read: ReadOptions::default(),
            parse: ParseOptions::default(),
            dry_run: false,
        };
        import_grid(store, &as_grid(&label, &keep), &opts, &ctx)
            .await
            .map_err(|e| match e {
                AppError::Rejected { file, problems } => AppError::Rejected {
                    file,
                    problems: renumber(problems),
                },
                e => e,
            })?
    };
    crate::audit::record(
        store,
        who,
        "report.drafts",
        file,
        format!(
            "确认{}条事实，存为草稿{}条（未变{}条），SHA-256 {digest}",
            facts.len(),
            keep.len(),
            unchanged
        ),
        at,
    )
    .await;
    Ok(DraftsStored { outcome, unchanged })
}

/// The confirmed facts as a long table with status 草稿 (row 1 is the header, fact `n` is row
/// `n + 1`).
fn as_grid(label: &str, facts: &[DraftFact]) -> Grid {
    let text = |s: &str| {
        if s.trim().is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.trim().to_string())
        }
    };
    let mut rows = vec![
        OBSERVATION_LONG_HEADER
            .iter()
            .map(|h| Cell::Text((*h).to_string()))
            .collect::<Vec<_>>(),
    ];
    for f in facts {
        rows.push(vec![
            Cell::Empty,
            text(&f.entity),
            Cell::Empty,
            text(&f.indicator),
            text(&f.period),
            Cell::Text(f.measure.unwrap_or(Measure::Value).label_zh().to_string()),
            f.value
                .trim()
                .parse::<f64>()
                .map_or_else(|_| text(&f.value), Cell::Number),
            text(&f.unit),
            Cell::Text(ObservationStatus::Draft.label_zh().to_string()),
        ]);
    }
    Grid::from_rows(label, None, rows, Vec::new())
}

/// The number of the fact on spreadsheet row `row` (1-based: the header is row 1, fact 1 row 2).
fn fact_number(row: usize) -> usize {
    row.saturating_sub(1).max(1)
}

/// The hex SHA-256 of `bytes`.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Problems of the table renumbered from grid rows to fact numbers.
fn renumber(problems: Vec<Problem>) -> Vec<Problem> {
    problems
        .into_iter()
        .map(|mut p| {
            p.at.row = fact_number(p.at.row);
            p
        })
        .collect()
}
