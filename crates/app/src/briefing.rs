//! 通报 briefings (issue 13): the data of a region's briefing for a period gathered from the
//! store, composed with a template ([`yiping_brief`]) and written as DOCX, or PDF through
//! LibreOffice.
//!
//! What the briefing states, from where:
//! - 总体情况: the template's indicators for the region and the cumulative period (level and
//!   growth as stored), the parent's growth as the reference (全市 for a 区县), and the rank of
//!   the growth among the region's siblings with a stored growth;
//! - 赛马比拼 and 评价档次: the league the region's screen shows ([`crate::screen`]: the stored
//!   evaluation of its level's league scheme, or the live work-item league of its towns);
//! - 序时进度: every child with an annual level target whose cumulative value is behind the
//!   plan's time progress (DOMAIN §8, the same assessment as the screen's tiles);
//! - 问题清单: the region's 问题 items, counted live, and the newest of them;
//! - 走势: the screen's trend series.
//!
//! Templates are TOML files an analyst edits: `<dir>/<name>.toml` where `dir` is
//! `YIPING_BRIEF_TEMPLATES` (default `templates/briefs`); the shipped ones are built in, so a
//! server started elsewhere still has them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Datelike, Duration, Utc};
use yiping_access::{Capability, Principal};
use yiping_brief::{Behind, Brief, BriefData, Headline, League, LeagueRow, Problems, Rank};
use yiping_brief::{ProblemRow, Reference, Template, Trend};
use yiping_eval::ProgressBands;
use yiping_flow::ItemKind;
use yiping_kernel::{Entity, EntityId, EntityKind, Indicator, Measure, Period};
use yiping_store::{ObservationFilter, Store, TargetFilter};

use crate::AppError;
use crate::screen::{self, tiles, work};

/// The templates shipped with yiping: (name, text).
pub const SHIPPED: [(&str, &str); 1] = [(
    "月度通报",
    include_str!("../../../templates/briefs/月度通报.toml"),
)];

/// Where templates are read from: `YIPING_BRIEF_TEMPLATES`, else `templates/briefs`.
pub fn template_dir() -> PathBuf {
    std::env::var_os("YIPING_BRIEF_TEMPLATES")
        .map_or_else(|| PathBuf::from("templates/briefs"), PathBuf::from)
}

/// The template called `name`: `<dir>/<name>.toml` when it exists, else the shipped one.
pub fn load_template(dir: &Path, name: &str) -> Result<Template, AppError> {
    let name = name.trim().trim_end_matches(".toml");
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(AppError::invalid(format!("通报模板名“{name}”无效")));
    }
    let path = dir.join(format!("{name}.toml"));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => SHIPPED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| (*t).to_string())
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "没有通报模板“{name}”（在 {} 中找不到 {name}.toml；内置模板：{}）",
                    dir.display(),
                    SHIPPED.map(|s| s.0).join("、")
                ))
            })?,
        Err(e) => {
            return Err(AppError::invalid(format!(
                "读取通报模板 {} 失败：{e}",
                path.display()
            )));
        }
    };
    Template::parse(name, &text).map_err(|e| AppError::invalid(e.to_string()))
}

/// The year and last month of a briefing's period: a cumulative period from January (1—9月)
/// or a single month.
fn year_month(period: Period) -> Result<(i32, u8, Period), AppError> {
    match period {
        Period::Months { year, from, to } if from == 1 || from == to => {
            let cumulative =
                tiles::cumulative(year, to).ok_or_else(|| AppError::invalid("通报的期别无效"))?;
            Ok((year, to, cumulative))
        }
        _ => Err(AppError::invalid(format!(
            "通报的期别须为当年累计或单月，如 2024M01-M09 或 2024M09（收到 {}）",
            period.code()
        ))),
    }
}

fn reference_name(parent: &Entity) -> String {
    if parent.data.level <= 1 {
        "全市".to_string()
    } else {
        parent.data.name.clone()
    }
}

fn is_functional(e: &Entity) -> bool {
    e.data.groups.iter().any(|g| g == "功能区")
        || e.data.attrs.get("unit_type").and_then(|v| v.as_str()) == Some("functional_area")
}

