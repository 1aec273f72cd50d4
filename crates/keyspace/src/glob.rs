//! Redis glob-style pattern matching (KEYS, SCAN MATCH, PSUBSCRIBE, ...).

/// Matches `text` against a Redis glob `pattern`: `*` any sequence, `?` any
/// byte, `[abc]`, `[^abc]`, `[a-z]` classes, `\x` a literal `x`.
///
/// Runs in O(len(pattern) × len(text)) whatever the pattern: on a mismatch
/// it only ever backtracks to the most recent `*`.
pub fn matches(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() {
            if pattern[p] == b'*' {
                while p < pattern.len() && pattern[p] == b'*' {
                    p += 1;
                }
                if p == pattern.len() {
                    return true;
                }
                star = Some((p, t));
                continue;
            }
            if let Some(next_p) = match_one(pattern, p, text[t], nocase) {
                p = next_p;
                t += 1;
                continue;
            }
        }
        match star {
            Some((sp, st)) => {
                p = sp;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Matches one text byte against the token at `pattern[p]`; returns the
/// position after the token on success.
fn match_one(pattern: &[u8], p: usize, c: u8, nocase: bool) -> Option<usize> {
    let eq = |a: u8, b: u8| {
        if nocase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    match pattern[p] {
        b'?' => Some(p + 1),
        b'[' => match_class(pattern, p + 1, c, nocase),
        b'\\' if p + 1 < pattern.len() => eq(pattern[p + 1], c).then_some(p + 2),
        lit => eq(lit, c).then_some(p + 1),
    }
}

/// Matches a `[...]` class starting after the `[`; an unterminated class
/// extends to the end of the pattern, as in Redis.
fn match_class(pattern: &[u8], mut p: usize, c: u8, nocase: bool) -> Option<usize> {
    let fold = |b: u8| if nocase { b.to_ascii_lowercase() } else { b };
    let c = fold(c);
    let negate = pattern.get(p) == Some(&b'^');
    if negate {
        p += 1;
    }
    let mut matched = false;
    while p < pattern.len() && pattern[p] != b']' {
        if pattern[p] == b'\\' && p + 1 < pattern.len() {
            matched |= fold(pattern[p + 1]) == c;
            p += 2;
        } else if p + 2 < pattern.len() && pattern[p + 1] == b'-' && pattern[p + 2] != b']' {
            let (mut lo, mut hi) = (fold(pattern[p]), fold(pattern[p + 2]));
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
            matched |= (lo..=hi).contains(&c);
            p += 3;
        } else {
            matched |= fold(pattern[p]) == c;
            p += 1;
        }
    }
    let end = if p < pattern.len() { p + 1 } else { p };
    (matched != negate).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn redis_glob_cases() {
        let yes: &[(&str, &str)] = &[
            ("*", ""),
            ("*", "anything"),
            ("h?llo", "hello"),
            ("h*llo", "heeeello"),
            ("h[ae]llo", "hallo"),
            ("h[^e]llo", "hallo"),
            ("h[a-b]llo", "hbllo"),
            ("h[b-a]llo", "hallo"),
            ("foo\\*", "foo*"),
            ("*a*b*c", "xxaxxbxxc"),
            ("user:[0-9]*", "user:42"),
        ];
        for (p, t) in yes {
            assert!(
                matches(p.as_bytes(), t.as_bytes(), false),
                "{p} should match {t}"
            );
        }
        let no: &[(&str, &str)] = &[
            ("h?llo", "hllo"),
            ("h[^e]llo", "hello"),
            ("h[a-b]llo", "hcllo"),
            ("foo\\*", "foox"),
            ("a", "ab"),
            ("", "a"),
        ];
        for (p, t) in no {
            assert!(
                !matches(p.as_bytes(), t.as_bytes(), false),
                "{p} should not match {t}"
            );
        }
        assert!(matches(b"HELLO", b"hello", true));
    }

    #[test]
    fn pathological_patterns_are_fast() {
        let pattern = "a*".repeat(50) + "b";
        let text = "a".repeat(5000);
        assert!(!matches(pattern.as_bytes(), text.as_bytes(), false));
    }
}
