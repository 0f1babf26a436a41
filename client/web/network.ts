import type { Server } from 'node:http';
import express from 'express';
import type { Settings } from '../../config/settings';
import type { EventSource } from '../../reports';
import type { Store } from '../../store';
import type { StageGateClient } from '../sdk';
import { layout, STYLESHEET } from './html';
import { problemPage } from './pages';
import type { PortalConfirmations } from './portal';
import { createWebApp, webMetrics } from './server';

/** One member's pages (or the network's) on the installation's web server, under `/m/<id>`. */
export interface MemberSite {
  /** The member's id, or `network`. */
  id: string;
  client: StageGateClient;
  settings: Settings;
  events?: EventSource;
  outbox?: Store;
  confirmations?: PortalConfirmations;
}

/** Where a member's pages start: its links carry it, as its worker mints them from its publicUrl. */
export function memberPath(id: string): string {
  return `/m/${id}`;
}

/**
 * The web server of an innovation network: each member's reviewer pages, portal, dashboard and
 * HTTP API under `/m/<member>`, each a web app of its own with the member's own link secret, admin
 * key, API keys and client. A link one member's worker signed, opened under another member's
 * path, fails that member's verification: refused, nothing changed.
 */
export function createNetworkWebApp(sites: MemberSite[], installation: Pick<Settings, 'trustProxy'>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', installation.trustProxy);
  const metrics = webMetrics();
  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  // Every page names the stylesheet from the root.
  app.get('/assets/style.css', (_request, response) => {
    response.set('Cache-Control', 'public, max-age=3600').type('css').send(STYLESHEET);
  });
  for (const site of sites) app.use(memberPath(site.id), createWebApp({ client: site.client, settings: site.settings, events: site.events, outbox: site.outbox, confirmations: site.confirmations, metrics }));
  app.use((_request, response) => {
    response.status(404).type('html').send(layout('Not found', problemPage('Not found', [`There is no page here; each member's pages are under ${sites.map((site) => memberPath(site.id)).join(', ')}.`])));
  });
  return app;
}

/** Starts the network's web server on the installation's host and port. */
export async function startNetworkWebServer(sites: MemberSite[], installation: Settings, options: { host?: string; port?: number } = {}): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const app = createNetworkWebApp(sites, installation);
  const host = options.host ?? installation.webHost;
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port ?? installation.webPort, host, (err?: Error) => (err ? reject(err) : resolve(listening)));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : installation.webPort;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
