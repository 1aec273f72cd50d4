//! Differential tests of the geo commands against a real Redis 7.0.

use testkit::gen::geo as gen_geo;

use crate::testing::{
    check_command_info, random_sequences, to_bytes, Diff, Protocols, RedisServer,
};

fn sicily(d: &mut Diff) {
    d.check_all(&[
        &[
            "GEOADD",
            "g",
            "13.361389",
            "38.115556",
            "Palermo",
            "15.087269",
            "37.502669",
            "Catania",
        ],
        &[
            "GEOADD",
            "g",
            "12.758489",
            "38.788135",
            "edge1",
            "17.241510",
            "38.788135",
            "edge2",
        ],
        &[
            "GEOADD", "g", "13.5", "37.9", "a", "13.6", "37.95", "b", "14.0", "38.0", "c",
        ],
        &[
            "GEOADD",
            "g",
            "180",
            "85.05112878",
            "top",
            "-180",
            "-85.05112878",
            "bottom",
        ],
        &["GEOADD", "g", "0", "0", "", "-0.000001", "-0.000001", "neg"],
        &["SET", "str", "x"],
    ]);
}

#[test]
fn geoadd_options_and_errors() {
    let mut d = Diff::new();
    sicily(&mut d);
    d.check_all(&[
        &["GEOADD", "g", "200", "100", "x"],
        &["GEOADD", "g", "inf", "0", "x"],
        &["GEOADD", "g", "-0", "-inf", "x"],
        &["GEOADD", "g", "180", "85.05112879", "x"],
        &["GEOADD", "g", "abc", "0", "x"],
        &["GEOADD", "g", "1", "1", "x", "abc", "0", "y"],
        &["GEOADD", "g", "0", "0"],
        &["GEOADD", "g", "NX", "XX", "0", "0", "a"],
        &["GEOADD", "g", "NX", "0", "0"],
        &["GEOADD", "g", "NX", "CH", "CH"],
        &["GEOADD", "g", "GT", "0", "0", "a"],
        &[
            "GEOADD", "g", "XX", "CH", "1", "1", "Palermo", "2", "2", "newone",
        ],
        &["GEOADD", "g", "CH", "13.361389", "38.115556", "Palermo"],
        &[
            "GEOADD", "g", "nx", "ch", "1", "1", "Palermo", "2", "2", "newone",
        ],
        &["GEOADD", "g", "ch", "xx", "1", "1", "Palermo"],
        &["GEOADD", "str", "0", "0", "a"],
        &["GEOADD", "fresh", "XX", "0", "0", "a"],
        &["EXISTS", "fresh"],
        &["ZRANGE", "g", "0", "-1", "WITHSCORES"],
        &["@enc", "g"],
    ]);
}

#[test]
fn positions_distances_hashes() {
    let mut d = Diff::new();
    sicily(&mut d);
    // Scores that are no geohash decode to whatever their bits say.
    d.check_all(&[
        &[
            "ZADD", "g", "-5", "negative", "1e30", "huge", "inf", "pinf", "-inf", "ninf",
        ],
        &["ZADD", "g", "4503599627370495", "max52", "0.5", "half"],
    ]);
    let members = [
        "Palermo", "Catania", "nope", "top", "bottom", "", "neg", "negative", "huge", "pinf",
        "ninf", "max52", "half",
    ];
    for cmd in ["GEOPOS", "GEOHASH"] {
        let mut c = vec![cmd, "g"];
        c.extend_from_slice(&members);
        d.check(&c);
        d.check3(&c);
        d.check_all(&[
            &[cmd, "nokey", "a"],
            &[cmd, "g"],
            &[cmd, "str", "a"],
            &[cmd, "str"],
        ]);
    }
    for unit in ["m", "km", "mi", "ft", "KM", "Mi", "parsec"] {
        d.check(&["GEODIST", "g", "Palermo", "Catania", unit]);
    }
    d.check_all(&[
        &["GEODIST", "g", "Palermo", "Catania"],
        &["GEODIST", "g", "top", "bottom"],
        &["GEODIST", "g", "Palermo", "Palermo"],
        &["GEODIST", "g", "a", "b", "km"],
        &["GEODIST", "g", "", "neg"],
        &["GEODIST", "g", "huge", "ninf"],
        &["GEODIST", "g", "Palermo", "nope"],
        &["GEODIST", "g", "Palermo", "Catania", "km", "extra"],
        &["GEODIST", "nokey", "a", "b"],
        &["GEODIST", "nokey", "a", "b", "xx"],
        &["GEODIST", "str", "a", "b"],
        &["GEODIST", "str", "a", "b", "xx"],
    ]);
    d.check3(&["GEODIST", "g", "Palermo", "Catania"]);
}

