//! Poco's demo app: the program inside the demo container image (`/app`, its entrypoint).
//!
//! It uses the standard library only, because `build.rs` compiles this one file with plain
//! `rustc` (no cargo, no dependencies) into a static binary that the `poco-demo-app` library
//! embeds. The first argument picks a behaviour; every output is deterministic, so replicates
//! of one task on different workers agree (trust > 1):
//!
//! - (default) `result.txt` = `Hello, <args>!` and one `<name> <sha256>` line per file of
//!   `/iexec_in`, sorted by name;
//! - `sleep <seconds> [args]`: waits, then as the default with the remaining arguments;
//! - `crash <code>`: exits with that code, writing nothing;
//! - `callback <hex>`: `callback-data` = `0x<hex>` in computed.json (and a `result.txt`);
//! - `dir`: two files, `deterministic-output-path` = `/iexec_out` (the directory);
//! - `no-computed`: writes `result.txt` but no computed.json;
//! - `env`: `result.txt` = the sorted `IEXEC_*` variables, one `NAME=value` per line;
//! - `probe`: `result.txt` = what the sandbox allows (writing `/iexec_in`, network interfaces,
//!   capabilities, memory and CPU limits), for the worker's engine tests.
//!
//! Every behaviour but `crash` and `no-computed` writes `/iexec_out/computed.json`. The folders
//! come from `IEXEC_IN` and `IEXEC_OUT` (defaults `/iexec_in`, `/iexec_out`), as iExec sets them.

use std::{
    env, fs, io,
    path::{Path, PathBuf},
    process::ExitCode,
    time::Duration,
};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let vars: Vec<(String, String)> = env::vars().collect();
    let in_dir = var_or(&vars, "IEXEC_IN", "/iexec_in");
    let out_dir = var_or(&vars, "IEXEC_OUT", "/iexec_out");
    let request = Request::parse(&args);
    if let Request::Sleep { seconds, .. } = &request {
        println!("sleeping {seconds} s");
        std::thread::sleep(Duration::from_secs(*seconds));
    }
    match run(&request, &vars, &in_dir, &out_dir) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("poco-demo-app: {err}");
            ExitCode::from(1)
        }
    }
}

/// The value of `name` in `vars`, or `default`, as a path.
fn var_or(vars: &[(String, String)], name: &str, default: &str) -> PathBuf {
    vars.iter()
        .find(|(key, _)| key == name)
        .map_or_else(|| PathBuf::from(default), |(_, value)| PathBuf::from(value))
}

/// What the app was asked to do.
#[derive(Debug, PartialEq, Eq)]
enum Request {
    /// Greet the arguments and hash the input files.
    Hello(Vec<String>),
    /// Sleep, then greet the remaining arguments.
    Sleep { seconds: u64, rest: Vec<String> },
    /// Exit with this code, writing nothing.
    Crash(u8),
    /// Return this hex string as callback data.
    Callback(String),
    /// Write two files and point at the directory.
    Dir,
    /// Write a result but no computed.json.
    NoComputed,
    /// List the `IEXEC_*` environment.
    Env,
    /// Report the sandbox's limits.
    Probe,
}

impl Request {
    /// Reads the arguments; a malformed number falls back to a harmless value (0 s, code 1).
    fn parse(args: &[String]) -> Self {
        let rest = || args.iter().skip(2).cloned().collect::<Vec<_>>();
        match args.first().map(String::as_str) {
            Some("sleep") => Request::Sleep {
                seconds: args.get(1).and_then(|s| s.parse().ok()).unwrap_or(0),
                rest: rest(),
            },
            Some("crash") => Request::Crash(args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1)),
            Some("callback") => {
                let hex = args.get(1).map_or("", String::as_str);
                Request::Callback(hex.trim_start_matches("0x").to_ascii_lowercase())
            }
            Some("dir") => Request::Dir,
            Some("no-computed") => Request::NoComputed,
            Some("env") => Request::Env,
            Some("probe") => Request::Probe,
            _ => Request::Hello(args.to_vec()),
        }
    }
}

