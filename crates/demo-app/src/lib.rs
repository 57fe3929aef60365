//! Poco's demo app: a small deterministic program run in a container, shipped inside the poco
//! binary as a loadable image.
//!
//! `build.rs` compiles `src/main.rs` (the app, std only) into a static Linux binary; this library
//! embeds it ([`binary`]) and wraps it in a docker-archive ([`image_archive`]) that any Docker
//! Engine API (Docker, Podman) loads with `POST /images/load`, with no registry. Every byte of
//! the archive is fixed by the binary, so the image Id ([`image_id`], the sha256 of its config)
//! is the same on every machine and engine: the demo registers it as the app's checksum.
//!
//! ```
//! let archive = poco_demo_app::image_archive(poco_demo_app::REFERENCE);
//! assert_eq!(archive, poco_demo_app::image_archive(poco_demo_app::REFERENCE));
//! ```

use sha2::{Digest as _, Sha256};

/// The demo image's reference (name and tag) when loaded.
pub const REFERENCE: &str = concat!("localhost/poco-demo-app:", env!("CARGO_PKG_VERSION"));

/// The image's creation date: fixed, so that the config (and the Id) never change.
const CREATED: &str = "1970-01-01T00:00:00Z";

/// The app as a static Linux executable for this build's target; empty when it could not be
/// built (another target, or no static glibc: see build.rs).
pub fn binary() -> &'static [u8] {
    include_bytes!(concat!(env!("OUT_DIR"), "/poco-demo-app"))
}

/// Whether this build carries the app (see [`binary`]).
pub fn available() -> bool {
    !binary().is_empty()
}

/// The image's Id as engines report it, without `sha256:`: the lowercase hex sha256 of its
/// config JSON, which is what the demo registers as the app's on-chain checksum.
pub fn image_id() -> String {
    hex(&Sha256::digest(config_json(&layer_digest(&layer_tar()))))
}

/// The demo image as a docker-archive tar (`docker save`'s format): `manifest.json` tagging it
/// `reference`, the config (`Entrypoint ["/app"]`, created 1970-01-01) and one layer holding
/// `/app` (0755) and `/tmp` (1777), all owned by root with mtime 0. The same binary always gives
/// the same bytes.
pub fn image_archive(reference: &str) -> Vec<u8> {
    let layer = layer_tar();
    let layer_hex = layer_digest(&layer);
    let config = config_json(&layer_hex);
    let config_hex = hex(&Sha256::digest(&config));
    let config_name = format!("{config_hex}.json");
    let layer_name = format!("{layer_hex}/layer.tar");
    let reference = serde_json::to_string(reference).expect("a string always serializes");
    let manifest = format!(
        r#"[{{"Config":"{config_name}","RepoTags":[{reference}],"Layers":["{layer_name}"]}}]"#
    );
    let mut archive = tar::Builder::new(Vec::new());
    append_file(&mut archive, &config_name, 0o644, &config);
    append_file(&mut archive, &layer_name, 0o644, &layer);
    append_file(&mut archive, "manifest.json", 0o644, manifest.as_bytes());
    archive.into_inner().expect("writing to memory cannot fail")
}

/// The only layer: `app` and `tmp/`.
fn layer_tar() -> Vec<u8> {
    let mut layer = tar::Builder::new(Vec::new());
    append_file(&mut layer, "app", 0o755, binary());
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(tar::EntryType::Directory);
    header.set_path("tmp/").expect("a short ASCII path");
    header.set_mode(0o1777);
    header.set_size(0);
    set_owner_and_time(&mut header);
    header.set_cksum();
    layer
        .append(&header, std::io::empty())
        .expect("writing to memory cannot fail");
    layer.into_inner().expect("writing to memory cannot fail")
}

/// Hex sha256 of the uncompressed layer: its DiffID.
fn layer_digest(layer: &[u8]) -> String {
    hex(&Sha256::digest(layer))
}

/// The image config, written by hand so that key order never depends on serde features.
fn config_json(layer_hex: &str) -> Vec<u8> {
    let arch = if cfg!(target_arch = "aarch64") {
        "arm64"
    } else {
        "amd64"
    };
    format!(
        concat!(
            r#"{{"architecture":"{arch}","config":{{"Env":["PATH=/"],"Entrypoint":["/app"],"#,
            r#""WorkingDir":"/"}},"created":"{created}","history":[{{"created":"{created}","#,
            r#""created_by":"poco-demo-app"}}],"os":"linux","rootfs":{{"type":"layers","#,
            r#""diff_ids":["sha256:{layer}"]}}}}"#
        ),
        arch = arch,
        created = CREATED,
        layer = layer_hex
    )
    .into_bytes()
}