#[test]
fn searches_and_their_errors() {
    let mut d = Diff::new();
    sicily(&mut d);
    let cases: &[&[&str]] = &[
        &["GEORADIUS", "g", "15", "37", "200", "km"],
        &[
            "GEORADIUS",
            "g",
            "15",
            "37",
            "200",
            "km",
            "WITHDIST",
            "WITHCOORD",
            "WITHHASH",
        ],
        &["GEORADIUS", "g", "15", "37", "200", "km", "WITHDIST", "ASC"],
        &[
            "GEORADIUS",
            "g",
            "15",
            "37",
            "200",
            "km",
            "DESC",
            "WITHCOORD",
        ],
        &["GEORADIUS", "g", "15", "37", "200", "km", "COUNT", "2"],
        &[
            "GEORADIUS",
            "g",
            "15",
            "37",
            "200",
            "km",
            "COUNT",
            "2",
            "DESC",
        ],
        &[
            "GEORADIUS",
            "g",
            "15",
            "37",
            "200",
            "km",
            "COUNT",
            "2",
            "ANY",
        ],
        &[
            "GEORADIUS",
            "g",
            "15",
            "37",
            "200",
            "km",
            "COUNT",
            "1",
            "ANY",
            "DESC",
        ],
        &["GEORADIUS", "g", "15", "37", "200", "km", "COUNT", "0"],
        &["GEORADIUS", "g", "15", "37", "200", "km", "COUNT", "-1"],
        &["GEORADIUS", "g", "15", "37", "200", "km", "COUNT", "x"],
        &["GEORADIUS", "g", "15", "37", "200", "km", "COUNT"],
        &["GEORADIUS", "g", "15", "37", "200", "km", "ANY"],
        &["GEORADIUS", "g", "15", "37", "-1", "km"],
        &["GEORADIUS", "g", "15", "37", "x", "km"],
        &["GEORADIUS", "g", "15", "37", "1", "parsecs"],
        &["GEORADIUS", "g", "15", "37", "0", "km"],
        &["GEORADIUS", "g", "15", "37", "inf", "km"],
        &["GEORADIUS", "g", "15", "37", "1e50", "km", "WITHDIST"],
        &["GEORADIUS", "g", "15", "37", "20000", "km", "WITHDIST"],
        &["GEORADIUS", "g", "15", "37", "7000", "mi", "WITHDIST"],
        &["GEORADIUS", "g", "180", "85.05112878", "1", "m", "WITHHASH"],
        &[
            "GEORADIUS",
            "g",
            "15",
            "37",
            "200",
            "km",
            "STORE",
            "d",
            "WITHDIST",
        ],
        &["GEORADIUS", "g", "1000", "37", "200", "km"],
        &["GEORADIUS", "nokey", "1000", "37", "200", "km"],
        &["GEORADIUS", "nokey", "15", "37", "200", "km", "ANY"],
        &["GEORADIUS", "str", "1000", "37", "200", "km"],
        &["GEORADIUS_RO", "g", "15", "37", "200", "km", "STORE", "d"],
        &[
            "GEORADIUS_RO",
            "g",
            "15",
            "37",
            "200",
            "km",
            "WITHDIST",
            "COUNT",
            "3",
        ],
        &["GEORADIUSBYMEMBER", "g", "Palermo", "200", "km"],
        &[
            "GEORADIUSBYMEMBER",
            "g",
            "Palermo",
            "200",
            "km",
            "STORE",
            "d",
            "WITHDIST",
        ],
        &["GEORADIUSBYMEMBER", "g", "nope", "200", "km"],
        &["GEORADIUSBYMEMBER", "nokey", "nope", "x", "y"],
        &[
            "GEORADIUSBYMEMBER_RO",
            "g",
            "a",
            "100",
            "km",
            "WITHDIST",
            "ASC",
        ],
        &[
            "GEORADIUSBYMEMBER_RO",
            "g",
            "a",
            "100",
            "km",
            "STOREDIST",
            "x",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMMEMBER",
            "Palermo",
            "BYRADIUS",
            "200",
            "km",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYBOX",
            "400",
            "400",
            "km",
            "ASC",
            "WITHDIST",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYBOX",
            "200",
            "200",
            "km",
            "WITHHASH",
            "DESC",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "14",
            "38",
            "BYBOX",
            "600",
            "50",
            "km",
            "WITHCOORD",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "FROMMEMBER",
            "Palermo",
            "BYBOX",
            "4",
            "4",
            "km",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMMEMBER",
            "Palermo",
            "FROMLONLAT",
            "15",
            "37",
            "BYBOX",
            "4",
            "4",
            "km",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMMEMBER",
            "Palermo",
            "BYRADIUS",
            "200",
            "km",
            "FROMMEMBER",
            "Catania",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "1",
            "1",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "200",
            "km",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "1",
            "m",
            "BYBOX",
            "1",
            "1",
            "m",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYBOX",
            "-1",
            "1",
            "m",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYBOX",
            "x",
            "1",
            "m",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYBOX",
            "1",
            "x",
            "m",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "x",
            "m",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "10",
            "m",
            "STORE",
            "d",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "10",
            "m",
            "STOREDIST",
        ],
        &[
            "GEOSEARCH",
            "g",
            "BYRADIUS",
            "200",
            "km",
            "WITHDIST",
            "WITHCOORD",
        ],
        &[
            "geosearch",
            "g",
            "FROMMEMBER",
            "Palermo",
            "WITHDIST",
            "WITHCOORD",
            "WITHHASH",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMMEMBER",
            "nope",
            "BYRADIUS",
            "200",
            "km",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "1",
            "x",
            "BYRADIUS",
            "200",
            "km",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "500",
            "0",
            "BYRADIUS",
            "200",
            "km",
        ],
        &[
            "GEOSEARCH",
            "nokey",
            "FROMMEMBER",
            "x",
            "BYRADIUS",
            "1",
            "m",
        ],
        &["GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYBOX", "1", "m"],
        &["GEOSEARCH", "str", "FROMMEMBER", "x", "BYRADIUS", "1", "m"],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "0",
            "0",
            "BYRADIUS",
            "1",
            "km",
            "WITHCOORD",
            "WITHDIST",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "-179",
            "-85",
            "BYBOX",
            "500",
            "500",
            "km",
            "WITHCOORD",
        ],
        &[
            "GEOSEARCH",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "200",
            "km",
            "COUNT",
            "1",
            "ANY",
            "ANY",
            "WITHHASH",
        ],
        &[
            "GEOSEARCHSTORE",
            "d",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "200",
            "km",
            "WITHDIST",
        ],
        &[
            "GEOSEARCHSTORE",
            "d",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "200",
            "km",
            "STORE",
            "x",
        ],
        &[
            "GEOSEARCHSTORE",
            "d",
            "g",
            "FROMMEMBER",
            "Palermo",
            "ASC",
            "COUNT",
            "1",
            "ANY",
        ],
        &[
            "GEOSEARCHSTORE",
            "d",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "200",
            "km",
            "STOREDIST",
        ],
        &["ZRANGE", "d", "0", "-1", "WITHSCORES"],
        &[
            "GEOSEARCHSTORE",
            "d",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "200",
            "km",
            "COUNT",
            "2",
        ],
        &["ZRANGE", "d", "0", "-1", "WITHSCORES"],
        &[
            "GEORADIUS",
            "g",
            "15",
            "37",
            "200",
            "km",
            "STORE",
            "d2",
            "STOREDIST",
            "d3",
        ],
        &["ZRANGE", "d2", "0", "-1", "WITHSCORES"],
        &["ZRANGE", "d3", "0", "-1", "WITHSCORES"],
        &["GEORADIUS", "g", "15", "37", "1", "m", "STORE", "d3"],
        &["EXISTS", "d3"],
        &["GEORADIUS", "nokey", "15", "37", "200", "km", "STORE", "d2"],
        &["EXISTS", "d2"],
        &[
            "GEOSEARCHSTORE",
            "d",
            "nokey",
            "FROMMEMBER",
            "x",
            "BYRADIUS",
            "1",
            "m",
        ],
        &["EXISTS", "d"],
        &["GEORADIUS", "g", "15", "37", "200", "km", "STORE"],
    ];
    d.check_all(cases);
    d.check_all3(&cases[..12]);
    d.check_state();
}

