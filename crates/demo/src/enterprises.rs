//! Synthetic industrial firms and their yearly 亩均 inputs (every complete year from 2023).
//!
//! Names combine a region's short name, a trade name (字号) and a line of business; the unified
//! social credit codes read `91` + the region's code + `DEMO` + a serial + a check character, so
//! they cannot be mistaken for real ones (the letter O is not used in real codes). Ratios per
//! industry are set so that the 亩均 results land near the published benchmarks of DOMAIN.md §3.3
//! (亩均税收 ≈ 24 万元/亩, 亩均增加值 ≈ 136 万元/亩).

use std::collections::HashSet;

use serde_json::json;
use yiping_kernel::{EntityCode, EntityKind, Measure, NewEntity, Period};

use super::draw::{Draw, round_to};
use super::profile;
use super::regions::{Region, RegionKind, Regions};
use super::{DemoEntity, DemoObservation};

/// How many firms the demo has.
pub(super) const ENTERPRISE_COUNT: usize = 400;

/// The first year with enterprise inputs.
const FIRST_YEAR: i32 = 2023;

/// The 规上 threshold: annual main-business revenue of 2000 万元.
const ABOVE_SIZE_REVENUE: f64 = 2000.0;

#[derive(Debug)]
struct Industry {
    name: &'static str,
    words: &'static [&'static str],
    share: f64,
    /// 营业收入 per 亩, 万元.
    revenue_per_mu: f64,
    /// 营业收入 per employee, 万元.
    revenue_per_worker: f64,
    value_added_ratio: f64,
    tax_rate: f64,
    /// 工业增加值 per 吨标煤, 万元.
    va_per_energy: f64,
    /// 工业增加值 per 吨 of emissions, 万元; `None` for industries without reported emissions.
    va_per_emission: Option<f64>,
    rd_ratio: f64,
    /// 评价税收 per kWh, 元.
    tax_per_kwh: f64,
}

const INDUSTRIES: [Industry; 8] = [
    Industry {
        name: "汽车",
        words: &["汽车零部件", "汽车配件", "车桥", "新能源汽车科技", "摩托车"],
        share: 0.18,
        revenue_per_mu: 700.0,
        revenue_per_worker: 120.0,
        value_added_ratio: 0.22,
        tax_rate: 0.035,
        va_per_energy: 3.0,
        va_per_emission: Some(5000.0),
        rd_ratio: 0.025,
        tax_per_kwh: 1.0,
    },
    Industry {
        name: "电子信息",
        words: &["电子", "电子科技", "智能终端", "光电", "半导体"],
        share: 0.16,
        revenue_per_mu: 1100.0,
        revenue_per_worker: 150.0,
        value_added_ratio: 0.18,
        tax_rate: 0.025,
        va_per_energy: 5.0,
        va_per_emission: Some(9000.0),
        rd_ratio: 0.03,
        tax_per_kwh: 1.2,
    },
    Industry {
        name: "装备制造",
        words: &["机械", "智能装备", "机电", "精密机械", "重工"],
        share: 0.16,
        revenue_per_mu: 450.0,
        revenue_per_worker: 90.0,
        value_added_ratio: 0.26,
        tax_rate: 0.035,
        va_per_energy: 2.8,
        va_per_emission: Some(4000.0),
        rd_ratio: 0.03,
        tax_per_kwh: 0.9,
    },
    Industry {
        name: "材料",
        words: &["新材料", "铝业", "化工", "建材", "特种钢材"],
        share: 0.14,
        revenue_per_mu: 550.0,
        revenue_per_worker: 150.0,
        value_added_ratio: 0.22,
        tax_rate: 0.03,
        va_per_energy: 0.6,
        va_per_emission: Some(600.0),
        rd_ratio: 0.015,
        tax_per_kwh: 0.2,
    },
    Industry {
        name: "食品",
        words: &["食品", "调味品", "农产品", "火锅底料", "粮油"],
        share: 0.12,
        revenue_per_mu: 380.0,
        revenue_per_worker: 100.0,
        value_added_ratio: 0.25,
        tax_rate: 0.05,
        va_per_energy: 1.8,
        va_per_emission: Some(1500.0),
        rd_ratio: 0.01,
        tax_per_kwh: 0.8,
    },
    Industry {
        name: "医药",
        words: &["医药", "生物科技", "制药", "医疗器械"],
        share: 0.08,
        revenue_per_mu: 650.0,
        revenue_per_worker: 90.0,
        value_added_ratio: 0.35,
        tax_rate: 0.05,
        va_per_energy: 3.5,
        va_per_emission: Some(3000.0),
        rd_ratio: 0.05,
        tax_per_kwh: 1.5,
    },
    Industry {
        name: "软件信息",
        words: &["软件", "信息技术", "数字科技", "网络科技"],
        share: 0.08,
        revenue_per_mu: 2500.0,
        revenue_per_worker: 60.0,
        value_added_ratio: 0.45,
        tax_rate: 0.06,
        va_per_energy: 12.0,
        va_per_emission: None,
        rd_ratio: 0.08,
        tax_per_kwh: 3.0,
    },
    Industry {
        name: "消费品",
        words: &["纺织", "家居", "服饰", "日用品"],
        share: 0.08,
        revenue_per_mu: 300.0,
        revenue_per_worker: 70.0,
        value_added_ratio: 0.22,
        tax_rate: 0.03,
        va_per_energy: 2.0,
        va_per_emission: Some(2500.0),
        rd_ratio: 0.012,
        tax_per_kwh: 0.6,
    },
];

