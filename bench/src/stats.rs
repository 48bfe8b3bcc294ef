//! Summaries of repeated measurements: min, median, max.

use serde::Serialize;
use std::fmt;

/// Min, median and max of a set of measurements, with how many there were.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Smallest value.
    pub min: f64,
    /// Median (the mean of the two middle values for an even count).
    pub median: f64,
    /// Largest value.
    pub max: f64,
    /// Number of measurements.
    pub count: usize,
}

impl Summary {
    /// Summarises `values`; `None` when there are none (or any is NaN).
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() || values.iter().any(|value| value.is_nan()) {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let middle = sorted.len() / 2;
        let median = if sorted.len().is_multiple_of(2) {
            f64::midpoint(sorted[middle - 1], sorted[middle])
        } else {
            sorted[middle]
        };
        Some(Self {
            min: sorted[0],
            median,
            max: sorted[sorted.len() - 1],
            count: sorted.len(),
        })
    }

    /// A single measurement.
    pub fn single(value: f64) -> Self {
        Self {
            min: value,
            median: value,
            max: value,
            count: 1,
        }
    }

    /// Each value multiplied by `factor` (unit conversions).
    #[must_use]
    pub fn scaled(self, factor: f64) -> Self {
        Self {
            min: self.min * factor,
            median: self.median * factor,
            max: self.max * factor,
            count: self.count,
        }
    }
}

/// Formats a figure with a precision that suits its size.
pub fn figure(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1000.0 {
        format!("{value:.0}")
    } else if magnitude >= 100.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.count == 1 {
            write!(formatter, "{}", figure(self.median))
        } else {
            write!(
                formatter,
                "{} / {} / {} (n={})",
                figure(self.min),
                figure(self.median),
                figure(self.max),
                self.count
            )
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn odd_and_even_counts() {
        let odd = Summary::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!(
            (odd.min, odd.median, odd.max, odd.count),
            (1.0, 2.0, 3.0, 3)
        );
        let even = Summary::of(&[4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(even.median, 2.5);
        assert!(Summary::of(&[]).is_none());
        assert!(Summary::of(&[1.0, f64::NAN]).is_none());
    }

    #[test]
    fn display_uses_min_median_max() {
        assert_eq!(
            Summary::of(&[1.5, 2.0, 250.0]).unwrap().to_string(),
            "1.50 / 2.00 / 250.0 (n=3)"
        );
        assert_eq!(Summary::single(123_456.0).to_string(), "123456");
        assert_eq!(Summary::single(0.25).scaled(2.0).to_string(), "0.500");
    }
}