/// Random geo sequences, both protocols.
#[test]
fn random_commands_match_redis() {
    let stats = random_sequences(
        "geo",
        1..21,
        300,
        Protocols::Both,
        |_, g, _| gen_geo::command(g),
        |_, _| {},
    );
    stats.assert_errors_below(3);
    assert!(
        stats.nonempty * 5 > stats.total,
        "too few non-empty replies"
    );
}

#[test]
fn command_info_matches() {
    assert_eq!(check_command_info(super::COMMANDS), super::COMMANDS.len());
}

/// Key extraction agrees with COMMAND GETKEYS (GEORADIUS's STORE and
/// STOREDIST keys move).
#[test]
fn command_getkeys_matches() {
    let server = RedisServer::start();
    let mut r = server.connect();
    let cases: &[&[&str]] = &[
        &["GEOADD", "k", "0", "0", "m"],
        &["GEORADIUS", "k", "0", "0", "1", "m"],
        &["GEORADIUS", "k", "0", "0", "1", "m", "store", "d"],
        &["GEORADIUS", "k", "0", "0", "1", "m", "storedist", "d"],
        &[
            "GEORADIUS",
            "k",
            "0",
            "0",
            "1",
            "m",
            "store",
            "a",
            "storedist",
            "b",
        ],
        &[
            "GEORADIUS",
            "k",
            "0",
            "0",
            "1",
            "m",
            "storedist",
            "b",
            "store",
            "a",
        ],
        &[
            "GEORADIUS",
            "k",
            "0",
            "0",
            "1",
            "m",
            "store",
            "a",
            "store",
            "b",
        ],
        &["GEORADIUS", "k", "0", "0", "1", "m", "store"],
        &["GEORADIUS", "k", "0", "0", "1", "store", "d"],
        &["GEORADIUS", "k", "0", "0", "1", "m", "STORE", "STORE", "x"],
        &["GEORADIUSBYMEMBER", "k", "m", "1", "m", "store", "d"],
        &["GEORADIUSBYMEMBER", "k", "m", "1", "store", "d"],
        &[
            "GEORADIUSBYMEMBER",
            "k",
            "m",
            "1",
            "m",
            "storedist",
            "d",
            "store",
            "e",
        ],
        &["GEORADIUS_RO", "k", "0", "0", "1", "m", "store", "d"],
        &[
            "GEOSEARCHSTORE",
            "d",
            "s",
            "FROMMEMBER",
            "m",
            "BYRADIUS",
            "1",
            "m",
        ],
        &["GEOSEARCH", "s", "FROMMEMBER", "m", "BYRADIUS", "1", "m"],
    ];
    for case in cases {
        let args = to_bytes(case);
        let spec = crate::table::resolve(&args).expect("known command");
        let ours: Vec<&str> = spec
            .key_positions(&args)
            .expect("keys")
            .iter()
            .map(|&i| case[i])
            .collect();
        let mut cmd = vec!["COMMAND", "GETKEYS"];
        cmd.extend_from_slice(case);
        let expected = resp::Frame::Array(
            ours.iter()
                .map(|k| resp::Frame::Bulk(bytes::Bytes::copy_from_slice(k.as_bytes())))
                .collect(),
        );
        assert_eq!(r.run(&cmd), expected, "{case:?}");
    }
}

