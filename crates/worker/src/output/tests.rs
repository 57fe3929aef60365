//! Outputs: error.txt lines, computed.json validation and path escapes, digests, the zip.

use super::*;
use poco_types::sha256;
use std::io::Read as _;

fn out_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    fs::create_dir_all(&out).expect("mkdir");
    (dir, out)
}

fn outcome(exit_code: Option<i64>, timed_out: bool, oom_killed: bool) -> RunOutcome {
    RunOutcome {
        exit_code,
        timed_out,
        oom_killed,
        ..Default::default()
    }
}

#[test]
fn run_failures_are_one_deterministic_line() {
    let limit = Duration::from_secs(300);
    assert_eq!(
        Failure::of_run(&outcome(Some(0), false, false), limit),
        None
    );
    let cases = [
        (
            outcome(Some(3), false, false),
            "APP_COMPUTE_FAILED: the app exited with code 3\n",
        ),
        (
            outcome(Some(137), true, false),
            "APP_COMPUTE_TIMEOUT: the app ran longer than the category's 300 s and was stopped\n",
        ),
        (
            outcome(Some(137), false, true),
            "APP_COMPUTE_FAILED: the app was killed for using more memory than the worker allows\n",
        ),
        (
            outcome(None, false, false),
            "APP_COMPUTE_FAILED: the app stopped without an exit code\n",
        ),
    ];
    for (run, line) in cases {
        let failure = Failure::of_run(&run, limit).expect("a failure");
        assert_eq!(error_line(failure.cause, &failure.message), line);
    }
    let none = Failure::no_computed();
    assert_eq!(
        error_line(none.cause, &none.message),
        "COMPUTED_FILE_NOT_FOUND: the app wrote no valid /iexec_out/computed.json\n"
    );
}

#[test]
fn a_valid_file_result_digests_the_file() {
    let (_dir, out) = out_dir();
    fs::write(out.join("result.txt"), "beta").expect("write");
    fs::write(
        out.join(COMPUTED_FILE),
        r#"{"deterministic-output-path":"/iexec_out/result.txt"}"#,
    )
    .expect("write");
    let computed = finish(&out, None, false).expect("finishes");
    assert_eq!(computed.digest, sha256(b"beta"));
    assert_eq!(computed.failure, None);
    assert_eq!(computed.callback_data, None);
    assert!(!out.join(ERROR_FILE).exists());
}

#[test]
fn a_directory_result_digests_its_files() {
    let (_dir, out) = out_dir();
    fs::create_dir(out.join("sub")).expect("mkdir");
    fs::write(out.join("sub/a.txt"), "alpha\n").expect("write");
    fs::write(out.join("sub/b.txt"), "beta").expect("write");
    fs::write(
        out.join(COMPUTED_FILE),
        r#"{"deterministic-output-path":"/iexec_out/sub"}"#,
    )
    .expect("write");
    let computed = finish(&out, None, false).expect("finishes");
    assert_eq!(
        computed.digest,
        poco_types::digest_of_files(&[
            ("a.txt".into(), sha256(b"alpha\n").0),
            ("b.txt".into(), sha256(b"beta").0)
        ])
    );
}

