//! Keystore files in a directory, under geth's names.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use alloy_primitives::Address;

use super::Keystore;
use crate::error::{ClientError, Result};

/// Files larger than this are not keystores and are not read by [`list`].
const MAX_KEYSTORE_FILE: u64 = 1 << 20;

/// geth's keystore directory, `$HOME/.ethereum/keystore`, where Poco keeps its wallets.
///
/// Fails with [`ClientError::NoHomeDir`] when the home directory is unknown.
pub fn default_keystore_dir() -> Result<PathBuf> {
    let home = std::env::home_dir()
        .filter(|home| !home.as_os_str().is_empty())
        .ok_or(ClientError::NoHomeDir)?;
    Ok(home.join(".ethereum").join("keystore"))
}

/// geth's name for the keystore file of `address` written at `now`:
/// `UTC--2026-11-21T10-04-05.123456789Z--<address in lowercase hex without 0x>`.
pub fn file_name(address: Address, now: SystemTime) -> String {
    let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since_epoch.as_secs();
    let (year, month, day) = civil_from_days(secs / 86_400);
    let in_day = secs % 86_400;
    format!(
        "UTC--{year:04}-{month:02}-{day:02}T{:02}-{:02}-{:02}.{:09}Z--{}",
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60,
        since_epoch.subsec_nanos(),
        hex::encode(address),
    )
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March first
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Writes a keystore into `dir` under geth's name ([`file_name`]) and returns its path.
///
/// Creates `dir` (mode 0700) if needed; writes the file with mode 0600, atomically: into a
/// temporary file in `dir`, synced, then linked to its name, which fails rather than replace
/// an existing file ([`ClientError::KeystoreExists`]). The keystore must state its address.
pub fn save(dir: &Path, keystore: &Keystore) -> Result<PathBuf> {
    save_at(dir, keystore, SystemTime::now())
}

/// [`save`] with the time that names the file.
fn save_at(dir: &Path, keystore: &Keystore, now: SystemTime) -> Result<PathBuf> {
    let address = keystore
        .address
        .ok_or_else(|| ClientError::InvalidKeystore {
            path: None,
            reason: "it does not state its address, which its file name needs".into(),
        })?;
    create_private_dir(dir)?;
    let path = dir.join(file_name(address, now));
    if fs::symlink_metadata(&path).is_ok() {
        return Err(ClientError::KeystoreExists { path });
    }

    let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4()));
    let written = (|| {
        let mut file = private_file_options().open(&tmp)?;
        file.write_all(keystore.to_json().as_bytes())?;
        file.sync_all()
    })();
    if let Err(source) = written {
        let _ = fs::remove_file(&tmp);
        return Err(ClientError::KeystoreIo {
            action: "write",
            path: tmp,
            source,
        });
    }
    if let Err(e) = place(&tmp, &path) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    // Make the new name durable too; not every platform can sync a directory.
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(path)
}

/// Gives the written file `tmp` its name `path`, never replacing an existing file: a hard
/// link fails if `path` exists, unlike a rename; where the file system has no hard links,
/// falls back to a rename after checking that `path` does not exist.
fn place(tmp: &Path, path: &Path) -> Result<()> {
    let exists = || ClientError::KeystoreExists {
        path: path.to_path_buf(),
    };
    match fs::hard_link(tmp, path) {
        Ok(()) => fs::remove_file(tmp).map_err(|source| ClientError::KeystoreIo {
            action: "remove",
            path: tmp.to_path_buf(),
            source,
        }),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(exists()),
        Err(_) if fs::symlink_metadata(path).is_ok() => Err(exists()),
        Err(_) => fs::rename(tmp, path).map_err(|source| ClientError::KeystoreIo {
            action: "write",
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Creates `dir` and its parents, with mode 0700 on Unix.
fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|source| ClientError::KeystoreIo {
            action: "create the directory",
            path: dir.to_path_buf(),
            source,
        })
}

/// Options to create a new file, readable by its owner only on Unix.
fn private_file_options() -> fs::OpenOptions {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// The wallet used when none is named: the newest keystore in `dir` by the creation time in
/// geth's file name (`UTC--<time>--<address>`), as the iExec SDK picks it; files named
/// otherwise come after every dated one.
pub fn newest(dir: &Path) -> Result<PathBuf> {
    let mut wallets = list(dir)?;
    let created = |path: &Path| {
        path.file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .and_then(|name| name.split("--").nth(1).map(str::to_owned))
    };
    wallets.sort_by_key(|(_, path)| created(path));
    wallets
        .pop()
        .map(|(_, path)| path)
        .ok_or_else(|| ClientError::NoWallet {
            dir: dir.to_path_buf(),
        })
}

/// The keystores in `dir`: every regular file (or link to one) that reads as a V3 keystore
/// stating its address, with that address, sorted by file name. Other files, hidden files
/// and subdirectories are skipped; a missing `dir` holds no keystores.
pub fn list(dir: &Path) -> Result<Vec<(Address, PathBuf)>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ClientError::KeystoreIo {
                action: "list",
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| ClientError::KeystoreIo {
            action: "list",
            path: dir.to_path_buf(),
            source,
        })?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') || name.to_string_lossy().ends_with('~') {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() || meta.len() > MAX_KEYSTORE_FILE {
            continue;
        }
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        if let Ok(Keystore {
            address: Some(address),
            ..
        }) = Keystore::from_json(&text)
        {
            found.push((address, path));
        }
    }
    found.sort_by(|a, b| a.1.file_name().cmp(&b.1.file_name()));
    Ok(found)
}

