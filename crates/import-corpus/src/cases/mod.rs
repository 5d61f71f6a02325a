//! The cases, class by class (issue 20's list). Accepted cases take their own year from
//! [`Years`], so that each adds exactly its rows to a database that holds the others'.

mod encodings;
mod formulas;
mod names;
mod periods;
mod resources;
mod structure;
mod units;

use crate::{Case, Expect};

/// Hands out a fresh year to every accepted case.
pub(crate) struct Years(i32);

impl Years {
    pub(crate) fn next(&mut self) -> i32 {
        self.0 += 1;
        self.0
    }
}

/// The year of the refused cases (they store nothing, so they may share it).
pub(crate) const REFUSED_YEAR: i32 = 2024;

/// The header of the long layout as the exporter writes it, without 状态.
pub(crate) const LONG: &str = "主体代码,主体,指标代码,指标,时期,口径,数值,计量单位";

/// CSV text of `lines`, each ending in a line break.
pub(crate) fn csv(lines: &[String]) -> Vec<u8> {
    let mut s = String::new();
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s.into_bytes()
}

/// `lines` as owned strings.
pub(crate) fn lines(ls: &[&str]) -> Vec<String> {
    ls.iter().map(|l| l.to_string()).collect()
}

pub(crate) fn case(
    name: &str,
    class: &'static str,
    about: &'static str,
    bytes: Vec<u8>,
    expect: Expect,
) -> Case {
    Case {
        name: name.to_string(),
        class,
        about,
        bytes,
        expect,
        heavy: false,
    }
}

/// Every case, the heavy ones (1,048,576-row sheets) too when `heavy`.
pub fn cases(heavy: bool) -> Vec<Case> {
    let mut years = Years(2000);
    let mut all = Vec::new();
    all.extend(units::cases(&mut years));
    all.extend(periods::cases(&mut years));
    all.extend(formulas::cases(&mut years));
    all.extend(structure::cases(&mut years));
    all.extend(resources::cases(&mut years, heavy));
    all.extend(encodings::cases(&mut years));
    all.extend(names::cases(&mut years));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_accepted_cases_do_not_share_keys() {
        let all = cases(false);
        let mut names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "file names repeat");
        let mut keys = Vec::new();
        for c in &all {
            if let Expect::Accept { rows, count, .. } = &c.expect {
                assert_eq!(rows.len(), *count, "{}", c.name);
                assert!(*count > 0, "{}", c.name);
                for r in rows {
                    keys.push((r.entity.clone(), r.indicator, r.period.clone(), r.measure));
                }
            }
        }
        let k = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), k, "two accepted cases store the same key");
        for class in ["单位", "时期", "公式", "结构", "资源", "编码", "名称"] {
            assert!(all.iter().any(|c| c.class == class), "{class}");
            assert!(
                all.iter()
                    .any(|c| c.class == class && matches!(c.expect, Expect::Reject { .. })),
                "{class} has a refused case"
            );
        }
    }
}
