//! INCRBYFLOAT arithmetic, exactly as Redis 7.0 does it on x86-64.
//!
//! Redis parses both operands with `strtold` into an x87 80-bit `long
//! double` (64-bit significand), adds them in that precision and prints
//! the sum with `%.17Lf` minus trailing zeros. Doing the same in `f64`
//! would print `0.30000000000000004` for `0.1 + 0.2` where Redis prints
//! `0.3`, so this module emulates the format exactly in software:
//!
//! * [`parse`]: correctly rounded (to nearest, ties to even) conversion of
//!   decimal and hexadecimal text, with `strtold`'s grammar and Redis's
//!   extra rules (no leading space, whole string consumed, no NaN, no
//!   overflow, no underflow to zero);
//! * [`add`]: correctly rounded addition;
//! * [`format`]: exact decimal expansion rounded to 17 fraction digits
//!   (ties to even, as glibc's `printf`).
//!
//! Intermediate values use a small arbitrary-precision integer, bounded by
//! Redis's 5 KiB limit on the input length.

use std::cmp::Ordering;

/// Longest text Redis accepts as a long double (`MAX_LONG_DOUBLE_CHARS`).
const MAX_CHARS: usize = 5 * 1024;
/// Exponent (of the significand's last bit) of the smallest subnormal.
const MIN_EXP: i32 = -16445;
/// Largest exponent of the significand's last bit (`2^16320 * (2^64 - 1)`
/// is the largest finite value).
const MAX_EXP: i32 = 16320;

/// An 80-bit extended-precision value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ld {
    Zero {
        neg: bool,
    },
    /// `mant * 2^exp`; `mant >= 2^63` unless `exp == MIN_EXP` (subnormal).
    Finite {
        neg: bool,
        mant: u64,
        exp: i32,
    },
    Inf {
        neg: bool,
    },
}

impl Ld {
    /// The exact value of an integer (every `i64` fits in 64 bits).
    pub(crate) fn from_i64(n: i64) -> Ld {
        round_pack(n < 0, u128::from(n.unsigned_abs()), 0, false)
    }

    pub(crate) fn is_finite(self) -> bool {
        !matches!(self, Ld::Inf { .. })
    }

    /// The nearest `f64` (magnitudes beyond `f64`'s range become infinite
    /// or zero).
    pub(crate) fn to_f64(self) -> f64 {
        let (neg, magnitude) = match self {
            Ld::Zero { neg } => (neg, 0.0),
            Ld::Inf { neg } => (neg, f64::INFINITY),
            Ld::Finite { neg, mant, exp } => (neg, scale(mant as f64, exp)),
        };
        if neg {
            -magnitude
        } else {
            magnitude
        }
    }
}

/// `x * 2^exp` without overflowing the intermediate power of two.
fn scale(mut x: f64, mut exp: i32) -> f64 {
    while exp > 0 && x.is_finite() {
        let step = exp.min(1000);
        x *= 2f64.powi(step);
        exp -= step;
    }
    while exp < 0 && x != 0.0 {
        let step = exp.max(-1000);
        x *= 2f64.powi(step);
        exp -= step;
    }
    x
}

/// Rounds `(mant + s) * 2^exp` (where `0 < s < 1` if `sticky`) to the
/// format. Callers passing `sticky` give `mant` at least 66 bits.
fn round_pack(neg: bool, mant: u128, exp: i32, sticky: bool) -> Ld {
    if mant == 0 {
        return Ld::Zero { neg };
    }
    let len = 128 - mant.leading_zeros() as i32;
    let mut shift = len - 64;
    if exp.saturating_add(shift) < MIN_EXP {
        shift = MIN_EXP.saturating_sub(exp);
    }
    let (mut m, mut e) = if shift <= 0 {
        (mant << (-shift) as u32, exp + shift)
    } else {
        let shift = shift as u32;
        let e = exp.saturating_add(shift as i32);
        if shift > 128 {
            (0, e)
        } else {
            let (kept, rest, half) = if shift == 128 {
                (0, mant, 1u128 << 127)
            } else {
                (
                    mant >> shift,
                    mant & ((1u128 << shift) - 1),
                    1u128 << (shift - 1),
                )
            };
            let up = rest > half || (rest == half && (sticky || kept & 1 == 1));
            (kept + u128::from(up), e)
        }
    };
    if m >> 64 != 0 {
        m >>= 1;
        e += 1;
    }
    if m == 0 {
        Ld::Zero { neg }
    } else if e > MAX_EXP {
        Ld::Inf { neg }
    } else {
        Ld::Finite {
            neg,
            mant: m as u64,
            exp: e,
        }
    }
}

