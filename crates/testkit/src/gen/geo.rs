//! Random geo commands over two indexes (`geo0`, `geo1`) of points around
//! a few centres (so searches find something), with edge coordinates,
//! invalid ones, every option of the search commands and the STORE forms;
//! the shared key pool adds type errors and sorted sets whose scores are
//! not geohashes.

use rand::Rng;

use super::Gen;

/// Centres points cluster around: Sicily, the antimeridian, near a pole,
/// the origin.
const CENTRES: [(f64, f64); 4] = [(13.5, 37.8), (179.9, -16.0), (20.0, 84.5), (0.0, 0.0)];

fn index(g: &mut Gen) -> Vec<u8> {
    if g.chance(0.1) {
        return g.key();
    }
    g.pick(&["geo0", "geo1"]).as_bytes().to_vec()
}

fn member(g: &mut Gen) -> Vec<u8> {
    format!("p{}", g.rng.random_range(0..16)).into_bytes()
}

/// Longitude and latitude text: mostly near a centre, sometimes on the
/// limits or outside them.
fn lon_lat(g: &mut Gen) -> [Vec<u8>; 2] {
    let (lon, lat) = match g.rng.random_range(0..80) {
        0 => return [b"180".to_vec(), b"85.05112878".to_vec()],
        1 => return [b"-180".to_vec(), b"-85.05112878".to_vec()],
        2 => return [b"200".to_vec(), b"10".to_vec()],
        3 => return [b"10".to_vec(), b"-86".to_vec()],
        4 => return [b"x".to_vec(), b"1".to_vec()],
        _ => {
            let (clon, clat) = CENTRES[g.rng.random_range(0..CENTRES.len())];
            let lon = (clon + g.rng.random_range(-1.5..1.5f64)).clamp(-180.0, 180.0);
            let lat = (clat + g.rng.random_range(-1.5..1.5f64)).clamp(-85.0, 85.0);
            (lon, lat)
        }
    };
    [
        format!("{lon:.6}").into_bytes(),
        format!("{lat:.6}").into_bytes(),
    ]
}

fn unit(g: &mut Gen) -> Vec<u8> {
    if g.chance(0.03) {
        return b"parsec".to_vec();
    }
    g.pick(&["m", "km", "KM", "mi", "ft"]).as_bytes().to_vec()
}

/// A distance in the unit most likely to be used with it.
fn amount(g: &mut Gen) -> Vec<u8> {
    match g.rng.random_range(0..40) {
        0 => b"0".to_vec(),
        1 => b"-1".to_vec(),
        2 => b"x".to_vec(),
        3 | 4 => b"20000".to_vec(),
        _ => g.rng.random_range(1..300).to_string().into_bytes(),
    }
}

/// The search options after the centre and shape.
fn options(g: &mut Gen, c: &mut Vec<Vec<u8>>, with: bool) {
    if with {
        for opt in ["WITHDIST", "WITHHASH", "WITHCOORD"] {
            if g.chance(0.3) {
                c.push(opt.as_bytes().to_vec());
            }
        }
    }
    if g.chance(0.4) {
        c.push(g.pick(&["ASC", "DESC"]).as_bytes().to_vec());
    }
    if g.chance(0.4) {
        c.push(b"COUNT".to_vec());
        let lowest = if g.chance(0.1) { 0 } else { 1 };
        c.push(g.int(lowest, 6));
        if g.chance(0.4) {
            c.push(b"ANY".to_vec());
        }
    } else if g.chance(0.03) {
        c.push(b"ANY".to_vec());
    }
}

fn search(g: &mut Gen) -> Vec<Vec<u8>> {
    let store = g.chance(0.3);
    let mut c = if store {
        vec![b"GEOSEARCHSTORE".to_vec(), b"dst".to_vec(), index(g)]
    } else {
        vec![b"GEOSEARCH".to_vec(), index(g)]
    };
    if g.chance(0.5) {
        c.push(b"FROMMEMBER".to_vec());
        c.push(member(g));
    } else {
        c.push(b"FROMLONLAT".to_vec());
        c.extend(lon_lat(g));
    }
    if g.chance(0.5) {
        c.push(b"BYRADIUS".to_vec());
        c.push(amount(g));
    } else {
        c.push(b"BYBOX".to_vec());
        c.push(amount(g));
        c.push(amount(g));
    }
    c.push(unit(g));
    let with = !store || g.chance(0.05);
    options(g, &mut c, with);
    if store && g.chance(0.4) {
        c.push(b"STOREDIST".to_vec());
    }
    c
}

fn radius(g: &mut Gen) -> Vec<Vec<u8>> {
    let by_member = g.chance(0.5);
    let ro = g.chance(0.3);
    let name = match (by_member, ro) {
        (false, false) => "GEORADIUS",
        (false, true) => "GEORADIUS_RO",
        (true, false) => "GEORADIUSBYMEMBER",
        (true, true) => "GEORADIUSBYMEMBER_RO",
    };
    let mut c = vec![name.as_bytes().to_vec(), index(g)];
    if by_member {
        c.push(member(g));
    } else {
        c.extend(lon_lat(g));
    }
    c.push(amount(g));
    c.push(unit(g));
    let store = !ro && g.chance(0.3);
    let with = !store || g.chance(0.05);
    options(g, &mut c, with);
    if store {
        c.push(g.pick(&["STORE", "STOREDIST"]).as_bytes().to_vec());
        c.push(b"dst".to_vec());
    }
    c
}

/// One random command of the family.
pub fn command(g: &mut Gen) -> Vec<Vec<u8>> {
    match g.rng.random_range(0..20) {
        0..=4 => {
            let mut c = vec![b"GEOADD".to_vec(), index(g)];
            for opt in ["NX", "XX", "CH"] {
                if g.chance(0.1) {
                    c.push(opt.as_bytes().to_vec());
                }
            }
            for _ in 0..g.rng.random_range(1..6) {
                c.extend(lon_lat(g));
                c.push(member(g));
            }
            c
        }
        5 => {
            let mut c = vec![b"GEOPOS".to_vec(), index(g)];
            for _ in 0..g.rng.random_range(0..4) {
                c.push(member(g));
            }
            c
        }
        6 => {
            let mut c = vec![b"GEODIST".to_vec(), index(g), member(g), member(g)];
            if g.chance(0.6) {
                c.push(unit(g));
            }
            c
        }
        7 => {
            let mut c = vec![b"GEOHASH".to_vec(), index(g)];
            for _ in 0..g.rng.random_range(0..4) {
                c.push(member(g));
            }
            c
        }
        8 => vec![b"ZREM".to_vec(), index(g), member(g)],
        9 => vec![
            b"ZRANGE".to_vec(),
            b"dst".to_vec(),
            b"0".to_vec(),
            b"-1".to_vec(),
            b"WITHSCORES".to_vec(),
        ],
        10..=14 => search(g),
        _ => radius(g),
    }
}
