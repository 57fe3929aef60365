//! The result digest of a file or directory on disk: the crate's one I/O exception. It stays here
//! rather than in the worker because the digest rules (which entries count, in what order) are
//! protocol facts that every component checking a result must apply identically, and they are
//! only meaningful together with the filesystem walk. It uses blocking std::fs; async callers
//! run it on a blocking thread.

use crate::digest::{digest_of_files, sha256};
use alloy_primitives::B256;
use std::{fs, io, path::Path};

/// The digest of the app's deterministic output at `path`: sha256 of a file, or for a directory
/// [`digest_of_files`] over its regular files. As in iExec's worker, only the directory's direct
/// entries count: subdirectories contribute nothing (iExec's hash of a directory entry is
/// empty), so apps that need them covered should point deterministic-output-path at a file.
/// Symbolic links are followed. Fails if `path` does not exist or cannot be read.
pub fn result_digest(path: &Path) -> io::Result<B256> {
    if !fs::metadata(path)?.is_dir() {
        return Ok(sha256(&fs::read(path)?));
    }
    let mut entries = Vec::new();
    for entry in fs::read_dir(path)? {
        let entry = entry?;
        if !fs::metadata(entry.path())?.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        entries.push((name, sha256(&fs::read(entry.path())?).0));
    }
    Ok(digest_of_files(&entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::b256;

    /// ethers v6: keccak256(concat([sha256("alpha\n"), sha256("beta")])).
    const TREE: B256 = b256!("0x9aa71eb4ee6324b0c34821169951a67740e5f7c294306bfaaebf1ae804610001");

    #[test]
    fn file_digest_is_its_sha256() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("result.txt");
        fs::write(&file, "beta").expect("write");
        assert_eq!(
            result_digest(&file).expect("readable"),
            b256!("0xf44e64e75f3948e9f73f8dfa94721c4ce8cbb4f265c4790c702b2d41cfbf2753")
        );
    }

    #[test]
    fn directory_digest_hashes_files_in_name_order_and_skips_subdirectories() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Written out of order: the digest must not depend on creation or listing order.
        fs::write(dir.path().join("b.txt"), "beta").expect("write");
        fs::write(dir.path().join("a.txt"), "alpha\n").expect("write");
        assert_eq!(result_digest(dir.path()).expect("readable"), TREE);

        fs::create_dir(dir.path().join("sub")).expect("mkdir");
        fs::write(dir.path().join("sub").join("c.txt"), "ignored").expect("write");
        assert_eq!(result_digest(dir.path()).expect("readable"), TREE);
    }

    #[test]
    fn missing_path_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = result_digest(&dir.path().join("nope")).expect_err("missing");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
