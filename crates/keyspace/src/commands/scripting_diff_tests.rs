//! Differential tests of EVAL, EVALSHA, EVAL_RO and SCRIPT against a real
//! redis-server, in RESP2 and RESP3: conversions both ways, the sandbox,
//! error texts, the libraries.

use crate::testing::assert_same_replies_resp2_and_3;

#[test]
fn differential_eval_conversions() {
    assert_same_replies_resp2_and_3(&[
        &["EVAL", "return 1", "0"],
        &["EVAL", "return 3.99", "0"],
        &["EVAL", "return -3.99", "0"],
        &["EVAL", "return 'x'", "0"],
        &["EVAL", "return true", "0"],
        &["EVAL", "return false", "0"],
        &["EVAL", "return nil", "0"],
        &["EVAL", "return {1, 2, 3, 'x', nil, 4}", "0"],
        &["EVAL", "return {1, {2, {3, 'x'}}, {}}", "0"],
        &["EVAL", "return {ok = 'FINE'}", "0"],
        &["EVAL", "return {err = 'My Error'}", "0"],
        &["EVAL", "return {err = 'ERR x y'}", "0"],
        &["EVAL", "return redis.error_reply('My Error')", "0"],
        &["EVAL", "return redis.error_reply('-ERR x y')", "0"],
        &["EVAL", "return redis.status_reply('FINE')", "0"],
        &["EVAL", "return {double = 3.5}", "0"],
        &[
            "EVAL",
            "return {big_number = '123456789012345678901234567890'}",
            "0",
        ],
        &["EVAL", "return {map = {a = 1}}", "0"],
        &["EVAL", "return {set = {a = true}}", "0"],
        &[
            "EVAL",
            "return {verbatim_string = {format = 'txt', string = 'hello'}}",
            "0",
        ],
        &[
            "EVAL",
            "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}",
            "2",
            "k1",
            "k2",
            "a1",
            "a2",
        ],
        &["SET", "s", "str"],
        &["RPUSH", "l", "a", "b"],
        &["HSET", "h", "f", "v"],
        &["EVAL", "return redis.call('get', 's')", "0"],
        &["EVAL", "return redis.call('get', 'nokey')", "0"],
        &["EVAL", "return tostring(redis.call('get', 'nokey'))", "0"],
        &["EVAL", "return type(redis.call('get', 'nokey'))", "0"],
        &["EVAL", "return redis.call('lrange', 'l', 0, -1)", "0"],
        &["EVAL", "return redis.call('set', 'x', 'y')", "0"],
        &["EVAL", "return redis.call('set', 'x', 'y').ok", "0"],
        &["EVAL", "return redis.call('incr', 'n')", "0"],
        &["EVAL", "return redis.call('incrby', 'n', 2.9)", "0"],
        &["EVAL", "return redis.call('hgetall', 'h')", "0"],
        &[
            "EVAL",
            "redis.setresp(3); return redis.call('hgetall', 'h')",
            "0",
        ],
        &[
            "EVAL",
            "redis.setresp(3); return redis.call('get', 'nokey')",
            "0",
        ],
        &[
            "EVAL",
            "redis.setresp(3); return type(redis.call('get', 'nokey'))",
            "0",
        ],
        &[
            "EVAL",
            "redis.setresp(3); return redis.call('smembers', 'nokey')",
            "0",
        ],
        &[
            "EVAL",
            "redis.setresp(3); local t = redis.call('hgetall', 'h'); return t.map.f",
            "0",
        ],
        &["EVAL", "return redis.setresp(4)", "0"],
        &["EVAL", "return redis.pcall('incr', 's')", "0"],
        &[
            "EVAL",
            "local e = redis.pcall('incr', 's'); return type(e) .. e.err",
            "0",
        ],
        &["EVAL", "return redis.call('ping')", "0"],
        &["EVAL", "return redis.call('echo', 'hi')", "0"],
    ]);
}

