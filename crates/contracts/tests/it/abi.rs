//! ABI conformance with iExec's PoCo 6.1 (installed from npm at test time).
