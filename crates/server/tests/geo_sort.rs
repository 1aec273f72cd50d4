//! GEOSEARCH and SORT ... BY/GET through a real keel server with the
//! `redis` crate, in RESP2 and RESP3.

mod support;

use redis::{RedisResult, Value};
use support::TestServer;

fn geo_and_sort(con: &mut redis::Connection) -> RedisResult<()> {
    let added: i64 = redis::cmd("GEOADD")
        .arg("sicily")
        .arg(&["13.361389", "38.115556", "Palermo"])
        .arg(&["15.087269", "37.502669", "Catania"])
        .arg(&["12.758489", "38.788135", "Trapani"])
        .query(con)?;
    assert_eq!(added, 3);
    let near: Vec<(String, String)> = redis::cmd("GEOSEARCH")
        .arg("sicily")
        .arg(&[
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "200",
            "km",
            "ASC",
            "WITHDIST",
        ])
        .query(con)?;
    assert_eq!(
        near,
        vec![
            ("Catania".to_string(), "56.4413".to_string()),
            ("Palermo".to_string(), "190.4424".to_string()),
        ]
    );
    let boxed: Vec<String> = redis::cmd("GEOSEARCH")
        .arg("sicily")
        .arg(&[
            "FROMMEMBER",
            "Palermo",
            "BYBOX",
            "200",
            "200",
            "km",
            "DESC",
            "COUNT",
            "2",
        ])
        .query(con)?;
    assert_eq!(boxed, vec!["Trapani", "Palermo"]);
    let stored: i64 = redis::cmd("GEOSEARCHSTORE")
        .arg(&[
            "near",
            "sicily",
            "FROMMEMBER",
            "Catania",
            "BYRADIUS",
            "200",
            "km",
            "STOREDIST",
        ])
        .query(con)?;
    assert_eq!(stored, 2);
    let dist: String = redis::cmd("GEODIST")
        .arg(&["sicily", "Palermo", "Catania", "km"])
        .query(con)?;
    assert_eq!(dist, "166.2742");
    let pos: Value = redis::cmd("GEOPOS")
        .arg(&["sicily", "Palermo", "nope"])
        .query(con)?;
    let Value::Array(items) = pos else {
        panic!("GEOPOS replied {pos:?}")
    };
    assert_eq!(items.len(), 2);
    assert_eq!(items[1], Value::Nil);

    // SORT with BY and GET patterns over weights and hash fields.
    let _: () = redis::cmd("RPUSH")
        .arg(&["ids", "3", "1", "2"])
        .query(con)?;
    let _: () = redis::cmd("MSET")
        .arg(&["w_1", "30", "w_2", "20", "w_3", "10"])
        .query(con)?;
    for (id, name) in [("1", "ann"), ("2", "bob"), ("3", "cid")] {
        let _: () = redis::cmd("HSET")
            .arg(format!("user:{id}"))
            .arg(&["name", name])
            .query(con)?;
    }
    let sorted: Vec<Option<String>> = redis::cmd("SORT")
        .arg(&[
            "ids",
            "BY",
            "w_*",
            "GET",
            "#",
            "GET",
            "user:*->name",
            "GET",
            "nope_*",
        ])
        .query(con)?;
    let expected: Vec<Option<String>> = ["3", "cid", "", "2", "bob", "", "1", "ann", ""]
        .iter()
        .map(|s| (!s.is_empty()).then(|| s.to_string()))
        .collect();
    assert_eq!(sorted, expected);
    let ro: Vec<String> = redis::cmd("SORT_RO")
        .arg(&["ids", "DESC", "LIMIT", "0", "2"])
        .query(con)?;
    assert_eq!(ro, vec!["3", "2"]);
    let n: i64 = redis::cmd("SORT")
        .arg(&["ids", "ALPHA", "GET", "user:*->name", "STORE", "names"])
        .query(con)?;
    assert_eq!(n, 3);
    let names: Vec<String> = redis::cmd("LRANGE").arg(&["names", "0", "-1"]).query(con)?;
    assert_eq!(names, vec!["ann", "bob", "cid"]);
    let err = redis::cmd("SORT")
        .arg(&["user:1"])
        .query::<Value>(con)
        .expect_err("a hash cannot be sorted");
    assert!(err.to_string().contains("WRONGTYPE"), "{err}");
    let keys: Vec<String> = redis::cmd("COMMAND")
        .arg(&["GETKEYS", "SORT", "ids", "BY", "w_*", "STORE", "dst"])
        .query(con)?;
    assert_eq!(keys, vec!["ids", "dst"]);
    Ok(())
}

#[test]
fn geo_and_sort_over_resp2() {
    let server = TestServer::start();
    let mut con = server.client().get_connection().expect("connect");
    geo_and_sort(&mut con).expect("RESP2 session");
}

#[test]
fn geo_and_sort_over_resp3() {
    let server = TestServer::start();
    let mut con = server.client3().get_connection().expect("connect");
    geo_and_sort(&mut con).expect("RESP3 session");
    // RESP3 coordinates are doubles.
    let pos: Value = redis::cmd("GEOPOS")
        .arg(&["sicily", "Catania"])
        .query(&mut con)
        .expect("GEOPOS");
    let Value::Array(items) = pos else {
        panic!("GEOPOS replied {pos:?}")
    };
    assert!(
        matches!(&items[0], Value::Array(xy) if matches!(xy[0], Value::Double(_))),
        "{items:?}"
    );
}
