//! Medians, and measuring variants interleaved so that a noisy machine
//! slows all of them alike.

use anyhow::Result;

pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        (s[m - 1] + s[m]) / 2.0
    }
}

/// Samples of every variant, taken A/B/C/A/B/C... for `rounds` rounds,
/// each round starting one variant later so no variant always runs first.
pub fn interleave<V>(
    rounds: usize,
    variants: &[V],
    mut sample: impl FnMut(&V) -> Result<f64>,
) -> Result<Vec<Vec<f64>>> {
    let mut out = vec![Vec::with_capacity(rounds); variants.len()];
    for r in 0..rounds {
        for k in 0..variants.len() {
            let i = (r + k) % variants.len();
            out[i].push(sample(&variants[i])?);
        }
    }
    Ok(out)
}

/// Median of the per-round ratios `samples[i] / base[i]`: each ratio
/// compares runs taken moments apart, so slow drifts of the machine cancel.
pub fn ratio(samples: &[f64], base: &[f64]) -> f64 {
    let r: Vec<f64> = samples.iter().zip(base).map(|(s, b)| s / b).collect();
    median(&r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_ratios() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert_eq!(ratio(&[2.0, 3.0, 10.0], &[1.0, 1.0, 1.0]), 3.0);
    }

    #[test]
    fn interleaving_rotates() {
        let mut order = Vec::new();
        let out = interleave(2, &['a', 'b', 'c'], |v| {
            order.push(*v);
            Ok(order.len() as f64)
        })
        .unwrap();
        assert_eq!(order, ['a', 'b', 'c', 'b', 'c', 'a']);
        assert_eq!(out[0], [1.0, 6.0]);
    }
}