/// The keystore file of `address` in `dir` (the first by file name if there are several).
///
/// Fails with [`ClientError::WalletNotFound`] when there is none.
pub fn find(dir: &Path, address: Address) -> Result<PathBuf> {
    list(dir)?
        .into_iter()
        .find(|(a, _)| *a == address)
        .map(|(_, path)| path)
        .ok_or_else(|| ClientError::WalletNotFound {
            address,
            dir: dir.to_path_buf(),
        })
}

/// Reads the keystore file at `path`.
///
/// Fails with [`ClientError::KeystoreFileNotFound`] when there is no such file,
/// [`ClientError::KeystoreIo`] when it cannot be read, and [`ClientError::InvalidKeystore`]
/// (naming the path) when it is not a V3 keystore.
pub fn load(path: &Path) -> Result<Keystore> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(ClientError::KeystoreFileNotFound {
                path: path.to_path_buf(),
            });
        }
        Err(source) => {
            return Err(ClientError::KeystoreIo {
                action: "read",
                path: path.to_path_buf(),
                source,
            });
        }
    };
    Keystore::from_json(&text).map_err(|e| match e {
        ClientError::InvalidKeystore { reason, .. } => ClientError::InvalidKeystore {
            path: Some(path.to_path_buf()),
            reason,
        },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use alloy_primitives::address;
    use alloy_signer_local::PrivateKeySigner;

    use super::*;
    use crate::keystore::{ScryptCost, decrypt, encrypt_with};

    fn keystore() -> (PrivateKeySigner, Keystore) {
        let signer = PrivateKeySigner::random();
        let keystore = encrypt_with(&signer, "pw", ScryptCost::new(10)).expect("encrypts");
        (signer, keystore)
    }

    #[test]
    fn file_name_is_geths() {
        let address = address!("8028b3aBf6864992e058bE0fcEbE1a1170245C0b");
        // 2026-11-21T10:04:05.123456789Z
        let now = UNIX_EPOCH + Duration::new(1_795_255_445, 123_456_789);
        assert_eq!(
            file_name(address, now),
            "UTC--2026-11-21T10-04-05.123456789Z--8028b3abf6864992e058be0fcebe1a1170245c0b"
        );
        assert_eq!(
            file_name(address, UNIX_EPOCH),
            "UTC--1970-01-01T00-00-00.000000000Z--8028b3abf6864992e058be0fcebe1a1170245c0b"
        );
        // A leap day, and the last second of a leap year.
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29T00:00:00Z
        assert!(file_name(address, leap).starts_with("UTC--2000-02-29T00-00-00.000000000Z--"));
        let eoy = UNIX_EPOCH + Duration::from_secs(1_735_689_599); // 2024-12-31T23:59:59Z
        assert!(file_name(address, eoy).starts_with("UTC--2024-12-31T23-59-59.000000000Z--"));
    }

    #[test]
    fn civil_dates_match_a_day_by_day_count() {
        // Walk day by day from 1970 to 2200 and compare with the computed date.
        let (mut y, mut m, mut d) = (1970u64, 1u64, 1u64);
        for days in 0..84_000u64 {
            assert_eq!(civil_from_days(days), (y, m, d), "day {days}");
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let len = [
                31,
                if leap { 29 } else { 28 },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ][usize::try_from(m - 1).expect("small")];
            d += 1;
            if d > len {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
    }

    #[test]
    fn save_list_find_load() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("nested").join("keystore");
        assert!(list(&dir).expect("a missing dir lists").is_empty());

        let (signer, ks) = keystore();
        let path = save(&dir, &ks).expect("saves");
        assert_eq!(path.parent(), Some(dir.as_path()));
        let name = path
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        assert!(name.starts_with("UTC--"), "{name}");
        assert!(
            name.ends_with(&format!("Z--{}", hex::encode(signer.address()))),
            "{name}"
        );

        let (signer2, ks2) = keystore();
        let path2 = save(&dir, &ks2).expect("saves");
        // Files that are not keystores, or do not state an address, are skipped.
        fs::write(dir.join("notes.txt"), "hello").expect("writes");
        let mut anonymous = ks.clone();
        anonymous.address = None;
        fs::write(dir.join("UTC--anonymous"), anonymous.to_json()).expect("writes");
        fs::create_dir(dir.join("UTC--subdir")).expect("mkdir");
        fs::write(dir.join(".hidden"), ks.to_json()).expect("writes");
        // No temporary file is left behind.
        let names: Vec<String> = fs::read_dir(&dir)
            .expect("reads")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.starts_with(".tmp-")), "{names:?}");

        let listed = list(&dir).expect("lists");
        let mut expected = vec![
            (signer.address(), path.clone()),
            (signer2.address(), path2.clone()),
        ];
        expected.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(listed, expected);

        assert_eq!(find(&dir, signer2.address()).expect("finds"), path2);
        let stranger = PrivateKeySigner::random().address();
        match find(&dir, stranger) {
            Err(ClientError::WalletNotFound { address, dir: d }) => {
                assert_eq!(address, stranger);
                assert_eq!(d, dir);
            }
            other => panic!("expected WalletNotFound, got {other:?}"),
        }

        let loaded = load(&path).expect("loads");
        assert_eq!(loaded, ks);
        assert_eq!(
            decrypt(&loaded, "pw").expect("decrypts").address(),
            signer.address()
        );
    }

    #[cfg(unix)]
    #[test]
    fn permissions_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("keystore");
        let path = save(&dir, &keystore().1).expect("saves");
        let mode = |p: &Path| fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir), 0o700);
    }

    #[test]
    fn save_refuses_to_overwrite() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (_, ks) = keystore();
        let now = SystemTime::now();
        let path = save_at(tmp.path(), &ks, now).expect("saves");
        let before = fs::read(&path).expect("reads");

        // Another keystore of the same address at the same instant gets the same name.
        let mut other = keystore().1;
        other.address = ks.address;
        match save_at(tmp.path(), &other, now) {
            Err(ClientError::KeystoreExists { path: p }) => assert_eq!(p, path),
            other => panic!("expected KeystoreExists, got {other:?}"),
        }
        assert_eq!(fs::read(&path).expect("reads"), before);

        // The placement itself refuses too (the name taken between the check and the link).
        let staged = tmp.path().join(".tmp-test");
        fs::write(&staged, other.to_json()).expect("writes");
        assert!(matches!(
            place(&staged, &path),
            Err(ClientError::KeystoreExists { .. })
        ));
        assert_eq!(fs::read(&path).expect("reads"), before);
    }

    #[test]
    fn save_needs_an_address() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (_, mut ks) = keystore();
        ks.address = None;
        assert!(matches!(
            save(tmp.path(), &ks),
            Err(ClientError::InvalidKeystore { .. })
        ));
    }

    #[test]
    fn load_names_the_path() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let missing = tmp.path().join("nope.json");
        let err = load(&missing).expect_err("missing");
        assert!(matches!(&err, ClientError::KeystoreFileNotFound { path } if *path == missing));
        assert!(
            err.to_string().contains(&missing.display().to_string()),
            "{err}"
        );

        let junk = tmp.path().join("junk.json");
        fs::write(&junk, r#"{"version": 1}"#).expect("writes");
        let err = load(&junk).expect_err("not a keystore");
        assert!(
            matches!(&err, ClientError::InvalidKeystore { path: Some(p), .. } if *p == junk),
            "{err:?}"
        );
        assert!(
            err.to_string().contains(&junk.display().to_string()),
            "{err}"
        );
    }
}
