//! Redis's geohash: 52-bit interleaved cell numbers stored as sorted-set
//! scores, the haversine distance, and the cells a radius or box search
//! visits.
//!
//! A position is encoded at 26 steps: longitude (-180..180) and latitude
//! (-85.05112878..85.05112878, the Web Mercator limits) are each scaled to
//! a 26-bit cell index, and the two indexes are interleaved bit by bit,
//! latitude in the even bits and longitude in the odd bits. Decoding takes
//! the centre of the cell. To ensure replies identical to Redis's, every
//! formula here follows Redis 7.0's arithmetic operation by operation
//! (same operands, same order, same `libm` functions), including its edge
//! cases: a coordinate exactly on the upper limit scales to `2^26` and sets
//! a bit above the 52, and a score that is not a geohash decodes to
//! whatever its bits say, clamped to the limits.

/// Steps (bits per coordinate) of a stored position.
pub(super) const STEP_MAX: u8 = 26;
pub(super) const LON_MIN: f64 = -180.0;
pub(super) const LON_MAX: f64 = 180.0;
pub(super) const LAT_MIN: f64 = -85.05112878;
pub(super) const LAT_MAX: f64 = 85.05112878;
/// Redis's earth radius in metres.
const EARTH_RADIUS: f64 = 6372797.560856;
/// Half the Mercator projection's width in metres.
const MERCATOR_MAX: f64 = 20037726.37;
const D_R: f64 = std::f64::consts::PI / 180.0;

/// A coordinate interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Span {
    pub min: f64,
    pub max: f64,
}

/// The longitude and latitude intervals of a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Area {
    pub lon: Span,
    pub lat: Span,
}

/// A cell: interleaved bits at `step` bits per coordinate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cell {
    pub bits: u64,
    pub step: u8,
}

const LON_SPAN: Span = Span {
    min: LON_MIN,
    max: LON_MAX,
};
const LAT_SPAN: Span = Span {
    min: LAT_MIN,
    max: LAT_MAX,
};
/// The latitude interval of standard geohash strings.
const LAT_SPAN_STANDARD: Span = Span {
    min: -90.0,
    max: 90.0,
};

fn deg_rad(deg: f64) -> f64 {
    deg * D_R
}

fn rad_deg(rad: f64) -> f64 {
    rad / D_R
}

/// Spreads the 32 bits of `x` to the even bits of the result.
fn spread(x: u32) -> u64 {
    let mut x = u64::from(x);
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    (x | (x << 1)) & 0x5555_5555_5555_5555
}

/// The inverse of [`spread`]: the even bits of `x`, packed.
fn squash(x: u64) -> u32 {
    let mut x = x & 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
    ((x | (x >> 16)) & 0x0000_0000_FFFF_FFFF) as u32
}

/// True if `(lon, lat)` is inside the indexable area (Redis's range check).
pub(super) fn valid(lon: f64, lat: f64) -> bool {
    (LON_MIN..=LON_MAX).contains(&lon) && (LAT_MIN..=LAT_MAX).contains(&lat)
}

/// The cell of `(lon, lat)` at `step` within the given intervals, or
/// `None` outside them.
fn encode_in(lon: f64, lat: f64, step: u8, lon_span: Span, lat_span: Span) -> Option<Cell> {
    if !valid(lon, lat)
        || !(lat_span.min..=lat_span.max).contains(&lat)
        || !(lon_span.min..=lon_span.max).contains(&lon)
    {
        return None;
    }
    let scale = (1u64 << step) as f64;
    let lat_offset = (lat - lat_span.min) / (lat_span.max - lat_span.min) * scale;
    let lon_offset = (lon - lon_span.min) / (lon_span.max - lon_span.min) * scale;
    Some(Cell {
        bits: spread(lat_offset as u32) | (spread(lon_offset as u32) << 1),
        step,
    })
}

/// The cell of `(lon, lat)` at `step` (a position already validated).
fn encode(lon: f64, lat: f64, step: u8) -> Cell {
    encode_in(lon, lat, step, LON_SPAN, LAT_SPAN).unwrap_or(Cell { bits: 0, step })
}

