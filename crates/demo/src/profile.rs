//! The synthetic shape of the regional series: city-level centres, seasonal profiles and the
//! relative size of each region. None of these numbers is a published statistic; they only give
//! the synthetic data a plausible order of magnitude. Published figures come from the data file
//! and override what is generated here (see `series.rs`).

use super::draw::Draw;
use super::regions::{Region, RegionKind};

/// How one regional indicator is generated.
#[derive(Debug)]
pub(super) struct SeriesSpec {
    pub code: &'static str,
    /// Reported in quarters (GDP, income) rather than in months from 1–2月.
    pub quarterly: bool,
    /// Districts add up to the city (levels); otherwise a region's level is a multiple of the city's.
    pub summed: bool,
    /// City level for 2023 when no published figure exists.
    pub city_2023: f64,
    /// Centre of the city's reported growth, 2022–2024 (%).
    pub growth: [f64; 3],
    /// Nominal growth of the level minus the reported growth (price effects), pp.
    pub price_gap: f64,
    /// Standard deviation of a region's growth offset from the city, pp.
    pub spread: f64,
    /// Standard deviation of the city's period-to-period growth noise in 1–2月, pp.
    pub noise: f64,
    /// Relative monthly flows (January … December) that shape the cumulative values.
    pub months: [f64; 12],
}

// The years with regional data run from 2022 (see `DemoDay::data_years`). 2023 (index 1) is the
// base year: published levels are for 2023, and the other years move from it by the reported
// growth.

impl SeriesSpec {
    /// The centre of the city's growth in the year with index `yi` (0 = 2022); after 2024 the
    /// 2024 centre, eased by 0.1 point a year (a synthetic, gently slowing trend).
    pub fn growth_centre(&self, yi: usize) -> f64 {
        match self.growth.get(yi) {
            Some(&g) => g,
            None => {
                let later = (yi - (self.growth.len() - 1)) as f64;
                self.growth[self.growth.len() - 1] - 0.1 * later
            }
        }
    }
}

