//! Reading an uploaded zip (bounded) and recomputing the result digest the worker contributed,
//! with the worker's rules (design §3.5, spec §2): a deal with a callback → keccak256 of
//! computed.json's `callback-data` (empty when absent); otherwise sha256 of the file at
//! `deterministic-output-path`, or for a directory keccak256 of its direct regular files'
//! sha256s in name order (computed.json with only `callback-data` → keccak256 of it).
//!
//! Entries are the files of `/iexec_out` at the zip's root; a zip whose files all sit under one
//! `iexec_out/` folder is read the same way.

use crate::error::ResultsError;
use alloy_primitives::B256;
use poco_types::{
    callback_digest, digest_of_files,
    results::{COMPUTED_FILE, ComputedFile},
};
use sha2::{Digest, Sha256};
use std::{
    collections::BTreeMap,
    io::{Cursor, Read},
};

/// The largest total of uncompressed bytes read from one zip (a zip bomb stops here).
pub const MAX_UNZIPPED: u64 = 1 << 30;
/// The most entries one zip may have.
pub const MAX_ENTRIES: usize = 100_000;
/// The largest computed.json read.
const MAX_COMPUTED: u64 = 1 << 20;

/// What a zip holds: each regular file's sha256 by path (`/`-separated, relative to
/// `/iexec_out`), and computed.json's bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ZipContent {
    /// sha256 of each regular file.
    pub files: BTreeMap<String, [u8; 32]>,
    /// computed.json, when present.
    pub computed: Option<Vec<u8>>,
}

/// Reads every entry of `bytes` (checking each one's CRC), at most `max_unzipped` bytes in all.
/// A non-zip, a corrupt or encrypted zip, or an entry with an unsafe path is a
/// [`ResultsError::BadRequest`]; a zip over the limits is [`ResultsError::ContentMismatch`].
pub fn read_zip(bytes: &[u8], max_unzipped: u64) -> Result<ZipContent, ResultsError> {
    let bad = |reason: String| {
        ResultsError::BadRequest(format!(
            "the result is not a valid zip ({reason}): upload the zipped /iexec_out folder"
        ))
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    if archive.len() > MAX_ENTRIES {
        return Err(ResultsError::ContentMismatch(format!(
            "the zip has {} entries, more than the {MAX_ENTRIES} this server reads",
            archive.len()
        )));
    }
    let mut read_total = 0u64;
    let mut entries: Vec<(String, [u8; 32], Option<Vec<u8>>)> = Vec::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).map_err(|e| bad(e.to_string()))?;
        let name = file.name().map_err(|e| bad(e.to_string()))?.into_owned();
        if file.enclosed_name().is_none() {
            return Err(bad(format!("entry {name:?} has an unsafe path")));
        }
        if file.is_dir() || file.is_symlink() {
            continue;
        }
        let is_computed = name == COMPUTED_FILE || name == format!("iexec_out/{COMPUTED_FILE}");
        let mut hasher = Sha256::new();
        let mut kept = is_computed.then(Vec::new);
        let mut buffer = [0u8; 64 * 1024];
        loop {
            let n = file
                .read(&mut buffer)
                .map_err(|e| bad(format!("entry {name:?} cannot be read: {e}")))?;
            if n == 0 {
                break;
            }
            read_total += n as u64;
            if read_total > max_unzipped {
                return Err(ResultsError::ContentMismatch(format!(
                    "the zip unpacks to more than {max_unzipped} bytes: this server does not read it"
                )));
            }
            hasher.update(&buffer[..n]);
            if let Some(kept) = kept.as_mut() {
                if kept.len() as u64 + n as u64 > MAX_COMPUTED {
                    return Err(ResultsError::ContentMismatch(format!(
                        "the zip's computed.json is larger than {MAX_COMPUTED} bytes"
                    )));
                }
                kept.extend_from_slice(&buffer[..n]);
            }
        }
        entries.push((name, hasher.finalize().into(), kept));
    }
    // Files at the root, or all under one iexec_out/ folder.
    let nested = !entries.is_empty()
        && entries
            .iter()
            .all(|(name, _, _)| name.starts_with("iexec_out/"));
    let mut content = ZipContent::default();
    for (name, hash, kept) in entries {
        let name = if nested {
            name["iexec_out/".len()..].to_owned()
        } else {
            name
        };
        if name == COMPUTED_FILE {
            content.computed = kept;
        }
        content.files.insert(name, hash);
    }
    Ok(content)
}

