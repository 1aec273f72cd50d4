//! GEOSEARCH, GEOSEARCHSTORE, GEORADIUS, GEORADIUSBYMEMBER and the `_RO`
//! forms: one parser and one search (Redis's `georadiusGeneric`), so every
//! variant has the same option rules, errors and result order.
//!
//! The search scans the score ranges of the centre cell and its 8
//! neighbours in Redis's order ([`hash::Search::cells`]), keeps the members
//! inside the shape in that discovery order, and sorts by distance only
//! when asked (ASC/DESC, or COUNT without ANY, which implies ASC). The sort
//! is stable, so members at equal distances keep their discovery order as
//! with Redis's `qsort`.

use bytes::Bytes;
use resp::Reply;

use super::hash::{self, Search, Shape};
use super::{float, lon_lat, read, reply_coordinate, reply_distance, unit};
use crate::commands::zset::range::store_result;
use crate::types::{ScoreRange, SortedSet};
use crate::{args, Blob, CmdError, CmdResult, Ctx, Keyspace};

/// Which command is parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// GEORADIUS (`store`: STORE/STOREDIST allowed, i.e. not `_RO`).
    Radius {
        store: bool,
    },
    /// GEORADIUSBYMEMBER.
    ByMember {
        store: bool,
    },
    Search,
    SearchStore,
}

impl Variant {
    fn source(self) -> usize {
        if self == Variant::SearchStore {
            2
        } else {
            1
        }
    }

    fn is_search(self) -> bool {
        matches!(self, Variant::Search | Variant::SearchStore)
    }

