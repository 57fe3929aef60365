// Hardhat's default dev network: chain id 31337, the standard test mnemonic, automine.
module.exports = {
  networks: {
    hardhat: { chainId: 31337, mining: { auto: true } },
  },
};