/// Trade names (字号), chosen to be generic.
const TRADE_NAMES: [&str; 48] = [
    "华信", "鼎盛", "瑞丰", "博远", "宏达", "恒通", "金桥", "嘉陵", "巴渝", "山城", "渝新", "缙云",
    "歌乐", "明月", "南山", "金佛", "龙腾", "凯力", "万通", "德润", "泰和", "鑫源", "锦程", "安达",
    "聚能", "同创", "天成", "永信", "润达", "弘毅", "启航", "致远", "新锐", "蓝海", "星辰", "晨光",
    "远航", "佳禾", "盛源", "宏图", "立诚", "卓越", "科瑞", "合众", "东升", "福源", "兴达", "银河",
];

/// Characters allowed in a real credit code's check position.
const CHECK_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// What a firm is, fixed across years.
#[derive(Debug)]
struct Firm {
    key: String,
    industry: &'static Industry,
    above_size: bool,
    land_mu: f64,
    revenue: f64,
    employees: f64,
    rd_ratio: f64,
    /// Firm-specific multipliers of the industry ratios: value added, tax, energy, emission, power.
    factors: [f64; 5],
    reports_emission: bool,
}

fn name_prefix(r: &Region) -> &str {
    match r.short.as_str() {
        "高新区" => "科学城",
        s => s,
    }
}

fn credit_code(r: &Region, serial: usize, d: &mut Draw) -> EntityCode {
    let area = if r.kind == RegionKind::District {
        r.key.as_str()
    } else {
        "500000"
    };
    let check = char::from(*d.pick(CHECK_CHARS));
    EntityCode::parse(&format!("91{area}DEMO{serial:05}{check}")).expect("a valid credit code")
}

pub(super) struct Enterprises {
    pub entities: Vec<DemoEntity>,
    pub observations: Vec<DemoObservation>,
}

pub(super) fn generate(seed: u64, regions: &Regions, years: &[i32]) -> Enterprises {
    let years: Vec<i32> = years.iter().copied().filter(|&y| y >= FIRST_YEAR).collect();
    // Firms follow industry: a district's weight is relative to the other districts, a functional
    // area's is a multiple of the city, so scale the latter by the districts' total.
    let industrial = |r: &Region| profile::weight(seed, "IND_VA", r);
    let district_total: f64 = regions.districts().map(industrial).sum();
    let region_weights: Vec<f64> = regions
        .units
        .iter()
        .map(|r| match r.kind {
            RegionKind::District => industrial(r),
            _ => industrial(r) * district_total,
        })
        .collect();
    let industry_weights: Vec<f64> = INDUSTRIES.iter().map(|i| i.share).collect();
    let mut names = HashSet::new();
    let mut entities = Vec::with_capacity(ENTERPRISE_COUNT);
    let mut observations = Vec::new();
    for n in 1..=ENTERPRISE_COUNT {
        let mut d = Draw::new(seed, &format!("enterprise/{n}"));
        let region = d.weighted(&region_weights);
        let r = &regions.units[region];
        let industry = &INDUSTRIES[d.weighted(&industry_weights)];
        let name = unique_name(r, industry, &mut names, &mut d);
        let firm = draw_firm(format!("E{n:04}"), industry, &mut d);
        let mut groups = vec![if firm.above_size { "规上" } else { "规下" }];
        if firm.above_size && d.chance(0.18) {
            groups.push("专精特新");
        }
        let entity = NewEntity::new(
            EntityKind::Enterprise,
            Some(credit_code(r, n, &mut d)),
            &name,
            3,
        )
        .expect("a valid enterprise")
        .with_groups(groups)
        .with_attr("industry", json!(industry.name))
        .with_attr("land_mu", json!(round_to(firm.land_mu, 2)))
        .with_attr("employees", json!(firm.employees.round()));
        entities.push(DemoEntity {
            key: firm.key.clone(),
            entity,
            parent_key: Some(r.key.clone()),
        });
        yearly_inputs(seed, &firm, &years, &mut observations);
    }
    Enterprises {
        entities,
        observations,
    }
}