/// Gathers the data of `unit`'s briefing for `period` (a cumulative period such as
/// `2024M01-M09`; a single month means 1 to that month) as of `now`, for `caller`.
pub async fn gather(
    store: &dyn Store,
    caller: &Principal,
    unit: EntityId,
    period: Period,
    template: &Template,
    now: DateTime<Utc>,
) -> Result<BriefData, AppError> {
    caller.require_in(Capability::ViewScreen, unit)?;
    let (year, month, period) = year_month(period)?;
    let day = period.last_day();
    let entities = store.all_entities().await?;
    let by_id: HashMap<EntityId, &Entity> = entities.iter().map(|e| (e.id, e)).collect();
    let me = *by_id
        .get(&unit)
        .ok_or_else(|| AppError::not_found(format!("没有编号为 {} 的单位", unit.0)))?;
    if me.data.kind != EntityKind::Region {
        return Err(AppError::invalid(format!(
            "{}不是地区：通报按地区生成",
            me.data.name
        )));
    }
    let parent_of = |e: &Entity| e.parent_at(day);
    let parent = parent_of(me).and_then(|p| by_id.get(&p).copied());
    let regions = |of: EntityId| -> Vec<&Entity> {
        entities
            .iter()
            .filter(|e| e.data.kind == EntityKind::Region && parent_of(e) == Some(of))
            .filter(|e| !is_functional(e))
            .collect()
    };
    let siblings: Vec<&Entity> = parent.map(|p| regions(p.id)).unwrap_or_default();
    let children = regions(unit);

    let indicators = store.indicators().await?;
    let by_code: HashMap<&str, &Indicator> = indicators
        .iter()
        .map(|i| (i.data.code.as_str(), i))
        .collect();
    let chosen: Vec<&Indicator> = template
        .indicators
        .iter()
        .map(|c| {
            by_code.get(c.as_str()).copied().ok_or_else(|| {
                AppError::invalid(format!(
                    "通报模板“{}”：indicators 中的指标代码“{c}”不在指标目录中",
                    template.name
                ))
            })
        })
        .collect::<Result<_, _>>()?;

    // Values of the unit, its parent, siblings and children for the period.
    let mut ids: Vec<EntityId> = vec![unit];
    ids.extend(parent.map(|p| p.id));
    ids.extend(siblings.iter().map(|e| e.id));
    ids.extend(children.iter().map(|e| e.id));
    ids.sort();
    ids.dedup();
    // Every cumulative period of the year up to the briefing's: a quarterly indicator (GDP) is
    // shown for its latest quarter.
    let periods: Vec<Period> = (1..=month)
        .filter_map(|m| tiles::cumulative(year, m))
        .collect();
    let filter = ObservationFilter {
        entities: Some(ids),
        indicators: Some(chosen.iter().map(|i| i.id).collect()),
        periods: Some(periods.clone()),
        ..Default::default()
    };
    let mut values: HashMap<EntityId, tiles::Values> = HashMap::new();
    for o in screen::read::observations(store, &filter).await? {
        values.entry(o.key.entity).or_default().insert(
            (o.key.indicator, o.key.period, o.key.measure),
            o.value.value(),
        );
    }
    let get_at = |e: EntityId, i: &Indicator, p: Period, m: Measure| {
        values.get(&e).and_then(|v| v.get(&(i.id, p, m))).copied()
    };

    let headline: Vec<Headline> = chosen
        .iter()
        .map(|i| {
            // The latest cumulative period with the region's growth or level.
            let at = periods
                .iter()
                .rev()
                .find(|p| {
                    get_at(unit, i, **p, Measure::Growth).is_some()
                        || get_at(unit, i, **p, Measure::Value).is_some()
                })
                .copied()
                .unwrap_or(period);
            let get = |e: EntityId, i: &Indicator, m: Measure| get_at(e, i, at, m);
            let growth = get(unit, i, Measure::Growth);
            let reference = parent.and_then(|p| {
                Some(Reference {
                    name: reference_name(p),
                    growth: get(p.id, i, Measure::Growth)?,
                })
            });
            let rank = growth.zip(parent).and_then(|(g, p)| {
                let rated: Vec<f64> = siblings
                    .iter()
                    .filter_map(|s| get(s.id, i, Measure::Growth))
                    .collect();
                // Growth is compared as printed (one decimal): equal rates share a place.
                let shown = yiping_brief::words::printed(g, 1);
                let above = rated
                    .iter()
                    .filter(|v| yiping_brief::words::printed(**v, 1) > shown)
                    .count();
                (rated.len() > 1).then(|| Rank {
                    among: reference_name(p),
                    rank: u32::try_from(above + 1).unwrap_or(u32::MAX),
                    of: u32::try_from(rated.len()).unwrap_or(u32::MAX),
                })
            });
            Headline {
                code: i.data.code.as_str().to_string(),
                name: i.data.name.clone(),
                unit: i.data.unit.clone(),
                decimals: i.data.decimals,
                value: get(unit, i, Measure::Value),
                growth,
                period: (at != period).then(|| (at.code(), at.label_zh())),
                reference,
                rank,
            }
        })
        .collect();

    // 序时进度 of the children.
    let targets = store
        .targets(&TargetFilter {
            year: Some(year),
            ..Default::default()
        })
        .await?;
    let bands = ProgressBands::default();
    let mut behind = Vec::new();
    let empty = tiles::Values::new();
    for c in &children {
        let own: Vec<_> = targets
            .iter()
            .filter(|t| t.entity == c.id)
            .cloned()
            .collect();
        if own.is_empty() {
            continue;
        }
        for i in &chosen {
            let v = values.get(&c.id).unwrap_or(&empty);
            let t = tiles::tile(i, v, &own, year, month, &bands);
            if t.period.as_deref() != Some(period.code().as_str()) {
                continue;
            }
            if let Some(p) = t.progress.filter(|p| p.gap < 0.0) {
                behind.push(Behind {
                    unit: c.data.name.clone(),
                    indicator: i.data.name.clone(),
                    completion: p.completion,
                    time_progress: p.time_progress,
                    gap: p.gap,
                    label: p.label,
                });
            }
        }
    }

    // The screen of the month: league, trends, problems.
    let month_period = Period::month(year, month).map_err(|e| AppError::invalid(e.to_string()))?;
    let shown = screen::load(store, unit, month_period, now).await?;
    let league = shown.league.as_ref().map(|l| League {
        title: l.title.clone(),
        period_code: l.period.clone().unwrap_or_else(|| period.code()),
        period_label: l.period_label.clone(),
        score_label: l.score_label.clone(),
        rows: l
            .rows
            .iter()
            .filter(|r| !r.excluded)
            .map(|r| LeagueRow {
                unit: r.place.name.clone(),
                rank: r.rank,
                score: r.score,
                grade: r.grade.clone(),
                moved: r.moved,
            })
            .collect(),
    });
    // The growth series (the chart is of cumulative growth; the closure rate is another scale).
    let trends = shown
        .trends
        .iter()
        .filter(|t| t.name.ends_with("增速"))
        .map(|t| Trend {
            name: t.name.clone(),
            unit: t.unit.clone(),
            points: t
                .points
                .iter()
                .rev()
                .take(12)
                .rev()
                .map(|p| (p.label.clone(), p.value))
                .collect(),
        })
        .collect();
    let problems = problems(store, unit, &entities, &shown, now).await?;

    let china = now + Duration::hours(8);
    Ok(BriefData {
        region: me.data.name.clone(),
        subject: if me.data.level <= 1 {
            "全市".to_string()
        } else {
            me.data.name.clone()
        },
        children: match me.data.level {
            0 | 1 => "区县",
            2 => "镇街",
            _ => "下级单位",
        }
        .to_string(),
        period_code: period.code(),
        period_label: period.label_zh(),
        year,
        date: format!("{}年{}月{}日", china.year(), china.month(), china.day()),
        headline,
        league,
        behind,
        problems,
        trends,
    })
}

