//! Questions on the terminal: confirmation before spending, and wallet passwords. Without a
//! terminal nothing is asked: the command fails and says which option answers instead, so a
//! script never hangs on a prompt nobody sees.

use anyhow::{Result, bail};
use std::io::IsTerminal;

/// Asks `question` unless `force`; `Ok(false)` when the user says no.
pub(crate) fn confirm(question: &str, force: bool) -> Result<bool> {
    if force {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        bail!("{question} This needs a confirmation: run it in a terminal, or pass --force");
    }
    Ok(dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()?)
}

/// Asks for a password on the terminal (`confirmation`: ask twice, for a new one).
pub(crate) fn password(prompt: &str, confirmation: bool) -> Result<String> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        bail!("{prompt}: no terminal to ask for it; pass --password or set POCO_WALLET_PASSWORD");
    }
    let mut input = dialoguer::Password::new().with_prompt(prompt);
    if confirmation {
        input = input.with_confirmation("Repeat it", "The two passwords differ");
    }
    Ok(input.interact()?)
}
