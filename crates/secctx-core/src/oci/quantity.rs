//! Kubernetes resource quantities (`500m`, `0.5`, `128974848`, `129M`, `123Mi`, `1e3`) as the
//! kubelet reads them: `Quantity.Value()` (whole units) and `Quantity.MilliValue()`
//! (thousandths), both rounded up, away from zero, as apimachinery's `resource.Quantity` does.
//!
//! Grammar (apimachinery `quantity.go`): a signed decimal number, then a suffix: none, a
//! decimal SI prefix (`m`, `k`, `M`, `G`, `T`, `P`, `E`), a binary SI prefix (`Ki` .. `Ei`), or a
//! decimal exponent (`e3`, `E-2`; `E` alone is exa).

/// An exact quantity: `num / den`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quantity {
    num: i128,
    den: i128,
}

impl Quantity {
    /// Parses `s`; `None` when it is not a quantity or does not fit.
    pub fn parse(s: &str) -> Option<Quantity> {
        let s = s.trim();
        let (negative, s) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let (number, suffix) = s.split_at(split);
        let (int, frac) = number.split_once('.').unwrap_or((number, ""));
        if (int.is_empty() && frac.is_empty()) || frac.contains('.') {
            return None;
        }
        let digits = format!("{int}{frac}");
        let mut num: i128 = digits.parse().ok()?;
        let mut den: i128 = 10i128.checked_pow(u32::try_from(frac.len()).ok()?)?;
        let (mul, div): (i128, i128) = match suffix {
            "" => (1, 1),
            "m" => (1, 1000),
            "k" => (1_000, 1),
            "M" => (1_000_000, 1),
            "G" => (1_000_000_000, 1),
            "T" => (1_000_000_000_000, 1),
            "P" => (1_000_000_000_000_000, 1),
            "E" => (1_000_000_000_000_000_000, 1),
            "Ki" => (1 << 10, 1),
            "Mi" => (1 << 20, 1),
            "Gi" => (1 << 30, 1),
            "Ti" => (1 << 40, 1),
            "Pi" => (1 << 50, 1),
            "Ei" => (1 << 60, 1),
            _ => {
                let exp = suffix.strip_prefix(['e', 'E'])?;
                let e: i32 = exp.parse().ok()?;
                if !exp
                    .trim_start_matches(['+', '-'])
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                {
                    return None;
                }
                let p = 10i128.checked_pow(e.unsigned_abs())?;
                if e >= 0 { (p, 1) } else { (1, p) }
            }
        };
        num = num.checked_mul(mul)?;
        den = den.checked_mul(div)?;
        if negative {
            num = -num;
        }
        Some(Quantity { num, den })
    }

    /// `Value()`: whole units, rounded up (away from zero); `None` past `i64`.
    pub fn value(&self) -> Option<i64> {
        i64::try_from(div_up(self.num, self.den)).ok()
    }

    /// `MilliValue()`: thousandths, rounded up (away from zero); `None` past `i64`.
    pub fn milli_value(&self) -> Option<i64> {
        i64::try_from(div_up(self.num.checked_mul(1000)?, self.den)).ok()
    }

    /// Whether the quantity is zero.
    pub fn is_zero(&self) -> bool {
        self.num == 0
    }
}

fn div_up(n: i128, d: i128) -> i128 {
    let q = n / d;
    if n % d == 0 {
        q
    } else if n > 0 {
        q + 1
    } else {
        q - 1
    }
}

#[cfg(test)]
mod tests {
    use super::Quantity;

    fn v(s: &str) -> (i64, i64) {
        let q = Quantity::parse(s).unwrap();
        (q.value().unwrap(), q.milli_value().unwrap())
    }

    #[test]
    fn memory_forms_are_bytes() {
        // The examples of the Kubernetes "Resource Management for Pods and Containers" page:
        // all about 129 MB.
        assert_eq!(v("128974848").0, 128_974_848);
        assert_eq!(v("129e6").0, 129_000_000);
        assert_eq!(v("129M").0, 129_000_000);
        assert_eq!(v("128974848000m").0, 128_974_848);
        assert_eq!(v("123Mi").0, 128_974_848);
        assert_eq!(v("1Gi").0, 1 << 30);
        assert_eq!(v("1e3").0, 1000);
        let exa = Quantity::parse("1E").unwrap();
        assert_eq!(exa.value(), Some(1_000_000_000_000_000_000));
        // 10^21 thousandths do not fit an i64.
        assert_eq!(exa.milli_value(), None);
        assert_eq!(v("1.5Ki").0, 1536);
    }

    #[test]
    fn cpu_forms_are_millicores() {
        assert_eq!(v("1m").1, 1);
        assert_eq!(v("0.5").1, 500);
        assert_eq!(v("500m").1, 500);
        assert_eq!(v("2").1, 2000);
        assert_eq!(v("1e-3").1, 1);
        // Rounded up as MilliValue does.
        assert_eq!(v("0.0001").1, 1);
        assert_eq!(v("100m").0, 1);
    }

    #[test]
    fn not_quantities() {
        for s in ["", "m", "1x", "1.2.3", "1e", "1Mb", "--1", "1e3.5"] {
            assert_eq!(Quantity::parse(s), None, "{s:?}");
        }
    }
}
