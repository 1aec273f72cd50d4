//! Differential tests of FUNCTION and FCALL against a real redis-server,
//! in RESP2 and RESP3. (FUNCTION DUMP payloads are keel's own format, see
//! docs/design/dump.md; they are tested in `functions_tests.rs`.)

use crate::testing::assert_same_replies_resp2_and_3;

const LIB: &str = "#!lua name=mylib
redis.register_function('myfunc', function(keys, args) return args[1] end)";
const LIB_RO: &str = "#!lua name=rolib
redis.register_function{function_name='ro', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}";
const LIB_W: &str = "#!lua name=wlib
redis.register_function('w', function(keys, args) return redis.call('set', keys[1], args[1]) end)";
const LIB_BAD: &str = "#!lua name=badlib
redis.register_function('bad', function(keys, args)
  return nope
end)";
const LIB_RO_WRITES: &str = "#!lua name=rowlib
redis.register_function{function_name='row', callback=function(keys) return redis.call('set', keys[1], 'x') end, flags={'no-writes'}}";

#[test]
fn differential_function_load_and_fcall() {
    assert_same_replies_resp2_and_3(&[
        &["FUNCTION", "FLUSH"],
        &["FUNCTION", "LOAD", LIB],
        &["FUNCTION", "LOAD", LIB],
        &["FUNCTION", "LOAD", "REPLACE", LIB],
        &["FUNCTION", "LOAD", LIB_RO],
        &["FUNCTION", "LOAD", LIB_W],
        &["FUNCTION", "LOAD", LIB_BAD],
        &["FUNCTION", "LOAD", LIB_RO_WRITES],
        &["FCALL", "myfunc", "0", "hello"],
        &["FCALL", "ro", "1", "k"],
        &["FCALL_RO", "w", "1", "k", "v"],
        &["FCALL", "w", "1", "k", "v"],
        &["FCALL_RO", "ro", "1", "k"],
        &["FCALL", "row", "1", "k"],
        &["FCALL", "bad", "0"],
        &["FCALL", "nosuch", "0"],
        &["FCALL", "myfunc", "-1"],
        &["FCALL", "myfunc", "5", "a"],
        &["FUNCTION", "LIST", "LIBRARYNAME", "mylib"],
        &["FUNCTION", "LIST", "LIBRARYNAME", "rol*", "WITHCODE"],
        &["FUNCTION", "LIST", "LIBRARYNAME", "nomatch"],
        &["FUNCTION", "STATS"],
        &["FUNCTION", "DELETE", "nosuch"],
        &["FUNCTION", "DELETE", "badlib"],
        &["FUNCTION", "KILL"],
        &["FUNCTION", "HELP"],
        &["FUNCTION", "RESTORE", "bad"],
        &["FUNCTION", "FLUSH", "foo"],
        &["FUNCTION", "FLUSH", "ASYNC"],
        &["FUNCTION", "STATS"],
        &["FCALL", "myfunc", "0", "x"],
    ]);
}

#[test]
fn differential_function_load_errors() {
    assert_same_replies_resp2_and_3(&[
        &["FUNCTION", "LOAD", "return 1"],
        &["FUNCTION", "LOAD", "#!lua"],
        &["FUNCTION", "LOAD", "#!lua name=a b=c\n"],
        &["FUNCTION", "LOAD", "#!lua name=emp\n"],
        &["FUNCTION", "LOAD", "#!lua name=x\nredis.call('ping')"],
        &["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f f', function() return 1 end)"],
        &["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f', function() return 1 end, 5)"],
        &["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='f', callback=function() return 1 end, flags={'bogus'}}"],
        &["FUNCTION", "LOAD", "#!lua name=x\nx = 1"],
        &["FUNCTION", "LOAD", "#!lua name=x\nreturn 1 +"],
        &["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a', function() return 1 end)\nredis.register_function('a', function() return 1 end)"],
        &["FUNCTION", "LOAD", "#!lua name=x\nreturn math.random()"],
        &["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a', function() return {math.floor(2.5), cjson.encode({1})} end)"],
        &["FCALL", "a", "0"],
        &["FUNCTION", "LOAD", "#!lua name=y\nredis.register_function('a', function() return 1 end)"],
    ]);
}
