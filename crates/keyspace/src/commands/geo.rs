//! Geospatial commands (GEO*), with Redis 7.0's replies and errors.
//!
//! A geo index is a sorted set whose scores are 52-bit geohashes (see
//! `hash`), so every sorted-set command works on it and GEOADD is ZADD with
//! encoded positions. This file holds the table, GEOADD, GEOPOS, GEODIST,
//! GEOHASH and the shared parsing and formatting; the submodules:
//!
//! * `hash`: the geohash encoding, the distance and the cells a search
//!   visits;
//! * `search`: GEOSEARCH, GEOSEARCHSTORE, GEORADIUS, GEORADIUSBYMEMBER and
//!   their `_RO` forms.

#[cfg(test)]
mod diff_tests;
mod hash;
mod search;
#[cfg(test)]
mod tests;

use bytes::Bytes;
use resp::Reply;

use super::zset::parse::strict_float;
use crate::table::{CommandSpec as C, Flags as F, Group as G, Handler as H};
use crate::types::SortedSet;
use crate::{args, CmdError, CmdResult, Ctx, Keyspace};

use search::{
    georadius, georadius_keys, georadius_ro, georadiusbymember, georadiusbymember_keys,
    georadiusbymember_ro, geosearch, geosearchstore,
};

const R: &[F] = &[F::READONLY];
const WD: &[F] = &[F::WRITE, F::DENYOOM];

const SEARCH_CX: &str = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape";
const RADIUS_CX: &str = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.";

pub(crate) const COMMANDS: &[C] = &[
    C::new("geoadd", -5, G::Geo, H::Write(geoadd))
        .flags(WD)
        .keys(1, 1, 1)
        .doc("Add one or more geospatial items in the geospatial index represented using a sorted set", "3.2.0", "O(log(N)) for each item added, where N is the number of elements in the sorted set."),
    C::new("geopos", -2, G::Geo, H::Read(geopos))
        .flags(R)
        .keys(1, 1, 1)
        .doc("Returns longitude and latitude of members of a geospatial index", "3.2.0", "O(N) where N is the number of members requested."),
    C::new("geodist", -4, G::Geo, H::Read(geodist))
        .flags(R)
        .keys(1, 1, 1)
        .doc("Returns the distance between two members of a geospatial index", "3.2.0", "O(log(N))"),
    C::new("geohash", -2, G::Geo, H::Read(geohash))
        .flags(R)
        .keys(1, 1, 1)
        .doc("Returns members of a geospatial index as standard geohash strings", "3.2.0", "O(log(N)) for each member requested, where N is the number of elements in the sorted set."),
    C::new("geosearch", -7, G::Geo, H::Read(geosearch))
        .flags(R)
        .keys(1, 1, 1)
        .doc("Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", "6.2.0", SEARCH_CX),
    C::new("geosearchstore", -8, G::Geo, H::Write(geosearchstore))
        .flags(WD)
        .keys(1, 2, 1)
        .doc("Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.", "6.2.0", SEARCH_CX),
    C::new("georadius", -6, G::Geo, H::Write(georadius))
        .flags(WD)
        .keys(1, 1, 1)
        .movable(georadius_keys)
        .doc("Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point", "3.2.0", RADIUS_CX),
    C::new("georadius_ro", -6, G::Geo, H::Read(georadius_ro))
        .flags(R)
        .keys(1, 1, 1)
        .doc("A read-only variant for GEORADIUS", "3.2.10", RADIUS_CX),
    C::new("georadiusbymember", -5, G::Geo, H::Write(georadiusbymember))
        .flags(WD)
        .keys(1, 1, 1)
        .movable(georadiusbymember_keys)
        .doc("Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member", "3.2.0", "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index."),
    C::new("georadiusbymember_ro", -5, G::Geo, H::Read(georadiusbymember_ro))
        .flags(R)
        .keys(1, 1, 1)
        .doc("A read-only variant for GEORADIUSBYMEMBER", "3.2.10", "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index."),
];

// ---------------------------------------------------------------------------
// Parsing and formatting shared by the family.

/// The geo index under `key` for reading (`None` if absent).
fn read<'a>(ks: &'a Keyspace, ctx: &Ctx, key: &[u8]) -> Result<Option<&'a SortedSet>, CmdError> {
    ks.db(ctx.db).read::<SortedSet>(key, ctx.now_ms)
}

/// A float argument (Redis's `getDoubleFromObject`), with Redis's generic
/// error or the command's own.
fn float(arg: &[u8], error: Option<&str>) -> Result<f64, CmdError> {
    strict_float(arg).ok_or_else(|| error.map_or(CmdError::NotFloat, CmdError::err))
}