/// The region's 问题 items, counted live over its subtree, and the newest ones the screen lists.
async fn problems(
    store: &dyn Store,
    unit: EntityId,
    entities: &[Entity],
    shown: &screen::Screen,
    now: DateTime<Utc>,
) -> Result<Problems, AppError> {
    let today = now.date_naive();
    let parents: HashMap<EntityId, EntityId> = entities
        .iter()
        .filter_map(|e| e.parent_at(today).map(|p| (e.id, p)))
        .collect();
    let mut counts = screen::WorkCounts::default();
    for (item, _) in screen::read::all_items(store).await? {
        if item.kind != ItemKind::Problem {
            continue;
        }
        let place = item.location.unwrap_or(item.owner_unit);
        if work::child_of(place, unit, &parents) != work::Placement::Outside {
            counts.add(&item, now);
        }
    }
    Ok(Problems {
        total: counts.total,
        open: counts.open,
        closed: counts.closed,
        overdue: counts.overdue,
        closure_rate: counts.closure_rate(),
        rows: shown
            .problems
            .iter()
            .map(|p| ProblemRow {
                title: p.title.clone(),
                place: p.place.clone(),
                stage: p.stage.clone(),
                overdue: p.overdue,
            })
            .collect(),
    })
}

/// The briefing of `unit` for `period` with the template called `template`.
pub async fn compose(
    store: &dyn Store,
    caller: &Principal,
    unit: EntityId,
    period: Period,
    template: &str,
    now: DateTime<Utc>,
) -> Result<Brief, AppError> {
    let t = load_template(&template_dir(), template)?;
    let data = gather(store, caller, unit, period, &t, now).await?;
    Ok(yiping_brief::compose(&t, &data))
}

/// Font files tried for the charts when fontconfig finds none of the template's fonts.
const SHIPPED_FONT_PATHS: [&str; 3] = [
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
];

