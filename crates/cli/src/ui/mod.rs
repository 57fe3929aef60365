//! What the user sees and answers: results on stdout (human or `--raw` JSON), progress on stderr,
//! confirmation and password prompts on the terminal.

pub(crate) mod output;
pub(crate) mod progress;
pub(crate) mod prompt;