/// The area covered by `cell`.
pub(super) fn decode(cell: Cell) -> Area {
    let scale = (1u64 << cell.step) as f64;
    let lat_index = squash(cell.bits);
    let lon_index = squash(cell.bits >> 1);
    let side = |span: Span, index: u32| Span {
        min: span.min + (f64::from(index) / scale) * (span.max - span.min),
        max: span.min + (f64::from(index.wrapping_add(1)) / scale) * (span.max - span.min),
    };
    Area {
        lon: side(LON_SPAN, lon_index),
        lat: side(LAT_SPAN, lat_index),
    }
}

/// The score Redis stores for a valid position (an integer below 2^54).
pub(super) fn score(lon: f64, lat: f64) -> u64 {
    encode(lon, lat, STEP_MAX).bits
}

/// C's `(uint64_t)d` as compiled for x86-64, the reference server's
/// platform: values from 2^63 up are converted after subtracting 2^63,
/// and anything `cvttsd2si` cannot represent becomes `0x8000...`.
fn c_double_to_u64(d: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    let cvtt = |x: f64| {
        if (-TWO63..TWO63).contains(&x) {
            x as i64
        } else {
            i64::MIN
        }
    };
    if d < TWO63 {
        cvtt(d) as u64
    } else {
        (cvtt(d - TWO63) as u64) ^ (1 << 63)
    }
}

/// The position (longitude, latitude) a score stands for: the centre of
/// its cell, clamped to the indexable area.
pub(super) fn position(score: f64) -> (f64, f64) {
    let area = decode(Cell {
        bits: c_double_to_u64(score),
        step: STEP_MAX,
    });
    let lon = ((area.lon.min + area.lon.max) / 2.0).clamp(LON_MIN, LON_MAX);
    let lat = ((area.lat.min + area.lat.max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    (lon, lat)
}

/// The 11-character standard geohash of a score (GEOHASH): the position
/// re-encoded with latitudes -90..90; the 11th character is always `0`.
pub(super) fn geohash_string(score: f64) -> [u8; 11] {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let (lon, lat) = position(score);
    let bits = encode_in(lon, lat, STEP_MAX, LON_SPAN, LAT_SPAN_STANDARD).map_or(0, |c| c.bits);
    let mut out = [b'0'; 11];
    for (i, c) in out.iter_mut().take(10).enumerate() {
        *c = ALPHABET[((bits >> (52 - (i + 1) * 5)) & 0x1f) as usize];
    }
    out
}

/// Distance in metres between two latitudes on the same meridian.
fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// Haversine distance in metres (Redis's `geohashGetDistance`).
pub(super) fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let v = ((deg_rad(lon2) - deg_rad(lon1)) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let lat1r = deg_rad(lat1);
    let lat2r = deg_rad(lat2);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS * a.sqrt().asin()
}

/// The area of a search, in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Shape {
    Radius(f64),
    Box { width: f64, height: f64 },
}

/// A search: centre, shape (in the request's unit) and metres per unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Search {
    pub lon: f64,
    pub lat: f64,
    pub shape: Shape,
    pub to_meters: f64,
}

impl Search {
    /// The distance in metres from the centre to `(lon, lat)` if the
    /// point is inside the shape.
    pub fn distance_if_inside(&self, lon: f64, lat: f64) -> Option<f64> {
        match self.shape {
            Shape::Radius(r) => {
                let d = distance(self.lon, self.lat, lon, lat);
                (d <= r * self.to_meters).then_some(d)
            }
            Shape::Box { width, height } => {
                if lat_distance(lat, self.lat) > height * self.to_meters / 2.0 {
                    return None;
                }
                if distance(lon, lat, self.lon, lat) > width * self.to_meters / 2.0 {
                    return None;
                }
                Some(distance(self.lon, self.lat, lon, lat))
            }
        }
    }

