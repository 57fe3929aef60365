// Project files: iexec.json written by one CLI is deployed by the other, which writes
// deployed.json, and both show the same asset from it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startChain, Project, DEV, CHAIN_ID, ks, subsetOf } from '../lib/harness.mjs';

describe('project files: iexec.json and deployed.json', () => {
  let chain;
  const projects = [];
  const project = async (opts) => {
    const q = await Project.create(chain, opts);
    projects.push(q);
    return q;
  };

  before(async () => { chain = await startChain(); });
  after(async () => {
    for (const q of projects) q.remove();
    if (chain) await chain.stop();
  });

  it('`iexec init` + `iexec app init`, then `poco app deploy`; `iexec app show` reads poco\'s deployed.json', async () => {
    const p = await project({ chainJson: false });
    p.lightKeystore('./ks', 1);
    await p.iexec('init', '--skip-wallet');
    // The SDK's chain.json, with the dev chain added as the default (its public chains stay, as `{}`).
    p.addDevChain();
    assert.deepEqual(p.readJson('chain.json').chains.mainnet, {});
    const init = await p.iexec('app', 'init', ...ks('./ks'));
    assert.equal(init.app.owner, DEV[1].address);

    const deployed = await p.poco('app', 'deploy', ...ks('./ks'), '--force');
    assert.match(deployed.address, /^0x[0-9a-fA-F]{40}$/);
    assert.match(deployed.txHash, /^0x[0-9a-f]{64}$/);
    assert.deepEqual(p.readJson('deployed.json'), { app: { [CHAIN_ID]: deployed.address } });

    const sdk = await p.iexec('app', 'show', ...ks('./ks'));
    const poco = await p.poco('app', 'show', ...ks('./ks'));
    assert.equal(sdk.address, deployed.address);
    subsetOf(sdk, poco, { what: 'app show' });
    const { app } = p.readJson('iexec.json');
    assert.deepEqual(
      { name: sdk.app.appName, type: sdk.app.appType, multiaddr: sdk.app.appMultiaddr, checksum: sdk.app.appChecksum, owner: sdk.app.owner },
      { name: app.name, type: app.type, multiaddr: app.multiaddr, checksum: app.checksum, owner: app.owner },
      'the app of iexec.json was deployed');
  });

  it('`poco init` + `poco app init`, then `iexec app deploy`; `poco app show` reads the SDK\'s deployed.json', async () => {
    const p = await project({ chainJson: false });
    p.lightKeystore('./ks', 2);
    await p.poco('init', '--skip-wallet');
    p.writeChainJson();
    const init = await p.poco('app', 'init', ...ks('./ks'));
    assert.equal(init.app.owner, DEV[2].address);

    const deployed = await p.iexec('app', 'deploy', ...ks('./ks'));
    assert.deepEqual(p.readJson('deployed.json'), { app: { [CHAIN_ID]: deployed.address } });

    const poco = await p.poco('app', 'show', ...ks('./ks'));
    assert.equal(poco.address, deployed.address);
    const sdk = await p.iexec('app', 'show', ...ks('./ks'));
    subsetOf(sdk, poco, { what: 'app show' });
    assert.equal(poco.app.appName, init.app.name);
    assert.equal(poco.app.owner, DEV[2].address);

    // By index among the owner's, and the count.
    subsetOf(sdk, await p.poco('app', 'show', '0', '--user', DEV[2].address), { what: 'app show 0 --user' });
    assert.deepEqual(await p.poco('app', 'count', '--user', DEV[2].address), { ok: true, count: '1' });
  });

  it('datasets and workerpools both ways: `iexec dataset init` + `poco dataset deploy`, `poco workerpool init` + `iexec workerpool deploy`', async () => {
    const p = await project({ chainJson: false });
    p.lightKeystore('./ks', 3);
    await p.iexec('init', '--skip-wallet');
    p.writeChainJson();

    await p.iexec('dataset', 'init', ...ks('./ks'));
    const dataset = await p.poco('dataset', 'deploy', ...ks('./ks'), '--force');
    const sdkDataset = await p.iexec('dataset', 'show', ...ks('./ks'));
    assert.equal(sdkDataset.address, dataset.address);
    assert.equal(sdkDataset.dataset.owner, DEV[3].address);
    subsetOf(sdkDataset, await p.poco('dataset', 'show', ...ks('./ks')), { what: 'dataset show' });

    await p.poco('workerpool', 'init', ...ks('./ks'));
    const pool = await p.iexec('workerpool', 'deploy', ...ks('./ks'));
    const pocoPool = await p.poco('workerpool', 'show', ...ks('./ks'));
    assert.equal(pocoPool.address, pool.address);
    assert.equal(pocoPool.workerpool.owner, DEV[3].address);
    subsetOf(await p.iexec('workerpool', 'show', pool.address), pocoPool, { what: 'workerpool show' });

    assert.deepEqual(p.readJson('deployed.json'), {
      dataset: { [CHAIN_ID]: dataset.address },
      workerpool: { [CHAIN_ID]: pool.address },
    });
  });
});
