import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** PEM files made with the openssl command: a certificate authority and certificates it signed. */
export interface Certificates {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/**
 * A CA, a server certificate for localhost and 127.0.0.1, and a client certificate, all signed by
 * that CA and written into `dir`; what a firm's operator (or Temporal Cloud) hands its workers.
 */
export function makeCertificates(dir: string, name = 'ca'): Certificates {
  mkdirSync(dir, { recursive: true });
  const file = (base: string) => join(dir, `${name}-${base}`);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=stagegate test ${name}`, '-keyout', file('ca.key'), '-out', file('ca.pem'));
  const sign = (base: string, subject: string, extensions: string) => {
    writeFileSync(file(`${base}.ext`), extensions);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', file(`${base}.key`), '-out', file(`${base}.csr`));
    openssl('x509', '-req', '-in', file(`${base}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file(`${base}.ext`), '-out', file(`${base}.pem`));
  };
  sign('server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  sign('client', '/CN=stagegate worker', 'extendedKeyUsage=clientAuth\n');
  return {
    caCert: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
  };
}

export interface TlsProxyOptions {
  /** The plaintext (h2c) gRPC server behind the proxy: the test dev server. */
  upstream: string;
  certificates: Certificates;
  /** Require a client certificate signed by the CA (mTLS). */
  requireClientCert?: boolean;
  /** Require `authorization: Bearer <apiKey>` on every call, as Temporal Cloud does with API keys. */
  apiKey?: string;
}

export interface TlsProxy {
  /** host:port to put in TEMPORAL_ADDRESS. */
  address: string;
  /** The authorization headers the proxy saw. */
  authorizations: Set<string>;
  /** Calls refused for a missing or wrong API key. */
  refused: number;
  close(): Promise<void>;
}

const HOP_HEADERS = new Set([':method', ':path', ':scheme', ':authority', ':status', 'connection', 'host']);

function forwarded(headers: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_HEADERS.has(name)));
}

/**
 * A TLS-terminating gRPC proxy on loopback: TLS (or mTLS) outside, h2c to the dev server inside,
 * each stream's headers, body and trailers passed through. The dev server has no TLS flags; a
 * Temporal cluster behind a load balancer or Temporal Cloud looks like this to a worker.
 */
export async function startTlsProxy(options: TlsProxyOptions): Promise<TlsProxy> {
  const { certificates } = options;
  const upstream = http2.connect(`http://${options.upstream}`);
  upstream.on('error', () => undefined);
  const proxy: TlsProxy = { address: '', authorizations: new Set(), refused: 0, close: async () => undefined };
  const server = http2.createSecureServer({
    cert: readFileSync(certificates.serverCert),
    key: readFileSync(certificates.serverKey),
    ca: readFileSync(certificates.caCert),
    requestCert: Boolean(options.requireClientCert),
    rejectUnauthorized: Boolean(options.requireClientCert),
    allowHTTP1: false,
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    const authorization = headers.authorization;
    if (typeof authorization === 'string') proxy.authorizations.add(authorization);
    if (options.apiKey && authorization !== `Bearer ${options.apiKey}`) {
      proxy.refused += 1;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'the proxy wants a valid API key' }, { endStream: true });
      return;
    }
    const call = upstream.request({ ...forwarded(headers), ':method': headers[':method'], ':path': headers[':path'] }, { endStream: false });
    call.on('error', () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    stream.on('close', () => call.close());
    stream.pipe(call);
    let trailers: http2.OutgoingHttpHeaders = {};
    call.on('trailers', (received) => (trailers = forwarded(received)));
    call.on('response', (received, flags) => {
      const endStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      if (stream.destroyed) return;
      stream.respond({ ...forwarded(received), ':status': received[':status'] }, endStream ? { endStream: true } : { waitForTrailers: true });
      if (endStream) return;
      stream.on('wantTrailers', () => stream.sendTrailers(trailers));
      call.pipe(stream);
    });
  });
  server.on('sessionError', () => undefined);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  proxy.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    for (const session of sessions) session.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    upstream.close();
  };
  return proxy;
}
