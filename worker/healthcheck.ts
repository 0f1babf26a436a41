/**
 * The container health check of the worker and the web server (Dockerfile HEALTHCHECK and the
 * compose file): `node dist/worker/healthcheck.js <url>` exits 0 when the URL answers 2xx within
 * three seconds, else 1 with the reason on stderr. The runtime image has no curl or wget.
 */
const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: node dist/worker/healthcheck.js <url>, e.g. http://127.0.0.1:9464/healthz\n');
  process.exit(2);
}
fetch(url, { signal: AbortSignal.timeout(3_000) }).then(
  async (response) => {
    if (response.ok) process.exit(0);
    process.stderr.write(`${url} answered ${response.status}: ${(await response.text()).slice(0, 200)}\n`);
    process.exit(1);
  },
  (err: Error) => {
    process.stderr.write(`${url} did not answer: ${err.message}\n`);
    process.exit(1);
  },
);
