//! The `--watch` of `poco deal show` and `poco task show`: the hidden `--interval` it polls at,
//! and the spinner that shows the watched view's status line whenever it changes.

use crate::context::Ctx;
use anyhow::Result;
use clap::Args;
use std::time::Duration;

/// The hidden `--interval` of a `show --watch`, flattened into its arguments.
#[derive(Debug, Args)]
pub(crate) struct WatchInterval {
    /// How often --watch reads ("2s", "500ms").
    #[arg(long, hide = true, default_value = "2s", value_parser = parse_interval)]
    pub(crate) interval: Duration,
}

/// Runs a watch with the spinner on: `watch` is the client's watch, handed the callback that
/// shows `line` of each view read, once per change. Returns the view it settled on.
pub(crate) async fn watched<V>(
    ctx: &Ctx,
    line: fn(&V) -> String,
    watch: impl AsyncFnOnce(&mut dyn FnMut(&V)) -> poco_client::Result<V>,
) -> Result<V> {
    let progress = ctx.progress();
    let mut last = String::new();
    let view = watch(&mut |view: &V| {
        let message = line(view);
        if message != last {
            progress.step(&message);
            last = message;
        }
    })
    .await?;
    progress.finish();
    Ok(view)
}

/// A polling interval: "2s", "500ms", "1.5" (seconds).
fn parse_interval(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: write it like 2s or 500ms"))?;
    if !(value.is_finite() && value > 0.0) {
        return Err(format!("`{text}`: the interval must be positive"));
    }
    Ok(Duration::from_secs_f64(value * scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_read_seconds_and_milliseconds() {
        assert_eq!(parse_interval("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_interval("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_interval("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_interval("0s").is_err());
        assert!(parse_interval("soon").is_err());
    }
}