/// A large (skiplist-encoded) index of points all over the world, searched
/// with radii and boxes from metres to the whole planet: huge searches use
/// coarse steps where neighbour cells repeat, and results come in
/// discovery order without ASC/DESC.
#[test]
fn large_index_and_huge_searches() {
    let mut d = Diff::new();
    let mut add = vec!["GEOADD".to_string(), "world".to_string()];
    for i in 0..400u32 {
        let lon = f64::from((i * 7919) % 36000) / 100.0 - 180.0;
        let lat = f64::from((i * 104_729) % 17000) / 100.0 - 85.0;
        add.extend([format!("{lon:.4}"), format!("{lat:.4}"), format!("m{i}")]);
    }
    d.check(&add);
    d.check_encoding("world");
    let centres = [
        ("0", "0"),
        ("179.5", "-10"),
        ("-179.9", "84.9"),
        ("20", "-84.9"),
        ("13", "38"),
    ];
    for (lon, lat) in centres {
        for (r, unit) in [
            ("500", "km"),
            ("3000", "km"),
            ("7000", "km"),
            ("15000", "km"),
            ("30000", "km"),
            ("800", "mi"),
        ] {
            d.check(&[
                "GEOSEARCH",
                "world",
                "FROMLONLAT",
                lon,
                lat,
                "BYRADIUS",
                r,
                unit,
            ]);
            d.check(&[
                "GEOSEARCH",
                "world",
                "FROMLONLAT",
                lon,
                lat,
                "BYBOX",
                r,
                r,
                unit,
                "WITHDIST",
            ]);
            d.check(&[
                "GEORADIUS_RO",
                "world",
                lon,
                lat,
                r,
                unit,
                "COUNT",
                "5",
                "ANY",
            ]);
            d.check(&[
                "GEORADIUS_RO",
                "world",
                lon,
                lat,
                r,
                unit,
                "COUNT",
                "7",
                "DESC",
                "WITHHASH",
            ]);
        }
    }
    d.check(&[
        "GEOSEARCHSTORE",
        "near",
        "world",
        "FROMMEMBER",
        "m7",
        "BYRADIUS",
        "4000",
        "km",
        "STOREDIST",
    ]);
    d.check_state();
}
