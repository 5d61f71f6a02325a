//! The 亩均 scheme on 100 000 synthetic firms completes (timing is the benchmark's job).

use std::time::Instant;

use yiping_eval::{EvalInput, ItemInput, evaluate, shipped};

use crate::helpers::*;

/// A small deterministic generator (no dependency): xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1_u64 << 53) as f64
    }
}

#[test]
fn one_hundred_thousand_firms_with_six_indicators_are_evaluated() {
    const N: usize = 100_000;
    let s = scheme(shipped::MUJUN);
    let mut entities = firms(N);
    for e in entities.iter_mut().step_by(97) {
        e.groups.push("公用事业".into());
    }
    let mut input = EvalInput::new(entities);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let benchmarks = [24.097, 136.16, 2.694, 4929.81, 18.14, 0.0302];
    for (item, b) in s.items().iter().zip(benchmarks) {
        let column: Vec<Option<f64>> = (0..N)
            .map(|i| {
                let v = b * 2.0 * rng.next();
                (item.id != "va_per_emission" || i % 13 != 0).then_some(v)
            })
            .collect();
        input
            .items
            .insert(item.id.clone(), ItemInput::values(column));
    }
    let started = Instant::now();
    let ev = evaluate(&s, &input);
    let elapsed = started.elapsed();
    println!("亩均 100k firms × 6 items: {elapsed:?}");
    assert_eq!(ev.rows.len(), N);
    assert!(
        ev.ranked()
            .enumerate()
            .all(|(i, (_, r))| r.rank == Some(i as u32 + 1))
    );
    let graded = ev.rows.iter().filter(|r| r.grade.is_some()).count();
    let exempt = ev.rows.iter().filter(|r| r.exempt).count();
    assert_eq!(graded + exempt, N);
    let a = ev.rows.iter().filter(|r| r.grade == Some(0)).count();
    assert_eq!(a, graded / 4);
    assert!(ev.explanation(0).starts_with("综合得分"));
}
