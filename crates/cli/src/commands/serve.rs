//! What the service commands (`market`, `results`, `scheduler`, `up`, `demo`) share: the
//! user's data folder, where to listen by default, and database URLs shown without their
//! password.

use anyhow::{Context as _, Result};
use std::{
    net::{SocketAddr, ToSocketAddrs},
    path::PathBuf,
};

/// The user's data folder for Poco: `$XDG_DATA_HOME/poco`, else `~/.local/share/poco`.
pub(crate) fn data_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("poco"));
    }
    let home = std::env::home_dir()
        .filter(|home| !home.as_os_str().is_empty())
        .context(
            "no home folder for Poco's data: set XDG_DATA_HOME, or pass a database URL or --data-dir",
        )?;
    Ok(home.join(".local").join("share").join("poco"))
}

/// Where a service listens: `listen` (its --listen), else the address of `configured` (the
/// chain's URL for this service) when it is a local `http://host:port`, else `default`.
pub(crate) fn listen_addr(
    listen: Option<&str>,
    configured: Option<&str>,
    default: &str,
) -> Result<SocketAddr> {
    let text = match listen {
        Some(text) => text.to_owned(),
        None => configured
            .and_then(local_addr)
            .unwrap_or_else(|| default.to_owned()),
    };
    text.to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .with_context(|| format!("--listen {text:?} is not HOST:PORT (for example {default})"))
}

/// The `host:port` to listen on for a local `http://` URL with a port (`localhost` as
/// 127.0.0.1); `None` for any other URL.
pub(crate) fn local_addr(url: &str) -> Option<String> {
    let rest = url.strip_prefix("http://")?;
    let authority = rest.split('/').next()?;
    let (host, port) = authority.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let host = match host {
        "localhost" | "127.0.0.1" => "127.0.0.1",
        "0.0.0.0" => "0.0.0.0",
        "[::1]" => "[::1]",
        _ => return None,
    };
    Some(format!("{host}:{port}"))
}

/// `url` without the password of its user info (`postgres://u:***@host/db`).
pub(crate) fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poco_client::chains;

    #[test]
    fn local_urls_give_a_listen_address() {
        assert_eq!(
            local_addr("http://127.0.0.1:3000").as_deref(),
            Some("127.0.0.1:3000")
        );
        assert_eq!(
            local_addr("http://localhost:3100/").as_deref(),
            Some("127.0.0.1:3100")
        );
        assert_eq!(local_addr("https://api.market.example.org"), None);
        assert_eq!(local_addr("http://10.0.0.2:3000"), None);
        assert_eq!(local_addr("http://127.0.0.1"), None);
        assert_eq!(
            local_addr(chains::DEV_RESULT_PROXY).as_deref(),
            Some("127.0.0.1:3001")
        );
        assert_eq!(local_addr("https://results.example.org"), None);
    }

    #[test]
    fn listen_prefers_the_option_then_the_chain_then_the_default() {
        let addr = |l, c| listen_addr(l, c, "127.0.0.1:13000").expect("an address");
        assert_eq!(
            addr(Some("127.0.0.1:9"), Some("http://localhost:3001")).port(),
            9
        );
        assert_eq!(addr(None, Some("http://localhost:3001")).port(), 3001);
        assert_eq!(addr(None, Some("https://x.example.org")).port(), 13000);
        assert!(listen_addr(Some("nowhere"), None, "127.0.0.1:1").is_err());
    }

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redact_password("postgres://market:s3cret@db:5432/market"),
            "postgres://market:***@db:5432/market"
        );
        assert_eq!(
            redact_password("postgres://market@db/market"),
            "postgres://market@db/market"
        );
        assert_eq!(
            redact_password("sqlite:///tmp/a.sqlite?mode=rwc"),
            "sqlite:///tmp/a.sqlite?mode=rwc"
        );
        assert_eq!(
            redact_password("postgres://r:pw@db/results"),
            "postgres://r:***@db/results"
        );
        assert_eq!(
            redact_password("postgres://core:s3cret@db:5432/core"),
            "postgres://core:***@db:5432/core"
        );
    }
}