/// Carries out `request` (after any sleep) with `vars` as the environment; returns the exit code.
fn run(
    request: &Request,
    vars: &[(String, String)],
    in_dir: &Path,
    out_dir: &Path,
) -> io::Result<u8> {
    let result_path = "/iexec_out/result.txt";
    match request {
        Request::Hello(args) | Request::Sleep { rest: args, .. } => {
            fs::write(out_dir.join("result.txt"), greeting(args, in_dir)?)?;
            write_computed(out_dir, result_path, None)?;
        }
        Request::Crash(code) => {
            eprintln!("crashing on purpose with exit code {code}");
            return Ok(*code);
        }
        Request::Callback(hex) => {
            if hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                eprintln!("callback data must be hex bytes, got {hex:?}");
                return Ok(2);
            }
            fs::write(out_dir.join("result.txt"), format!("callback 0x{hex}\n"))?;
            write_computed(out_dir, result_path, Some(hex))?;
        }
        Request::Dir => {
            fs::write(out_dir.join("a.txt"), "alpha\n")?;
            fs::write(out_dir.join("b.txt"), "beta\n")?;
            write_computed(out_dir, "/iexec_out", None)?;
        }
        Request::NoComputed => {
            fs::write(out_dir.join("result.txt"), "no computed.json on purpose\n")?;
        }
        Request::Env => {
            let mut lines: Vec<String> = vars
                .iter()
                .filter(|(key, _)| key.starts_with("IEXEC_"))
                .map(|(key, value)| format!("{key}={value}\n"))
                .collect();
            lines.sort();
            fs::write(out_dir.join("result.txt"), lines.concat())?;
            write_computed(out_dir, result_path, None)?;
        }
        Request::Probe => {
            fs::write(out_dir.join("result.txt"), probe(in_dir))?;
            write_computed(out_dir, result_path, None)?;
        }
    }
    println!("done: {request:?}");
    Ok(0)
}

/// `Hello, <args>!` (`world` without arguments), then `<name> <sha256 hex>` per input file.
fn greeting(args: &[String], in_dir: &Path) -> io::Result<String> {
    let who = if args.is_empty() {
        "world".to_string()
    } else {
        args.join(" ")
    };
    let mut text = format!("Hello, {who}!\n");
    let mut files = Vec::new();
    if let Ok(entries) = fs::read_dir(in_dir) {
        for entry in entries {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                files.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
    }
    files.sort();
    for name in files {
        let digest = sha256(&fs::read(in_dir.join(&name))?);
        text.push_str(&format!("{name} {}\n", hex(&digest)));
    }
    Ok(text)
}

/// One `key: value` line per sandbox property the worker promises (design §3.4).
fn probe(in_dir: &Path) -> String {
    let in_writable = fs::write(in_dir.join("probe"), "x").is_ok();
    let mut interfaces: Vec<String> = fs::read_dir("/sys/class/net")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    interfaces.sort();
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map_or(String::new(), |value| value.trim().to_string())
    };
    let first = |paths: &[&str]| {
        paths
            .iter()
            .find_map(|path| fs::read_to_string(path).ok())
            .map_or(String::new(), |value| value.trim().to_string())
    };
    let memory = first(&[
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ]);
    let cpu = match fs::read_to_string("/sys/fs/cgroup/cpu.max") {
        Ok(max) => max.trim().to_string(),
        Err(_) => format!(
            "{} {}",
            first(&[
                "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
                "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us"
            ]),
            first(&[
                "/sys/fs/cgroup/cpu/cpu.cfs_period_us",
                "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us"
            ])
        ),
    };
    format!(
        "in-writable: {in_writable}\nnetwork: {}\ncapabilities: {}\nno-new-privileges: {}\n\
         memory: {memory}\ncpu: {cpu}\n",
        interfaces.join(" "),
        field("CapEff:"),
        field("NoNewPrivs:")
    )
}

