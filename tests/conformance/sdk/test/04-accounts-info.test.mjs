// Hub accounts moved by both CLIs read the same; `info`, categories, and the --raw conventions.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startChain, Project, DEV, HUB, ks, subsetOf, sameValuesOf } from '../lib/harness.mjs';

describe('accounts, info and --raw conventions', () => {
  let chain;
  let p;
  let sdkInfo;
  let pocoInfo;

  before(async () => {
    chain = await startChain();
    p = await Project.create(chain, { chainJson: false });
    await p.poco('init', '--skip-wallet');
    p.writeChainJson();
    p.lightKeystore('./ks-a', 7);
    p.lightKeystore('./ks-b', 8);
  });
  after(async () => {
    if (p) p.remove();
    if (chain) await chain.stop();
  });

  it('`iexec account show` and `poco account show` agree after deposits and withdrawals by both', async () => {
    await p.iexec('account', 'deposit', '1000', ...ks('./ks-a'));
    await p.poco('account', 'deposit', '500', ...ks('./ks-a'), '--force');
    await p.poco('account', 'withdraw', '200', ...ks('./ks-a'), '--force');
    await p.iexec('account', 'withdraw', '100', ...ks('./ks-a'));
    const sdk = await p.iexec('account', 'show', ...ks('./ks-a'));
    assert.deepEqual(sdk.balance, { stake: '1200', locked: '0' });
    subsetOf(sdk, await p.poco('account', 'show', ...ks('./ks-a')), { what: 'account show' });
    subsetOf(sdk, await p.poco('account', 'show', DEV[7].address), { what: 'account show ADDRESS' });
    // The wallet paid the same 1200 nRLC out of its RLC.
    const wallet = await p.poco('wallet', 'show', DEV[7].address);
    assert.equal(wallet.balance.nRLC, String(1_000_000_000_000_000n - 1200n));
  });

  it('allowances: `iexec account approve`, `poco account allowance`; `poco account revoke`, `iexec account allowance`', async () => {
    await p.iexec('account', 'approve', '25', DEV[8].address, ...ks('./ks-a'));
    const pocoAllowance = await p.poco('account', 'allowance', DEV[8].address, ...ks('./ks-a'));
    assert.equal(pocoAllowance.amount, '25');
    await p.poco('account', 'revoke', DEV[8].address, ...ks('./ks-a'), '--force');
    const sdkAllowance = await p.iexec('account', 'allowance', DEV[8].address, ...ks('./ks-a'));
    // The SDK prints the amount as JSON.stringify prints a BN.js number: hexadecimal ("19" for
    // 25). poco prints decimal, as every other amount.
    assert.equal(BigInt(`0x${sdkAllowance.amount}`), 0n);
    assert.equal((await p.poco('account', 'allowance', DEV[8].address, ...ks('./ks-a'))).amount, '0');
  });

  it('`iexec info` and `poco info` give the same hub, RLC token and registries', async () => {
    sdkInfo = await p.iexec('info');
    pocoInfo = await p.poco('info');
    assert.equal(sdkInfo.hubAddress, HUB);
    const fields = ['host', 'hubAddress', 'rlcAddress', 'appRegistryAddress', 'datasetRegistryAddress', 'workerpoolRegistryAddress', 'useNative'];
    const pick = (o) => Object.fromEntries(fields.map((k) => [k, o[k]]));
    sameValuesOf(pick(sdkInfo), pick(pocoInfo), { what: 'info' });
  });

  it('`poco info` prints every field of `iexec info`, in the same form', async () => {
    assert.ok(sdkInfo && pocoInfo, 'needs the info test');
    subsetOf(sdkInfo, pocoInfo, { what: 'info' });
  });

  it('`iexec category init`, then `poco category create` (the hub owner); both show and count it the same', async () => {
    p.lightKeystore('./ks-owner', 0);
    const init = await p.iexec('category', 'init');
    const created = await p.poco('category', 'create', ...ks('./ks-owner'), '--force');
    const sdk = await p.iexec('category', 'show', created.catid);
    assert.deepEqual(sdk.category, init.category);
    subsetOf(sdk, await p.poco('category', 'show', created.catid), { what: 'category show' });
    const count = await p.poco('category', 'count');
    assert.equal(count.count, String(Number(created.catid) + 1));
    subsetOf(await p.iexec('category', 'count'), count, { what: 'category count' });
  });

  it('a --raw failure: {"ok":false,...} on stderr and exit 1, as in the SDK', async () => {
    const missing = '0x0000000000000000000000000000000000000001';
    const sdk = await p.iexecFails('app', 'show', missing);
    assert.equal(sdk.code, 1);
    assert.equal(sdk.stdout.trim(), '', 'the SDK prints nothing on stdout');
    const sdkError = JSON.parse(sdk.stderr.trim().split('\n').pop());
    assert.equal(sdkError.ok, false);
    assert.ok(sdkError.error.message);

    const poco = await p.pocoFails('app', 'show', missing);
    assert.equal(poco.code, 1);
    assert.equal(poco.stdout.trim(), '', `poco printed on stdout: ${poco.stdout.trim()}`);
    const pocoError = JSON.parse(poco.stderr.trim().split('\n').pop());
    assert.equal(pocoError.ok, false);
    assert.ok(pocoError.error.message);
  });
});