/// The correctly rounded sum. Infinities must be handled by the caller
/// (Redis refuses any non-finite result).
pub(crate) fn add(a: Ld, b: Ld) -> Ld {
    let (a, b) = match (a, b) {
        (Ld::Inf { .. }, _) => return a,
        (_, Ld::Inf { .. }) => return b,
        (Ld::Zero { neg: x }, Ld::Zero { neg: y }) => return Ld::Zero { neg: x && y },
        (Ld::Zero { .. }, other) | (other, Ld::Zero { .. }) => return other,
        (
            Ld::Finite {
                neg: na,
                mant: ma,
                exp: ea,
            },
            Ld::Finite {
                neg: nb,
                mant: mb,
                exp: eb,
            },
        ) => {
            if (ea, ma) >= (eb, mb) {
                ((na, ma, ea), (nb, mb, eb))
            } else {
                ((nb, mb, eb), (na, ma, ea))
            }
        }
    };
    let ((neg, ma, ea), (nb, mb, eb)) = (a, b);
    if neg != nb && ma == mb && ea == eb {
        return Ld::Zero { neg: false };
    }
    // 62 guard bits below the larger operand's last bit.
    let big = u128::from(ma) << 62;
    let d = (ea - eb) as u32;
    let (small, sticky) = if d >= 127 {
        (0, true)
    } else {
        let s = u128::from(mb) << 62;
        (s >> d, d > 0 && s & ((1u128 << d) - 1) != 0)
    };
    let mant = if neg == nb {
        big + small
    } else {
        big - small - u128::from(sticky)
    };
    round_pack(neg, mant, ea - 62, sticky)
}