/// Writes computed.json with the output path and optional callback hex (without `0x`).
fn write_computed(out_dir: &Path, path: &str, callback: Option<&str>) -> io::Result<()> {
    let json = match callback {
        Some(hex) => {
            format!("{{\"deterministic-output-path\":\"{path}\",\"callback-data\":\"0x{hex}\"}}")
        }
        None => format!("{{\"deterministic-output-path\":\"{path}\"}}"),
    };
    fs::write(out_dir.join("computed.json"), json)
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 round constants (FIPS 180-4 §4.2.2).
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// SHA-256 of `data` (FIPS 180-4), so the app needs nothing beyond std.
fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64).wrapping_mul(8)).to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (state, add) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *state = state.wrapping_add(add);
        }
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest as _;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sha256_matches_the_sha2_crate_on_every_padding_length() {
        for len in 0..200 {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            assert_eq!(
                sha256(&data)[..],
                sha2::Sha256::digest(&data)[..],
                "length {len}"
            );
        }
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn parses_each_behaviour() {
        assert_eq!(Request::parse(&[]), Request::Hello(vec![]));
        assert_eq!(
            Request::parse(&strings(&["hello", "poco"])),
            Request::Hello(strings(&["hello", "poco"]))
        );
        assert_eq!(
            Request::parse(&strings(&["sleep", "3", "hi"])),
            Request::Sleep {
                seconds: 3,
                rest: strings(&["hi"])
            }
        );
        assert_eq!(Request::parse(&strings(&["crash", "3"])), Request::Crash(3));
        assert_eq!(
            Request::parse(&strings(&["callback", "0xAB"])),
            Request::Callback("ab".into())
        );
        assert_eq!(Request::parse(&strings(&["dir"])), Request::Dir);
        assert_eq!(
            Request::parse(&strings(&["no-computed"])),
            Request::NoComputed
        );
        assert_eq!(Request::parse(&strings(&["env"])), Request::Env);
        assert_eq!(Request::parse(&strings(&["probe"])), Request::Probe);
    }

    #[test]
    fn hello_greets_and_hashes_inputs_in_name_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (input, out) = (dir.path().join("in"), dir.path().join("out"));
        fs::create_dir_all(&input).expect("mkdir");
        fs::create_dir_all(&out).expect("mkdir");
        fs::write(input.join("b"), "beta").expect("write");
        fs::write(input.join("a"), "abc").expect("write");
        let code = run(
            &Request::parse(&strings(&["hello", "poco"])),
            &[],
            &input,
            &out,
        )
        .expect("run");
        assert_eq!(code, 0);
        assert_eq!(
            fs::read_to_string(out.join("result.txt")).expect("result"),
            "Hello, hello poco!\n\
             a ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n\
             b f44e64e75f3948e9f73f8dfa94721c4ce8cbb4f265c4790c702b2d41cfbf2753\n"
        );
        assert_eq!(
            fs::read_to_string(out.join("computed.json")).expect("computed"),
            r#"{"deterministic-output-path":"/iexec_out/result.txt"}"#
        );
    }

    #[test]
    fn other_behaviours_write_what_they_promise() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let none = dir.path().join("missing");
        fs::create_dir_all(&out).expect("mkdir");

        assert_eq!(run(&Request::Crash(3), &[], &none, &out).expect("run"), 3);
        assert!(
            fs::read_dir(&out).expect("list").next().is_none(),
            "crash writes nothing"
        );

        assert_eq!(run(&Request::NoComputed, &[], &none, &out).expect("run"), 0);
        assert!(!out.join("computed.json").exists());

        run(&Request::Callback("00ff".into()), &[], &none, &out).expect("run");
        assert_eq!(
            fs::read_to_string(out.join("computed.json")).expect("computed"),
            r#"{"deterministic-output-path":"/iexec_out/result.txt","callback-data":"0x00ff"}"#
        );
        assert_eq!(
            run(&Request::Callback("0".into()), &[], &none, &out).expect("run"),
            2
        );

        let vars = vec![
            ("PATH".to_string(), "/".to_string()),
            ("IEXEC_TASK_INDEX".to_string(), "0".to_string()),
            ("IEXEC_DEAL_ID".to_string(), "0xd".to_string()),
        ];
        run(&Request::Env, &vars, &none, &out).expect("run");
        assert_eq!(
            fs::read_to_string(out.join("result.txt")).expect("result"),
            "IEXEC_DEAL_ID=0xd\nIEXEC_TASK_INDEX=0\n"
        );

        run(&Request::Dir, &[], &none, &out).expect("run");
        assert_eq!(fs::read_to_string(out.join("b.txt")).expect("b"), "beta\n");
        assert_eq!(
            fs::read_to_string(out.join("computed.json")).expect("computed"),
            r#"{"deterministic-output-path":"/iexec_out"}"#
        );
    }
}
