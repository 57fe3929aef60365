//! ABI conformance with iExec PoCo: `@iexec/poco@6.1.0` is fetched from npm at test time
//! (`npm pack`, never vendored: the tarball and its extraction are cached under
//! `CARGO_TARGET_TMPDIR`), and every function selector, event topic and error selector of its
//! `IexecInterfaceToken`, `Diamond`, registry and entry ABIs must be in ours (`contracts/out`),
//! with the same outputs and mutability for functions and the same indexed fields for events —
//! except the `*ABILegacy` views, `importScore` and `assertDatasetDealCompatibility` (and its
//! `IncompatibleDatasetOrder` error), which Poco does not provide.
//!
//! The network is needed: when npm cannot fetch the package the tests fail and say so.

use poco_contracts::alloy::json_abi::{Event, Function, JsonAbi, Param, StateMutability};
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

/// The reference package and version.
const PACKAGE: &str = "@iexec/poco@6.1.0";
/// The tarball `npm pack` writes for [`PACKAGE`].
const TARBALL: &str = "iexec-poco-6.1.0.tgz";

/// Names (of functions, events and errors) Poco leaves out on purpose.
fn ignored(name: &str) -> bool {
    name.contains("ABILegacy")
        || name == "importScore"
        || name == "assertDatasetDealCompatibility"
        || name == "IncompatibleDatasetOrder"
}

/// Runs `command`, failing the test with its output when it cannot run or exits non-zero.
fn run(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}): {command:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

/// Downloads (once per target directory) and extracts (once per test run) the reference package;
/// returns its `package/abis` folder.
fn iexec_abis() -> &'static Path {
    static ABIS: OnceLock<PathBuf> = OnceLock::new();
    ABIS.get_or_init(|| {
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("iexec-poco");
        std::fs::create_dir_all(&cache).expect("the cache folder under CARGO_TARGET_TMPDIR");
        let tarball = cache.join(TARBALL);
        if !tarball.exists() {
            // Packed into a temporary folder, then moved into place: a failed or interrupted
            // download never leaves a partial tarball in the cache.
            let download = tempfile::tempdir_in(&cache).expect("a temporary download folder");
            run(
                Command::new("npm")
                    .args(["pack", PACKAGE, "--pack-destination"])
                    .arg(download.path())
                    .current_dir(download.path()),
                &format!(
                    "fetching {PACKAGE} from npm (this test needs the npm registry to compare \
                     our ABIs with iExec's)"
                ),
            );
            std::fs::rename(download.path().join(TARBALL), &tarball)
                .expect("npm pack wrote the tarball");
        }
        let extracted = cache.join("extracted");
        if !extracted.join("package/abis").exists() {
            let staging = tempfile::tempdir_in(&cache).expect("a temporary extraction folder");
            run(
                Command::new("tar")
                    .arg("xzf")
                    .arg(&tarball)
                    .arg("-C")
                    .arg(staging.path()),
                &format!("extracting {}", tarball.display()),
            );
            // Another test process may have won the race: either copy is the same package.
            let _ = std::fs::rename(staging.keep(), &extracted);
        }
        let abis = extracted.join("package/abis");
        assert!(
            abis.is_dir(),
            "{PACKAGE} has no abis/ folder at {}",
            abis.display()
        );
        abis
    })
}

/// iExec's JSON ABI at `path` under the package's `abis/contracts`.
fn theirs(path: &str) -> JsonAbi {
    let file = iexec_abis().join("contracts").join(path);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{PACKAGE} lacks {}: {e}", file.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not a JSON ABI: {e}", file.display()))
}

/// iExec's human-readable ABI at `path` under the package's `abis/human-readable-abis`.
fn theirs_human_readable(path: &str) -> JsonAbi {
    let file = iexec_abis().join("human-readable-abis").join(path);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{PACKAGE} lacks {}: {e}", file.display()));
    let lines: Vec<String> = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not a list of strings: {e}", file.display()));
    JsonAbi::parse(lines.iter().map(String::as_str))
        .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()))
}

/// Our ABI of `contract` (`contracts/out/<contract>.json`).
fn ours(contract: &str) -> JsonAbi {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../contracts/out")
        .join(format!("{contract}.json"));
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let artifact: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
    serde_json::from_value(artifact["abi"].clone())
        .unwrap_or_else(|e| panic!("{}'s `abi` is not a JSON ABI: {e}", file.display()))
}

