//! Compiles `src/main.rs` (std only) into a static Linux binary in `OUT_DIR`, with the same
//! `rustc` cargo uses, so the library can embed it as the demo image's `/app` (design ⚑A27).
//! On targets other than x86_64/aarch64 Linux GNU, or when static linking fails (no static
//! glibc: install libc6-dev), the embedded binary is empty and `binary()` says so.

use std::{env, fs, path::PathBuf, process::Command};

fn main() {
    println!("cargo:rerun-if-changed=src/main.rs");
    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let output = out_dir.join("poco-demo-app");
    let target = env::var("TARGET").expect("cargo sets TARGET");
    if !matches!(
        target.as_str(),
        "x86_64-unknown-linux-gnu" | "aarch64-unknown-linux-gnu"
    ) {
        println!("cargo:warning=poco-demo-app: no static demo binary for {target}");
        fs::write(&output, b"").expect("OUT_DIR is writable");
        return;
    }
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let source = PathBuf::from(&manifest_dir).join("src").join("main.rs");
    let status = Command::new(&rustc)
        .args([
            "--edition",
            "2024",
            "--crate-name",
            "poco_demo_app",
            "--crate-type",
            "bin",
        ])
        .args([
            "-C",
            "opt-level=2",
            "-C",
            "target-feature=+crt-static",
            "-C",
            "strip=symbols",
        ])
        .args(["-C", "codegen-units=1", "-C", "debuginfo=0"])
        // The checkout's path must not leak into the binary: the image Id depends on its bytes.
        .arg(format!("--remap-path-prefix={manifest_dir}=poco-demo-app"))
        .args(["--target", &target])
        .arg(&source)
        .arg("-o")
        .arg(&output)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .status();
    match status {
        Ok(status) if status.success() => {}
        other => {
            println!(
                "cargo:warning=poco-demo-app: `{rustc} -C target-feature=+crt-static` failed \
                 ({other:?}); the demo image is unavailable (install libc6-dev for a static glibc)"
            );
            fs::write(&output, b"").expect("OUT_DIR is writable");
        }
    }
}
