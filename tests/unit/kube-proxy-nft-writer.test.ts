/**
 * The test writer of kube-proxy's nftables transactions (tests/support/kube-proxy-nft-writer.ts)
 * writes the hand-checked fixture for the fixture cluster line for line, so what the fake
 * kube-proxy programs is kube-proxy's 1.34–1.35 layout.
 */
import { writeNftTransaction } from '../support/kube-proxy-nft-writer';
import { FIXTURE_CLUSTER, FIXTURE_NODE_IPS, FIXTURE_SERVICE_CIDRS } from '../support/fixture-cluster';
import { fixture } from '../support/snapshots';

/** The fixture without its three-line file header. */
const FIXTURE = fixture('nftables', 'k8s-1.34-1.35.nft').split('\n').slice(3).join('\n');

describe('the nftables transaction writer', () => {
  test('writes tests/fixtures/nftables/k8s-1.34-1.35.nft for the fixture cluster', () => {
    expect(writeNftTransaction(FIXTURE_CLUSTER, { nodeIPs: FIXTURE_NODE_IPS, serviceCIDRs: FIXTURE_SERVICE_CIDRS }).text).toBe(FIXTURE);
  });
});
