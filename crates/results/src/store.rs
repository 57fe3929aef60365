//! Where the zips are kept: an `object_store` (local folder by default, in memory for tests, S3
//! when built with the `s3` feature), each zip under the key `ipfs/<cid>`. Content addressing
//! makes every write idempotent: the same bytes always go to the same key.

use crate::error::{Result, ResultsError};
use bytes::Bytes;
use object_store::{
    ObjectStore, ObjectStoreExt, PutPayload, local::LocalFileSystem, memory::InMemory,
    path::Path as StorePath,
};
use poco_types::results::ResultCid;
use std::sync::Arc;

/// The blob store.
#[derive(Clone, Debug)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    description: String,
}

impl BlobStore {
    /// Opens the store named by `url`: `file:///absolute/dir` or a plain path (the folder is
    /// created), `memory://`, or `s3://bucket[/prefix]` (settings from the `AWS_*` environment
    /// variables; needs the `s3` feature).
    pub fn open(url: &str) -> Result<Self> {
        let refuse = |reason: &str| ResultsError::StoreUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let trimmed = url.trim();
        if trimmed.is_empty() {
            return Err(refuse("is empty"));
        }
        if trimmed == "memory://" || trimmed == "memory:" {
            return Ok(Self {
                inner: Arc::new(InMemory::new()),
                description: "memory (lost at stop)".to_owned(),
            });
        }
        if let Some(rest) = trimmed.strip_prefix("s3://") {
            return open_s3(url, rest);
        }
        let dir = match trimmed.strip_prefix("file://") {
            Some(path) if path.starts_with('/') => path,
            Some(_) => return Err(refuse("is not an absolute file:// URL")),
            None if trimmed.contains("://") => return Err(refuse("has an unknown scheme")),
            None => trimmed,
        };
        std::fs::create_dir_all(dir)
            .map_err(|e| refuse(&format!("cannot be created as a folder ({e})")))?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| refuse(&format!("cannot be opened as a folder ({e})")))?;
        Ok(Self {
            inner: Arc::new(store),
            description: format!("folder {dir}"),
        })
    }

    /// Where the blobs are, in words.
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// Writes `bytes` under `cid`'s key (idempotent).
    pub async fn put(&self, cid: &ResultCid, bytes: Bytes) -> Result<()> {
        let key = key(cid);
        self.inner
            .put(&key, PutPayload::from(bytes))
            .await
            .map_err(|e| ResultsError::store(format!("write {key}"), e))?;
        Ok(())
    }

    /// The bytes under `cid`'s key, or `None`.
    pub async fn get(&self, cid: &ResultCid) -> Result<Option<Bytes>> {
        let key = key(cid);
        match self.inner.get(&key).await {
            Ok(result) => {
                Ok(Some(result.bytes().await.map_err(|e| {
                    ResultsError::store(format!("read {key}"), e)
                })?))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(ResultsError::store(format!("read {key}"), e)),
        }
    }

    /// Whether something is stored under `cid`'s key.
    pub async fn exists(&self, cid: &ResultCid) -> Result<bool> {
        let key = key(cid);
        match self.inner.head(&key).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(ResultsError::store(format!("look up {key}"), e)),
        }
    }

    /// Deletes `cid`'s blob (absent already: fine).
    pub async fn delete(&self, cid: &ResultCid) -> Result<()> {
        let key = key(cid);
        match self.inner.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(ResultsError::store(format!("delete {key}"), e)),
        }
    }
}

/// `ipfs/<cid>`.
fn key(cid: &ResultCid) -> StorePath {
    StorePath::from(format!("ipfs/{cid}"))
}

#[cfg(feature = "s3")]
fn open_s3(url: &str, rest: &str) -> Result<BlobStore> {
    use object_store::{aws::AmazonS3Builder, prefix::PrefixStore};
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(ResultsError::StoreUrl {
            url: url.to_owned(),
            reason: "names no bucket".to_owned(),
        });
    }
    let s3 = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .build()
        .map_err(|e| ResultsError::StoreUrl {
            url: url.to_owned(),
            reason: format!("cannot be used ({e}); set AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT for another S3 service)"),
        })?;
    let prefix = prefix.trim_matches('/');
    let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
        Arc::new(s3)
    } else {
        Arc::new(PrefixStore::new(s3, prefix))
    };
    Ok(BlobStore {
        inner,
        description: format!(
            "S3 bucket {bucket}{}",
            if prefix.is_empty() {
                String::new()
            } else {
                format!(", prefix {prefix}")
            }
        ),
    })
}

#[cfg(not(feature = "s3"))]
fn open_s3(url: &str, _rest: &str) -> Result<BlobStore> {
    Err(ResultsError::StoreUrl {
        url: url.to_owned(),
        reason: "needs S3 support, which this build leaves out (feature `s3` of poco-results)"
            .to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use poco_types::results::cid_of;

    async fn round_trip(store: &BlobStore) {
        let cid = cid_of(b"zip bytes");
        assert!(!store.exists(&cid).await.expect("head"));
        assert_eq!(store.get(&cid).await.expect("get"), None);
        store
            .put(&cid, Bytes::from_static(b"zip bytes"))
            .await
            .expect("put");
        store
            .put(&cid, Bytes::from_static(b"zip bytes"))
            .await
            .expect("put again");
        assert!(store.exists(&cid).await.expect("head"));
        assert_eq!(
            store.get(&cid).await.expect("get").as_deref(),
            Some(&b"zip bytes"[..])
        );
        store.delete(&cid).await.expect("delete");
        store.delete(&cid).await.expect("delete again");
        assert!(!store.exists(&cid).await.expect("head"));
    }

    #[tokio::test]
    async fn folder_and_memory_stores_keep_blobs_by_cid() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("blobs");
        let store = BlobStore::open(&format!("file://{}", path.display())).expect("opens");
        round_trip(&store).await;
        let cid = cid_of(b"on disk");
        store
            .put(&cid, Bytes::from_static(b"on disk"))
            .await
            .expect("put");
        assert_eq!(
            std::fs::read(path.join("ipfs").join(cid.to_string())).expect("a file"),
            b"on disk"
        );
        // A plain path is a folder too.
        let plain =
            BlobStore::open(&dir.path().join("plain").display().to_string()).expect("opens");
        round_trip(&plain).await;
        round_trip(&BlobStore::open("memory://").expect("opens")).await;
    }

    #[test]
    fn bad_urls_are_refused_with_the_forms() {
        for bad in ["", "file://relative", "ftp://x/y", "s3://"] {
            let error = BlobStore::open(bad).expect_err(bad);
            assert!(
                error.to_string().contains("file:///absolute/dir"),
                "{error}"
            );
        }
    }
}