/// Appends a regular file owned by root with mtime 0.
fn append_file(archive: &mut tar::Builder<Vec<u8>>, path: &str, mode: u32, data: &[u8]) {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(tar::EntryType::Regular);
    header
        .set_path(path)
        .expect("archive paths are short ASCII");
    header.set_mode(mode);
    header.set_size(data.len() as u64);
    set_owner_and_time(&mut header);
    header.set_cksum();
    archive
        .append(&header, data)
        .expect("writing to memory cannot fail");
}

/// uid/gid 0 and mtime 0.
fn set_owner_and_time(header: &mut tar::Header) {
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
}

/// Lowercase hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    fn entries(tar_bytes: &[u8]) -> Vec<(String, u32, u64, Vec<u8>)> {
        let mut archive = tar::Archive::new(tar_bytes);
        let mut out = Vec::new();
        for entry in archive.entries().expect("a tar") {
            let mut entry = entry.expect("an entry");
            let path = entry.path().expect("a path").to_string_lossy().into_owned();
            let mode = entry.header().mode().expect("a mode");
            let mtime = entry.header().mtime().expect("an mtime");
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("readable");
            out.push((path, mode, mtime, data));
        }
        out
    }

    #[test]
    fn binary_is_a_static_linux_executable() {
        assert!(available(), "this target builds the demo app");
        assert_eq!(&binary()[..4], b"\x7fELF");
        // A static executable asks for no program interpreter (ld-linux).
        assert!(!binary().windows(14).any(|w| w == b"/lib64/ld-linu"));
    }

    #[test]
    fn archive_is_deterministic_and_well_formed() {
        let archive = image_archive(REFERENCE);
        assert_eq!(archive, image_archive(REFERENCE));
        let files = entries(&archive);
        let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
        let id = image_id();
        assert_eq!(names[0], format!("{id}.json"));
        assert!(names[1].ends_with("/layer.tar"));
        assert_eq!(names[2], "manifest.json");
        assert!(files.iter().all(|f| f.2 == 0), "mtime 0 everywhere");

        let config: serde_json::Value = serde_json::from_slice(&files[0].3).expect("config JSON");
        assert_eq!(hex(&Sha256::digest(&files[0].3)), id);
        assert_eq!(config["config"]["Entrypoint"], serde_json::json!(["/app"]));
        assert_eq!(config["created"], CREATED);
        let diff_id = format!("sha256:{}", hex(&Sha256::digest(&files[1].3)));
        assert_eq!(config["rootfs"]["diff_ids"][0], diff_id);

        let manifest: serde_json::Value = serde_json::from_slice(&files[2].3).expect("manifest");
        assert_eq!(manifest[0]["RepoTags"][0], REFERENCE);
        assert_eq!(manifest[0]["Config"], names[0]);
        assert_eq!(manifest[0]["Layers"][0], names[1]);

        let layer = entries(&files[1].3);
        assert_eq!(layer[0].0, "app");
        assert_eq!(layer[0].1, 0o755);
        assert_eq!(layer[0].3, binary());
        assert_eq!(layer[1].0, "tmp/");
        assert_eq!(layer[1].1, 0o1777);
    }

    #[test]
    fn the_reference_only_changes_the_manifest() {
        let other = entries(&image_archive("localhost/other:1"));
        let ours = entries(&image_archive(REFERENCE));
        assert_eq!(other[0], ours[0]);
        assert_eq!(other[1], ours[1]);
        assert_ne!(other[2], ours[2]);
    }

    #[test]
    fn the_embedded_binary_runs_and_writes_its_outputs() {
        use std::{os::unix::fs::PermissionsExt as _, process::Command};
        let dir = tempfile::tempdir().expect("temp dir");
        let app = dir.path().join("app");
        std::fs::write(&app, binary()).expect("write");
        std::fs::set_permissions(&app, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let out = dir.path().join("out");
        std::fs::create_dir(&out).expect("mkdir");
        let status = Command::new(&app)
            .args(["hello", "poco"])
            .env("IEXEC_IN", dir.path().join("none"))
            .env("IEXEC_OUT", &out)
            .status()
            .expect("runs");
        assert!(status.success());
        assert_eq!(
            std::fs::read_to_string(out.join("result.txt")).expect("result"),
            "Hello, hello poco!\n"
        );
        let status = Command::new(&app)
            .args(["crash", "7"])
            .status()
            .expect("runs");
        assert_eq!(status.code(), Some(7));
    }
}
