//! Seeded random draws. Every part of the demo data takes its own stream, named by a label, so
//! adding a firm does not shift the numbers of a district. Only arithmetic on uniform draws is used
//! (no `ln`, `exp` or `cos`), so the output does not depend on the platform's maths library.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Debug)]
pub(super) struct Draw(ChaCha8Rng);

impl Draw {
    /// The stream for `label` under `seed`.
    pub fn new(seed: u64, label: &str) -> Self {
        Self(ChaCha8Rng::seed_from_u64(seed ^ fnv1a(label)))
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Approximately standard normal (Irwin–Hall sum of 12 uniforms, bounded by ±6).
    pub fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.unit()).sum::<f64>() - 6.0
    }

    /// A positive factor with median 1 and a long right tail: `spread` ≈ the relative spread.
    pub fn factor(&mut self, spread: f64) -> f64 {
        let z = self.normal() * spread;
        if z >= 0.0 {
            1.0 + z + z * z / 2.0
        } else {
            1.0 / (1.0 - z + z * z / 2.0)
        }
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniform index below `n` (n > 0).
    pub fn index(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// An index drawn with probability proportional to `weights` (not all zero).
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

/// FNV-1a, a stable hash (std's hasher is not guaranteed stable across releases).
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Rounds to `decimals` places.
pub(super) fn round_to(x: f64, decimals: u8) -> f64 {
    let f = 10f64.powi(i32::from(decimals));
    (x * f).round() / f
}

/// Splits `total` integer units: `fixed` members keep their value, the others share the rest in
/// proportion to `weights` by the largest-remainder method, so the parts add up to `total` exactly.
pub(super) fn allocate(total: i64, weights: &[f64], fixed: &[Option<i64>]) -> Vec<i64> {
    let rest = total - fixed.iter().flatten().sum::<i64>();
    let free: Vec<usize> = (0..weights.len()).filter(|&i| fixed[i].is_none()).collect();
    let wsum: f64 = free.iter().map(|&i| weights[i]).sum();
    let mut out: Vec<i64> = fixed.iter().map(|f| f.unwrap_or(0)).collect();
    let mut fracs = Vec::with_capacity(free.len());
    let mut given = 0;
    for &i in &free {
        let exact = rest as f64 * weights[i] / wsum;
        let floor = exact.floor();
        out[i] = floor as i64;
        given += out[i];
        fracs.push((exact - floor, i));
    }
    // Largest fractions first; ties by position so the result is stable.
    fracs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in fracs
        .iter()
        .cycle()
        .take(usize::try_from(rest - given).unwrap_or(0))
    {
        out[*i] += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: Vec<f64> = (0..5)
            .map({
                let mut d = Draw::new(7, "x");
                move |_| d.unit()
            })
            .collect();
        let b: Vec<f64> = (0..5)
            .map({
                let mut d = Draw::new(7, "x");
                move |_| d.unit()
            })
            .collect();
        let mut other = Draw::new(7, "y");
        assert_eq!(a, b);
        assert_ne!(a[0], other.unit());
    }

    #[test]
    fn allocation_adds_up_and_keeps_fixed_parts() {
        let parts = allocate(1000, &[1.0, 1.0, 1.0, 5.0], &[None, None, None, Some(400)]);
        assert_eq!(parts.iter().sum::<i64>(), 1000);
        assert_eq!(parts, vec![200, 200, 200, 400]);
        let parts = allocate(10, &[1.0, 1.0, 1.0], &[None, None, None]);
        assert_eq!(parts, vec![4, 3, 3]);
    }
}