    /// `(min_lon, min_lat, max_lon, max_lat)` around the shape.
    fn bounding_box(&self) -> (f64, f64, f64, f64) {
        let (half_w, half_h) = match self.shape {
            Shape::Radius(r) => (r, r),
            Shape::Box { width, height } => (width / 2.0, height / 2.0),
        };
        let height = self.to_meters * half_h;
        let width = self.to_meters * half_w;
        let lat_delta = rad_deg(height / EARTH_RADIUS);
        let lon_delta_top = rad_deg(width / EARTH_RADIUS / deg_rad(self.lat + lat_delta).cos());
        let lon_delta_bottom = rad_deg(width / EARTH_RADIUS / deg_rad(self.lat - lat_delta).cos());
        let lon_delta = if self.lat < 0.0 {
            lon_delta_bottom
        } else {
            lon_delta_top
        };
        (
            self.lon - lon_delta,
            self.lat - lat_delta,
            self.lon + lon_delta,
            self.lat + lat_delta,
        )
    }

    /// The radius in metres that covers the shape.
    fn radius_meters(&self) -> f64 {
        let r = match self.shape {
            Shape::Radius(r) => r,
            Shape::Box { width, height } => {
                ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
            }
        };
        r * self.to_meters
    }

    /// The cells to scan, in Redis's order (centre, N, S, E, W, NE, NW,
    /// SE, SW); `None` for neighbours the search excludes.
    pub fn cells(&self) -> [Option<Cell>; 9] {
        let (min_lon, min_lat, max_lon, max_lat) = self.bounding_box();
        let mut step = estimate_steps(self.radius_meters(), self.lat);
        let mut center = encode(self.lon, self.lat, step);
        let mut around = neighbours(center);
        let [n, s, e, w, ..] = around.map(decode);
        let too_coarse = n.lat.max < max_lat
            || s.lat.min > min_lat
            || e.lon.max < max_lon
            || w.lon.min > min_lon;
        if step > 1 && too_coarse {
            step -= 1;
            center = encode(self.lon, self.lat, step);
            around = neighbours(center);
        }
        let area = decode(center);
        let mut cells = [Some(center); 9];
        for (slot, cell) in cells[1..].iter_mut().zip(around) {
            *slot = Some(cell);
        }
        if step >= 2 {
            let mut drop = |indexes: [usize; 3]| indexes.iter().for_each(|&i| cells[i] = None);
            if area.lat.min < min_lat {
                drop([SOUTH, SOUTH_WEST, SOUTH_EAST]);
            }
            if area.lat.max > max_lat {
                drop([NORTH, NORTH_EAST, NORTH_WEST]);
            }
            if area.lon.min < min_lon {
                drop([WEST, SOUTH_WEST, NORTH_WEST]);
            }
            if area.lon.max > max_lon {
                drop([EAST, SOUTH_EAST, NORTH_EAST]);
            }
        }
        cells
    }
}

// Positions in [`Search::cells`].
const NORTH: usize = 1;
const SOUTH: usize = 2;
const EAST: usize = 3;
const WEST: usize = 4;
const NORTH_EAST: usize = 5;
const NORTH_WEST: usize = 6;
const SOUTH_EAST: usize = 7;
const SOUTH_WEST: usize = 8;

/// The coarsest step whose cells are still about as small as the radius.
fn estimate_steps(mut range: f64, lat: f64) -> u8 {
    if range == 0.0 {
        return STEP_MAX;
    }
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, i32::from(STEP_MAX)) as u8
}

/// Moves a cell by `d` (-1 or 1) along the bits selected by `mask`
/// (odd bits: longitude; even bits: latitude), wrapping around.
fn shift(cell: Cell, d: i8, mask: u64) -> Cell {
    if d == 0 {
        return cell;
    }
    let width = 64 - u32::from(cell.step) * 2;
    let moving = cell.bits & mask;
    let fixed = cell.bits & !mask;
    let fill = !mask >> width;
    let moved = if d > 0 {
        moving.wrapping_add(fill.wrapping_add(1))
    } else {
        (moving | fill).wrapping_sub(fill.wrapping_add(1))
    };
    Cell {
        bits: (moved & (mask >> width)) | fixed,
        step: cell.step,
    }
}

const LON_BITS: u64 = 0xaaaa_aaaa_aaaa_aaaa;
const LAT_BITS: u64 = 0x5555_5555_5555_5555;

fn moved(cell: Cell, dx: i8, dy: i8) -> Cell {
    shift(shift(cell, dx, LON_BITS), dy, LAT_BITS)
}

