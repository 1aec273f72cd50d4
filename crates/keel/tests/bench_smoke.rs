//! `keel bench` end to end, tiny: both servers really start, every
//! workload runs on both, and the JSON report has what it promises.
//! Runs are bounded by request counts, never by time, and nothing about
//! speed is asserted. Needs `redis-server` (like the differential tests).

use std::process::Command;

use bench::workload::Workload;

mod support;

fn keel() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keel"));
    command.env("RUST_BACKTRACE", "0");
    command
}

#[test]
fn bench_compare_runs_every_workload_on_both_servers() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    let workloads: Vec<&str> = Workload::ALL.iter().map(|w| w.name()).collect();
    let out = keel()
        .args(["bench", "--compare", "--requests", "64", "--rounds", "2"])
        .arg("--workload")
        .arg(workloads.join(","))
        .args(["--pipeline", "1,4", "--clients", "3", "--keyspace", "500"])
        .args(["--subscribers", "3", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("keel/redis"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let cases = report["pairs"][0]["cases"].as_array().unwrap();
    // 9 workloads × 2 pipelines, evalsha at pipeline 1, latency, pub/sub × 2.
    let evalsha = usize::from(workloads.contains(&"evalsha"));
    assert_eq!(cases.len(), 21 + evalsha);
    for case in cases {
        let name = case["workload"].as_str().unwrap();
        for server in ["keel", "redis"] {
            let s = &case[server];
            assert_eq!(
                s["ops_per_sec_rounds"].as_array().unwrap().len(),
                2,
                "{name}"
            );
            assert_eq!(s["errors"], 0, "{name} on {server}: {s}");
        }
        assert!(case["ratio"]["ops_per_sec"].is_number(), "{name}");
    }
    assert_eq!(report["pairs"][0]["durability"], "memory");
}

#[test]
fn bench_memory_reports_bytes_per_key_and_per_connection() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("memory.json");
    let out = keel()
        .args([
            "bench",
            "memory",
            "--compare",
            "--keys",
            "2000",
            "--collections",
            "200",
        ])
        .args([
            "--connections",
            "20,40",
            "--clients",
            "2",
            "--duration",
            "0.05",
        ])
        .args(["--settle-ms", "0", "--idle-settle-ms", "0", "--rounds", "2"])
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let servers = report["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 2);
    for s in servers {
        let datasets = s["datasets"].as_array().unwrap();
        assert_eq!(datasets.len(), 4, "{s}");
        for d in datasets {
            assert!(d["error"].is_null(), "{d}");
        }
        let conns = s["connections"].as_array().unwrap();
        assert_eq!(conns.len(), 2);
        assert_eq!(conns[1]["opened"], 40, "{s}");
        assert_eq!(s["active"]["idle"], 40);
        let rounds = s["active"]["ratio"]["ops_per_sec_rounds"]
            .as_array()
            .unwrap();
        assert_eq!(rounds.len(), 2, "{s}");
    }
}

#[test]
fn bad_bench_arguments_fail_cleanly() {
    let out = keel()
        .args(["bench", "--workload", "nope"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown workload"));
}
