//! The test contracts built from `contracts/src/test` (artifacts committed in contracts/out).

use alloy_primitives::Bytes;
use alloy_sol_types::sol;

sol! {
    interface Conformance {
        event Stored(address indexed by, uint256 indexed key, uint256 value);
        error Custom(uint256 code);
        function store(uint256 key, uint256 value) external;
        function get(uint256 key) external view returns (uint256);
        function failWith(string calldata reason) external pure;
        function failCustom(uint256 code) external pure;
        function fill(uint256 n) external;
        function recover(bytes32 digest, uint8 v, bytes32 r, bytes32 s) external pure returns (address);
        function deposit() external payable;
        function balance() external view returns (uint256);
    }

    interface TestToken {
        event Transfer(address indexed from, address indexed to, uint256 value);
        function transfer(address to, uint256 amount) external returns (bool);
        function balanceOf(address owner) external view returns (uint256);
    }
}

fn bytecode(artifact: &str) -> Bytes {
    let json: serde_json::Value = serde_json::from_str(artifact).expect("artifact is JSON");
    json["bytecode"]
        .as_str()
        .expect("artifact has bytecode")
        .parse()
        .expect("bytecode is hex")
}

/// Creation code of Conformance.
pub fn conformance() -> Bytes {
    bytecode(include_str!("../../../../contracts/out/Conformance.json"))
}

/// Creation code of TestToken (constructor argument not included).
pub fn test_token() -> Bytes {
    bytecode(include_str!("../../../../contracts/out/TestToken.json"))
}
