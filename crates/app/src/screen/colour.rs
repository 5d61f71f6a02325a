//! The five colours of the screen (五色图) where no stored evaluation colours a cell: growth
//! against the parent's own growth with the cut points of the shipped five-colour scheme
//! (`FIVE_COLOUR_IND_VA`, DOMAIN §6 worked example), and a work-item closure rate in fixed bands.
//! Colours and meanings are data ([`ColourDef`]: name, fill, meaning); the stored evaluations
//! carry their own.

use yiping_store::{ColourDef, Rgb};

fn colour(name: &str, rgb: Rgb, meaning: &str) -> ColourDef {
    ColourDef {
        name: name.to_string(),
        rgb,
        meaning: meaning.to_string(),
    }
}

/// 深绿 … 红, best first (the RGB values of the shipped schemes).
const FIVE: [(&str, Rgb); 5] = [
    ("深绿", Rgb(0x1A_98_50)),
    ("绿", Rgb(0x91_CF_60)),
    ("黄", Rgb(0xFE_E0_8B)),
    ("橙", Rgb(0xFC_8D_59)),
    ("红", Rgb(0xD7_30_27)),
];

/// The legend of [`growth_colour`] with `scope` naming the reference (全市, 本区).
pub fn growth_legend(scope: &str) -> Vec<ColourDef> {
    let meanings = [
        format!("高于{scope}2个百分点以上"),
        format!("不低于{scope}"),
        format!("低于{scope}2个百分点以内"),
        format!("低于{scope}较多但仍正增长"),
        "负增长".to_string(),
    ];
    FIVE.iter()
        .zip(meanings)
        .map(|((n, rgb), m)| colour(n, *rgb, &m))
        .collect()
}

/// The colour of a growth rate against the reference growth g₀: ≥ g₀+2 深绿, ≥ g₀ 绿,
/// ≥ g₀−2 黄, ≥ 0 橙, < 0 红 (the cut points of `FIVE_COLOUR_IND_VA`).
pub fn growth_colour(growth: f64, reference: f64, scope: &str) -> ColourDef {
    let idx = if growth >= reference + 2.0 {
        0
    } else if growth >= reference {
        1
    } else if growth >= reference - 2.0 {
        2
    } else if growth >= 0.0 {
        3
    } else {
        4
    };
    growth_legend(scope).swap_remove(idx)
}

/// The legend of [`closure_colour`].
pub fn closure_legend() -> Vec<ColourDef> {
    let meanings = ["≥95%", "90%—95%", "80%—90%", "60%—80%", "<60%"];
    FIVE.iter()
        .zip(meanings)
        .map(|((n, rgb), m)| colour(n, *rgb, &format!("办结率{m}")))
        .collect()
}

/// The colour of a work-item closure rate (%): ≥95 深绿, ≥90 绿, ≥80 黄, ≥60 橙, else 红.
pub fn closure_colour(rate: f64) -> ColourDef {
    let idx = match rate {
        r if r >= 95.0 => 0,
        r if r >= 90.0 => 1,
        r if r >= 80.0 => 2,
        r if r >= 60.0 => 3,
        _ => 4,
    };
    closure_legend().swap_remove(idx)
}

/// Whether a colour name is one of the two worst (an alert).
pub fn is_alarm(name: &str) -> bool {
    matches!(name, "红" | "橙")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_colours_follow_the_domain_worked_example() {
        // DOMAIN §6: g₀ = 8.6; 沙坪坝 24.6 → 深绿, 7.0 → 黄, −3 → 红.
        assert_eq!(growth_colour(24.6, 8.6, "全市").name, "深绿");
        assert_eq!(growth_colour(14.4, 8.6, "全市").name, "深绿");
        assert_eq!(growth_colour(8.6, 8.6, "全市").name, "绿");
        assert_eq!(growth_colour(7.0, 8.6, "全市").name, "黄");
        assert_eq!(growth_colour(3.0, 8.6, "全市").name, "橙");
        assert_eq!(growth_colour(-3.0, 8.6, "全市").name, "红");
        assert_eq!(growth_colour(9.0, 8.6, "本区").meaning, "不低于本区");
    }

    #[test]
    fn closure_bands() {
        assert_eq!(closure_colour(100.0).name, "深绿");
        assert_eq!(closure_colour(92.0).name, "绿");
        assert_eq!(closure_colour(80.0).name, "黄");
        assert_eq!(closure_colour(61.0).name, "橙");
        assert_eq!(closure_colour(10.0).name, "红");
        assert!(is_alarm("红") && is_alarm("橙") && !is_alarm("黄"));
    }
}
