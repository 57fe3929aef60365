//! Errors of the service plumbing.

use poco_client::ClientError;

/// Result alias of this crate.
pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// What can go wrong in the shared service plumbing.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The database URL is neither `sqlite://...` nor `postgres://...`.
    #[error("database URL `{0}` is neither sqlite://... nor postgres://...: fix --database-url")]
    DatabaseUrl(String),
    /// The database refused or failed a statement, or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed, or the database holds migrations this program does not know (a
    /// newer version wrote it).
    #[error(
        "database migration failed: {0}. If a newer Poco used this database, run that version or start on a fresh database"
    )]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A value stored in the database is not what this program wrote (edited by hand, or
    /// another program's database).
    #[error("the database holds an unexpected value for {what}: {value:?}")]
    Corrupt {
        /// Which value.
        what: String,
        /// What was found.
        value: String,
    },
    /// The database belongs to another deployment (another chain, hub or workerpool) than the
    /// one configured.
    #[error(
        "this database was made for {key} = {stored}, not {configured}: use another database (--database-url / --data-dir) or the original configuration"
    )]
    SettingMismatch {
        /// The setting.
        key: String,
        /// The value in the database.
        stored: String,
        /// The value configured now.
        configured: String,
    },
    /// A chain call or transaction failed (unreachable node, revert explained, not mined...).
    /// Boxed: the client's error is large. See [`ServiceError::client`].
    #[error(transparent)]
    Client(Box<ClientError>),
    /// A number does not fit the database's BIGINT.
    #[error("{what} = {value} does not fit in a BIGINT")]
    TooLarge {
        /// Which number.
        what: &'static str,
        /// Its value.
        value: u64,
    },
    /// The transaction queue stopped (the service is shutting down) before it sent the
    /// transaction.
    #[error("the transaction queue of {0} stopped before sending: the service is shutting down")]
    QueueStopped(alloy_primitives::Address),
    /// The transaction queue was given a client without a wallet.
    #[error("a transaction queue needs a client with a wallet: {0}")]
    NoWallet(String),
}

impl ServiceError {
    /// A [`ServiceError::Corrupt`].
    pub fn corrupt(what: impl Into<String>, value: impl Into<String>) -> Self {
        ServiceError::Corrupt {
            what: what.into(),
            value: value.into(),
        }
    }

    /// Whether this is a transaction the chain refused (reverted in simulation or once mined):
    /// the caller re-reads the chain instead of retrying.
    pub fn is_revert(&self) -> bool {
        matches!(self.client(), Some(ClientError::Reverted { .. }))
    }

    /// The chain client's error, if this is one.
    pub fn client(&self) -> Option<&ClientError> {
        match self {
            ServiceError::Client(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ClientError> for ServiceError {
    fn from(e: ClientError) -> Self {
        ServiceError::Client(Box::new(e))
    }
}
