//! MCS labels of the namespace allocator: `s0:cX,cY`, the label of number `n` being the
//! `n`-th 2-subset of categories `c0..c1023` in co-lexicographic order (OpenShift's
//! cluster-policy-controller `pkg/security/mcs`, spec §3.2 step 6).

use std::fmt;

/// Categories available to the allocator (`c0` .. `c1023`).
pub const MAX_CATEGORY: u32 = 1024;

/// Number of distinct 2-category labels: C(1024, 2).
pub const LABEL_COUNT: u64 = (MAX_CATEGORY as u64) * (MAX_CATEGORY as u64 - 1) / 2;

/// An MCS level with two categories, the higher one first (`s0:c26,c15`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct McsLabel {
    /// The higher category.
    pub high: u32,
    /// The lower category.
    pub low: u32,
}

fn choose2(c: u64) -> u64 {
    c * c.saturating_sub(1) / 2
}

impl McsLabel {
    /// The label of number `n` (co-lexicographic unranking), or `None` past the label space.
    pub fn unrank(n: u64) -> Option<McsLabel> {
        if n >= LABEL_COUNT {
            return None;
        }
        // Largest c1 with C(c1, 2) <= n: start from the real root of c(c-1)/2 = n and correct
        // the floating-point estimate by at most a step either way.
        let mut c1 = ((1.0 + (1.0 + 8.0 * n as f64).sqrt()) / 2.0) as u64;
        while choose2(c1) > n {
            c1 -= 1;
        }
        while choose2(c1 + 1) <= n {
            c1 += 1;
        }
        // C(c2, 1) = c2 is the rest: always < c1, since C(c1+1,2) - C(c1,2) = c1.
        let c2 = n - choose2(c1);
        Some(McsLabel {
            high: c1 as u32,
            low: c2 as u32,
        })
    }

    /// The label's number: the inverse of [`McsLabel::unrank`].
    pub fn rank(self) -> u64 {
        choose2(u64::from(self.high)) + u64::from(self.low)
    }

    /// Parses `s0:cX,cY` (categories in either order, as SELinux compares them as a set).
    pub fn parse(s: &str) -> Option<McsLabel> {
        let cats = s.strip_prefix("s0:")?;
        let (a, b) = cats.split_once(',')?;
        let num = |c: &str| c.strip_prefix('c')?.parse::<u32>().ok();
        let (a, b) = (num(a)?, num(b)?);
        if a == b || a >= MAX_CATEGORY || b >= MAX_CATEGORY {
            return None;
        }
        Some(McsLabel {
            high: a.max(b),
            low: a.min(b),
        })
    }
}

impl fmt::Display for McsLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s0:c{},c{}", self.high, self.low)
    }
}
