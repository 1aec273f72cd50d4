//! Pub/sub: delivery, patterns, introspection, RESP3 pushes, slow readers.

mod support;

use std::time::Duration;

use resp::Frame;
use support::{bulk, err, TestServer};
use testkit::wait_until;

fn push(kind: &str, items: Vec<Frame>) -> Vec<Frame> {
    let mut all = vec![bulk(kind)];
    all.extend(items);
    all
}

#[test]
fn subscribe_publish_unsubscribe() {
    let server = TestServer::start();
    let mut sub = server.conn();
    let mut publisher = server.conn();
    assert_eq!(
        sub.run(&["SUBSCRIBE", "news", "sport"]),
        Frame::Array(push("subscribe", vec![bulk("news"), Frame::Integer(1)]))
    );
    assert_eq!(
        sub.read(),
        Frame::Array(push("subscribe", vec![bulk("sport"), Frame::Integer(2)]))
    );
    assert_eq!(
        publisher.run(&["PUBLISH", "news", "hello"]),
        Frame::Integer(1)
    );
    assert_eq!(
        sub.read(),
        Frame::Array(push("message", vec![bulk("news"), bulk("hello")]))
    );
    assert_eq!(
        publisher.run(&["PUBLISH", "nobody", "x"]),
        Frame::Integer(0)
    );
    assert_eq!(
        publisher.run(&["PUBSUB", "NUMSUB", "news", "none"]),
        Frame::Array(vec![
            bulk("news"),
            Frame::Integer(1),
            bulk("none"),
            Frame::Integer(0)
        ])
    );
    assert_eq!(
        publisher.run(&["PUBSUB", "CHANNELS"]),
        Frame::Array(vec![bulk("news"), bulk("sport")])
    );
    assert_eq!(
        publisher.run(&["PUBSUB", "CHANNELS", "n*"]),
        Frame::Array(vec![bulk("news")])
    );
    assert_eq!(
        sub.run(&["UNSUBSCRIBE"]),
        Frame::Array(push("unsubscribe", vec![bulk("news"), Frame::Integer(1)]))
    );
    assert_eq!(
        sub.read(),
        Frame::Array(push("unsubscribe", vec![bulk("sport"), Frame::Integer(0)]))
    );
    assert_eq!(sub.run(&["ECHO", "free again"]), bulk("free again"));
}

#[test]
fn patterns() {
    let server = TestServer::start();
    let mut sub = server.conn();
    let mut publisher = server.conn();
    sub.run(&["PSUBSCRIBE", "user.*"]);
    assert_eq!(publisher.run(&["PUBSUB", "NUMPAT"]), Frame::Integer(1));
    assert_eq!(
        publisher.run(&["PUBLISH", "user.42", "hi"]),
        Frame::Integer(1)
    );
    assert_eq!(
        sub.read(),
        Frame::Array(vec![
            bulk("pmessage"),
            bulk("user.*"),
            bulk("user.42"),
            bulk("hi")
        ])
    );
    assert_eq!(
        sub.run(&["PUNSUBSCRIBE", "user.*"]),
        Frame::Array(push(
            "punsubscribe",
            vec![bulk("user.*"), Frame::Integer(0)]
        ))
    );
}

#[test]
fn resp2_subscribers_are_restricted_resp3_are_not() {
    let server = TestServer::start();
    let mut sub2 = server.conn();
    sub2.run(&["SUBSCRIBE", "c"]);
    assert_eq!(
        sub2.run(&["ECHO", "x"]),
        err("ERR Can't execute 'echo': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
    );
    assert_eq!(
        sub2.run(&["PING"]),
        Frame::Array(vec![bulk("pong"), bulk("")])
    );

    let mut sub3 = server.conn();
    sub3.run(&["HELLO", "3"]);
    assert_eq!(
        sub3.run(&["SUBSCRIBE", "c"]),
        Frame::Push(vec![bulk("subscribe"), bulk("c"), Frame::Integer(1)])
    );
    assert_eq!(sub3.run(&["ECHO", "x"]), bulk("x"));
    let mut publisher = server.conn();
    assert_eq!(publisher.run(&["PUBLISH", "c", "m"]), Frame::Integer(2));
    assert_eq!(
        sub3.read(),
        Frame::Push(vec![bulk("message"), bulk("c"), bulk("m")])
    );
    assert_eq!(
        sub2.read(),
        Frame::Array(vec![bulk("message"), bulk("c"), bulk("m")])
    );
}

#[test]
fn slow_subscribers_are_disconnected() {
    let server = TestServer::with(|c| c.client_output_buffer_limit.pubsub.hard = 64 * 1024);
    let mut sub = server.conn();
    sub.run(&["SUBSCRIBE", "firehose"]);
    let mut publisher = server.conn();
    let payload = "x".repeat(16 * 1024);
    // The subscriber never reads: pending output passes the hard limit
    // once the socket buffers are full, and the server drops it.
    wait_until(
        Duration::from_secs(20),
        "the slow subscriber to be dropped",
        || {
            for _ in 0..64 {
                publisher.run(&["PUBLISH", "firehose", &payload]);
            }
            publisher.run(&["PUBSUB", "NUMSUB", "firehose"])
                == Frame::Array(vec![bulk("firehose"), Frame::Integer(0)])
        },
    );
    assert_eq!(publisher.run(&["ECHO", "still fine"]), bulk("still fine"));
}