#[test]
fn differential_eval_errors_and_sandbox() {
    assert_same_replies_resp2_and_3(&[
        &["SET", "s", "str"],
        &["EVAL", "return x", "0"],
        &["EVAL", "x = 1", "0"],
        &["EVAL", "string.x = 1", "0"],
        &["EVAL", "redis.x = 1", "0"],
        &["EVAL", "return redis.call('incr', 'a', 'b')", "0"],
        &["EVAL", "return redis.call('incr', 's')", "0"],
        &["EVAL", "return redis.call('nosuch')", "0"],
        &["EVAL", "return redis.call('subscribe', 'x')", "0"],
        &["EVAL", "return redis.call('blpop', 'l', 0)", "0"],
        &["EVAL", "return redis.call('eval', 'return 1', 0)", "0"],
        &["EVAL", "return redis.call('script', 'load', 'return 1')", "0"],
        &["EVAL", "return redis.call('multi')", "0"],
        &["EVAL", "return redis.call()", "0"],
        &["EVAL", "return redis.call({})", "0"],
        &["EVAL", "return redis.call('get', {})", "0"],
        &["EVAL_RO", "return redis.call('set', 'x', 'y')", "0"],
        &["EVAL_RO", "return redis.call('get', 's')", "0"],
        &["EVAL", "error('boom')", "0"],
        &["EVAL", "error('x', 0)", "0"],
        &["EVAL", "error()", "0"],
        &["EVAL", "error(5)", "0"],
        &["EVAL", "error({err = 'custom'})", "0"],
        &["EVAL", "return 1 +", "0"],
        &["EVAL", "\nlocal a = 1\nredis.call('incr', 's')", "0"],
        &["EVAL", "\nlocal function f()\n  return nope\nend\nreturn f()", "0"],
        &["EVAL", "local ok, e = pcall(redis.call, 'nosuch') return e", "0"],
        &["EVAL", "local ok, e = pcall(function() error({err = 'x'}) end) return type(e)", "0"],
        &["EVAL", "local ok, e = xpcall(function() redis.call('incr', 's') end, function(e) return type(e) end) return e", "0"],
        &["EVAL", "return pcall(error, 'x')", "0"],
        &["EVAL", "local ok, e = pcall(error, 'x') return e", "0"],
        &["EVAL", "return 1", "-1"],
        &["EVAL", "return 1", "2", "a"],
        &["EVAL", "return 1", "x"],
        &["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"],
        &["EVALSHA", "short", "0"],
        &["EVAL", "return os.time()", "0"],
        &["EVAL", "return type(io)", "0"],
        &["EVAL", "return type(loadfile)", "0"],
        &["EVAL", "return type(dofile)", "0"],
        &["EVAL", "return type(require)", "0"],
        &["EVAL", "return type(package)", "0"],
        &["EVAL", "return type(debug)", "0"],
        &["EVAL", "return type(print)", "0"],
        &["EVAL", "return type(setfenv)", "0"],
        &["EVAL", "return {type(loadstring), type(rawset), type(unpack), type(coroutine), type(gcinfo), _VERSION}", "0"],
        &["EVAL", "local t = {} for k in pairs(_G) do t[#t + 1] = k end table.sort(t) return t", "0"],
        &["EVAL", "local t = {} for k in pairs(redis) do t[#t + 1] = k end table.sort(t) return t", "0"],
        &["EVAL", "return loadstring('return 1')()", "0"],
    ]);
}

#[test]
fn differential_script_cache() {
    assert_same_replies_resp2_and_3(&[
        &["SCRIPT", "LOAD", "return 'loaded'"],
        &["EVALSHA", "eb7ea6ab3ab3a0a1b2b1c2357ca9a4bcadf8cd0a", "0"],
        &[
            "SCRIPT",
            "EXISTS",
            "eb7ea6ab3ab3a0a1b2b1c2357ca9a4bcadf8cd0a",
            "ffffffffffffffffffffffffffffffffffffffff",
        ],
        &["EVAL", "return 7", "0"],
        &[
            "SCRIPT",
            "EXISTS",
            "e2ea5c0c96c1b8cd4ef3c6e4ac4a3e7f6aa5ad7e",
        ],
        &["EVALSHA", "EB7EA6AB3AB3A0A1B2B1C2357CA9A4BCADF8CD0A", "0"],
        &[
            "EVALSHA_RO",
            "eb7ea6ab3ab3a0a1b2b1c2357ca9a4bcadf8cd0a",
            "0",
        ],
        &["SCRIPT", "LOAD", "return 1 +"],
        &["SCRIPT", "FLUSH", "x"],
        &["SCRIPT", "FLUSH", "ASYNC"],
        &["SCRIPT", "FLUSH", "SYNC"],
        &["SCRIPT", "FLUSH"],
        &["EVALSHA", "eb7ea6ab3ab3a0a1b2b1c2357ca9a4bcadf8cd0a", "0"],
        &["SCRIPT", "KILL"],
        &["SCRIPT", "FOO"],
        &["SCRIPT"],
        &["SCRIPT", "HELP"],
        &["SCRIPT", "DEBUG", "foo"],
        &["SCRIPT", "DEBUG", "no"],
    ]);
}

