//! SORT and SORT_RO, with Redis 7.0's replies, order and errors.
//!
//! Elements of a list, set or sorted set are sorted as numbers (parsed
//! like C's `strtod`; a value that is not a number fails the whole command
//! with "One or more scores can't be converted into double") or, with
//! ALPHA, as byte strings. `BY pattern` sorts by other keys' values (the
//! first `*` is replaced by the element; `key->field` reads a hash field;
//! a missing value counts as 0, or sorts first with ALPHA), and a pattern
//! without `*` (`nosort`) keeps the collection's own order. `GET pattern`
//! replies with other keys' values instead of the elements (`#` is the
//! element itself). `STORE` saves the result as a list.
//!
//! Order, like Redis: numeric ties are broken by comparing the elements as
//! byte strings, so the result is fully determined; ALPHA ties (equal or
//! missing BY values) keep the input order (Redis's `qsort` is glibc's
//! stable merge sort). Without STORE, ALPHA compares like `strcoll` in the
//! C locale (bytes up to the first NUL); with STORE it compares whole byte
//! strings. `BY nosort` on a set with STORE, or inside a script, sorts
//! ALPHA anyway, so that the stored result or the script's effects do not
//! depend on hash order.
//!
//! SORT is a write (Redis flags it so because of STORE) and runs through
//! the log even without STORE; SORT_RO is the read-only form.

use std::cmp::Ordering;

use bytes::Bytes;
use resp::Reply;

use super::zset::parse::strtod;
use crate::table::{CommandSpec as C, Flags as F, Group as G, Handler as H};
use crate::types::{List, SortedSet};
use crate::{args, Blob, CmdError, CmdResult, Ctx, Db, Keyspace, Value};

const CATEGORIES: &[&str] = &["set", "sortedset", "list", "dangerous"];
const SORT_CX: &str = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).";

pub(crate) const COMMANDS: &[C] = &[
    C::new("sort", -2, G::Generic, H::Write(sort))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, 1, 1)
        .movable(sort_keys)
        .categories(CATEGORIES)
        .doc(
            "Sort the elements in a list, set or sorted set",
            "1.0.0",
            SORT_CX,
        ),
    C::new("sort_ro", -2, G::Generic, H::Read(sort_ro))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .movable(sort_ro_keys)
        .categories(CATEGORIES)
        .doc(
            "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
            "7.0.0",
            SORT_CX,
        ),
];

/// Key positions of SORT: the sorted key and the key after the last
/// `STORE`, skipping the arguments of LIMIT, GET and BY (Redis's
/// `sortGetKeys`). Keys named by BY/GET patterns are not reported.
fn sort_keys(args: &[Bytes]) -> Result<Vec<usize>, CmdError> {
    let mut store = None;
    let mut i = 2;
    while i < args.len() {
        let arg = &args[i];
        if args::is(arg, "limit") {
            i += 2;
        } else if args::is(arg, "get") || args::is(arg, "by") {
            i += 1;
        } else if args::is(arg, "store") && i + 1 < args.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    Ok(std::iter::once(1).chain(store).collect())
}

/// Key positions of SORT_RO: the sorted key only.
fn sort_ro_keys(_args: &[Bytes]) -> Result<Vec<usize>, CmdError> {
    Ok(vec![1])
}

/// The parsed options.
struct Options<'a> {
    desc: bool,
    alpha: bool,
    limit_start: i64,
    limit_count: i64,
    store: Option<&'a [u8]>,
    by: Option<&'a [u8]>,
    /// A BY pattern without `*` was given: keep the collection's order.
    dontsort: bool,
    gets: Vec<&'a [u8]>,
}

/// The bytes of a C string: up to the first NUL.
fn c_str(bytes: &[u8]) -> &[u8] {
    bytes
        .iter()
        .position(|b| *b == 0)
        .map_or(bytes, |nul| &bytes[..nul])
}

