//! Unit tests of the geo commands: modification signals.

use resp::Frame;

use crate::testing::run_watched;

#[test]
fn writes_signal_what_they_change() {
    let setup: &[&[&str]] = &[&["GEOADD", "g", "13.361389", "38.115556", "Palermo"]];
    let (reply, modified) = run_watched(
        setup,
        &["GEOADD", "g", "13.361389", "38.115556", "Palermo"],
        "g",
    );
    assert_eq!((reply, modified), (Frame::Integer(0), false));
    let (_, modified) = run_watched(setup, &["GEOADD", "g", "XX", "1", "1", "Palermo"], "g");
    assert!(modified);
    let search = [
        "GEOSEARCHSTORE",
        "d",
        "g",
        "FROMLONLAT",
        "13",
        "38",
        "BYRADIUS",
        "100",
        "km",
    ];
    let (reply, modified) = run_watched(setup, &search, "d");
    assert_eq!((reply, modified), (Frame::Integer(1), true));
    let (_, modified) = run_watched(setup, &search, "g");
    assert!(!modified, "the source is only read");
    let radius = ["GEORADIUS", "g", "0", "0", "1", "m", "STORE", "d"];
    let (reply, modified) = run_watched(&[&["SET", "d", "x"], setup[0]], &radius, "d");
    assert_eq!(
        (reply, modified),
        (Frame::Integer(0), true),
        "an empty result deletes"
    );
}
