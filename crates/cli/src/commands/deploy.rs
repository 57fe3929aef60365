//! `poco deploy`: the protocol on any EVM chain (Cancun or later), its addresses written to a
//! deployment file the other components read.

use super::protocol;
use anyhow::Context as _;
use clap::Args;
use poco_contracts::{
    DeployOptions,
    alloy::{
        primitives::{Address, U256},
        signers::local::PrivateKeySigner,
    },
    deploy_report,
};
use std::{io::Write, path::PathBuf, time::Duration};

/// Deploy the Poco protocol (RLC, registries, the hub and its facets, five categories) to an
/// EVM chain and write its deployment file.
///
/// The account of --private-key pays for the deployment (about 28 million gas) and owns the
/// hub, the registries and RLC. Deploying again with the same key finds the first deployment
/// and only rewrites the file. The chain must run the Cancun hardfork or later.
///
/// Examples:
///   poco deploy --rpc http://127.0.0.1:8545 --private-key 0xac09...ff80
///   POCO_PRIVATE_KEY=0x... poco deploy --rpc https://rpc.example.org --out net.json
///   poco deploy --rpc http://127.0.0.1:8545 --mint 0x7099...79C8="1000 RLC"
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct DeployArgs {
    /// JSON-RPC endpoint of the chain (http or https).
    #[arg(long, value_name = "URL", env = "POCO_RPC_URL")]
    rpc: String,
    /// The deployer's (admin's) private key, 0x-prefixed hex.
    #[arg(
        long,
        value_name = "KEY",
        env = "POCO_PRIVATE_KEY",
        hide_env_values = true
    )]
    private_key: String,
    /// Where to write the deployment file.
    #[arg(long, value_name = "FILE", default_value = "deployment.json")]
    out: PathBuf,
    /// Mint RLC to an account after deploying: ADDRESS=AMOUNT ("1000 RLC", or nRLC). Repeatable.
    #[arg(long, value_name = "ADDRESS=AMOUNT", value_parser = parse_mint)]
    mint: Vec<(Address, U256)>,
    /// RLC's initial supply, owned by the deployer.
    #[arg(long, default_value = "87000000 RLC", value_parser = protocol::parse_amount)]
    rlc_supply: U256,
    /// Deploy even if the key's first deployment is already on the chain.
    #[arg(long)]
    no_reuse: bool,
    /// Seconds to wait for each transaction to be mined.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

impl DeployArgs {
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        self.execute(&mut std::io::stdout().lock()).await
    }

    /// Deploys, writes the file and prints the summary to `out`.
    async fn execute(self, out: &mut impl Write) -> anyhow::Result<()> {
        let admin: PrivateKeySigner = self.private_key.trim().parse().map_err(|_| {
            anyhow::anyhow!("--private-key is not a private key (expected 0x and 64 hex digits)")
        })?;
        let options = DeployOptions::default()
            .with_rlc_supply(self.rlc_supply)
            .with_reuse_existing(!self.no_reuse)
            .with_receipt_timeout(Duration::from_secs(self.timeout));
        let options = self
            .mint
            .iter()
            .fold(options, |options, &(account, amount)| {
                options.with_mint(account, amount)
            });
        let admin_address = admin.address();
        eprintln!("deploying from {admin_address} to {}...", self.rpc);
        let report = deploy_report(&self.rpc, admin, &options)
            .await
            .with_context(|| format!("deploying the protocol to {} failed", self.rpc))?;
        report.deployment.write(&self.out)?;

        let deployment = &report.deployment;
        if report.reused {
            writeln!(
                out,
                "Found the protocol already deployed by {admin_address} on chain {}",
                deployment.chain_id
            )?;
            if !self.mint.is_empty() {
                eprintln!("note: nothing was minted (the deployment already existed)");
            }
        } else {
            let gas: u64 = report.gas.iter().map(|(_, gas)| gas).sum();
            writeln!(
                out,
                "Deployed the protocol on chain {} ({} transactions, {gas} gas)",
                deployment.chain_id,
                report.gas.len()
            )?;
        }
        protocol::print_addresses(out, deployment)?;
        writeln!(out, "Block        {}", deployment.block_number)?;
        writeln!(out, "Deployment   {}", self.out.display())?;
        out.flush()?;
        Ok(())
    }
}

