//! Plumbing shared by Poco's services (scheduler, worker, result storage): database connection
//! and migrations ([`db`]), key/value settings ([`settings`]) and a persisted random secret
//! ([`secret`]), HS256 JSON Web Tokens ([`jwt`]), one transaction queue per signing key
//! ([`txq`]), a chain log follower that applies block ranges exactly once ([`follow`]), HTTP
//! error bodies ([`http`]) and clocks ([`time`]).

pub mod db;
pub mod error;
pub mod follow;
pub mod http;
pub mod jwt;
pub mod secret;
pub mod settings;
pub mod time;
pub mod txq;

pub use error::{Result, ServiceError};
pub use follow::{FollowConfig, LogFollower, LogSink, Start};
pub use http::ApiError;
pub use jwt::{Claims, JwtError, JwtKey};
pub use txq::TxQueue;