/// The digest the zip's result gives, for a deal with (`has_callback`) or without a callback.
/// Refuses ([`ResultsError::ContentMismatch`]) a zip without a valid computed.json or without
/// the file it names.
pub fn result_digest(content: &ZipContent, has_callback: bool) -> Result<B256, ResultsError> {
    let mismatch = |reason: String| ResultsError::ContentMismatch(reason);
    let computed = content
        .computed
        .as_deref()
        .ok_or_else(|| mismatch("the zip has no computed.json at its root".to_owned()))?;
    let computed = ComputedFile::parse(computed)
        .map_err(|e| mismatch(format!("the zip's computed.json is not valid: {e}")))?;
    if has_callback {
        return Ok(callback_digest(
            computed
                .callback_data
                .as_deref()
                .map_or(&[][..], |d| &d[..]),
        ));
    }
    let Some(relative) = computed
        .relative_output_path()
        .map_err(|e| mismatch(e.to_string()))?
    else {
        let data = computed.callback_data.unwrap_or_default();
        return Ok(callback_digest(&data));
    };
    let path = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if let Some(hash) = content.files.get(&path) {
        return Ok(B256::from(*hash));
    }
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    };
    let children: Vec<(String, [u8; 32])> = content
        .files
        .iter()
        .filter_map(|(name, hash)| {
            let rest = name.strip_prefix(&prefix)?;
            (!rest.contains('/')).then(|| (rest.to_owned(), *hash))
        })
        .collect();
    let is_dir = path.is_empty() || content.files.keys().any(|name| name.starts_with(&prefix));
    if !is_dir {
        return Err(mismatch(format!(
            "computed.json names /iexec_out/{path}, which is not in the zip"
        )));
    }
    Ok(digest_of_files(&children))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use poco_types::sha256;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    /// A zip of `files` (name, content), in the given order.
    pub(crate) fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in files {
            writer
                .start_file(*name, SimpleFileOptions::default())
                .expect("entry");
            writer.write_all(content).expect("write");
        }
        writer.finish().expect("finish").into_inner()
    }

    #[test]
    fn a_file_result_is_its_sha256() {
        let zip = zip_of(&[
            (
                "computed.json",
                br#"{"deterministic-output-path":"/iexec_out/result.txt"}"#,
            ),
            ("result.txt", b"Hello, poco!"),
        ]);
        let content = read_zip(&zip, MAX_UNZIPPED).expect("valid");
        assert_eq!(
            result_digest(&content, false).expect("digest"),
            sha256(b"Hello, poco!")
        );
        // With a callback deal, the callback data counts (none: keccak of nothing).
        assert_eq!(
            result_digest(&content, true).expect("digest"),
            callback_digest(b"")
        );
    }

    #[test]
    fn a_directory_result_hashes_its_direct_files_in_name_order() {
        let zip = zip_of(&[
            (
                "iexec_out/computed.json",
                br#"{"deterministic-output-path":"/iexec_out/dir"}"#,
            ),
            ("iexec_out/dir/b.txt", b"beta"),
            ("iexec_out/dir/a.txt", b"alpha\n"),
            ("iexec_out/dir/sub/c.txt", b"ignored"),
        ]);
        let content = read_zip(&zip, MAX_UNZIPPED).expect("valid");
        // ethers v6: keccak256(concat([sha256("alpha\n"), sha256("beta")])).
        assert_eq!(
            result_digest(&content, false).expect("digest").to_string(),
            "0x9aa71eb4ee6324b0c34821169951a67740e5f7c294306bfaaebf1ae804610001"
        );
        // The whole of /iexec_out: its direct files, computed.json included.
        let whole = zip_of(&[
            (
                "computed.json",
                br#"{"deterministic-output-path":"/iexec_out"}"#,
            ),
            ("x", b"1"),
        ]);
        let content = read_zip(&whole, MAX_UNZIPPED).expect("valid");
        let expected = digest_of_files(&[
            (
                "computed.json".to_owned(),
                sha256(br#"{"deterministic-output-path":"/iexec_out"}"#).0,
            ),
            ("x".to_owned(), sha256(b"1").0),
        ]);
        assert_eq!(result_digest(&content, false).expect("digest"), expected);
    }

    #[test]
    fn callback_data_gives_the_digest() {
        let zip = zip_of(&[("computed.json", br#"{"callback-data":"0x2a"}"#)]);
        let content = read_zip(&zip, MAX_UNZIPPED).expect("valid");
        assert_eq!(
            result_digest(&content, true).expect("digest"),
            callback_digest(&[0x2a])
        );
        assert_eq!(
            result_digest(&content, false).expect("digest"),
            callback_digest(&[0x2a])
        );
    }

    #[test]
    fn bad_zips_and_bad_results_are_refused() {
        let error = read_zip(b"not a zip", MAX_UNZIPPED).expect_err("not a zip");
        assert!(matches!(error, ResultsError::BadRequest(_)), "{error:?}");
        let mut corrupt = zip_of(&[("result.txt", b"some content that is long enough")]);
        // Flip a byte of the stored data: the CRC check fails.
        let at = corrupt.windows(4).position(|w| w == b"some").unwrap_or(40);
        corrupt[at] ^= 0xff;
        let error = read_zip(&corrupt, MAX_UNZIPPED).expect_err("corrupt");
        assert!(matches!(error, ResultsError::BadRequest(_)), "{error:?}");
        let big = zip_of(&[("a", &[0u8; 1000])]);
        let error = read_zip(&big, 999).expect_err("too big");
        assert!(
            matches!(error, ResultsError::ContentMismatch(_)),
            "{error:?}"
        );
        let unsafe_path = zip_of(&[("../evil", b"x")]);
        let error = read_zip(&unsafe_path, MAX_UNZIPPED).expect_err("unsafe");
        assert!(error.to_string().contains("unsafe path"), "{error}");

        let no_computed = read_zip(&zip_of(&[("a", b"x")]), MAX_UNZIPPED).expect("valid");
        let error = result_digest(&no_computed, false).expect_err("no computed.json");
        assert!(error.to_string().contains("no computed.json"), "{error}");
        let missing = read_zip(
            &zip_of(&[(
                "computed.json",
                br#"{"deterministic-output-path":"/iexec_out/nope"}"#,
            )]),
            MAX_UNZIPPED,
        )
        .expect("valid");
        let error = result_digest(&missing, false).expect_err("missing file");
        assert!(error.to_string().contains("not in the zip"), "{error}");
        let invalid = read_zip(&zip_of(&[("computed.json", b"{}")]), MAX_UNZIPPED).expect("valid");
        let error = result_digest(&invalid, false).expect_err("invalid");
        assert!(error.to_string().contains("not valid"), "{error}");
    }
}
