use anyhow::bail;
use yiping_access::Principal;
use yiping_app::AppError;
use yiping_app::derived::{DerivedMeasure, DerivedQuery, derived_as, write};
use yiping_app::export::{ExportLayout, export_observations};
use yiping_app::league::export_league;
use yiping_app::results::{LeagueQuery, Rows};
use yiping_kernel::{Catalog, IndicatorMatch, Measure, Period};
use yiping_store::{ObservationFilter, Store};

use crate::cli::{ExportArgs, ExportLayoutArg};

fn list(s: &Option<String>) -> Vec<String> {
    s.as_deref()
        .map(|v| {
            v.split([',', '，'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

pub async fn run(store: &dyn Store, args: ExportArgs) -> anyhow::Result<()> {
    if let Some(scheme) = &args.league {
        let periods = list(&args.period);
        let [period] = periods.as_slice() else {
            bail!("导出排名表须用 --period 指定一个时期，如 2024Q1");
        };
        let period = Period::parse(period, None)?;
        let query = LeagueQuery {
            period: Some(period),
            cohort: args.cohort.clone(),
            grade: None,
            rows: Rows::All,
        };
        // The command line runs on the database itself: it reads as the system.
        let s = match export_league(store, &Principal::system(), scheme, &query, &args.output).await
        {
            Err(AppError::NotFound(m)) => bail!(
                "{m}（yiping schemes 列出方案；yiping evaluate --scheme {scheme} --period {} 计算该期评价）",
                period.code()
            ),
            other => other?,
        };
        println!(
            "已导出排名表（{} {}，{} 行）到 {}",
            scheme,
            period.label_zh(),
            s.rows,
            args.output.display()
        );
        return Ok(());
    }
    let catalog = Catalog::new(store.all_entities().await?, store.indicators().await?);
    if let Some(m) = args
        .measure
        .as_deref()
        .filter(|m| Measure::parse(m).is_err())
    {
        return export_derived(store, &catalog, &args, m.parse()?).await;
    }
    let mut filter = ObservationFilter::default();
    let indicators = list(&args.indicator);
    if !indicators.is_empty() {
        let mut ids = Vec::new();
        for t in &indicators {
            match catalog.find_indicator(t) {
                IndicatorMatch::One(id) => ids.push(id),
                IndicatorMatch::None => bail!("没有指标“{t}”"),
            }
        }
        filter.indicators = Some(ids);
    }
    let periods = list(&args.period);
    if !periods.is_empty() {
        filter.periods = Some(
            periods
                .iter()
                .map(|p| Period::parse(p, None))
                .collect::<Result<_, _>>()?,
        );
    }
    if let Some(r) = &args.region {
        filter.subtree = Some(yiping_app::units::resolve_in(&catalog, r)?);
    }
    filter.measure = args.measure.as_deref().map(Measure::parse).transpose()?;
    let layout = match args.layout {
        ExportLayoutArg::Long => ExportLayout::Long,
        ExportLayoutArg::Wide => ExportLayout::Wide,
    };
    let s = export_observations(store, &filter, layout, &args.output).await?;
    println!(
        "已导出 {} 条数据到 {}（{} 张表）",
        s.rows,
        args.output.display(),
        s.tables
    );
    Ok(())
}

/// `--measure 贡献率` and the other derived measures: one indicator, one period.
async fn export_derived(
    store: &dyn Store,
    catalog: &Catalog,
    args: &ExportArgs,
    measure: DerivedMeasure,
) -> anyhow::Result<()> {
    let indicators = list(&args.indicator);
    let [indicator] = indicators.as_slice() else {
        bail!("派生口径须用 --indicator 指定一个指标");
    };
    let indicator = match catalog.find_indicator(indicator) {
        IndicatorMatch::One(id) => id,
        IndicatorMatch::None => bail!("没有指标“{indicator}”"),
    };
    let periods = list(&args.period);
    let [period] = periods.as_slice() else {
        bail!("派生口径须用 --period 指定一个时期，如 2024M01-M09");
    };
    let unit = |t: &Option<String>| {
        t.as_deref()
            .map(|r| yiping_app::units::resolve_in(catalog, r))
            .transpose()
    };
    let query = DerivedQuery {
        indicator,
        period: Period::parse(period, None)?,
        measure,
        parent: unit(&args.region)?,
        reference: unit(&args.reference)?,
    };
    let table = derived_as(store, &Principal::system(), &query).await?;
    write(&table, &args.output)?;
    println!(
        "已导出 {} {} {}（{} 行，单位：{}）到 {}",
        table.parent,
        table.indicator_name,
        measure.label_zh(),
        table.rows.len(),
        table.unit,
        args.output.display()
    );
    Ok(())
}
