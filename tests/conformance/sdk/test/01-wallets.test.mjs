// Wallets: V3 keystores written by one CLI are used by the other, in a given keystore folder
// (--keystoredir), in the default one (~/.ethereum/keystore), and picked the SDK's ways
// (--wallet-file NAME, --keystoredir local, an unencrypted wallet.json).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startChain, Project, DEV, PASSWORD, ks, subsetOf } from '../lib/harness.mjs';

describe('wallets', () => {
  let chain;
  let p; // one project folder, a keystore folder per test
  const projects = [];
  const project = async (opts) => {
    const q = await Project.create(chain, opts);
    projects.push(q);
    return q;
  };

  before(async () => {
    chain = await startChain();
    p = await project();
  });
  after(async () => {
    for (const q of projects) q.remove();
    if (chain) await chain.stop();
  });

  it('a keystore from `iexec wallet import` is used by `poco wallet show`', async () => {
    const imported = await p.iexec('wallet', 'import', DEV[1].key, ...ks('./ks1'));
    assert.equal(imported.address, DEV[1].address);
    assert.equal(fs.readdirSync(p.file('ks1')).length, 1, 'one keystore file');

    const sdk = await p.iexec('wallet', 'show', ...ks('./ks1'));
    const poco = await p.poco('wallet', 'show', ...ks('./ks1'));
    assert.equal(sdk.wallet.address, DEV[1].address);
    subsetOf(sdk, poco, { what: 'wallet show' });
    assert.equal(poco.balance.ether, '10000.0', 'an untouched dev account');
    assert.equal(poco.balance.nRLC, '1000000000000000');
    // poco decrypts the SDK's keystore to sign.
    await p.poco('account', 'deposit', '1', ...ks('./ks1'), '--force');
    assert.deepEqual((await p.poco('account', 'show', DEV[1].address)).balance, { stake: '1', locked: '0' });
  });

  it('a keystore from `poco wallet import` is used by `iexec wallet show`', async () => {
    const imported = await p.poco('wallet', 'import', DEV[2].key, ...ks('./ks2'));
    assert.equal(imported.address, DEV[2].address);
    const sdk = await p.iexec('wallet', 'show', ...ks('./ks2'));
    const poco = await p.poco('wallet', 'show', ...ks('./ks2'));
    assert.equal(sdk.wallet.address, DEV[2].address);
    subsetOf(sdk, poco, { what: 'wallet show' });
  });

  it('the default keystore folder is shared: `poco init` wallet for the SDK, `iexec wallet create` for poco', async () => {
    const q = await project({ chainJson: false });
    const init = await q.poco('init', '--password', PASSWORD);
    q.writeChainJson(); // poco init's chain.json points at port 8545
    const sdk = await q.iexec('wallet', 'show', '--password', PASSWORD);
    assert.equal(sdk.wallet.address, init.walletAddress);
    subsetOf(sdk, await q.poco('wallet', 'show', '--password', PASSWORD), { what: 'wallet show' });

    const created = await q.iexec('wallet', 'create', '--password', PASSWORD);
    const keystore = path.join(q.home, '.ethereum', 'keystore');
    assert.equal(fs.readdirSync(keystore).length, 2, 'both wallets in ~/.ethereum/keystore');
    // With no wallet named, both use the newest: the SDK's.
    const newest = await q.poco('wallet', 'show', '--password', PASSWORD);
    assert.equal(newest.wallet.address, created.address);
    const older = await q.poco('wallet', 'show', '--password', PASSWORD, '--wallet-address', init.walletAddress);
    assert.equal(older.wallet.address, init.walletAddress);
  });

  // The SDK (cli/utils/keystore.js) joins --wallet-file to the keystore folder.
  it('`--wallet-file NAME` names a file of the keystore folder, as in the SDK', async () => {
    const [name] = fs.readdirSync(p.file('ks2'));
    const sdk = await p.iexec('wallet', 'show', ...ks('./ks2'), '--wallet-file', name);
    assert.equal(sdk.wallet.address, DEV[2].address);
    subsetOf(sdk, await p.poco('wallet', 'show', ...ks('./ks2'), '--wallet-file', name), { what: 'wallet show --wallet-file' });
  });

  // The SDK's --keystoredir takes `global` (~/.ethereum/keystore, its default), `local` (the
  // current folder) or a path.
  it('`--keystoredir local` is the project folder, as in the SDK', async () => {
    const q = await project();
    await q.iexec('wallet', 'import', DEV[5].key, '--keystoredir', 'local', '--password', PASSWORD);
    assert.ok(fs.readdirSync(q.dir).some((f) => f.startsWith('UTC--')), 'the SDK wrote the keystore into the project folder');
    const poco = await q.poco('wallet', 'show', '--keystoredir', 'local', '--password', PASSWORD);
    assert.equal(poco.wallet.address, DEV[5].address);
  });

  // The SDK loads ./wallet.json (written by `--unencrypted`) when no wallet is named.
  it('an unencrypted wallet.json in the project folder is used, as by the SDK', async () => {
    const q = await project();
    await q.iexec('wallet', 'import', DEV[6].key, '--unencrypted', '--keystoredir', 'local');
    assert.ok(q.exists('wallet.json'));
    const poco = await q.poco('wallet', 'show');
    assert.equal(poco.wallet.address, DEV[6].address);
  });
});