/// The canonical types of `params` (tuples expanded), comma-separated.
fn types(params: &[Param]) -> String {
    params
        .iter()
        .map(Param::selector_type)
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether each input of `event` is indexed.
fn indexed(event: &Event) -> Vec<bool> {
    event.inputs.iter().map(|input| input.indexed).collect()
}

/// Functions keyed by selector.
fn functions(abi: &JsonAbi) -> BTreeMap<[u8; 4], &Function> {
    abi.functions().map(|f| (f.selector().0, f)).collect()
}

/// The mutability a caller relies on: `pure` and `view` are both read-only calls to it (our
/// constant getters are `pure` where iExec's are `view`; the calls are the same on the wire).
fn mutability(f: &Function) -> StateMutability {
    match f.state_mutability {
        StateMutability::Pure | StateMutability::View => StateMutability::View,
        other => other,
    }
}

/// Compares iExec's `theirs` with `ours`; returns the number of items checked, or every
/// difference.
fn compare(theirs: &JsonAbi, ours: &JsonAbi) -> Result<usize, Vec<String>> {
    let mut problems = Vec::new();
    let mut checked = 0;
    let our_functions = functions(ours);
    for f in theirs.functions().filter(|f| !ignored(&f.name)) {
        checked += 1;
        let signature = f.signature();
        match our_functions.get(&f.selector().0) {
            None => problems.push(format!(
                "missing function {signature} (selector {})",
                f.selector()
            )),
            Some(o) => {
                if types(&f.outputs) != types(&o.outputs) {
                    problems.push(format!(
                        "function {signature} returns ({}), ours ({})",
                        types(&f.outputs),
                        types(&o.outputs)
                    ));
                }
                if mutability(f) != mutability(o) {
                    problems.push(format!(
                        "function {signature} is {:?}, ours {:?}",
                        f.state_mutability, o.state_mutability
                    ));
                }
            }
        }
    }
    let our_events: BTreeMap<_, _> = ours.events().map(|e| (e.selector(), e)).collect();
    for e in theirs.events().filter(|e| !ignored(&e.name)) {
        checked += 1;
        let signature = e.signature();
        match our_events.get(&e.selector()) {
            None => problems.push(format!(
                "missing event {signature} (topic {})",
                e.selector()
            )),
            Some(o) => {
                if indexed(e) != indexed(o) || e.anonymous != o.anonymous {
                    problems.push(format!(
                        "event {signature}: indexed {:?} anonymous {}, ours {:?} {}",
                        indexed(e),
                        e.anonymous,
                        indexed(o),
                        o.anonymous
                    ));
                }
            }
        }
    }
    let our_errors: BTreeMap<_, _> = ours.errors().map(|e| (e.selector(), e)).collect();
    for e in theirs.errors().filter(|e| !ignored(&e.name)) {
        checked += 1;
        if !our_errors.contains_key(&e.selector()) {
            problems.push(format!(
                "missing error {} (selector {})",
                e.signature(),
                e.selector()
            ));
        }
    }
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    }
}

/// Checks iExec's ABI at `path` (under `abis/contracts`) against our `contract`; at least
/// `minimum` items must be checked (a sanity bound against an empty or misread reference).
fn conforms(path: &str, contract: &str, minimum: usize) {
    match compare(&theirs(path), &ours(contract)) {
        Ok(checked) => assert!(
            checked >= minimum,
            "only {checked} items of {path} checked against {contract} (expected >= {minimum})"
        ),
        Err(problems) => panic!(
            "{contract} is not wire-compatible with iExec's {path} ({PACKAGE}):\n  {}",
            problems.join("\n  ")
        ),
    }
}

#[test]
fn hub_has_every_selector_and_topic_of_iexec_interface_token() {
    conforms("IexecInterfaceToken.json", "PocoHub", 100);
}

#[test]
fn hub_has_every_selector_and_topic_of_iexec_diamond() {
    conforms("Diamond.json", "PocoHub", 10);
}

#[test]
fn human_readable_interface_token_abi_is_the_json_one() {
    // The spec names the human-readable file as the reference: it must say the same as the JSON
    // ABI the other tests read, so the other tests check what the spec names.
    let json = theirs("IexecInterfaceToken.json");
    let human = theirs_human_readable("contracts/IexecInterfaceToken.sol/IexecInterfaceToken.json");
    let selectors = |abi: &JsonAbi| -> (Vec<String>, Vec<String>, Vec<String>) {
        let mut f: Vec<_> = abi.functions().map(|f| f.selector().to_string()).collect();
        let mut e: Vec<_> = abi.events().map(|e| e.selector().to_string()).collect();
        let mut r: Vec<_> = abi.errors().map(|e| e.selector().to_string()).collect();
        f.sort();
        e.sort();
        r.sort();
        (f, e, r)
    };
    assert_eq!(selectors(&human), selectors(&json));
    conforms_abi(&human, "PocoHub", "human-readable IexecInterfaceToken", 100);
}

/// [`conforms`] for an already-parsed reference ABI.
fn conforms_abi(theirs: &JsonAbi, contract: &str, what: &str, minimum: usize) {
    match compare(theirs, &ours(contract)) {
        Ok(checked) => assert!(checked >= minimum, "only {checked} items of {what} checked"),
        Err(problems) => panic!(
            "{contract} is not wire-compatible with iExec's {what}:\n  {}",
            problems.join("\n  ")
        ),
    }
}

#[test]
fn registries_have_every_selector_and_topic_of_iexec_registries() {
    conforms("registries/apps/AppRegistry.json", "AppRegistry", 25);
    conforms(
        "registries/datasets/DatasetRegistry.json",
        "DatasetRegistry",
        25,
    );
    conforms(
        "registries/workerpools/WorkerpoolRegistry.json",
        "WorkerpoolRegistry",
        25,
    );
}

#[test]
fn entries_have_every_selector_and_topic_of_iexec_entries() {
    conforms("registries/apps/App.json", "App", 7);
    conforms("registries/datasets/Dataset.json", "Dataset", 5);
    conforms("registries/workerpools/Workerpool.json", "Workerpool", 7);
}

#[test]
fn exclusions_match_what_iexec_has() {
    // The exclusions leave out items that exist in iExec's hub ABI: if a later package renamed
    // them, the exclusion list would silently become dead and this says so.
    let abi = theirs("IexecInterfaceToken.json");
    let names: Vec<&str> = abi
        .functions()
        .map(|f| f.name.as_str())
        .chain(abi.errors().map(|e| e.name.as_str()))
        .collect();
    for name in [
        "importScore",
        "assertDatasetDealCompatibility",
        "IncompatibleDatasetOrder",
    ] {
        assert!(names.contains(&name), "{PACKAGE} has no {name}");
    }
    assert!(
        names.iter().filter(|n| n.contains("ABILegacy")).count() >= 5,
        "{PACKAGE} has the *ABILegacy views"
    );
}