pub(super) const SPECS: [SeriesSpec; 10] = [
    SeriesSpec {
        code: "GDP",
        quarterly: true,
        summed: true,
        city_2023: 30145.79,
        growth: [2.8, 6.1, 5.8],
        price_gap: -0.4,
        spread: 1.2,
        noise: 0.3,
        months: [7.0, 7.0, 8.6, 7.9, 8.1, 8.6, 8.0, 8.1, 8.6, 8.8, 9.0, 10.3],
    },
    SeriesSpec {
        code: "IND_VA",
        quarterly: false,
        summed: true,
        city_2023: 7300.0,
        growth: [3.4, 6.6, 8.0],
        price_gap: 0.0,
        spread: 4.0,
        noise: 1.0,
        months: [7.2, 6.8, 8.6, 8.2, 8.4, 8.9, 8.1, 8.2, 8.6, 8.5, 8.9, 9.6],
    },
    SeriesSpec {
        code: "FAI",
        quarterly: false,
        summed: true,
        city_2023: 21500.0,
        growth: [1.0, 4.3, 4.2],
        price_gap: 0.0,
        spread: 5.0,
        noise: 1.5,
        months: [4.5, 5.0, 8.5, 8.0, 9.0, 11.0, 8.0, 8.5, 9.5, 8.5, 9.0, 10.5],
    },
    SeriesSpec {
        code: "IND_INV",
        quarterly: false,
        summed: true,
        city_2023: 5600.0,
        growth: [10.5, 10.8, 12.0],
        price_gap: 0.0,
        spread: 9.0,
        noise: 2.5,
        months: [4.5, 5.0, 8.5, 8.0, 9.0, 11.0, 8.0, 8.5, 9.5, 8.5, 9.0, 10.5],
    },
    SeriesSpec {
        code: "RETAIL",
        quarterly: false,
        summed: true,
        city_2023: 15100.0,
        growth: [-0.5, 8.5, 4.2],
        price_gap: 0.0,
        spread: 1.8,
        noise: 1.0,
        months: [9.0, 8.0, 8.0, 7.8, 8.3, 8.4, 8.0, 8.1, 8.2, 8.6, 8.6, 9.0],
    },
    SeriesSpec {
        code: "GPB_REV",
        quarterly: false,
        summed: true,
        city_2023: 2440.0,
        growth: [-3.5, 11.0, 4.0],
        price_gap: 0.0,
        spread: 5.0,
        noise: 2.0,
        months: [11.0, 7.0, 9.0, 10.0, 8.0, 8.0, 8.0, 7.0, 7.0, 9.0, 7.0, 9.0],
    },
    SeriesSpec {
        code: "TAX",
        quarterly: false,
        summed: true,
        city_2023: 1560.0,
        growth: [-8.0, 12.5, 3.5],
        price_gap: 0.0,
        spread: 7.0,
        noise: 3.0,
        months: [13.0, 7.0, 8.0, 11.0, 8.0, 8.0, 8.0, 7.0, 7.0, 9.0, 6.0, 8.0],
    },
    SeriesSpec {
        code: "TRADE",
        quarterly: false,
        summed: true,
        city_2023: 7100.0,
        growth: [2.0, -12.0, 3.0],
        price_gap: 0.0,
        spread: 18.0,
        noise: 5.0,
        months: [8.0, 6.0, 8.5, 8.3, 8.4, 8.5, 8.6, 8.4, 8.3, 8.6, 9.0, 9.4],
    },
    SeriesSpec {
        code: "FDI",
        quarterly: false,
        summed: true,
        city_2023: 185_000.0,
        growth: [4.0, -9.0, -6.0],
        price_gap: 0.0,
        spread: 25.0,
        noise: 8.0,
        months: [
            6.0, 5.0, 9.0, 7.0, 8.0, 11.0, 7.0, 7.0, 10.0, 8.0, 8.0, 14.0,
        ],
    },
    SeriesSpec {
        code: "INCOME",
        quarterly: true,
        summed: false,
        city_2023: 37_600.0,
        growth: [5.0, 5.4, 5.1],
        price_gap: 0.0,
        spread: 0.5,
        noise: 0.3,
        months: [9.3, 9.3, 9.4, 7.7, 7.6, 7.7, 8.0, 8.0, 8.0, 8.3, 8.3, 8.4],
    },
];

/// City 研发投入强度 (%), 2022–2024: synthetic.
const CITY_RD_INTENSITY: [f64; 3] = [2.36, 2.45, 2.53];

/// City 研发投入强度 (%) of the year with index `yi` (0 = 2022): synthetic, rising 0.07 point a
/// year after 2024.
pub(super) fn city_rd_intensity(yi: usize) -> f64 {
    match CITY_RD_INTENSITY.get(yi) {
        Some(&v) => v,
        None => {
            let later = (yi - (CITY_RD_INTENSITY.len() - 1)) as f64;
            ((CITY_RD_INTENSITY[2] + 0.07 * later) * 100.0).round() / 100.0
        }
    }
}

/// Rough relative economic size of each district (about its GDP in 亿元), for weights only.
const DISTRICT_SIZE: [(&str, f64); 38] = [
    ("万州", 1150.0),
    ("涪陵", 1450.0),
    ("渝中", 1650.0),
    ("大渡口", 370.0),
    ("江北", 1650.0),
    ("沙坪坝", 1250.0),
    ("九龙坡", 1870.0),
    ("南岸", 1000.0),
    ("北碚", 780.0),
    ("綦江", 700.0),
    ("大足", 850.0),
    ("渝北", 2300.0),
    ("巴南", 1000.0),
    ("黔江", 310.0),
    ("长寿", 900.0),
    ("江津", 1400.0),
    ("合川", 1050.0),
    ("永川", 1250.0),
    ("南川", 420.0),
    ("璧山", 900.0),
    ("铜梁", 800.0),
    ("潼南", 600.0),
    ("荣昌", 850.0),
    ("开州", 690.0),
    ("梁平", 680.0),
    ("武隆", 280.0),
    ("城口", 70.0),
    ("丰都", 400.0),
    ("垫江", 600.0),
    ("忠县", 580.0),
    ("云阳", 590.0),
    ("奉节", 470.0),
    ("巫山", 230.0),
    ("巫溪", 130.0),
    ("石柱", 290.0),
    ("秀山", 400.0),
    ("酉阳", 300.0),
    ("彭水", 300.0),
];