#[test]
fn differential_libraries() {
    assert_same_replies_resp2_and_3(&[
        &["EVAL", "return cjson.encode({1, 2, {a = 1}})", "0"],
        &["EVAL", "return cjson.encode({a = 1.5})", "0"],
        &["EVAL", "return cjson.encode('a/b\"c\\n')", "0"],
        &["EVAL", "return cjson.encode({})", "0"],
        &["EVAL", "return cjson.encode(0.1)", "0"],
        &["EVAL", "return cjson.encode(1e20)", "0"],
        &["EVAL", "return cjson.decode('[1,2,3.5,\"x\",null,{\"a\":true}]')[3]", "0"],
        &["EVAL", "return cjson.decode('{\"a\":[1,2]}').a[2]", "0"],
        &["EVAL", "return cjson.decode('null') == cjson.null", "0"],
        &["EVAL", "return cmsgpack.pack({1, 2, 3})", "0"],
        &["EVAL", "return cmsgpack.pack('abc', -1, 300, -300, 70000, 1.5, true)", "0"],
        &["EVAL", "return cmsgpack.pack({a = 'b'})", "0"],
        &["EVAL", "return {cmsgpack.unpack(cmsgpack.pack(1, 'x', {5, 6}))}", "0"],
        &["EVAL", "return cmsgpack.unpack(cmsgpack.pack({a = 'b'})).a", "0"],
        &["EVAL", "return struct.pack('>I2', 258)", "0"],
        &["EVAL", "return struct.pack('<i4h', -2, 7)", "0"],
        &["EVAL", "return {struct.unpack('>I2', struct.pack('>I2', 258))}", "0"],
        &["EVAL", "return {struct.unpack('<i4Bc2', struct.pack('<i4Bc2', -5, 200, 'xy'))}", "0"],
        &["EVAL", "return struct.size('>i4h')", "0"],
        &["EVAL", "return {bit.band(0xff, 0x0f), bit.bor(1, 2, 4), bit.bxor(5, 1), bit.bnot(0)}", "0"],
        &["EVAL", "return {bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-16, 2), bit.tohex(255), bit.tohex(-1, -4)}", "0"],
        &["EVAL", "return {bit.tobit(0xffffffff), bit.rol(1, 33), bit.bswap(0x12345678)}", "0"],
        &["EVAL", "return redis.sha1hex('')", "0"],
        &["EVAL", "return redis.sha1hex('abc')", "0"],
        &["EVAL", "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}", "0"],
        &["EVAL", "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}", "0"],
        &["EVAL", "return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}", "0"],
        &["EVAL", "return redis.log(redis.LOG_WARNING, 'hi')", "0"],
        &["EVAL", "return redis.set_repl(redis.REPL_ALL)", "0"],
        &["EVAL", "return redis.replicate_commands()", "0"],
        &["EVAL", "return string.format('%d-%s', 5, 'x')", "0"],
        &["EVAL", "return table.concat({'a', 'b'}, ',')", "0"],
        &["EVAL", "return math.floor(3.7)", "0"],
        &["EVAL", "return tonumber('12') + 1", "0"],
    ]);
}

