//! Errors of the shared types: bad user input (amounts, tags), signatures that do not verify,
//! and values read from the chain that the protocol does not define.

/// Result alias of this crate.
pub type Result<T, E = TypesError> = std::result::Result<T, E>;

/// What can go wrong parsing, signing or verifying protocol values.
#[derive(Debug, thiserror::Error)]
pub enum TypesError {
    /// An amount string was empty (or only whitespace).
    #[error("empty amount: expected something like \"1.5 RLC\", \"300 nRLC\" or \"300\"")]
    AmountEmpty,
    /// An amount's number part is not a plain non-negative decimal number.
    #[error(
        "invalid amount {0:?}: expected a decimal number such as 1.5, optionally followed by RLC or nRLC"
    )]
    AmountSyntax(String),
    /// An amount's unit is neither `RLC` nor `nRLC`.
    #[error("unknown unit {0:?}: expected RLC or nRLC")]
    AmountUnit(String),
    /// An amount has more fractional digits than its unit allows (9 for RLC, 0 for nRLC): it
    /// would need a fraction of a nRLC.
    #[error(
        "amount {input:?} is more precise than 1 nRLC: {unit} allows at most {max_decimals} decimals"
    )]
    AmountPrecision {
        /// The amount as given.
        input: String,
        /// The unit it was given in.
        unit: &'static str,
        /// How many decimals that unit allows.
        max_decimals: u32,
    },
    /// An amount does not fit in a uint256 once converted to nRLC.
    #[error("amount {0:?} is too large for a uint256")]
    AmountOverflow(String),
    /// A tag name is not one of the names the iExec SDK knows (tee, scone, gramine, tdx, gpu).
    #[error("unknown tag {0:?}: known tags are tee, scone, gramine, tdx and gpu")]
    UnknownTag(String),
    /// A tag has a bit set that has no name, so it cannot be shown as a tag array.
    #[error("tag bit {0} has no name")]
    UnnamedTagBit(u8),
    /// A tag string is neither 0x-prefixed bytes32 hex nor a list of tag names.
    #[error(
        "invalid tag {0:?}: expected 0x followed by 64 hex digits, or tag names such as tee,scone"
    )]
    TagSyntax(String),
    /// A signature is neither 65 bytes (r‖s‖v) nor 64 bytes (EIP-2098 compact).
    #[error("signature must be 65 bytes (r, s, v) or 64 bytes (EIP-2098), got {0}")]
    SignatureLength(usize),
    /// A 65-byte signature's v byte is not 27 or 28, which the hub's ECDSA check rejects.
    #[error("signature v must be 27 or 28, got {0}")]
    SignatureV(u8),
    /// A signature's s is in the upper half of the curve order: a malleable signature, which the
    /// hub rejects.
    #[error("signature s is in the upper half of the curve order (malleable signature)")]
    SignatureHighS,
    /// No public key can be recovered from the signature (r or s out of range, or not on the curve).
    #[error("cannot recover a signer from the signature: {0}")]
    SignatureRecovery(#[source] alloy_primitives::SignatureError),
    /// The signer refused or failed to sign (a hardware wallet, a remote signer...).
    #[error("signing failed: {0}")]
    Signer(#[from] alloy_signer::Error),
    /// A numeric status read from the chain is outside the protocol's enum.
    #[error("unknown {kind} value {value}")]
    UnknownStatus {
        /// Which enum (TaskStatus, ContributionStatus, OrderOperation).
        kind: &'static str,
        /// The value read.
        value: u64,
    },
}