/// A functional area's rough size as a share of the city's GDP.
fn functional_share(short: &str) -> f64 {
    match short {
        "两江" => 0.095,
        "高新区" => 0.030,
        _ => 0.0065,
    }
}

/// How strongly a region leans towards an indicator, relative to its size.
fn lean(code: &str, r: &Region) -> f64 {
    let central = r.in_sub_group("中心城区");
    let new_area = r.in_sub_group("主城新区");
    let north_east = r.in_group("渝东北");
    let functional = r.kind == RegionKind::FunctionalArea;
    let by_area = |central_v: f64, new_v: f64, ne: f64, se: f64| {
        if central {
            central_v
        } else if new_area {
            new_v
        } else if north_east {
            ne
        } else {
            se
        }
    };
    match (code, r.short.as_str()) {
        ("IND_VA" | "IND_INV", "渝中") => 0.03,
        ("IND_VA" | "IND_INV", "江北") => 0.35,
        ("IND_VA" | "IND_INV", "南岸") => 0.55,
        ("IND_VA" | "IND_INV", "万盛") => 1.3,
        ("IND_VA" | "IND_INV", _) if functional => 1.8,
        ("IND_VA" | "IND_INV", _) => by_area(1.0, 1.45, 0.75, 0.6),
        ("RETAIL", "渝中") => 2.6,
        ("RETAIL", _) if functional => 0.6,
        ("RETAIL", _) => by_area(1.5, 0.8, 1.0, 0.9),
        ("TRADE" | "FDI", "渝中") => 0.6,
        ("TRADE" | "FDI", "高新区") => 7.0,
        ("TRADE" | "FDI", "两江") => 3.5,
        ("TRADE" | "FDI", "万盛") => 0.1,
        ("TRADE" | "FDI", _) => by_area(1.6, 0.8, 0.12, 0.06),
        ("FAI", _) if functional => 1.4,
        ("FAI", _) => by_area(0.9, 1.1, 1.1, 1.1),
        ("TAX", "渝中") => 1.8,
        ("TAX", _) if functional => 1.3,
        ("TAX", _) => by_area(1.2, 0.9, 0.7, 0.7),
        ("GPB_REV", "渝中") => 1.3,
        ("GPB_REV", _) => by_area(1.0, 1.0, 0.9, 0.9),
        ("INCOME", "渝中") => 1.35,
        ("INCOME", "两江" | "高新区") => 1.2,
        ("INCOME", "万盛") => 0.95,
        ("INCOME", _) => by_area(1.25, 1.0, 0.82, 0.78),
        ("RD_INTENSITY", "高新区") => 2.3,
        ("RD_INTENSITY", "两江") => 1.4,
        ("RD_INTENSITY", "万盛") => 0.55,
        ("RD_INTENSITY", _) => by_area(1.0, 0.9, 0.45, 0.35),
        _ => 1.0,
    }
}

/// The relative weight of a region for an indicator: its size times its lean times a stable
/// random factor. For a district this is a weight among districts; for a functional area (and
/// for indicators that are not summed) it is a multiple of the city's value.
pub(super) fn weight(seed: u64, code: &str, r: &Region) -> f64 {
    let mut d = Draw::new(seed, &format!("weight/{code}/{}", r.key));
    let jitter = d.range(0.8, 1.25);
    let size = match r.kind {
        RegionKind::District => {
            DISTRICT_SIZE
                .iter()
                .find(|(s, _)| *s == r.short)
                .unwrap_or_else(|| panic!("no size for district {}", r.short))
                .1
        }
        RegionKind::FunctionalArea => functional_share(&r.short),
        RegionKind::City => 1.0,
    };
    let sized = match code {
        "INCOME" | "RD_INTENSITY" => 1.0,
        _ => size,
    };
    sized * lean(code, r) * jitter
}
