import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Settings } from '../config/settings';
import { cliEnv, runCli } from './cli-process';
import { spawnWorker } from './fault-helpers';
import { HEAD_BAKER, testSettings } from './helpers';
import { makeCertificates, startTlsProxy, type Certificates, type TlsProxy } from './tls-proxy';

jest.setTimeout(180_000);

const API_KEY = 'cloud-api-key-0123456789';

const certificatesDir = mkdtempSync(join(tmpdir(), 'stagegate-tls-'));
const certificates = makeCertificates(certificatesDir);
/** Another CA, its certificates unknown to the proxy. */
const otherCa = makeCertificates(certificatesDir, 'other');
/** TLS to Temporal, the server's CA given (a self-hosted cluster behind a TLS load balancer). */
let tlsProxy: TlsProxy;
/** mTLS and an API key: a client certificate signed by the CA is required, and `authorization: Bearer <key>`. */
let mtlsProxy: TlsProxy;

beforeAll(async () => {
  tlsProxy = await startTlsProxy({ upstream: process.env.TEMPORAL_ADDRESS!, certificates });
  mtlsProxy = await startTlsProxy({ upstream: process.env.TEMPORAL_ADDRESS!, certificates, requireClientCert: true, apiKey: API_KEY });
});

afterAll(async () => {
  await tlsProxy?.close();
  await mtlsProxy?.close();
});

/** Temporal's own variables for a connection through `proxy`. */
function viaTls(proxy: TlsProxy, tls: Record<string, string>): Record<string, string> {
  return { TEMPORAL_ADDRESS: proxy.address, TEMPORAL_TLS_SERVER_NAME: 'localhost', ...tls };
}

const withClientCert = (from: Certificates) => ({ TEMPORAL_TLS_CLIENT_CERT_PATH: from.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: from.clientKey });

const submitFlags = [
  'idea', 'submit', '--title', 'Loyalty cards', '--description', 'Stamp cards: the tenth coffee is free', '--source', 'employee',
  '--submitter', 'leo@cornerbakery.example', '--submitter-name', 'Leo Martin', '--category', 'service', '--process', 'two-gates', '--json',
];

/** A worker process and the CLI, both through the proxy: an idea submitted, taken into review by the worker, and a vote counted. */
async function journeyStep(settings: Settings, temporal: Record<string, string>): Promise<void> {
  const worker = await spawnWorker({ ...settings, linkSecret: 'tls-test-link-secret-0123456789abcdef' }, temporal);
  try {
    const env = cliEnv(settings, temporal);
    const submitted = await runCli(env, submitFlags);
    expect(submitted).toMatchObject({ code: 0 });
    const { ideaId } = JSON.parse(submitted.stdout) as { ideaId: string };
    const vote = await runCli(env, ['gate', 'vote', ideaId, '--reviewer', HEAD_BAKER, '--decision', 'go', '--score', 'feasibility=4', '--score', 'impact=5', '--json']);
    expect(vote).toMatchObject({ code: 0 });
    const shown = await runCli(env, ['idea', 'show', ideaId, '--json']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ ideaId, status: 'in-review', round: { gate: 'screen', reviewers: expect.arrayContaining([expect.objectContaining({ email: HEAD_BAKER, voted: true })]) } });
  } finally {
    await worker.stop();
  }
}

describe('Temporal over TLS, mTLS and an API key, through a TLS-terminating gRPC proxy', () => {
  test('the worker and the CLI connect over TLS with the server CA and run a journey step', async () => {
    await journeyStep(testSettings(), viaTls(tlsProxy, { TEMPORAL_TLS_SERVER_CA_CERT_PATH: certificates.caCert }));
  });

  test('with mTLS and an API key they connect with the client certificate and send the key', async () => {
    await journeyStep(testSettings(), viaTls(mtlsProxy, { TEMPORAL_TLS_SERVER_CA_CERT_PATH: certificates.caCert, ...withClientCert(certificates), TEMPORAL_API_KEY: API_KEY }));
    expect(mtlsProxy.authorizations).toEqual(new Set([`Bearer ${API_KEY}`]));
  });

  /** [case, Temporal's variables, what the message must say] */
  const refusals: [string, Record<string, string>, RegExp][] = [
    ['no client certificate where mTLS is required', { TEMPORAL_TLS_SERVER_CA_CERT_PATH: certificates.caCert, TEMPORAL_API_KEY: API_KEY }, /(asks for|may want) a client certificate \(mTLS\).*set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH/],
    ['a client certificate from another CA', { TEMPORAL_TLS_SERVER_CA_CERT_PATH: certificates.caCert, ...withClientCert(otherCa), TEMPORAL_API_KEY: API_KEY }, new RegExp(`does not accept the client certificate ${otherCa.clientCert}`)],
    ['a server CA that did not sign the server certificate', { TEMPORAL_TLS_SERVER_CA_CERT_PATH: otherCa.caCert, ...withClientCert(certificates), TEMPORAL_API_KEY: API_KEY }, new RegExp(`not signed by the CA in ${otherCa.caCert}`)],
    ['a wrong API key', { TEMPORAL_TLS_SERVER_CA_CERT_PATH: certificates.caCert, ...withClientCert(certificates), TEMPORAL_API_KEY: 'not-the-key' }, /refused the API key in TEMPORAL_API_KEY/],
    ['a client certificate file that is not there', { TEMPORAL_TLS_SERVER_CA_CERT_PATH: certificates.caCert, TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/client.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: certificates.clientKey }, /\/nonexistent\/client\.pem/],
  ];

  test.each(refusals)('%s: the CLI and the worker stop with a clear message, no stack trace', async (_name, tls, message) => {
    const settings = testSettings();
    const env = cliEnv(settings, { ...viaTls(mtlsProxy, tls), STAGEGATE_LINK_SECRET: 'tls-test-link-secret-0123456789abcdef', STAGEGATE_METRICS_PORT: '0' });
    const [cli, worker] = await Promise.all([runCli(env, ['idea', 'list'], 60_000), runCli(env, ['worker'], 60_000)]);
    for (const run of [cli, worker]) {
      expect(run.stderr).toMatch(message);
      expect(run.code).toBe(1);
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stderr).not.toMatch(/polling task queue/);
    }
  });
});

describe('real mail needs real links', () => {
  test.each(['worker', 'web'])('stagegate %s with SMTP and the default public URL starts nothing and names STAGEGATE_PUBLIC_URL', async (command) => {
    const settings = testSettings();
    const run = await runCli(cliEnv(settings, { STAGEGATE_SMTP_HOST: 'smtp.cornerbakery.example', STAGEGATE_LINK_SECRET: 'x'.repeat(40), STAGEGATE_METRICS_PORT: '0', STAGEGATE_WEB_PORT: '0' }), [command], 20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/mail goes out through SMTP \(smtp\.cornerbakery\.example\)[\s\S]*STAGEGATE_PUBLIC_URL \(publicUrl\) is not set, so links would start with the default http:\/\/localhost:3000/);
    expect(run.stderr).not.toMatch(/polling task queue|listening on|^\s+at /m);
  });
});
