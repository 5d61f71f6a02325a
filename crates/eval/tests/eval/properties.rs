//! Properties: ranks are a permutation, min–max stays within its bounds, grades follow scores.

use proptest::prelude::*;
use yiping_eval::{EvalInput, evaluate};

use crate::helpers::*;

fn scheme_text(norm: &str, banding: &str) -> String {
    format!(
        r#"
code = "P"
name = "性质测试"
year = 2024
frequency = "year"
[population]
kind = "enterprise"
[[items]]
id = "x"
indicator = "TAX_PER_MU"
weight = 60
normalisation = {norm}
[[items]]
id = "y"
indicator = "VA_PER_MU"
weight = 40
normalisation = {norm}
{banding}
"#
    )
}

const RELATIVE: &str = r#"
[banding]
mode = "relative"
bands = [
  { grade = "A", top_pct = 25 },
  { grade = "B", top_pct = 70 },
  { grade = "C", top_pct = 95 },
  { grade = "D" },
]
"#;

fn input(xs: &[f64], ys: &[f64]) -> EvalInput {
    let mut input = EvalInput::new(firms(xs.len()));
    values(&mut input, "x", xs);
    values(&mut input, "y", ys);
    input
}

proptest! {
    #[test]
    fn ranks_are_a_permutation_of_1_to_n_even_with_tied_scores(
        pairs in prop::collection::vec((0_u8..6, 0_u8..6), 1..80)
    ) {
        let xs: Vec<f64> = pairs.iter().map(|p| f64::from(p.0)).collect();
        let ys: Vec<f64> = pairs.iter().map(|p| f64::from(p.1)).collect();
        let ev = evaluate(&scheme(&scheme_text("{ method = \"none\" }", RELATIVE)), &input(&xs, &ys));
        let mut ranks: Vec<u32> = ev.ranked().map(|(_, r)| r.rank.unwrap()).collect();
        prop_assert_eq!(ranks.clone(), (1..=xs.len() as u32).collect::<Vec<_>>());
        ranks.sort_unstable();
        ranks.dedup();
        prop_assert_eq!(ranks.len(), xs.len());
    }

    #[test]
    fn min_max_points_stay_within_floor_and_ceiling(
        pairs in prop::collection::vec((-1.0e6_f64..1.0e6, -50.0_f64..50.0), 1..60),
        floor in -20.0_f64..60.0,
        span in 0.5_f64..100.0,
    ) {
        let xs: Vec<f64> = pairs.iter().map(|p| p.0).collect();
        let ys: Vec<f64> = pairs.iter().map(|p| p.1).collect();
        let norm = format!("{{ method = \"min_max\", floor = {floor:?}, ceiling = {:?} }}", floor + span);
        let ev = evaluate(&scheme(&scheme_text(&norm, "")), &input(&xs, &ys));
        for item in &ev.items {
            for pts in item.normalised.iter().flatten() {
                prop_assert!(*pts >= floor - 1e-9 && *pts <= floor + span + 1e-9, "{} not in [{}, {}]", pts, floor, floor + span);
            }
        }
    }

    #[test]
    fn grades_never_get_worse_as_scores_rise(
        pairs in prop::collection::vec((0_u8..10, 0_u8..10), 1..120),
        share_better in any::<bool>(),
        exempt_every in 0_usize..7,
    ) {
        let xs: Vec<f64> = pairs.iter().map(|p| f64::from(p.0)).collect();
        let ys: Vec<f64> = pairs.iter().map(|p| f64::from(p.1)).collect();
        let banding = format!("[ties]\nshare_better_grade = {share_better}\n{RELATIVE}");
        let mut inp = input(&xs, &ys);
        if exempt_every > 0 {
            for e in inp.entities.iter_mut().step_by(exempt_every) {
                e.exempt = true;
            }
        }
        let ev = evaluate(&scheme(&scheme_text("{ method = \"min_max\", floor = 60, ceiling = 100 }", &banding)), &inp);
        let graded: Vec<(f64, u16)> = ev
            .ranked()
            .filter_map(|(_, r)| r.grade.map(|g| (r.score.unwrap(), g)))
            .collect();
        for w in graded.windows(2) {
            prop_assert!(w[0].0 >= w[1].0);
            prop_assert!(w[0].1 <= w[1].1, "grade {} after {}", w[1].1, w[0].1);
            if share_better && w[0].0 == w[1].0 {
                prop_assert_eq!(w[0].1, w[1].1);
            }
        }
        prop_assert!(ev.rows.iter().all(|r| r.exempt == r.grade.is_none()));
    }

    #[test]
    fn absolute_grades_follow_the_score(scores in prop::collection::vec(0.0_f64..100.0, 1..60)) {
        let banding = "[banding]\nmode = \"absolute\"\nbands = [{ grade = \"优\", at_least = 80 }, { grade = \"良\", at_least = 60 }, { grade = \"差\" }]\n";
        let ev = evaluate(&scheme(&scheme_text("{ method = \"none\" }", banding)), &input(&scores, &scores));
        for r in &ev.rows {
            let s = r.score.unwrap();
            let want = if s >= 80.0 { 0 } else if s >= 60.0 { 1 } else { 2 };
            prop_assert_eq!(r.grade, Some(want));
        }
    }
}