/// `longitude latitude` arguments, validated like Redis.
fn lon_lat(lon: &[u8], lat: &[u8]) -> Result<(f64, f64), CmdError> {
    let (lon, lat) = (float(lon, None)?, float(lat, None)?);
    if !hash::valid(lon, lat) {
        return Err(CmdError::err(format!(
            "invalid longitude,latitude pair {},{}",
            c_fixed(lon, 6),
            c_fixed(lat, 6)
        )));
    }
    Ok((lon, lat))
}

/// Metres per unit (`m`, `km`, `ft`, `mi`, any case).
fn unit(arg: &[u8]) -> Result<f64, CmdError> {
    let units: [(&str, f64); 4] = [("m", 1.0), ("km", 1000.0), ("ft", 0.3048), ("mi", 1609.34)];
    units
        .iter()
        .find(|(name, _)| args::is(arg, name))
        .map(|(_, m)| *m)
        .ok_or_else(|| CmdError::err("unsupported unit provided. please use M, KM, FT, MI"))
}

/// C's `printf("%.<prec>f", d)` (glibc's texts for infinities and NaN).
fn c_fixed(d: f64, prec: usize) -> String {
    if d.is_nan() {
        return if d.is_sign_negative() { "-nan" } else { "nan" }.to_string();
    }
    if d.is_infinite() {
        return if d < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    format!("{d:.prec$}")
}

/// A distance as Redis replies with it: a bulk string with 4 decimals.
fn reply_distance(out: &mut Reply, distance: f64) {
    out.bulk(c_fixed(distance, 4).as_bytes());
}

/// A coordinate as Redis replies with it (`addReplyHumanLongDouble`):
/// 17 decimals without trailing zeros, a bulk string in RESP2 and a
/// double in RESP3.
fn reply_coordinate(out: &mut Reply, d: f64) {
    let mut text = c_fixed(d, 17);
    if text.contains('.') {
        let trimmed = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(trimmed);
    }
    if text == "-0" {
        text = "0".to_string();
    }
    if out.is_resp3() {
        out.raw(format!(",{text}\r\n").as_bytes());
    } else {
        out.bulk(text.as_bytes());
    }
}

/// `[longitude, latitude]` of a score.
fn reply_position(out: &mut Reply, score: f64) {
    let (lon, lat) = hash::position(score);
    out.array(2);
    reply_coordinate(out, lon);
    reply_coordinate(out, lat);
}

// ---------------------------------------------------------------------------
// GEOADD, GEOPOS, GEODIST, GEOHASH

/// GEOADD key [NX|XX] [CH] lon lat member ...: validates the positions and
/// runs ZADD with their scores.
fn geoadd(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let mut at = 2;
    let (mut nx, mut xx) = (false, false);
    while let Some(opt) = args.get(at) {
        if args::is(opt, "nx") {
            nx = true;
        } else if args::is(opt, "xx") {
            xx = true;
        } else if !args::is(opt, "ch") {
            break;
        }
        at += 1;
    }
    let triples = &args[at..];
    if !triples.len().is_multiple_of(3) || (nx && xx) {
        return Err(CmdError::Syntax);
    }
    let mut zadd = Vec::with_capacity(at + triples.len() / 3 * 2);
    zadd.push(Bytes::from_static(b"zadd"));
    zadd.extend_from_slice(&args[1..at]);
    for t in triples.chunks_exact(3) {
        let (lon, lat) = lon_lat(&t[0], &t[1])?;
        let score = hash::score(lon, lat);
        zadd.push(Bytes::from(score.to_string()));
        zadd.push(t[2].clone());
    }
    super::zset::zadd(ks, ctx, &zadd, out)
}

fn geopos(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let z = read(ks, ctx, &args[1])?;
    out.array(args.len() - 2);
    for member in &args[2..] {
        match z.and_then(|z| z.score(member)) {
            Some(score) => reply_position(out, score),
            None => out.null_array(),
        }
    }
    Ok(())
}

fn geodist(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let to_meters = match args.len() {
        4 => 1.0,
        5 => unit(&args[4])?,
        _ => return Err(CmdError::Syntax),
    };
    let scores =
        read(ks, ctx, &args[1])?.and_then(|z| Some((z.score(&args[2])?, z.score(&args[3])?)));
    match scores {
        Some((a, b)) => {
            let (lon1, lat1) = hash::position(a);
            let (lon2, lat2) = hash::position(b);
            reply_distance(out, hash::distance(lon1, lat1, lon2, lat2) / to_meters);
        }
        None => out.null(),
    }
    Ok(())
}

fn geohash(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let z = read(ks, ctx, &args[1])?;
    out.array(args.len() - 2);
    for member in &args[2..] {
        match z.and_then(|z| z.score(member)) {
            Some(score) => out.bulk(&hash::geohash_string(score)),
            None => out.null(),
        }
    }
    Ok(())
}