/// The 8 neighbours: N, S, E, W, NE, NW, SE, SW.
fn neighbours(cell: Cell) -> [Cell; 8] {
    [
        moved(cell, 0, 1),
        moved(cell, 0, -1),
        moved(cell, 1, 0),
        moved(cell, -1, 0),
        moved(cell, 1, 1),
        moved(cell, -1, 1),
        moved(cell, 1, -1),
        moved(cell, -1, -1),
    ]
}

/// The score interval `[min, max)` of a cell's positions.
pub(super) fn score_range(cell: Cell) -> (f64, f64) {
    let shift = 52 - u32::from(cell.step) * 2;
    (
        (cell.bits << shift) as f64,
        (cell.bits.wrapping_add(1) << shift) as f64,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_scores_and_hashes() {
        // Values measured on redis-server 7.0.
        assert_eq!(score(13.361389, 38.115556), 3479099956230698);
        assert_eq!(score(15.087269, 37.502669), 3479447370796909);
        assert_eq!(&geohash_string(3479099956230698.0), b"sqc8b49rny0");
        let (lon, lat) = position(3479099956230698.0);
        assert_eq!(format!("{lon:.17}"), "13.36138933897018433");
        assert_eq!(format!("{lat:.17}"), "38.11555639549629859");
        let d = distance(
            13.361389338970184,
            38.1155563954963,
            15.087267458438873,
            37.50266842333162,
        );
        assert_eq!(format!("{d:.4}"), "166274.1516");
    }

    #[test]
    fn upper_limits_set_bits_above_52() {
        assert_eq!(score(LON_MAX, LAT_MAX), 3u64 << 52);
        assert_eq!(position((3u64 << 52) as f64), (LON_MAX, LAT_MAX));
    }

    #[test]
    fn double_to_u64_like_x86() {
        assert_eq!(c_double_to_u64(5.0), 5);
        assert_eq!(c_double_to_u64(-5.0), (-5i64) as u64);
        assert_eq!(c_double_to_u64(1e19), 10_000_000_000_000_000_000);
        assert_eq!(c_double_to_u64(f64::INFINITY), 0);
        assert_eq!(c_double_to_u64(f64::NEG_INFINITY), 1 << 63);
    }

    #[test]
    fn neighbours_wrap_around() {
        let cell = encode(179.9, 0.0, 2);
        let east = neighbours(cell)[2];
        assert!(decode(east).lon.min < -179.0, "{:?}", decode(east));
    }

    proptest! {
        /// Decoding an encoded position lands in the same cell, within half
        /// a cell of the original in each coordinate.
        #[test]
        fn encode_decode_round_trip(lon in LON_MIN..LON_MAX, lat in LAT_MIN..LAT_MAX) {
            let s = score(lon, lat);
            prop_assert!(s < 1u64 << 52);
            let (dlon, dlat) = position(s as f64);
            let half_lon = (LON_MAX - LON_MIN) / f64::from(1u32 << 27);
            let half_lat = (LAT_MAX - LAT_MIN) / f64::from(1u32 << 27);
            prop_assert!((dlon - lon).abs() <= half_lon * 1.000001, "{lon} -> {dlon}");
            prop_assert!((dlat - lat).abs() <= half_lat * 1.000001, "{lat} -> {dlat}");
            prop_assert_eq!(score(dlon, dlat), s);
        }

        /// A stored point is always found by a search of its own cells
        /// that contains it.
        #[test]
        fn search_cells_cover_the_radius(
            lon in -170.0f64..170.0, lat in -80.0f64..80.0,
            dlon in -0.5f64..0.5, dlat in -0.5f64..0.5, r in 1.0f64..200_000.0,
        ) {
            let s = score(lon + dlon, lat + dlat) as f64;
            let (plon, plat) = position(s);
            let search = Search { lon, lat, shape: Shape::Radius(r), to_meters: 1.0 };
            if search.distance_if_inside(plon, plat).is_some() {
                let found = search.cells().iter().flatten().any(|c| {
                    let (min, max) = score_range(*c);
                    min <= s && s < max
                });
                prop_assert!(found);
            }
        }
    }
}
