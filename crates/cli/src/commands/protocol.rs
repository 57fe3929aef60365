//! What `poco chain` and `poco deploy` share about the protocol: printing where it is, and
//! parsing RLC amounts the way the rest of Poco writes them ("1000 RLC", "300" nRLC).

use poco_contracts::{Deployment, alloy::primitives::U256};
use std::io::Write;

/// The deployment's addresses, one per line, in the banner's column layout.
pub(crate) fn print_addresses(
    out: &mut impl Write,
    deployment: &Deployment,
) -> std::io::Result<()> {
    writeln!(
        out,
        "Hub          {}  (iExec's \"hub\"/\"iexec\" address)",
        deployment.hub
    )?;
    writeln!(out, "RLC          {}", deployment.rlc)?;
    writeln!(
        out,
        "Apps         {}  (app registry)",
        deployment.app_registry
    )?;
    writeln!(
        out,
        "Datasets     {}  (dataset registry)",
        deployment.dataset_registry
    )?;
    writeln!(
        out,
        "Workerpools  {}  (workerpool registry)",
        deployment.workerpool_registry
    )?;
    Ok(())
}

/// Parses an RLC amount for clap: "1.5 RLC", "300 nRLC" or a bare number of nRLC.
pub(crate) fn parse_amount(input: &str) -> Result<U256, String> {
    poco_types::parse_nrlc(input).map_err(|e| e.to_string())
}
