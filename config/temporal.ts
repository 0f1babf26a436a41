import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import type { TemporalConnection } from './settings';
import { ConfigError } from './yaml';

/** How long the handshake that explains a failed connection may take. */
const DIAGNOSIS_MS = 5_000;

/**
 * Why a connection to Temporal failed, in words an operator can act on: the TLS handshake is tried
 * again on its own with the same CA, client certificate and server name, and what it says is
 * turned into a ConfigError naming the file or variable at fault (the CA that does not sign the
 * server's certificate, the client certificate the server refused or did not get, a refused API
 * key). Anything else is handed back as it was.
 */
export async function explainConnectFailure(err: unknown, temporal: TemporalConnection): Promise<unknown> {
  if (err instanceof ConfigError) return err;
  const { address, tls, apiKey } = temporal.connectionOptions;
  const where = `Temporal at ${address}`;
  if (apiKey && refusedCredentials(err)) {
    return new ConfigError(`${where} refused the API key in ${temporal.sources.apiKey ?? 'TEMPORAL_API_KEY'} (${messageOf(err)}); nothing was sent. Check the key and that it is allowed into namespace ${temporal.namespace}.`);
  }
  if (!tls) return err;
  const problem = await handshakeProblem(temporal);
  if (!problem) return err;
  return new ConfigError(`cannot connect to ${where} over TLS: ${problem}; nothing was sent.`, { cause: err });
}

function messageOf(err: unknown): string {
  const cause = (err as { cause?: { details?: string } })?.cause;
  return cause?.details || (err instanceof Error ? err.message : String(err));
}

/** gRPC UNAUTHENTICATED (16) or PERMISSION_DENIED (7), from either SDK's errors. */
function refusedCredentials(err: unknown): boolean {
  for (let current = err as { code?: unknown; cause?: unknown; message?: unknown } | undefined, depth = 0; current && depth < 5; current = current.cause as typeof current, depth++) {
    if (current.code === 16 || current.code === 7) return true;
    if (typeof current.message === 'string' && /authentication credentials|UNAUTHENTICATED|PERMISSION_DENIED/i.test(current.message)) return true;
  }
  return false;
}

/** What goes wrong when a TLS session is opened the way the connection opened it, or undefined when it opens fine. */
async function handshakeProblem(temporal: TemporalConnection): Promise<string | undefined> {
  const { address = 'localhost:7233', tls } = temporal.connectionOptions;
  const options = typeof tls === 'object' && tls ? tls : {};
  const { serverCa, clientCert, clientKey } = temporal.sources;
  const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const servername = options.serverNameOverride ?? (isIP(host) ? undefined : host);
  const pair = options.clientCertPair;
  let socket: TLSSocket;
  try {
    socket = connect({
      host,
      port: Number(/:(\d+)$/.exec(address)?.[1] ?? 7233),
      ALPNProtocols: ['h2'],
      ...(options.serverRootCACertificate ? { ca: Buffer.from(options.serverRootCACertificate) } : {}),
      ...(pair ? { cert: Buffer.from(pair.crt), key: Buffer.from(pair.key) } : {}),
      ...(servername ? { servername } : {}),
    });
  } catch (err) {
    return readProblem(err as NodeJS.ErrnoException, { serverCa, clientCert, clientKey });
  }
  // After the handshake, the HTTP/2 preface and an empty SETTINGS frame: a server that took the
  // client certificate answers with its own SETTINGS; one that did not says so with an alert, or hangs up.
  const failure = await new Promise<NodeJS.ErrnoException | 'closed' | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), DIAGNOSIS_MS);
    const done = (result: NodeJS.ErrnoException | 'closed' | undefined) => {
      clearTimeout(timer);
      resolve(result);
    };
    socket.on('error', done);
    socket.on('close', () => done('closed'));
    socket.on('data', () => done(undefined));
    socket.on('secureConnect', () => socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])])));
  });
  socket.destroy();
  if (!failure) return undefined;
  if (failure === 'closed') {
    return clientCert
      ? `the server hung up right after the TLS handshake: it does not accept the client certificate ${clientCert} (TEMPORAL_TLS_CLIENT_CERT_PATH); is it signed by a CA the server trusts?`
      : 'the server hung up right after the TLS handshake: it may want a client certificate (mTLS); set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH';
  }
  const code = String(failure.code ?? '');
  const name = servername ?? host;
  if (/UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER|CERT_SIGNATURE_FAILURE|CERT_UNTRUSTED/.test(code)) {
    return serverCa
      ? `the server's certificate is not signed by the CA in ${serverCa} (TEMPORAL_TLS_SERVER_CA_CERT_PATH): ${failure.message}`
      : `the server's certificate is not signed by a CA this machine trusts: set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that signed it (${failure.message})`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the server's certificate is not for "${name}": set TEMPORAL_TLS_SERVER_NAME to the name it was issued for (${failure.message})`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return `the server's certificate is not valid now (${failure.message})`;
  if (/CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE/.test(code) && !clientCert) {
    return 'the server asks for a client certificate (mTLS) and none is set: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH';
  }
  if (/ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|DECRYPT_ERROR|ACCESS_DENIED|CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE)/.test(code)) {
    return `the server does not accept the client certificate ${clientCert} (TEMPORAL_TLS_CLIENT_CERT_PATH): is it signed by a CA the server trusts? (${failure.message})`;
  }
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|UNKNOWN_PROTOCOL/.test(code)) return `the server does not speak TLS (${failure.message}): unset TEMPORAL_TLS and TEMPORAL_TLS_* if it is plaintext`;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return undefined;
  return `the TLS handshake failed (${failure.code ? `${failure.code}: ` : ''}${failure.message})`;
}

/** A certificate or key that Node cannot use at all, named by its file. */
function readProblem(err: NodeJS.ErrnoException, files: { serverCa?: string; clientCert?: string; clientKey?: string }): string {
  const code = String(err.code ?? '');
  if (/KEY_VALUES_MISMATCH/.test(code)) return `the client key ${files.clientKey} does not belong to the client certificate ${files.clientCert}`;
  if (/PEM|ASN1|DECODER|BAD_BASE64|NO_START_LINE/.test(code)) {
    return `a certificate or key is not PEM that can be read (${err.message}); check ${[files.serverCa, files.clientCert, files.clientKey].filter(Boolean).join(', ') || 'the TEMPORAL_TLS_*_DATA variables'}`;
  }
  return `the TLS settings cannot be used (${err.message})`;
}