/// Registers a CJK font for the charts: the first of the template's heading and body fonts
/// fontconfig (`fc-match`) finds with Chinese glyphs, else a known path. Once per process.
pub fn chart_font(fonts: &yiping_brief::Fonts) -> Result<(), AppError> {
    let mut paths: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("YIPING_CHART_FONT") {
        paths.push(PathBuf::from(p));
    }
    for name in fonts.heading.iter().chain(&fonts.body) {
        let out = Command::new("fc-match")
            .args(["-f", "%{file}", &format!("{name}:lang=zh-cn")])
            .output();
        if let Ok(o) = out
            && o.status.success()
            && let Ok(p) = String::from_utf8(o.stdout)
            && !p.is_empty()
        {
            paths.push(PathBuf::from(p));
        }
    }
    paths.extend(SHIPPED_FONT_PATHS.iter().map(PathBuf::from));
    for p in &paths {
        if let Ok(bytes) = std::fs::read(p)
            && yiping_brief::chart::use_font(bytes).is_ok()
        {
            return Ok(());
        }
    }
    Err(AppError::invalid(
        "找不到含中文字形的字体文件，无法绘制通报图表（请安装 fonts-wqy-zenhei 或 fonts-noto-cjk，或用 YIPING_CHART_FONT 指定字体文件）",
    ))
}

/// The briefing as DOCX bytes.
pub fn docx(brief: &Brief) -> Result<Vec<u8>, AppError> {
    chart_font(&brief.fonts)?;
    yiping_brief::docx::write(brief).map_err(|e| AppError::invalid(e.to_string()))
}

/// The LibreOffice command, if installed.
fn soffice() -> Option<&'static str> {
    ["soffice", "libreoffice"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Converts DOCX bytes to PDF with LibreOffice headless (a private profile in a temporary
/// directory, so conversions do not wait on a user's running LibreOffice).
pub fn pdf(docx: &[u8]) -> Result<Vec<u8>, AppError> {
    let Some(cmd) = soffice() else {
        return Err(AppError::invalid(
            "未安装 LibreOffice（找不到 soffice 或 libreoffice 命令），无法生成 PDF；请安装 LibreOffice，或导出 .docx",
        ));
    };
    let dir = std::env::temp_dir().join(format!(
        "yiping-brief-{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    let io = |e: std::io::Error| AppError::invalid(format!("生成 PDF 失败：{e}"));
    std::fs::create_dir_all(&dir).map_err(io)?;
    let result = (|| {
        let input = dir.join("brief.docx");
        std::fs::write(&input, docx).map_err(io)?;
        let profile = format!(
            "-env:UserInstallation=file://{}",
            dir.join("profile").display()
        );
        let out = Command::new(cmd)
            .args([
                profile.as_str(),
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
            ])
            .arg(&dir)
            .arg(&input)
            .output()
            .map_err(io)?;
        let pdf = dir.join("brief.pdf");
        if !out.status.success() || !pdf.exists() {
            return Err(AppError::invalid(format!(
                "LibreOffice 未能把通报转换为 PDF：{}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        std::fs::read(&pdf).map_err(io)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// What a briefing is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Docx,
    Pdf,
}

impl Format {
    /// The format an output file's name asks for (`.docx`, `.pdf`).
    pub fn of_path(path: &Path) -> Result<Self, AppError> {
        match crate::export::extension(path).as_deref() {
            Some("docx") => Ok(Self::Docx),
            Some("pdf") => Ok(Self::Pdf),
            _ => Err(AppError::invalid(format!(
                "输出文件 {} 须以 .docx 或 .pdf 结尾",
                path.display()
            ))),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Docx => "docx",
            Self::Pdf => "pdf",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Pdf => "application/pdf",
        }
    }
}

/// A written briefing: the composed text and the file's bytes.
#[derive(Debug)]
pub struct Written {
    pub brief: Brief,
    pub bytes: Vec<u8>,
    /// A file name for it (`渝中区2024年1—9月月度通报.docx`).
    pub file_name: String,
}

/// The briefing of the region `unit` for `period` with `template`, written in `format`: the
/// one door of the CLI and the page. Drawing and LibreOffice run on the blocking pool.
pub async fn write(
    store: &dyn Store,
    caller: &Principal,
    unit: EntityId,
    period: Period,
    template: &str,
    format: Format,
    now: DateTime<Utc>,
) -> Result<Written, AppError> {
    let (_, _, cumulative) = year_month(period)?;
    let brief = compose(store, caller, unit, period, template, now).await?;
    let for_files = brief.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let docx_bytes = docx(&for_files)?;
        match format {
            Format::Docx => Ok(docx_bytes),
            Format::Pdf => pdf(&docx_bytes),
        }
    })
    .await
    .map_err(|e| AppError::invalid(format!("生成通报失败：{e}")))??;
    let file_name = format!(
        "{}{}{}.{}",
        store
            .entity(unit)
            .await?
            .map(|e| e.data.name)
            .unwrap_or_default(),
        cumulative.label_zh(),
        template.trim().trim_end_matches(".toml"),
        format.extension()
    );
    Ok(Written {
        brief,
        bytes,
        file_name,
    })
}
