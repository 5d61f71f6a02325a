//! Synthetic indices for the eight report cards (八张报表, DOMAIN §2). The shipped card schemes read
//! indicators whose codes start with `CARD_`: no published series exists for them, so the demo
//! generates a composite index (分, about 60–100) per 区县-level unit for each cumulative quarter from
//! 2024 on (一季度, 上半年, 前三季度, 全年). Each unit has a stable standing per index plus a quarterly
//! drift, so rankings move a little from quarter to quarter, as published league tables do.

use yiping_kernel::{
    Aggregation, Frequency, IndicatorKind, Measure, NewIndicator, Period, Polarity,
};

use super::DemoObservation;
use super::draw::{Draw, round_to};
use super::regions::Regions;

/// Code, name, owner department and what the index measures.
const CARDS: [(&str, &str, &str, &str); 17] = [
    (
        "CARD_PARTY_ORG_INDEX",
        "基层党组织建设指数",
        "市政府办公厅",
        "基层党组织建设考核结果的合成指数",
    ),
    (
        "CARD_PARTY_CADRE_INDEX",
        "干部队伍建设指数",
        "市政府办公厅",
        "干部队伍建设考核结果的合成指数",
    ),
    (
        "CARD_PARTY_INTEGRITY_INDEX",
        "党风廉政建设指数",
        "市政府办公厅",
        "党风廉政建设考核结果的合成指数",
    ),
    (
        "CARD_SAFETY_INDEX",
        "平安建设指数",
        "市公安局",
        "平安建设各项工作的合成指数",
    ),
    (
        "CARD_PETITION_INDEX",
        "信访工作指数",
        "市政府办公厅",
        "信访事项办理、化解情况的合成指数",
    ),
    (
        "CARD_WORK_SAFETY_INDEX",
        "安全生产指数",
        "市应急管理局",
        "安全生产事故控制和隐患整治的合成指数",
    ),
    (
        "CARD_REFORM_INDEX",
        "重点改革任务推进指数",
        "市发展改革委",
        "重点改革任务按期推进情况的合成指数",
    ),
    (
        "CARD_DIGITAL_INDEX",
        "数字重庆建设指数",
        "市大数据发展局",
        "数字重庆建设应用贯通和成效的合成指数",
    ),
    (
        "CARD_HIGHTECH_INDEX",
        "高新技术企业发展指数",
        "市科技局",
        "高新技术企业数量和增长的合成指数",
    ),
    (
        "CARD_TALENT_INDEX",
        "创新人才指数",
        "市科技局",
        "创新人才引育情况的合成指数",
    ),
    (
        "CARD_AIR_INDEX",
        "空气质量指数",
        "市生态环境局",
        "空气质量优良天数和改善幅度的合成指数（得分越高越好）",
    ),
    (
        "CARD_WATER_INDEX",
        "水环境质量指数",
        "市生态环境局",
        "断面水质达标和改善情况的合成指数",
    ),
    (
        "CARD_ENERGY_INDEX",
        "能耗强度下降指数",
        "市发展改革委",
        "单位地区生产总值能耗下降进度的合成指数",
    ),
    (
        "CARD_CULTURE_INDEX",
        "文化事业发展指数",
        "市政府办公厅",
        "公共文化服务和文化事业发展的合成指数",
    ),
    (
        "CARD_TOURISM_INDEX",
        "文旅融合发展指数",
        "市商务委",
        "文旅融合发展和旅游消费的合成指数",
    ),
    (
        "CARD_EMPLOYMENT_INDEX",
        "就业工作指数",
        "市人力社保局",
        "城镇新增就业和重点群体就业的合成指数",
    ),
    (
        "CARD_SERVICES_INDEX",
        "公共服务指数",
        "市人力社保局",
        "教育、医疗、养老等公共服务供给的合成指数",
    ),
];

/// The first year with card indices.
const FIRST_YEAR: i32 = 2024;

/// The card indices as indicators: quarterly, in 分, higher is better, not summed up the tree.
pub(super) fn indicators() -> Vec<NewIndicator> {
    CARDS
        .iter()
        .map(|&(code, name, owner, what)| {
            let mut i = NewIndicator::new(code, name, "分")
                .and_then(|i| i.with_decimals(1))
                .unwrap_or_else(|e| panic!("indicator {code}: {e}"));
            i.frequency = Frequency::Quarter;
            i.kind = IndicatorKind::Level;
            i.aggregation = Aggregation::None;
            i.polarity = Polarity::HigherBetter;
            i.owner_department = Some(owner.to_string());
            i.definition = format!("{what}，按季度累计评价（演示用合成数据，非公开统计）。");
            i
        })
        .collect()
}

/// One value per 区县-level unit, index and cumulative quarter of the years from 2024 to `last`
/// (the caller drops the quarters after its last complete month); each unit's standing drifts
/// from quarter to quarter, so a later `last` leaves the earlier values as they were.
pub(super) fn observations(seed: u64, regions: &Regions, last: i32) -> Vec<DemoObservation> {
    let periods: Vec<Period> = (FIRST_YEAR..=last.max(FIRST_YEAR))
        .flat_map(|y| {
            [3, 6, 9, 12]
                .into_iter()
                .map(move |to| Period::months(y, 1, to).expect("a valid cumulative period"))
        })
        .collect();
    let mut out = Vec::with_capacity(CARDS.len() * regions.units.len() * periods.len());
    for &(code, ..) in &CARDS {
        for r in &regions.units {
            let standing = Draw::new(seed, &format!("card/{code}/{}", r.key)).normal();
            let mut drift = Draw::new(seed, &format!("card-drift/{code}/{}", r.key));
            let mut level = 82.0 + 5.0 * standing;
            for &period in &periods {
                level += 1.6 * drift.normal();
                out.push(DemoObservation {
                    entity_key: r.key.clone(),
                    indicator_code: code.to_string(),
                    period,
                    measure: Measure::Value,
                    value: round_to(level.clamp(55.0, 99.5), 1),
                    source: None,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_card_indicator_of_the_shipped_schemes_is_generated() {
        let ours: HashSet<&str> = CARDS.iter().map(|c| c.0).collect();
        let set = yiping_eval::shipped::load_all().unwrap();
        let wanted: HashSet<String> = set
            .schemes()
            .iter()
            .flat_map(|s| s.indicators())
            .map(|c| c.as_str().to_string())
            .filter(|c| c.starts_with("CARD_"))
            .collect();
        assert!(!wanted.is_empty());
        for c in &wanted {
            assert!(ours.contains(c.as_str()), "no demo values for {c}");
        }
        let regions = super::super::regions::build();
        let obs = observations(7, &regions, 2024);
        assert_eq!(obs.len(), 17 * 41 * 4);
        assert!(obs.iter().all(|o| (55.0..=99.5).contains(&o.value)));
        assert_eq!(obs, observations(7, &regions, 2024), "deterministic");
        let later = observations(7, &regions, 2026);
        assert!(obs.iter().all(|o| later.contains(o)), "earlier values stay");
    }
}