fn unique_name(
    r: &Region,
    industry: &Industry,
    names: &mut HashSet<String>,
    d: &mut Draw,
) -> String {
    for attempt in 0.. {
        let trade = d.pick(&TRADE_NAMES);
        let word = d.pick(industry.words);
        let name = if attempt < 50 {
            format!("{}{trade}{word}有限公司", name_prefix(r))
        } else {
            format!("{}{trade}{word}第{attempt}有限公司", name_prefix(r))
        };
        if names.insert(name.clone()) {
            return name;
        }
    }
    unreachable!("the loop returns once a name is new")
}

fn draw_firm(key: String, industry: &'static Industry, d: &mut Draw) -> Firm {
    let above_size = d.chance(0.8);
    let land_scale = if industry.name == "软件信息" {
        0.3
    } else {
        1.0
    };
    let mut land_mu = if above_size {
        (60.0 * d.factor(0.6)).clamp(8.0, 1500.0)
    } else {
        (8.0 * d.factor(0.4)).clamp(1.0, 60.0)
    } * land_scale;
    land_mu = land_mu.max(1.0);
    let mut revenue = land_mu * industry.revenue_per_mu * d.factor(0.4);
    if above_size && revenue < ABOVE_SIZE_REVENUE {
        revenue = ABOVE_SIZE_REVENUE * d.range(1.02, 1.6);
    } else if !above_size && revenue >= ABOVE_SIZE_REVENUE * 0.95 {
        revenue = d.range(300.0, 1900.0);
    }
    // Small firms are less productive per head than the industry norm.
    let per_worker = industry.revenue_per_worker * if above_size { 1.0 } else { 0.4 };
    let employees = (revenue / per_worker * d.factor(0.25)).max(8.0);
    let rd_ratio = if !above_size && d.chance(0.4) {
        0.0
    } else {
        industry.rd_ratio * d.factor(0.4)
    };
    let factors = [
        d.factor(0.12),
        d.factor(0.3),
        d.factor(0.3),
        d.factor(0.4),
        d.factor(0.3),
    ];
    let reports_emission = industry.va_per_emission.is_some() && !d.chance(0.03);
    Firm {
        key,
        industry,
        above_size,
        land_mu,
        revenue,
        employees,
        rd_ratio,
        factors,
        reports_emission,
    }
}

/// The inputs of one firm for each year. 规下 firms report only what their evaluation uses
/// (税收, 用地, 用电) plus revenue and employees.
fn yearly_inputs(seed: u64, firm: &Firm, years: &[i32], out: &mut Vec<DemoObservation>) {
    let mut d = Draw::new(seed, &format!("enterprise-inputs/{}", firm.key));
    let ind = firm.industry;
    let [f_va, f_tax, f_energy, f_emission, f_power] = firm.factors;
    let mut growth = 1.0;
    let mut land = firm.land_mu;
    for (yi, &y) in years.iter().enumerate() {
        if yi > 0 {
            growth *= (1.0 + 0.05 + 0.12 * d.normal()).max(0.5);
            if d.chance(0.05) {
                land *= d.range(1.1, 1.5);
            }
        }
        let noise = |d: &mut Draw| 1.0 + 0.04 * d.normal();
        let mut revenue = firm.revenue * growth * noise(&mut d);
        if yi == 0 {
            // The groups 规上/规下 are as of the first year: keep its revenue on the right side.
            revenue = if firm.above_size {
                revenue.max(ABOVE_SIZE_REVENUE)
            } else {
                revenue.min(ABOVE_SIZE_REVENUE - 1.0)
            };
        }
        let va = revenue * ind.value_added_ratio * f_va * noise(&mut d);
        let tax = revenue * ind.tax_rate * f_tax * noise(&mut d);
        let employees = (firm.employees * (1.0 + (growth - 1.0) * 0.4) * noise(&mut d)).max(8.0);
        let energy = va / (ind.va_per_energy * f_energy * noise(&mut d));
        let emission = ind
            .va_per_emission
            .map(|e| va / (e * f_emission * noise(&mut d)));
        let power = tax / (ind.tax_per_kwh * f_power * noise(&mut d));
        let rd = revenue * firm.rd_ratio * noise(&mut d);

        let period = Period::year(y).expect("a valid year");
        let mut push = |code: &str, value: f64, decimals: u8| {
            out.push(DemoObservation {
                entity_key: firm.key.clone(),
                indicator_code: code.to_string(),
                period,
                measure: Measure::Value,
                value: round_to(value, decimals),
                source: None,
            });
        };
        push("LAND_MU", land, 2);
        push("ENT_REV", revenue, 2);
        push("ENT_TAX", tax, 2);
        push("ENT_EMPLOYEES", employees, 0);
        push("ENT_ELEC", power, 2);
        if firm.above_size {
            push("ENT_VA", va, 2);
            push("ENT_ENERGY", energy, 2);
            push("ENT_RD", rd, 2);
            if let (Some(e), true) = (emission, firm.reports_emission) {
                push("ENT_EMISSION", e, 3);
            }
        }
    }
}