/// `ADDRESS=AMOUNT` for --mint.
fn parse_mint(input: &str) -> Result<(Address, U256), String> {
    let (address, amount) = input
        .split_once('=')
        .ok_or_else(|| format!("expected ADDRESS=AMOUNT, got {input:?}"))?;
    let address = address
        .trim()
        .parse()
        .map_err(|e| format!("{address:?} is not an address: {e}"))?;
    Ok((address, protocol::parse_amount(amount)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use poco_chain::{ChainConfig, Node};
    use poco_contracts::{Deployment, RLC, alloy::providers::ProviderBuilder, dev};

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: DeployArgs,
    }

    fn args(argv: &[&str]) -> DeployArgs {
        Cli::try_parse_from(std::iter::once(&"poco").chain(argv))
            .expect("valid arguments")
            .args
    }

    const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    #[tokio::test]
    async fn deploys_writes_the_file_and_mints() {
        let node = Node::start(ChainConfig::test()).await.expect("node starts");
        let dir = tempfile::tempdir().expect("temporary directory");
        let out = dir.path().join("deployment.json");
        let bob = node.signers()[1].address();
        let mint = format!("{bob}=1000 RLC");
        let url = node.http_url();
        let argv = [
            "--rpc",
            url.as_str(),
            "--private-key",
            DEV_KEY,
            "--out",
            out.to_str().expect("UTF-8 path"),
            "--mint",
            mint.as_str(),
        ];
        let mut summary = Vec::new();
        args(&argv).execute(&mut summary).await.expect("deploys");
        let summary = String::from_utf8(summary).expect("UTF-8");
        assert!(
            summary.starts_with("Deployed the protocol on chain 31337 (25 transactions"),
            "{summary}"
        );
        assert!(summary.contains(&format!("Hub          {}", dev::HUB)));
        let deployment = Deployment::read(&out).expect("file written");
        assert_eq!(deployment.hub, dev::HUB);
        let provider = ProviderBuilder::new().connect_http(url.parse().expect("URL"));
        let rlc = RLC::new(deployment.rlc, &provider);
        assert_eq!(
            rlc.balanceOf(bob).call().await.expect("balanceOf"),
            dev::ONE_RLC * U256::from(1000)
        );
        // Again: found, not redeployed; the file is rewritten identically.
        std::fs::remove_file(&out).expect("removed");
        let mut summary = Vec::new();
        args(&argv).execute(&mut summary).await.expect("finds it");
        let summary = String::from_utf8(summary).expect("UTF-8");
        assert!(
            summary.starts_with("Found the protocol already deployed"),
            "{summary}"
        );
        assert_eq!(Deployment::read(&out).expect("rewritten"), deployment);
    }

    #[tokio::test]
    async fn failures_say_what_to_do() {
        let run = |argv: Vec<String>| async move {
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            let error = args(&argv)
                .execute(&mut Vec::new())
                .await
                .expect_err("fails");
            format!("{error:#}")
        };
        let dir = tempfile::tempdir().expect("temporary directory");
        let out = dir
            .path()
            .join("d.json")
            .to_str()
            .expect("UTF-8")
            .to_owned();
        let base = |url: &str, key: &str| -> Vec<String> {
            ["--rpc", url, "--private-key", key, "--out", &out]
                .map(str::to_owned)
                .to_vec()
        };

        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let message = run(base(&format!("http://127.0.0.1:{port}"), DEV_KEY)).await;
        assert!(
            message.contains("cannot reach the JSON-RPC endpoint"),
            "{message}"
        );

        let message = run(base("http://127.0.0.1:1", "0x1234")).await;
        assert!(
            message.contains("--private-key is not a private key"),
            "{message}"
        );

        let node = Node::start(ChainConfig::test()).await.expect("node starts");
        let broke = PrivateKeySigner::random();
        let key = format!("0x{}", poco_contracts::alloy::hex::encode(broke.to_bytes()));
        let message = run(base(&node.http_url(), &key)).await;
        assert!(message.contains("fund it and retry"), "{message}");

        let london = poco_chain::executor::parse_hardfork("london").expect("known hardfork");
        let old = Node::start(ChainConfig::test().with_spec(london))
            .await
            .expect("node starts");
        let message = run(base(&old.http_url(), DEV_KEY)).await;
        assert!(message.contains("Cancun"), "{message}");
        assert!(
            !std::path::Path::new(&out).exists(),
            "no file for a failed deployment"
        );
    }

    #[test]
    fn mint_arguments_parse() {
        let (address, amount) =
            parse_mint("0x70997970C51812dc3A010C7d01b50e0d17dc79C8=1000 RLC").expect("valid");
        assert_eq!(
            address.to_string(),
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        );
        assert_eq!(amount, U256::from(1_000_000_000_000u64));
        assert_eq!(
            parse_mint("0x70997970C51812dc3A010C7d01b50e0d17dc79C8=300")
                .expect("valid")
                .1,
            U256::from(300)
        );
        assert!(parse_mint("0x7099").is_err());
        assert!(parse_mint("nope=1").is_err());
        assert!(parse_mint("0x70997970C51812dc3A010C7d01b50e0d17dc79C8=1 ETH").is_err());
    }
}
