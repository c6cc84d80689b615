/**
 * Reading a failed kubectl call: the line that says what is wrong, and what kind of failure it
 * is. The stderr texts are kubectl v1.32.4's own, captured on this machine against a closed
 * port, no kubeconfig, the fake API server with a wrong CA, a wrong token and no token.
 */
import { kubectlFailure, kubectlReason } from '../../lib/capture/kubectl-failure';
import { KubectlError } from '../../lib/capture/kubectl';

const klog = (time: string, err: string) => `E1207 01:23:${time}   11353 memcache.go:265] "Unhandled Error" err=${JSON.stringify(err)}`;
const refused = (server: string) => [
  ...['58.411522', '58.413217', '58.416482'].map((t) => klog(t, `couldn't get current server API group list: Get "${server}/api?timeout=32s": dial tcp ${server.replace(/^\w+:\/\//, '').replace('localhost', '127.0.0.1')}: connect: connection refused`)),
  `The connection to the server ${server.replace(/^\w+:\/\//, '')} was refused - did you specify the right host or port?`,
  '',
].join('\n');
const x509 = [
  klog('17.132399', 'couldn\'t get current server API group list: Get "https://127.0.0.1:36777/api?timeout=32s": tls: failed to verify certificate: x509: certificate signed by unknown authority'),
  'Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority',
  '',
].join('\n');
const unauthorized = [klog('17.308873', "couldn't get current server API group list: the server has asked for the client to provide credentials"), 'error: You must be logged in to the server (the server has asked for the client to provide credentials)', ''].join('\n');
const forbidden = 'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:default:forbidden" cannot list resource "pods" in API group "" in the namespace "default"\n';

const failure = (stderr: string, stdout = '') => kubectlFailure({ stdout, stderr, code: 1 });

describe("kubectl's failures, told apart and said first", () => {
  test.each([
    ['no kubeconfig (kubectl falls back to localhost:8080)', refused('http://localhost:8080'), 'no-cluster', 'cannot reach the cluster (no kubeconfig or context?)', 'The connection to the server localhost:8080 was refused - did you specify the right host or port?'],
    ['no current context', 'error: current-context is not set\n', 'no-cluster', 'cannot reach the cluster (no kubeconfig or context?)', 'error: current-context is not set'],
    ['an unknown --context', 'Error in configuration: context was not found for specified context: nope\n', 'no-cluster', 'cannot reach the cluster (no kubeconfig or context?)', 'Error in configuration: context was not found for specified context: nope'],
    ['a --kubeconfig that does not exist', 'error: stat /nonexistent/kc: no such file or directory\n', 'no-cluster', 'cannot reach the cluster (no kubeconfig or context?)', 'error: stat /nonexistent/kc: no such file or directory'],
    ['a closed port', refused('https://127.0.0.1:1'), 'unreachable', "cannot reach the cluster (is the API server up, and the kubeconfig's server address right?)", 'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?'],
    ['an untrusted certificate', x509, 'unreachable', "cannot reach the cluster (its certificate is not trusted: the kubeconfig's certificate-authority is wrong?)", 'Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority'],
    ['a wrong token', unauthorized, 'unauthorized', 'the cluster did not accept the credentials (expired token or certificate? log in again)', 'error: You must be logged in to the server (the server has asked for the client to provide credentials)'],
    ['a forbidden user', forbidden, 'forbidden', "the cluster refused the request (the kubeconfig's user lacks the permission)", forbidden.trim()],
    ['an object that does not exist', 'Error from server (NotFound): nodes "node-z" not found\n', 'not-found', null, 'Error from server (NotFound): nodes "node-z" not found'],
    ['anything else', 'error: unknown flag: --frobnicate\n', 'failed', null, 'error: unknown flag: --frobnicate'],
  ])('%s', (_, stderr, code, hint, reason) => {
    expect(failure(stderr)).toEqual({ code, hint, reason });
  });

  test('a user without credentials: kubectl prompted for a username on stdout and failed on the closed stdin', () => {
    expect(failure('error: EOF\n', 'Please enter Username: ')).toEqual({ code: 'unauthorized', hint: 'the cluster did not accept the credentials (expired token or certificate? log in again)', reason: 'Please enter Username: error: EOF' });
  });

  test("klog noise is never the reason: kubectl's own line is, else the last klog message unwrapped", () => {
    expect(kubectlReason(refused('https://127.0.0.1:1'))).toBe('The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?');
    expect(kubectlReason(`${klog('28.005303', 'couldn\'t get current server API group list: Get "https://127.0.0.1:46407/api?timeout=32s": net/http: TLS handshake timeout')}\n`)).toBe(
      'couldn\'t get current server API group list: Get "https://127.0.0.1:46407/api?timeout=32s": net/http: TLS handshake timeout',
    );
    expect(kubectlReason('W1207 01:23:58.411522   11353 loader.go:222] Config not found: /x\n')).toBe('Config not found: /x');
    expect(kubectlReason('')).toBe('');
  });

  test('the error: natdiff says what is wrong first, kubectl\'s words on the second line; otherwise kubectl\'s words alone', () => {
    const reach = new KubectlError('get pods', failure(refused('https://127.0.0.1:1')), null);
    expect([reach.message, reach.detail, reach.code]).toEqual([
      "kubectl get pods: cannot reach the cluster (is the API server up, and the kubeconfig's server address right?)",
      'kubectl said: The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?',
      'unreachable',
    ]);
    const other = new KubectlError('get node', failure('Error from server (NotFound): nodes "node-z" not found\n'), null);
    expect([other.message, other.detail, other.code]).toEqual(['kubectl get node: Error from server (NotFound): nodes "node-z" not found', null, 'not-found']);
  });
});