    fn accepts_store(self) -> bool {
        matches!(
            self,
            Variant::Radius { store: true } | Variant::ByMember { store: true }
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Asc,
    Desc,
}

/// One member found.
struct Point {
    member: Blob,
    score: f64,
    /// In metres, then in the request's unit once the result is final.
    dist: f64,
    lon: f64,
    lat: f64,
}

/// A parsed and executed query.
struct Answer {
    points: Vec<Point>,
    withdist: bool,
    withhash: bool,
    withcoord: bool,
    /// Destination key and whether it stores distances.
    store: Option<(Bytes, bool)>,
}

pub(in crate::commands) fn geosearch(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    query(ks, ctx, args, Variant::Search)?.reply(out);
    Ok(())
}

pub(in crate::commands) fn geosearchstore(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    let answer = query(ks, ctx, args, Variant::SearchStore)?;
    answer.finish(ks, ctx, out);
    Ok(())
}

pub(in crate::commands) fn georadius(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    let answer = query(ks, ctx, args, Variant::Radius { store: true })?;
    answer.finish(ks, ctx, out);
    Ok(())
}

pub(in crate::commands) fn georadius_ro(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    query(ks, ctx, args, Variant::Radius { store: false })?.reply(out);
    Ok(())
}

pub(in crate::commands) fn georadiusbymember(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    let answer = query(ks, ctx, args, Variant::ByMember { store: true })?;
    answer.finish(ks, ctx, out);
    Ok(())
}

pub(in crate::commands) fn georadiusbymember_ro(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    query(ks, ctx, args, Variant::ByMember { store: false })?.reply(out);
    Ok(())
}

/// Key positions of GEORADIUS: the source, then the key after the first
/// `STORE` and after the first `STOREDIST` from the options on (Redis's
/// key specifications, as COMMAND GETKEYS reports them).
pub(in crate::commands) fn georadius_keys(args: &[Bytes]) -> Result<Vec<usize>, CmdError> {
    Ok(keyword_keys(args, 6))
}

/// Key positions of GEORADIUSBYMEMBER (options start one earlier).
pub(in crate::commands) fn georadiusbymember_keys(args: &[Bytes]) -> Result<Vec<usize>, CmdError> {
    Ok(keyword_keys(args, 5))
}

fn keyword_keys(args: &[Bytes], from: usize) -> Vec<usize> {
    let mut keys = vec![1];
    let end = args.len().saturating_sub(1);
    for keyword in ["store", "storedist"] {
        if let Some(i) = (from..end).find(|&i| args::is(&args[i], keyword)) {
            keys.push(i + 1);
        }
    }
    keys
}

/// `radius unit`.
fn radius(value: &[u8], unit_arg: &[u8]) -> Result<(Shape, f64), CmdError> {
    let r = float(value, Some("need numeric radius"))?;
    if r < 0.0 {
        return Err(CmdError::err("radius cannot be negative"));
    }
    Ok((Shape::Radius(r), unit(unit_arg)?))
}

/// `width height unit`.
fn rectangle(w: &[u8], h: &[u8], unit_arg: &[u8]) -> Result<(Shape, f64), CmdError> {
    let width = float(w, Some("need numeric width"))?;
    let height = float(h, Some("need numeric height"))?;
    if height < 0.0 || width < 0.0 {
        return Err(CmdError::err("height or width cannot be negative"));
    }
    Ok((Shape::Box { width, height }, unit(unit_arg)?))
}

/// The position of a member, used as a search centre.
fn member_position(z: &SortedSet, member: &[u8]) -> Result<(f64, f64), CmdError> {
    z.score(member)
        .map(hash::position)
        .ok_or_else(|| CmdError::err("could not decode requested zset member"))
}

/// Parses the command like Redis (same checks in the same order, so the
/// same error wins) and runs the search.
fn query(ks: &Keyspace, ctx: &Ctx, args: &[Bytes], variant: Variant) -> Result<Answer, CmdError> {
    let z = read(ks, ctx, &args[variant.source()])?;
    let mut center = None;
    let mut shape = None;
    let mut store = None;
    let base = match variant {
        Variant::Radius { .. } => {
            center = Some(lon_lat(&args[2], &args[3])?);
            shape = Some(radius(&args[4], &args[5])?);
            6
        }
        Variant::ByMember { .. } => {
            if let Some(z) = z {
                center = Some(member_position(z, &args[2])?);
                shape = Some(radius(&args[3], &args[4])?);
            }
            5
        }
        Variant::Search => 2,
        Variant::SearchStore => {
            store = Some((args[1].clone(), false));
            3
        }
    };
    let (mut withdist, mut withhash, mut withcoord, mut any) = (false, false, false, false);
    let (mut from_member, mut from_lonlat, mut by_radius, mut by_box) =
        (false, false, false, false);
    let mut order = None;
    let mut count: i64 = 0;
    let opts = &args[base..];
    let mut i = 0;
    while i < opts.len() {
        let arg = &opts[i];
        let left = opts.len() - i - 1;
        let search = variant.is_search();
        if args::is(arg, "withdist") {
            withdist = true;
        } else if args::is(arg, "withhash") {
            withhash = true;
        } else if args::is(arg, "withcoord") {
            withcoord = true;
        } else if args::is(arg, "any") {
            any = true;
        } else if args::is(arg, "asc") {
            order = Some(Order::Asc);
        } else if args::is(arg, "desc") {
            order = Some(Order::Desc);
        } else if args::is(arg, "count") && left >= 1 {
            count = args::int(&opts[i + 1])?;
            if count <= 0 {
                return Err(CmdError::err("COUNT must be > 0"));
            }
            i += 1;
        } else if (args::is(arg, "store") || args::is(arg, "storedist"))
            && left >= 1
            && variant.accepts_store()
        {
            store = Some((opts[i + 1].clone(), args::is(arg, "storedist")));
            i += 1;
        } else if args::is(arg, "storedist") && variant == Variant::SearchStore {
            store = store.map(|(key, _)| (key, true));
        } else if args::is(arg, "frommember") && left >= 1 && search && !from_lonlat {
            if let Some(z) = z {
                center = Some(member_position(z, &opts[i + 1])?);
            }
            from_member = true;
            i += 1;
        } else if args::is(arg, "fromlonlat") && left >= 2 && search && !from_member {
            center = Some(lon_lat(&opts[i + 1], &opts[i + 2])?);
            from_lonlat = true;
            i += 2;
        } else if args::is(arg, "byradius") && left >= 2 && search && !by_box {
            shape = Some(radius(&opts[i + 1], &opts[i + 2])?);
            by_radius = true;
            i += 2;
        } else if args::is(arg, "bybox") && left >= 3 && search && !by_radius {
            shape = Some(rectangle(&opts[i + 1], &opts[i + 2], &opts[i + 3])?);
            by_box = true;
            i += 3;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    let name = || String::from_utf8_lossy(&args[0]).into_owned();
    if store.is_some() && (withdist || withhash || withcoord) {
        return Err(CmdError::err(if variant == Variant::SearchStore {
            "GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        } else {
            "STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        }));
    }
    if variant.is_search() && !(from_member || from_lonlat) {
        return Err(CmdError::err(format!(
            "exactly one of FROMMEMBER or FROMLONLAT can be specified for {}",
            name()
        )));
    }
    if variant.is_search() && !(by_radius || by_box) {
        return Err(CmdError::err(format!(
            "exactly one of BYRADIUS and BYBOX can be specified for {}",
            name()
        )));
    }
    if any && count == 0 {
        return Err(CmdError::err("the ANY argument requires COUNT argument"));
    }
    let mut answer = Answer {
        points: Vec::new(),
        withdist,
        withhash,
        withcoord,
        store,
    };
    // With the source present, every path above has set the centre and
    // the shape (or failed); a missing source answers an empty result.
    let (Some(z), Some((lon, lat)), Some((shape, to_meters))) = (z, center, shape) else {
        return Ok(answer);
    };
    let search = Search {
        lon,
        lat,
        shape,
        to_meters,
    };
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let mut points = members_inside(z, &search, if any { count } else { 0 });
    if count != 0 && !any && order.is_none() {
        order = Some(Order::Asc);
    }
    match order {
        Some(Order::Asc) => points.sort_by(|a, b| a.dist.total_cmp(&b.dist)),
        Some(Order::Desc) => points.sort_by(|a, b| b.dist.total_cmp(&a.dist)),
        None => {}
    }
    if count != 0 {
        points.truncate(count);
    }
    for p in &mut points {
        p.dist /= to_meters;
    }
    answer.points = points;
    Ok(answer)
}

/// The members inside the search, in discovery order; stops after `limit`
/// members if `limit > 0` (ANY).
fn members_inside(z: &SortedSet, search: &Search, limit: usize) -> Vec<Point> {
    let cells = search.cells();
    let mut points = Vec::new();
    let mut last = 0;
    for (i, cell) in cells.iter().enumerate() {
        let Some(cell) = cell else { continue };
        // Huge radii make adjacent neighbours identical: scan each once.
        if last != 0 && cells[last] == Some(*cell) {
            continue;
        }
        if limit != 0 && points.len() >= limit {
            break;
        }
        let (min, max) = hash::score_range(*cell);
        let range = ScoreRange {
            min,
            max,
            min_exclusive: false,
            max_exclusive: true,
        };
        let span = z.score_span(&range);
        for (member, score) in z.iter_from(span.start, false).take(span.len()) {
            let (lon, lat) = hash::position(score);
            if let Some(dist) = search.distance_if_inside(lon, lat) {
                points.push(Point {
                    member: Blob::from_slice(member),
                    score,
                    dist,
                    lon,
                    lat,
                });
            }
            if limit != 0 && points.len() >= limit {
                break;
            }
        }
        last = i;
    }
    points
}

impl Answer {
    /// The reply of a query without STORE: members, each with the
    /// requested distance, hash and coordinates.
    fn reply(&self, out: &mut Reply) {
        let extras =
            usize::from(self.withdist) + usize::from(self.withhash) + usize::from(self.withcoord);
        out.array(self.points.len());
        for p in &self.points {
            if extras > 0 {
                out.array(extras + 1);
            }
            out.bulk(&p.member);
            if self.withdist {
                reply_distance(out, p.dist);
            }
            if self.withhash {
                out.int(p.score as i64);
            }
            if self.withcoord {
                out.array(2);
                reply_coordinate(out, p.lon);
                reply_coordinate(out, p.lat);
            }
        }
    }

    /// Stores the result (geohash scores, or distances with STOREDIST)
    /// and replies with its size, or replies like [`Answer::reply`].
    /// Members found are distinct: neighbour cells never overlap once
    /// repeated ones are skipped.
    fn finish(self, ks: &mut Keyspace, ctx: &mut Ctx, out: &mut Reply) {
        let Some((dst, storedist)) = &self.store else {
            self.reply(out);
            return;
        };
        let items = self
            .points
            .iter()
            .map(|p| (p.member.clone(), if *storedist { p.dist } else { p.score }))
            .collect();
        store_result(ks, ctx, dst, items, out);
    }
}