/// Each bad computed.json gives the same COMPUTED_FILE_NOT_FOUND error.txt, and the digest is
/// that of error.txt.
#[test]
fn invalid_computed_json_gives_error_txt() {
    let error = "COMPUTED_FILE_NOT_FOUND: the app wrote no valid /iexec_out/computed.json\n";
    let cases: [(&str, Option<&str>); 7] = [
        ("missing", None),
        ("not JSON", Some("{")),
        ("no path", Some(r#"{"error-message":"x"}"#)),
        (
            "outside",
            Some(r#"{"deterministic-output-path":"/etc/passwd"}"#),
        ),
        (
            "dot-dot",
            Some(r#"{"deterministic-output-path":"/iexec_out/../in/secret"}"#),
        ),
        (
            "absent file",
            Some(r#"{"deterministic-output-path":"/iexec_out/nope.txt"}"#),
        ),
        (
            "callback only, no callback deal",
            Some(r#"{"callback-data":"0x01"}"#),
        ),
    ];
    for (name, json) in cases {
        let (_dir, out) = out_dir();
        fs::write(out.join("result.txt"), "kept").expect("write");
        if let Some(json) = json {
            fs::write(out.join(COMPUTED_FILE), json).expect("write");
        }
        let computed = finish(&out, None, false).expect("finishes");
        assert_eq!(computed.failure, Some(Failure::no_computed()), "{name}");
        assert!(computed.computed_error.is_some(), "{name}");
        assert_eq!(
            fs::read_to_string(out.join(ERROR_FILE)).expect("error.txt"),
            error,
            "{name}"
        );
        assert_eq!(
            fs::read_to_string(out.join(COMPUTED_FILE)).expect("computed"),
            r#"{"deterministic-output-path":"/iexec_out/error.txt"}"#,
            "{name}"
        );
        assert_eq!(computed.digest, sha256(error.as_bytes()), "{name}");
        assert_eq!(
            fs::read_to_string(out.join("result.txt")).expect("kept"),
            "kept",
            "{name}"
        );
    }
}

#[test]
fn links_cannot_escape_the_output_folder() {
    let (dir, out) = out_dir();
    let secret = dir.path().join("secret");
    fs::write(&secret, "host file").expect("write");
    std::os::unix::fs::symlink(&secret, out.join("link")).expect("symlink");
    fs::write(
        out.join(COMPUTED_FILE),
        r#"{"deterministic-output-path":"/iexec_out/link"}"#,
    )
    .expect("write");
    let computed = finish(&out, None, false).expect("finishes");
    assert_eq!(computed.failure, Some(Failure::no_computed()));
    assert!(!out.join("link").exists(), "links are removed");
    assert_eq!(fs::read_to_string(&secret).expect("untouched"), "host file");

    // A link inside a result directory is dropped, not followed.
    let (dir, out) = out_dir();
    let secret = dir.path().join("secret");
    fs::write(&secret, "host file").expect("write");
    fs::write(out.join("a.txt"), "alpha\n").expect("write");
    std::os::unix::fs::symlink(&secret, out.join("b.txt")).expect("symlink");
    fs::write(
        out.join(COMPUTED_FILE),
        r#"{"deterministic-output-path":"/iexec_out"}"#,
    )
    .expect("write");
    let computed = finish(&out, None, false).expect("finishes");
    assert_eq!(computed.failure, None);
    let computed_json = fs::read(out.join(COMPUTED_FILE)).expect("computed");
    assert_eq!(
        computed.digest,
        poco_types::digest_of_files(&[
            ("a.txt".into(), sha256(b"alpha\n").0),
            (COMPUTED_FILE.into(), sha256(&computed_json).0)
        ])
    );
}

#[test]
fn input_failures_and_crashes_overwrite_computed_json() {
    let (_dir, out) = out_dir();
    fs::write(
        out.join(COMPUTED_FILE),
        r#"{"deterministic-output-path":"/iexec_out/x"}"#,
    )
    .expect("write");
    let failure = Failure::new(
        ReplicateStatusCause::InputFilesDownloadFailed,
        "https://host/file: HTTP 404",
    );
    let computed = finish(&out, Some(failure.clone()), false).expect("finishes");
    let line = "INPUT_FILES_DOWNLOAD_FAILED: https://host/file: HTTP 404\n";
    assert_eq!(
        fs::read_to_string(out.join(ERROR_FILE)).expect("error.txt"),
        line
    );
    assert_eq!(computed.digest, sha256(line.as_bytes()));
    assert_eq!(computed.failure, Some(failure));
    assert_eq!(computed.computed_error, None);
}

#[test]
fn callback_deals_digest_the_callback_data() {
    let (_dir, out) = out_dir();
    fs::write(out.join(COMPUTED_FILE), r#"{"callback-data":"0x00ff"}"#).expect("write");
    let computed = finish(&out, None, true).expect("finishes");
    assert_eq!(computed.failure, None);
    assert_eq!(computed.callback_data, Some(Bytes::from(vec![0x00, 0xff])));
    assert_eq!(computed.digest, callback_digest(&[0x00, 0xff]));

    // A callback deal whose app gives no callback data digests empty bytes (⚑A22).
    let (_dir, out) = out_dir();
    fs::write(out.join("r"), "x").expect("write");
    fs::write(
        out.join(COMPUTED_FILE),
        r#"{"deterministic-output-path":"/iexec_out/r"}"#,
    )
    .expect("write");
    let computed = finish(&out, None, true).expect("finishes");
    assert_eq!(computed.digest, callback_digest(&[]));
    assert_eq!(computed.callback_data, Some(Bytes::new()));

    // So does a failed one.
    let (_dir, out) = out_dir();
    let failure = Failure::new(
        ReplicateStatusCause::AppComputeFailed,
        "the app exited with code 1",
    );
    let computed = finish(&out, Some(failure), true).expect("finishes");
    assert_eq!(computed.digest, callback_digest(&[]));
}

#[test]
fn zips_are_deterministic_and_complete() {
    let make = |order: &[(&str, &str)]| {
        let (dir, out) = out_dir();
        fs::create_dir(out.join("sub")).expect("mkdir");
        for (name, text) in order {
            fs::write(out.join(name), text).expect("write");
        }
        let zip = zip_dir(&out).expect("zips");
        (dir, zip)
    };
    let (_a, first) = make(&[
        ("b.txt", "beta"),
        ("sub/c.txt", "gamma"),
        ("a.txt", "alpha"),
    ]);
    std::thread::sleep(Duration::from_millis(1100));
    let (_b, second) = make(&[
        ("a.txt", "alpha"),
        ("sub/c.txt", "gamma"),
        ("b.txt", "beta"),
    ]);
    assert_eq!(
        first, second,
        "same content, other order and times: same bytes"
    );

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(first)).expect("a zip");
    let names: Vec<String> = (0..archive.len())
        .map(|i| {
            archive
                .by_index(i)
                .expect("entry")
                .name()
                .expect("a name")
                .into_owned()
        })
        .collect();
    assert_eq!(names, ["a.txt", "b.txt", "sub/c.txt"]);
    let mut text = String::new();
    archive
        .by_name("sub/c.txt")
        .expect("entry")
        .read_to_string(&mut text)
        .expect("read");
    assert_eq!(text, "gamma");
}