fn parse(args: &[Bytes], readonly: bool) -> Result<Options<'_>, CmdError> {
    let mut o = Options {
        desc: false,
        alpha: false,
        limit_start: 0,
        limit_count: -1,
        store: None,
        by: None,
        dontsort: false,
        gets: Vec::new(),
    };
    let mut j = 2;
    while j < args.len() {
        let arg = &args[j];
        let left = args.len() - j - 1;
        if args::is(arg, "asc") {
            o.desc = false;
        } else if args::is(arg, "desc") {
            o.desc = true;
        } else if args::is(arg, "alpha") {
            o.alpha = true;
        } else if args::is(arg, "limit") && left >= 2 {
            o.limit_start = args::int(&args[j + 1])?;
            o.limit_count = args::int(&args[j + 2])?;
            j += 2;
        } else if !readonly && args::is(arg, "store") && left >= 1 {
            o.store = Some(&args[j + 1]);
            j += 1;
        } else if args::is(arg, "by") && left >= 1 {
            let pattern = &args[j + 1];
            if !c_str(pattern).contains(&b'*') {
                o.dontsort = true;
            }
            o.by = Some(pattern);
            j += 1;
        } else if args::is(arg, "get") && left >= 1 {
            o.gets.push(&args[j + 1]);
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

/// The value a pattern names for `element` (Redis's
/// `lookupKeyByPattern`): `#` is the element; otherwise the first `*` is
/// replaced by the element, and `->field` (after the `*`) reads a hash
/// field instead of a string. `None` when the key is missing or of another
/// type, the field is missing, or the pattern has no `*`.
fn lookup(db: &Db, now_ms: u64, pattern: &[u8], element: &[u8]) -> Option<Blob> {
    if c_str(pattern) == b"#" {
        return Some(Blob::from_slice(element));
    }
    let text = c_str(pattern);
    let star = text.iter().position(|b| *b == b'*')?;
    let arrow = text[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|p| star + 1 + p)
        .filter(|&p| p + 2 < text.len());
    let key_end = arrow.unwrap_or(pattern.len());
    let mut key = Vec::with_capacity(key_end + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(&pattern[star + 1..key_end]);
    match (db.get(&key, now_ms)?, arrow) {
        (Value::Hash(h), Some(p)) => h.get(&pattern[p + 2..]).map(Blob::from_slice),
        (Value::Int(n), None) => Some(Blob::from_slice(itoa::Buffer::new().format(*n).as_bytes())),
        (Value::Str(s), None) => Some(s.clone()),
        _ => None,
    }
}

/// A numeric sort value like Redis: `strtod` over the C string must
/// consume everything, without a range error (glibc also reports inexact
/// underflow to a subnormal) and not NaN.
fn sort_score(value: &[u8]) -> Option<f64> {
    let text = c_str(value);
    let (score, used, erange) = strtod(text);
    let hex = text
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != b'+' && *b != b'-')
        .is_some_and(|p| text[p] == b'0' && text.get(p + 1).is_some_and(|x| x | 0x20 == b'x'));
    let underflow = score.is_subnormal() && !hex;
    (used == text.len() && !erange && !underflow && !score.is_nan()).then_some(score)
}

/// One element and what it sorts by.
struct Item {
    element: Blob,
    score: f64,
    /// The BY value for ALPHA sorts by pattern (`None`: missing).
    by: Option<Blob>,
}

/// The collection to sort, checked for its type.
enum Source<'a> {
    Missing,
    List(&'a List),
    Set(&'a crate::types::Set),
    Zset(&'a SortedSet),
}

impl<'a> Source<'a> {
    fn of(db: &'a Db, key: &[u8], now_ms: u64) -> Result<Source<'a>, CmdError> {
        match db.get(key, now_ms) {
            None => Ok(Source::Missing),
            Some(Value::List(l)) => Ok(Source::List(l)),
            Some(Value::Set(s)) => Ok(Source::Set(s)),
            Some(Value::SortedSet(z)) => Ok(Source::Zset(z)),
            Some(_) => Err(CmdError::WrongType),
        }
    }

    fn len(&self) -> usize {
        match self {
            Source::Missing => 0,
            Source::List(l) => l.len(),
            Source::Set(s) => s.len(),
            Source::Zset(z) => z.len(),
        }
    }

    /// Every element in the collection's order.
    fn all(&self) -> Vec<Blob> {
        match self {
            Source::Missing => Vec::new(),
            Source::List(l) => l.iter().map(Blob::from_slice).collect(),
            Source::Set(s) => s.iter().map(|m| m.to_blob()).collect(),
            Source::Zset(z) => z.iter().map(|(m, _)| Blob::from_slice(m)).collect(),
        }
    }

    /// `count` elements from position `start`, counted from the end when
    /// `desc` (lists and sorted sets only).
    fn range(&self, start: usize, count: usize, desc: bool) -> Vec<Blob> {
        let len = self.len();
        match self {
            Source::List(l) if desc => l
                .range(len - start - count, len - start)
                .rev()
                .map(Blob::from_slice)
                .collect(),
            Source::List(l) => l
                .range(start, start + count)
                .map(Blob::from_slice)
                .collect(),
            Source::Zset(z) => {
                let first = if desc { len - 1 - start } else { start };
                z.iter_from(first, desc)
                    .take(count)
                    .map(|(m, _)| Blob::from_slice(m))
                    .collect()
            }
            Source::Set(_) | Source::Missing => Vec::new(),
        }
    }
}

/// The result rows: the elements, or each GET's value (`None`: missing).
fn rows(
    ks: &Keyspace,
    ctx: &Ctx,
    args: &[Bytes],
    o: &Options,
) -> Result<Vec<Option<Blob>>, CmdError> {
    let db = ks.db(ctx.db);
    let source = Source::of(db, &args[1], ctx.now_ms)?;
    let (mut alpha, mut by, mut dontsort) = (o.alpha, o.by, o.dontsort);
    if dontsort && matches!(source, Source::Set(_)) && (o.store.is_some() || ctx.in_script) {
        (dontsort, alpha, by) = (false, true, None);
    }
    let n = source.len() as i64;
    let mut start = o.limit_start.clamp(0, n);
    let count = o.limit_count.clamp(-1, n);
    let mut end = if count < 0 { n - 1 } else { start + count - 1 };
    if start >= n {
        start = n - 1;
        end = n - 2;
    }
    end = end.min(n - 1);
    let elements = match source {
        Source::List(_) | Source::Zset(_) if dontsort => {
            let picked = if end >= start {
                source.range(start as usize, (end - start + 1) as usize, o.desc)
            } else {
                Vec::new()
            };
            end -= start;
            start = 0;
            picked
        }
        _ => source.all(),
    };
    let mut items: Vec<Item> = elements
        .into_iter()
        .map(|element| Item {
            element,
            score: 0.0,
            by: None,
        })
        .collect();
    if !dontsort {
        for item in &mut items {
            let value = match by {
                Some(pattern) => lookup(db, ctx.now_ms, pattern, &item.element),
                None => Some(item.element.clone()),
            };
            let Some(value) = value else { continue };
            if !alpha {
                item.score = sort_score(&value).ok_or_else(|| {
                    CmdError::err("One or more scores can't be converted into double")
                })?;
            } else if by.is_some() {
                item.by = Some(value);
            }
        }
        let whole = o.store.is_some();
        items.sort_by(|a, b| {
            let cmp = compare(a, b, alpha, by.is_some(), whole);
            if o.desc {
                cmp.reverse()
            } else {
                cmp
            }
        });
    }
    let picked = if end >= start {
        &items[start as usize..=end as usize]
    } else {
        &[]
    };
    let mut out = Vec::with_capacity(picked.len() * o.gets.len().max(1));
    for item in picked {
        if o.gets.is_empty() {
            out.push(Some(item.element.clone()));
        }
        for pattern in &o.gets {
            out.push(lookup(db, ctx.now_ms, pattern, &item.element));
        }
    }
    Ok(out)
}

/// Redis's `sortCompare` (ascending).
fn compare(a: &Item, b: &Item, alpha: bool, by_pattern: bool, whole_strings: bool) -> Ordering {
    let strings = |x: &[u8], y: &[u8]| {
        if whole_strings {
            x.cmp(y)
        } else {
            c_str(x).cmp(c_str(y))
        }
    };
    if !alpha {
        return a
            .score
            .partial_cmp(&b.score)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.element.cmp(&b.element));
    }
    if !by_pattern {
        return strings(&a.element, &b.element);
    }
    match (&a.by, &b.by) {
        (Some(x), Some(y)) => strings(x, y),
        (x, y) => x.is_some().cmp(&y.is_some()),
    }
}

fn sort(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let o = parse(args, false)?;
    // Like Redis, SORT leaves the sorted sets it reads in the skiplist
    // encoding (after the type check, whatever the outcome).
    let db = ks.db_mut(ctx.db);
    Source::of(db, &args[1], ctx.now_ms)?;
    if let Ok(Some(z)) = db.write::<SortedSet>(&args[1], ctx.now_ms) {
        z.convert_to_skiplist();
    }
    let result = rows(ks, ctx, args, &o)?;
    let Some(dst) = o.store else {
        reply_rows(out, &result);
        return Ok(());
    };
    let db = ks.db_mut(ctx.db);
    let len = result.len();
    if len == 0 {
        if db.remove(dst, ctx.now_ms).is_some() {
            ctx.modified(ctx.db, dst);
        }
    } else {
        let items = result.iter().map(|r| r.as_deref().unwrap_or_default());
        db.insert(dst, Value::List(Box::new(List::from_items(items))));
        ctx.modified(ctx.db, dst);
        ctx.ready(ctx.db, dst);
    }
    out.int(len as i64);
    Ok(())
}

fn sort_ro(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let o = parse(args, true)?;
    reply_rows(out, &rows(ks, ctx, args, &o)?);
    Ok(())
}

fn reply_rows(out: &mut Reply, rows: &[Option<Blob>]) {
    out.array(rows.len());
    for row in rows {
        out.bulk_or_null(row.as_deref());
    }
}

#[cfg(test)]
mod diff_tests;
#[cfg(test)]
mod tests;