/// Random scripts from a small grammar over the string, list, hash, set
/// and sorted-set families: statements that call or pcall a command
/// (wrong types included), results collected into the returned table, in
/// both script protocols and both client protocols.
#[test]
fn differential_random_scripts() {
    use rand_core::{RngCore, SeedableRng};
    const CALLS: &[&str] = &[
        "'set', KEYS[1], ARGV[1]",
        "'get', KEYS[1]",
        "'get', 'missing'",
        "'incr', KEYS[2]",
        "'incrby', KEYS[2], 7",
        "'append', KEYS[1], ARGV[2]",
        "'strlen', KEYS[1]",
        "'rpush', KEYS[3], ARGV[1], ARGV[2]",
        "'lrange', KEYS[3], 0, -1",
        "'lpop', KEYS[3]",
        "'llen', KEYS[3]",
        "'hset', KEYS[4], 'f', ARGV[1], 'g', 2",
        "'hgetall', KEYS[4]",
        "'hget', KEYS[4], 'nope'",
        "'sadd', KEYS[5], 'a', 'b', 3",
        "'smembers', KEYS[5]",
        "'sismember', KEYS[5], 'a'",
        "'zadd', KEYS[6], 1.5, 'm', 2, 'n'",
        "'zrange', KEYS[6], 0, -1, 'WITHSCORES'",
        "'zscore', KEYS[6], 'm'",
        "'exists', KEYS[1], KEYS[2], 'missing'",
        "'type', KEYS[3]",
        "'del', KEYS[1]",
        "'incr', KEYS[1]",
        "'lpush', KEYS[1], 'x'",
        "'hgetall', KEYS[3]",
        "'expire', KEYS[2], 100",
        "'ttl', KEYS[2]",
    ];
    for seed in 0..40u64 {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut pick = |n: usize| (rng.next_u64() % n as u64) as usize;
        let mut body = String::new();
        if pick(3) == 0 {
            body.push_str("redis.setresp(3)\n");
        }
        let statements = 1 + pick(6);
        for i in 0..statements {
            let call = CALLS[pick(CALLS.len())];
            let function = if pick(2) == 0 { "pcall" } else { "call" };
            body.push_str(&format!("local r{i} = redis.{function}({call})\n"));
        }
        let results: Vec<String> = (0..statements).map(|i| format!("r{i}")).collect();
        body.push_str(&match pick(4) {
            0 => format!("return r{}", statements - 1),
            1 => format!("return type(r{})", pick(statements)),
            _ => format!("return {{{}}}", results.join(", ")),
        });
        let script = [
            "EVAL", &body, "6", "s", "n", "l", "h", "set", "z", "v1", "v2",
        ];
        // The same body as a library function.
        let library = format!(
            "#!lua name=lib\nredis.register_function('f', function(KEYS, ARGV)\n{body}\nend)"
        );
        let load: &[&str] = &["FUNCTION", "LOAD", "REPLACE", &library];
        let fcall = [
            "FCALL", "f", "6", "s", "n", "l", "h", "set", "z", "v1", "v2",
        ];
        let mut redis = crate::testing::Diff::labelled(&format!("script seed {seed}"));
        redis.check_all(&[&script, &script, load, &fcall, &fcall]);
        let mut redis3 = crate::testing::Diff::new_resp3();
        redis3.label = format!("script seed {seed} (RESP3)");
        redis3.check_all(&[&script, &script, load, &fcall, &fcall]);
    }
}

/// Arity, flags, key positions and ACL categories of EVAL, SCRIPT,
/// FUNCTION and FCALL are those Redis reports in COMMAND INFO (SCRIPT HELP
/// and the subcommands included).
#[test]
fn command_info_matches_redis() {
    let specs = super::COMMANDS
        .iter()
        .chain(super::super::functions::COMMANDS.iter());
    assert_eq!(crate::testing::check_command_info(specs), 23);
}

/// Inside a script, `SORT ... BY nosort` on a set sorts ALPHA (as with
/// STORE), so that a script's view does not depend on hash order.
#[test]
fn differential_sort_by_nosort_in_a_script_is_ordered() {
    assert_same_replies_resp2_and_3(&[
        &["SADD", "s", "pear", "apple", "fig", "banana", "10", "9"],
        &[
            "EVAL",
            "return redis.call('SORT', KEYS[1], 'BY', 'nosort')",
            "1",
            "s",
        ],
        &[
            "EVAL",
            "return redis.call('SORT', KEYS[1], 'BY', 'nosort', 'LIMIT', 1, 3)",
            "1",
            "s",
        ],
    ]);
}
