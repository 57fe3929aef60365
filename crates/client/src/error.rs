//! Errors of the client library.

/// What went wrong in the client library.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    // keystore (owned by the keystore module) ------------------------------------------------
    /// A keystore's MAC does not match: the password is wrong (or the ciphertext was altered).
    #[error(
        "wrong password for {}: type the password this wallet was created or imported with",
        wallet_name(address)
    )]
    WrongPassword {
        /// The address the keystore states, if any.
        address: Option<alloy_primitives::Address>,
    },
    /// No keystore in the directory holds the wallet asked for.
    #[error(
        "no wallet for {address} in {}: create one with `poco wallet create` or import a key with `poco wallet import`",
        dir.display()
    )]
    WalletNotFound {
        /// The wallet asked for.
        address: alloy_primitives::Address,
        /// The keystore directory searched.
        dir: std::path::PathBuf,
    },
    /// A file or text is not a V3 keystore (not JSON, fields missing or malformed, another
    /// version).
    #[error(
        "{} is not a usable V3 keystore: {reason}. Export the wallet again from the tool that holds it (geth, MetaMask, the iExec SDK) or import its private key with `poco wallet import`",
        keystore_name(path)
    )]
    InvalidKeystore {
        /// The file, when the keystore was read from one.
        path: Option<std::path::PathBuf>,
        /// What is wrong with it.
        reason: String,
    },
    /// A keystore uses a cipher, key derivation function or pseudo-random function Poco does
    /// not implement.
    #[error(
        "the keystore uses {reason}, which Poco does not read: export the key from the tool that wrote it and import it with `poco wallet import`"
    )]
    UnsupportedKeystore {
        /// What it uses, and what Poco reads instead.
        reason: String,
    },
    /// A keystore's key derivation costs are out of the accepted bounds (they would hang or
    /// exhaust memory, or they are degenerate), or a new keystore was asked such costs.
    #[error(
        "refusing keystore key derivation parameters: {reason}. A keystore from geth, MetaMask or the iExec SDK never has these; re-export the wallet or import its private key with `poco wallet import`"
    )]
    KeystoreKdfParams {
        /// Which parameter and its accepted bounds.
        reason: String,
    },
    /// The password is right but the key decrypted is not the one of the address the keystore
    /// states: the file was edited or pieced together from two keystores.
    #[error(
        "the keystore says it holds wallet {stated} but its key is the one of {actual}: the file was altered; use the original file or import the private key with `poco wallet import`"
    )]
    KeystoreAddressMismatch {
        /// The address the keystore states.
        stated: alloy_primitives::Address,
        /// The address of the decrypted key.
        actual: alloy_primitives::Address,
    },
    /// There is no keystore file at the path given.
    #[error(
        "no keystore file at {}: check the path (wallets live in ~/.ethereum/keystore unless --keystoredir says otherwise), or omit --wallet-file to use the newest wallet",
        path.display()
    )]
    KeystoreFileNotFound {
        /// The path given.
        path: std::path::PathBuf,
    },
    /// Saving a keystore would replace an existing file.
    #[error(
        "{} already exists: Poco never overwrites a keystore; move that file away first if it is really to be replaced",
        path.display()
    )]
    KeystoreExists {
        /// The existing file.
        path: std::path::PathBuf,
    },
    /// Reading, writing or listing keystore files failed at the operating system level.
    #[error("cannot {action} {}: {source}. Check that the path exists and that you may access it", path.display())]
    KeystoreIo {
        /// What was being done ("read", "write", "list", "create the directory", ...).
        action: &'static str,
        /// The file or directory.
        path: std::path::PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The home directory is unknown, so the default keystore directory is too.
    #[error(
        "cannot find your home directory for the keystore directory ~/.ethereum/keystore: set HOME, or give the keystore directory explicitly"
    )]
    NoHomeDir,
    // end of keystore ------------------------------------------------------------------------

    // project files (iexec.json, chain.json, deployed.json, orders.json; owned by project and chains)
    /// A project file the command needs does not exist.
    #[error("{} not found: create it with `{create_with}`", file.display())]
    ProjectFileMissing {
        /// The file looked for.
        file: std::path::PathBuf,
        /// The command that creates it (`poco init`...).
        create_with: &'static str,
    },
    /// Creating a project file would replace an existing one.
    #[error(
        "{} already exists: pass --force to overwrite it, or edit it by hand",
        file.display()
    )]
    ProjectFileExists {
        /// The existing file.
        file: std::path::PathBuf,
    },
    /// A project file is not valid JSON.
    #[error(
        "{} is not valid JSON at line {line}, column {column}: {message}. Fix the file (or delete it and create it again)",
        file.display()
    )]
    ProjectJson {
        /// The file.
        file: std::path::PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the parser found wrong.
        message: String,
    },
    /// Reading or writing a project file failed at the operating system level.
    #[error("cannot {action} {}: {source}", file.display())]
    ProjectIo {
        /// What was being done ("read", "write"...).
        action: &'static str,
        /// The file.
        file: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A project file has no value at a key the command needs.
    #[error("{} has no `{key}`: {fix}", file.display())]
    ProjectKeyMissing {
        /// The file.
        file: std::path::PathBuf,
        /// The key path (`order.requestorder.category`).
        key: String,
        /// How to add it.
        fix: String,
    },
    /// A value in a project file is not valid.
    #[error("invalid `{key}` in {}: {value} {reason}. Fix it in that file", file.display())]
    ProjectValue {
        /// The file.
        file: std::path::PathBuf,
        /// The key path (`order.requestorder.appmaxprice`).
        key: String,
        /// The bad value, as JSON.
        value: String,
        /// Why it is not valid (starts with a verb: "is not an address").
        reason: String,
    },
    /// orders.json has no signed order of this kind for the chain.
    #[error(
        "no signed {kind}order for chain {chain_id} in {}: run `poco order sign --{kind}`",
        file.display()
    )]
    NoSignedOrder {
        /// orders.json.
        file: std::path::PathBuf,
        /// The chain id.
        chain_id: u64,
        /// `app`, `dataset`, `workerpool` or `request`.
        kind: poco_types::OrderKind,
    },
    /// deployed.json records no resource of this kind for the chain.
    #[error(
        "no {kind} deployed on chain {chain_id} according to {}: run `poco {kind} deploy`, or give the address",
        file.display()
    )]
    NotDeployed {
        /// deployed.json.
        file: std::path::PathBuf,
        /// The chain id.
        chain_id: u64,
        /// `app`, `dataset` or `workerpool`.
        kind: &'static str,
    },
    /// The chain asked for (by `--chain` or chain.json's `default`) is neither built in nor in
    /// chain.json.
    #[error(
        "unknown chain `{name}`: the known chains are {known}; add it under \"chains\" in chain.json (with its \"host\" and \"id\")"
    )]
    UnknownChain {
        /// The name asked for.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
    // end of project files -------------------------------------------------------------------

    // orders ---------------------------------------------------------------------------------
    /// An order (template, file entry or option) is not valid.
    #[error("{0}")]
    InvalidOrder(String),
    /// The chain says this order may not be signed or cancelled by this wallet (not the
    /// owner, resource not registered, already closed); nothing was signed or sent.
    #[error("{0}")]
    OrderRefused(String),
    /// The preflight of a fill found why `matchOrders` would revert; nothing was sent.
    #[error("the orders cannot be matched: {0}")]
    OrdersDoNotMatch(String),
    // end of orders ----------------------------------------------------------------------------

    // market (crate::market) -----------------------------------------------------------------
    /// The chain has no market configured (no `iexecGateway`).
    #[error(
        "chain `{chain}` has no market: chain.json gives it no `iexecGateway`. Start one with `poco market --chain {chain}` and set `iexecGateway` to its URL (printed on start) in chain.json"
    )]
    NoMarket {
        /// The chain's name.
        chain: String,
    },
    /// The market's URL is not a URL.
    #[error("the market URL `{url}` is not an http(s) URL: fix `iexecGateway` in chain.json")]
    MarketUrl {
        /// The URL given.
        url: String,
    },
    /// The market did not answer (not running, wrong URL, network).
    #[error(
        "cannot reach the market at {url} ({cause}). Is it running? Start it with `poco market` (it serves the chain of chain.json; the dev chain needs no option), or fix `iexecGateway` in chain.json"
    )]
    MarketUnreachable {
        /// The market's URL.
        url: String,
        /// What the transport said.
        cause: String,
    },
    /// The market refused the request (HTTP 4xx) and said why.
    #[error("the market at {url} says: {message}")]
    MarketRefused {
        /// The market's URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The market's message.
        message: String,
    },
    /// The market failed (HTTP 5xx).
    #[error(
        "the market at {url} failed (HTTP {status}): {message}. Try again; if it persists, look at the market's log"
    )]
    MarketFailed {
        /// The market's URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The market's message, or the status text.
        message: String,
    },
    /// The market answered something that is not the iExec market API.
    #[error(
        "the market at {url} answered something unexpected ({reason}): check that `iexecGateway` in chain.json points at a Poco or iExec market"
    )]
    MarketResponse {
        /// The market's URL.
        url: String,
        /// What is wrong with the answer.
        reason: String,
    },
    // end of market --------------------------------------------------------------------------

    // chain and transactions
    /// No wallet was named and the keystore folder holds none.
    #[error(
        "no wallet in {}: create one with `poco wallet create`, import a key with `poco wallet import`, or name a keystore file with --wallet-file",
        dir.display()
    )]
    NoWallet {
        /// The keystore folder searched.
        dir: std::path::PathBuf,
    },
    /// The chain's JSON-RPC endpoint did not answer (node down, wrong URL, network).
    #[error(
        "cannot reach chain `{chain}` at {host}: {cause}. Is the node running? (for the dev chain: `poco chain`; otherwise check `host` in chain.json)"
    )]
    ChainUnreachable {
        /// The chain's name in chain.json (or `dev`).
        chain: String,
        /// Its JSON-RPC URL.
        host: String,
        /// What the transport said.
        cause: String,
    },
    /// The node at `host` serves another chain than chain.json says.
    #[error(
        "the node at {host} serves chain id {actual}, but chain `{chain}` is configured with id {expected}: fix `id` or `host` in chain.json"
    )]
    WrongChainId {
        /// The chain's name.
        chain: String,
        /// Its JSON-RPC URL.
        host: String,
        /// The id chain.json gives.
        expected: u64,
        /// The id the node reports.
        actual: u64,
    },
    /// chain.json gives no hub address for a chain that has no built-in one.
    #[error("chain `{0}` has no hub address: add `\"hub\": \"0x…\"` to its entry in chain.json")]
    NoHubAddress(String),
    /// There is no contract at the hub address.
    #[error(
        "no Poco hub at {hub} on chain `{chain}`: for the dev chain run `poco chain` (it deploys the protocol), otherwise deploy it with `poco deploy` and set `hub` in chain.json"
    )]
    NoHub {
        /// The chain's name.
        chain: String,
        /// The configured hub address.
        hub: alloy_primitives::Address,
    },
    /// A command that sends a transaction or signs was run without a wallet.
    #[error("this needs a wallet to sign with: {0}")]
    NoSigner(String),
    /// A JSON-RPC call failed for a reason other than a revert.
    #[error("{what}: the node answered with an error: {cause}")]
    Rpc {
        /// What was being done.
        what: String,
        /// The node's error.
        cause: String,
    },
    /// The transaction would revert (found by simulating it before sending, so nothing was
    /// sent), or did revert once mined.
    #[error("{what} refused: {reason}")]
    Reverted {
        /// What was being done ("deposit", "match the orders", ...).
        what: String,
        /// The reason in plain words.
        reason: String,
        /// Whether a transaction was mined (and paid for) nonetheless.
        mined: bool,
    },
    /// The wallet cannot pay for gas.
    #[error(
        "{what}: the wallet {address} has {balance} wei of ETH, not enough to pay for gas: send it some ETH (on the dev chain, `poco wallet send-ether` from a funded dev account)"
    )]
    NoGasMoney {
        /// What was being done.
        what: String,
        /// The sender.
        address: alloy_primitives::Address,
        /// Its ETH balance, in wei.
        balance: alloy_primitives::U256,
    },
    /// No receipt in time.
    #[error(
        "{what}: transaction {tx_hash} was sent but not mined after {waited_secs} s; it may still be mined: check it later with your node or an explorer"
    )]
    NotMined {
        /// What was being done.
        what: String,
        /// The transaction.
        tx_hash: alloy_primitives::B256,
        /// Seconds waited.
        waited_secs: u64,
    },
    // deals and tasks (crate::deals)
    /// No deal has this id (the hub returns zeros for it).
    #[error("no deal {id} on chain {chain}: check the id (`poco order fill` prints it)")]
    NoDeal {
        /// The deal id asked for.
        id: alloy_primitives::B256,
        /// The chain's name.
        chain: String,
    },
    /// The task reads as zeros (not initialized yet, or no such task) and its deal, needed
    /// to watch or claim it, was not given.
    #[error(
        "task {0} is not initialized: its workerpool has not started it yet, or the id is wrong; give its deal (`--deal <dealid>`; `poco deal show <dealid>` lists a deal's tasks)"
    )]
    TaskNotInitialized(alloy_primitives::B256),
    /// The task id is none of the deal's tasks.
    #[error(
        "task {task} is not a task of deal {deal} (its {count} task(s) start at index {first}): check both ids; `poco deal show {deal}` lists its tasks"
    )]
    TaskNotInDeal {
        /// The task id.
        task: alloy_primitives::B256,
        /// The deal given.
        deal: alloy_primitives::B256,
        /// The deal's first task index.
        first: u64,
        /// How many tasks it has.
        count: u64,
    },
    /// The task belongs to another deal than the one given.
    #[error("task {task} belongs to deal {deal}, not {given}: leave --deal out or fix it")]
    TaskOfAnotherDeal {
        /// The task id.
        task: alloy_primitives::B256,
        /// Its deal, on chain.
        deal: alloy_primitives::B256,
        /// The deal given.
        given: alloy_primitives::B256,
    },
    /// Claiming before the final deadline (nothing is sent).
    #[error(
        "{subject} final deadline is {}, {}: {} still complete; claim after it",
        crate::deals::time::format_utc(*deadline),
        crate::deals::time::relative(*deadline, *now),
        if *plural { "tasks can" } else { "it can" }
    )]
    ClaimTooEarly {
        /// "the deal's" or "the task's".
        subject: String,
        /// Whether it is about several tasks.
        plural: bool,
        /// The final deadline, in Unix seconds.
        deadline: u64,
        /// The chain's time.
        now: u64,
    },
    /// Nothing is left to claim: every task completed or was claimed.
    #[error("{0}")]
    NothingToClaim(String),
    // end of deals and tasks
    // wallet and hub account (crate::wallet, crate::account) ----------------------------------
    /// The wallet holds less ETH than the amount to send; nothing was sent.
    #[error(
        "the wallet {address} holds {} ETH, not the {} ETH you want to send: send less, or fund the wallet first (`poco wallet show` shows its balances)",
        crate::wallet::units::format_ether(*have),
        crate::wallet::units::format_ether(*want)
    )]
    NotEnoughEth {
        /// The wallet.
        address: alloy_primitives::Address,
        /// Its ETH, in wei.
        have: alloy_primitives::U256,
        /// The amount asked, in wei.
        want: alloy_primitives::U256,
    },
    /// The wallet holds less RLC than the amount to send or deposit; nothing was sent.
    #[error(
        "the wallet {address} holds {have} nRLC ({}), not the {want} nRLC ({}) you want to {action}: {fix}",
        poco_types::format_rlc(*have),
        poco_types::format_rlc(*want)
    )]
    NotEnoughRlc {
        /// The wallet.
        address: alloy_primitives::Address,
        /// Its RLC, in nRLC.
        have: alloy_primitives::U256,
        /// The amount asked, in nRLC.
        want: alloy_primitives::U256,
        /// "send" or "deposit".
        action: &'static str,
        /// What to do about it.
        fix: String,
    },
    /// The hub account's free stake is smaller than the amount to withdraw; nothing was sent.
    #[error(
        "your hub account ({address}) has {free} nRLC free ({locked} nRLC locked in running deals), not the {want} nRLC you want to withdraw: withdraw at most {free} nRLC{}",
        if locked.is_zero() { "" } else { ", or wait for the deals to end (locked RLC comes back when their tasks complete or are claimed)" }
    )]
    NotEnoughStake {
        /// The wallet.
        address: alloy_primitives::Address,
        /// The free stake, in nRLC.
        free: alloy_primitives::U256,
        /// The locked stake, in nRLC.
        locked: alloy_primitives::U256,
        /// The amount asked, in nRLC.
        want: alloy_primitives::U256,
    },
    /// The keystore folder already holds a wallet with this address.
    #[error(
        "the keystore folder already holds wallet {address} ({}): nothing was written; pass --force to write another keystore for it (with the password given now)",
        path.display()
    )]
    WalletExists {
        /// The wallet's address.
        address: alloy_primitives::Address,
        /// Its existing keystore file.
        path: std::path::PathBuf,
    },
    // end of wallet and hub account ----------------------------------------------------------
    // assets and categories (crate::assets, crate::categories) -------------------------------
    /// The address is not an entry of the registry of its kind.
    #[error(
        "{address} is not a registered {kind} on chain {chain}: check the address (`poco {kind} show <index>` lists your own by index, `poco {kind} count` counts them)"
    )]
    NotRegistered {
        /// `app`, `dataset` or `workerpool`.
        kind: &'static str,
        /// The address given.
        address: alloy_primitives::Address,
        /// The chain's name.
        chain: String,
    },
    /// The owner has fewer entries than the index asked for.
    #[error(
        "{owner} has {} on chain {chain}, so there is no {kind} at index {index}{}",
        if count.is_zero() { format!("no {kind}") } else { format!("{count} {kind}(s)") },
        if count.is_zero() { format!(": deploy one with `poco {kind} deploy`") } else { format!(" (indexes go from 0 to {})", count - alloy_primitives::U256::from(1)) }
    )]
    NoAssetAtIndex {
        /// `app`, `dataset` or `workerpool`.
        kind: &'static str,
        /// Whose entries were counted.
        owner: alloy_primitives::Address,
        /// The index asked for.
        index: alloy_primitives::U256,
        /// How many the owner has.
        count: alloy_primitives::U256,
        /// The chain's name.
        chain: String,
    },
    /// iexec.json names another owner than the wallet deploying; nothing was sent.
    #[error(
        "{} says the {kind} belongs to {owner} (`{kind}.owner`), but your wallet is {wallet}: {}",
        file.display(),
        if owner.is_zero() { format!("set `{kind}.owner` to {wallet}, or run `poco {kind} init` again") } else { format!("deploy with that owner's wallet (--wallet-address {owner}), or set `{kind}.owner` to {wallet}") }
    )]
    OwnerIsNotWallet {
        /// `app`, `dataset` or `workerpool`.
        kind: &'static str,
        /// iexec.json.
        file: std::path::PathBuf,
        /// The owner iexec.json gives.
        owner: alloy_primitives::Address,
        /// The wallet.
        wallet: alloy_primitives::Address,
    },
    /// Only an entry's owner may transfer it; nothing was sent.
    #[error(
        "{kind} {address} belongs to {owner}, not to your wallet {wallet}: only its owner can transfer it (pick the owner's wallet with --wallet-address {owner})"
    )]
    NotAssetOwner {
        /// `app`, `dataset` or `workerpool`.
        kind: &'static str,
        /// The entry.
        address: alloy_primitives::Address,
        /// Its owner.
        owner: alloy_primitives::Address,
        /// The wallet.
        wallet: alloy_primitives::Address,
    },
    /// Only the hub's owner may create categories; nothing was sent.
    #[error(
        "only the hub's owner {owner} can create categories; your wallet is {wallet}: run this with the hub owner's wallet (--wallet-address {owner})"
    )]
    NotHubOwner {
        /// The hub's owner.
        owner: alloy_primitives::Address,
        /// The wallet.
        wallet: alloy_primitives::Address,
    },
    /// No category has this index.
    #[error(
        "there is no category {index} on chain {chain}: {}",
        if count.is_zero() { "it has none yet (the hub owner creates them with `poco category create`)".to_owned() } else { format!("it has {count}, with indexes 0 to {} (`poco category count`)", count - alloy_primitives::U256::from(1)) }
    )]
    NoCategory {
        /// The index asked for.
        index: alloy_primitives::U256,
        /// How many categories there are.
        count: alloy_primitives::U256,
        /// The chain's name.
        chain: String,
    },
    // end of assets and categories ------------------------------------------------------------
    /// An argument given by the user is not valid.
    #[error("{0}")]
    InvalidInput(String),
    /// An amount could not be read, or a protocol rule about values failed.
    #[error(transparent)]
    Types(#[from] poco_types::TypesError),
}

/// The client library's result.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// "wallet 0x…" or "the wallet", for [`ClientError::WrongPassword`].
fn wallet_name(address: &Option<alloy_primitives::Address>) -> String {
    match address {
        Some(address) => format!("wallet {address}"),
        None => "the wallet".into(),
    }
}

/// "keystore file /path" or "the keystore", for [`ClientError::InvalidKeystore`].
fn keystore_name(path: &Option<std::path::PathBuf>) -> String {
    match path {
        Some(path) => format!("keystore file {}", path.display()),
        None => "the keystore".into(),
    }
}