/// Parses like Redis's `string2ld`; `None` when Redis says "not a valid
/// float".
pub(crate) fn parse(text: &[u8]) -> Option<Ld> {
    if text.is_empty() || text.len() >= MAX_CHARS || is_c_space(text[0]) {
        return None;
    }
    let (neg, rest) = match text[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if rest.eq_ignore_ascii_case(b"inf") || rest.eq_ignore_ascii_case(b"infinity") {
        return Some(Ld::Inf { neg });
    }
    let value = match rest {
        [b'0', b'x' | b'X', hex @ ..] => parse_hex(neg, hex)?,
        _ => parse_decimal(neg, rest)?,
    };
    // strtold reports overflow (HUGE_VALL) and underflow to zero with
    // ERANGE, which Redis refuses; an exact zero is fine.
    match value {
        Ld::Inf { .. } => None,
        _ => Some(value),
    }
}

fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Splits `digits [. digits]` off the front: (integer digits, fraction
/// digits, rest).
fn split_mantissa(s: &[u8], is_digit: fn(u8) -> bool) -> (&[u8], &[u8], &[u8]) {
    let int_len = s.iter().take_while(|b| is_digit(**b)).count();
    let (int, rest) = s.split_at(int_len);
    match rest.split_first() {
        Some((b'.', after)) => {
            let frac_len = after.iter().take_while(|b| is_digit(**b)).count();
            let (frac, rest) = after.split_at(frac_len);
            (int, frac, rest)
        }
        _ => (int, &[], rest),
    }
}

/// Parses `[+-]digits` filling the whole of `s`, saturating far beyond any
/// meaningful exponent.
fn parse_exponent(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.split_first() {
        Some((b'-', d)) => (true, d),
        Some((b'+', d)) => (false, d),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits
        .iter()
        .fold(0i64, |acc, d| (acc * 10 + i64::from(d - b'0')).min(1 << 40));
    Some(if neg { -value } else { value })
}

/// Decimal text: correctly rounded `D * 10^e`. An exponent marker not
/// followed by digits leaves text unparsed, so the whole is invalid.
fn parse_decimal(neg: bool, s: &[u8]) -> Option<Ld> {
    let (int, frac, rest) = split_mantissa(s, |b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let exp10 = match rest.split_first() {
        None => 0,
        Some((b'e' | b'E', e)) => parse_exponent(e)?,
        Some(_) => return None,
    };
    let digits: Vec<u8> = int.iter().chain(frac).copied().collect();
    let first = digits.iter().position(|d| *d != b'0');
    let Some(first) = first else {
        return Some(Ld::Zero { neg });
    };
    let last = digits.iter().rposition(|d| *d != b'0').unwrap_or(first);
    let significant = &digits[first..=last];
    // value = significant * 10^e10
    let e10 = exp10 - frac.len() as i64 + (digits.len() - 1 - last) as i64;
    let magnitude = significant.len() as i64 + e10; // value < 10^magnitude
    if magnitude > 4934 {
        return Some(Ld::Inf { neg });
    }
    if magnitude < -4952 {
        return None; // underflows to zero
    }
    let d = Big::from_digits(significant, 10);
    let value = if e10 >= 0 {
        let mut n = d;
        n.mul_pow10(e10 as u32);
        round_big(neg, &n, 0)
    } else {
        let mut m = Big::one();
        m.mul_pow10((-e10) as u32);
        let shift = (m.bits() + 66).saturating_sub(d.bits());
        let (q, inexact) = d.shl(shift).div_rem(&m);
        round_pack(neg, q, -(shift as i32), inexact)
    };
    match value {
        Ld::Zero { .. } => None,
        v => Some(v),
    }
}

/// Hexadecimal text after `0x`: `H * 2^p`.
fn parse_hex(neg: bool, s: &[u8]) -> Option<Ld> {
    let (int, frac, rest) = split_mantissa(s, |b| b.is_ascii_hexdigit());
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let exp2 = match rest.split_first() {
        None => 0,
        Some((b'p' | b'P', e)) => parse_exponent(e)?,
        Some(_) => return None,
    };
    let digits: Vec<u8> = int.iter().chain(frac).copied().collect();
    let h = Big::from_digits(&digits, 16);
    if h.is_zero() {
        return Some(Ld::Zero { neg });
    }
    let e2 = exp2 - 4 * frac.len() as i64;
    let top = h.bits() as i64 + e2; // value < 2^top
    if top > 16385 {
        return Some(Ld::Inf { neg });
    }
    if top < -16447 {
        return None;
    }
    match round_big(neg, &h, e2 as i32) {
        Ld::Zero { .. } => None,
        v => Some(v),
    }
}

/// Rounds `n * 2^exp` to the format.
fn round_big(neg: bool, n: &Big, exp: i32) -> Ld {
    let bits = n.bits();
    if bits <= 128 {
        return round_pack(neg, n.shr_u128(0), exp, false);
    }
    let drop = bits - 128;
    round_pack(
        neg,
        n.shr_u128(drop),
        exp.saturating_add(drop as i32),
        n.any_below(drop),
    )
}

/// `%.17Lf` without trailing zeros (nor a trailing point), and `-0` as
/// `0`, like Redis's human-friendly long double formatting.
pub(crate) fn format(v: Ld) -> String {
    let (neg, mant, exp) = match v {
        Ld::Zero { .. } => return "0".to_string(),
        Ld::Inf { neg } => return if neg { "-inf" } else { "inf" }.to_string(),
        Ld::Finite { neg, mant, exp } => (neg, mant, exp),
    };
    let (int, frac) = if exp >= 0 {
        let mut n = Big::from_u64(mant);
        n = n.shl(exp as u64);
        (n.to_decimal(), 0u64)
    } else {
        let f = (-exp) as u32;
        let int = if f < 64 { mant >> f } else { 0 };
        let frac_bits = if f < 64 {
            u128::from(mant & ((1u64 << f) - 1))
        } else {
            u128::from(mant)
        };
        // frac_bits / 2^f, scaled by 10^17 and rounded to nearest even.
        let scaled = frac_bits * 100_000_000_000_000_000u128;
        let (q, rest, half) = if f >= 128 {
            (0, scaled, None)
        } else {
            (
                scaled >> f,
                scaled & ((1u128 << f) - 1),
                Some(1u128 << (f - 1)),
            )
        };
        let up = match half {
            Some(h) => rest > h || (rest == h && q & 1 == 1),
            None => false,
        };
        let q = q + u128::from(up);
        if q == 100_000_000_000_000_000 {
            ((u128::from(int) + 1).to_string(), 0)
        } else {
            (int.to_string(), q as u64)
        }
    };
    let mut text = String::with_capacity(int.len() + 20);
    if neg {
        text.push('-');
    }
    text.push_str(&int);
    if frac != 0 {
        let digits = format!("{frac:017}");
        text.push('.');
        text.push_str(digits.trim_end_matches('0'));
    }
    if text == "-0" {
        text.remove(0);
    }
    text
}

/// A non-negative arbitrary-precision integer, little-endian 32-bit limbs
/// without high zero limbs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn one() -> Big {
        Big(vec![1])
    }

    fn from_u64(v: u64) -> Big {
        let mut b = Big(vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }

    fn from_digits(digits: &[u8], radix: u32) -> Big {
        let mut n = Big(Vec::new());
        for chunk in digits.chunks(7) {
            let mut value = 0u32;
            let mut scale = 1u32;
            for d in chunk {
                value = value * radix + char::from(*d).to_digit(radix).unwrap_or(0);
                scale *= radix;
            }
            n.mul_add_small(scale, value);
        }
        n
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// `self = self * m + a`
    fn mul_add_small(&mut self, m: u32, a: u32) {
        let mut carry = u64::from(a);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(m) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
        self.trim();
    }

    fn mul_pow10(&mut self, mut n: u32) {
        while n >= 9 {
            self.mul_add_small(1_000_000_000, 0);
            n -= 9;
        }
        self.mul_add_small(10u32.pow(n), 0);
    }

    fn bits(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(top) => 32 * (self.0.len() as u64 - 1) + u64::from(32 - top.leading_zeros()),
        }
    }

    fn shl(&self, n: u64) -> Big {
        let (limbs, bits) = ((n / 32) as usize, (n % 32) as u32);
        let mut out = vec![0u32; limbs];
        out.reserve(self.0.len() + 1);
        let mut carry = 0u32;
        for limb in &self.0 {
            if bits == 0 {
                out.push(*limb);
            } else {
                out.push(limb << bits | carry);
                carry = limb >> (32 - bits);
            }
        }
        out.push(carry);
        let mut b = Big(out);
        b.trim();
        b
    }

    /// Bit `n` and the 127 bits above it, as a `u128`.
    fn shr_u128(&self, n: u64) -> u128 {
        (0..128u64).fold(0u128, |acc, i| acc | u128::from(self.bit(n + i)) << i)
    }

    fn bit(&self, i: u64) -> bool {
        usize::try_from(i / 32)
            .ok()
            .and_then(|l| self.0.get(l))
            .is_some_and(|limb| limb >> (i % 32) & 1 == 1)
    }

    /// True if any bit below bit `n` is set.
    fn any_below(&self, n: u64) -> bool {
        let (full, part) = ((n / 32) as usize, (n % 32) as u32);
        self.0.iter().take(full).any(|l| *l != 0)
            || (part > 0
                && self
                    .0
                    .get(full)
                    .is_some_and(|l| l & ((1u32 << part) - 1) != 0))
    }

    fn cmp_big(&self, other: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    /// `self -= other` (`self >= other`).
    fn sub_assign(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let o = i64::from(other.0.get(i).copied().unwrap_or(0));
            let mut v = i64::from(*limb) - o - borrow;
            borrow = i64::from(v < 0);
            if v < 0 {
                v += 1 << 32;
            }
            *limb = v as u32;
        }
        self.trim();
    }

    /// `(self / m, self % m != 0)`; the quotient must fit in 128 bits.
    fn div_rem(mut self, m: &Big) -> (u128, bool) {
        let mut q = 0u128;
        let qbits = (self.bits() + 1).saturating_sub(m.bits()).min(128);
        for i in (0..qbits).rev() {
            let t = m.shl(i);
            if self.cmp_big(&t) != Ordering::Less {
                self.sub_assign(&t);
                q |= 1u128 << i;
            }
        }
        (q, !self.is_zero())
    }

    fn to_decimal(&self) -> String {
        if self.is_zero() {
            return "0".to_string();
        }
        let mut n = self.clone();
        let mut chunks = Vec::new();
        while !n.is_zero() {
            let mut rem = 0u64;
            for limb in n.0.iter_mut().rev() {
                let v = rem << 32 | u64::from(*limb);
                *limb = (v / 1_000_000_000) as u32;
                rem = v % 1_000_000_000;
            }
            n.trim();
            chunks.push(rem as u32);
        }
        let mut text = chunks.pop().map(|c| c.to_string()).unwrap_or_default();
        for c in chunks.iter().rev() {
            text.push_str(&format!("{c:09}"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(a: &str, b: &str) -> String {
        let x = parse(a.as_bytes()).expect(a);
        let y = parse(b.as_bytes()).expect(b);
        format(add(x, y))
    }

    /// Results printed by glibc (`strtold`, `+`, `printf("%.17Lf")`) on
    /// x86-64, with trailing zeros removed.
    #[test]
    fn matches_glibc_long_double() {
        let cases = [
            ("0.1", "0.2", "0.3"),
            ("10.50", "0.1", "10.6"),
            ("9999999999.5625", "0.375", "9999999999.9375"),
            ("3.17", "1.5", "4.67"),
            ("0x1p3", "0x.8", "8.5"),
            ("-0.00000000000000000001", "0", "0"),
            (
                "123456789.123456789",
                "-0.000000001",
                "123456789.12345678800193127",
            ),
            ("0.3", "-0.1", "0.2"),
            ("1.1", "2.2", "3.3"),
            ("5.0e3", "2.0e2", "5200"),
            ("-5", "0.1", "-4.9"),
            ("18446744073709551615", "1", "18446744073709551616"),
            ("0.00000000000000000500000000000000000001", "0", "0"),
            ("4.4", "-4.4", "0"),
            ("1e-4940", "0", "0"),
            ("0.000003814697265625", "0", "0.00000381469726562"),
            ("0.000011444091796875", "0", "0.00001144409179688"),
            ("9999999999.5625", "0.0015", "9999999999.56400000024586916"),
        ];
        for (a, b, expected) in cases {
            assert_eq!(sum(a, b), expected, "{a} + {b}");
        }
        assert_eq!(
            sum("1e308", "1e308"),
            "199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096"
        );
        let max = sum("1.18973149535723176502e+4932", "0");
        assert_eq!(max.len(), 4933);
        assert!(max.starts_with("1189731495357231765021263853030970205169063322294624200440323733891737005522970722616410290336528882853545697807495577314427443153670288434198125573853743678673593200706973263201915918282961524365529510646791086614311790632169778838896134786560600399148753433211454911160088679845154866512852340149773037600009125479393966223151383622417838542743917838138717805889487540575168226347659235576974805113725649020884855222494791399377585026011773549180099796226026859508558883608159846900235645132346594476384939859276456284579661772930407806609229102715046085388087959327781622986827547830768080040150694942303411728957777100335714010559775242124057347007386251660110828379119623008469277200965153500208474470792443848545912886723000619085126472111951361467527633519562927597957250278002980795904193139603021470997035276467445530922022679656280991498232083329641241038509239184734786121921697210543484287048353408113042573002216421348917347174234800714880751002064390517234247656004721768096486107994943415703476320643558624207443504424380566136017608837478165389027809576975977286860071487028287955567141404632615832623602762896316173978484254486860609948270867968048078702511858930838546584223040908805996294594586201903766048446790926002225410530775901065760671347200125846406957030257138960983757998926954553052368560758683179223113639519468850880771872104705203957587480013143131444254943919940175753169339392366881856189129931729104252921236835159922322050998001677102784035360140829296398115122877768135706045789343535451696539561254048846447169786893211671087229088082778350518228857646062218739702851655083720992349483334435228984751232753726636066213902281264706234075352071724058665079518217303463782631353393706774901950197841690441824738063162828586857741432581165364040218402724913393320949219498422442730427019873044536620350262386957804682003601447291997123095530057206141866974852846856186514832715974481203121946751686379343096189615107330065552421485195201762858595091051839472502863871632494167613804996319791441870254302706758495192008837915169401581740046711477877201459644461175204059453504764721807975761111720846273639279600339670470037613374509553184150073796412605047923251661354841291884211340823015473304754067072818763503617332908005951896325207071673904547777129682265206225651439919376804400292380903112437912614776255964694221981375146967079446870358004392507659451618379811859392049544036114915310782251072691486979809240946772142727012404377187409216756613634938900451232351668146089322400697993176017805338191849981933008410985993938760292601390911414526003720284872132411955424282101831204216104467404621635336900583664606591156298764745525068145003932941404131495400677602951005962253022823003631473824681059648442441324864573137437595096416168048024129351876204668135636877532814675538798871771836512893947195335061885003267607354388673368002074387849657014576090349857571243045102038730494854256702479339322809110526041538528994849203991091946129912491633289917998094380337879522093131466946149705939664152375949285890960489916121944989986384837022486672249148924678410206183364627416969576307632480235587975245253737035433882960862753427740016333434055083537048507374544819754722228975281083020898682633020285259923084168054539687911418297629988964576482765287504562854924265165217750799516259669229114977788962356670956627138482018191348321687995863652637620978285070099337294396784639879024914514222742527006363942327998483976739987154418554201562244154926653014515504685489258620276085761837129763358761215382565129633538141663949516556000264159186554850057052611431952919918807954522394649627635630178580896692226406235382898535867595990647008385687123810329591926494846250768992258419305480763620215089022149220528069842018350840586938493815498909445461977893029113576516775406232278298314033473276603952231603422824717528181818844304880921321933550869873395861276073670866652375555675803171490108477320096424318780070008797346032906278943553743564448851907191616455141155761939399690767415156402826543664026760095087523945507341556135867933066031744720924446513532366647649735400851967040771103640538150073486891798364049570606189535005089840913826869535090066783324472578712196604415284924840041850932811908963634175739897166596000759487800619164094854338758520657116541072260996288150123144377944008749301944744330784388995701842710004808305012177123560622895076269042856800047718893158089358515593863176652948089031267747029662545110861548958395087796755464137944895960527975209874813839762578592105756284401759349324162148339565350189196811389091843795734703269406342890087805846940352453479398080674273236297887100867175802531561302356064878709259865288416350972529537091114317204887747405539054009425375424119317944175137064689643861517718849867010341532542385911089624710885385808688837777258648564145934262121086647588489260031762345960769508849149662444156604419552086811989770240"));
        assert!(!add(
            parse(b"1.18973149535723176502e+4932").unwrap(),
            parse(b"1e4932").unwrap()
        )
        .is_finite());
    }

    #[test]
    fn redis_parsing_rules() {
        for bad in [
            "",
            " 1",
            "1 ",
            "\t1",
            "abc",
            "nan",
            "NaN",
            "-nan",
            "nan(1)",
            "1e",
            "1e+",
            "e5",
            ".",
            "0x",
            "0xg",
            "0x1p",
            "1.18973149535723176508e+4932",
            "1e5000",
            "-1e5000",
            "1e-5000",
            "0x1p-16500",
            "1\u{0}",
        ] {
            assert_eq!(parse(bad.as_bytes()), None, "{bad:?}");
        }
        for good in [
            "0",
            "-0",
            "+1",
            ".5",
            "5.",
            "1e3",
            "1E-3",
            "inf",
            "-Infinity",
            "0x1P-2",
            "0X.8p1",
            "0e999999999999",
        ] {
            assert!(parse(good.as_bytes()).is_some(), "{good:?}");
        }
        assert_eq!(parse(&[b'1'; MAX_CHARS]), None);
        let mut long = b"0.".to_vec();
        long.resize(MAX_CHARS - 1, b'3');
        assert_eq!(format(parse(&long).unwrap()), "0.33333333333333333");
        assert_eq!(format(parse(b"0x1p-16445").unwrap()), "0");
        assert_eq!(format(Ld::from_i64(i64::MIN)), "-9223372036854775808");
    }
}
