import { Router } from 'express';
import type { Store } from '../../store';
import { html, layout } from './html';
import type { Clock } from './pages';

/**
 * The local outbox of the embedded default, so a person trying stagegate on a laptop can read
 * every message and click its links, playing every role. The handlers are async: Express 5 hands
 * a store's error to the error page.
 */
async function findMessage(store: Store, id: string) {
  return (await store.outbox({ id, limit: 1 }))[0];
}

export function outboxRoutes(store: Store, when: Clock): Router {
  const router = Router();

  router.get('/', async (request, response) => {
    const to = typeof request.query.to === 'string' ? request.query.to : undefined;
    const messages = (await store.outbox({ to, limit: 500 })).reverse();
    response.type('html').send(
      layout(
        'Outbox',
        html`<h1>Outbox</h1>
<p class="meta">Every message stagegate sent, newest first${to ? html`, to ${to} (<a href="${request.baseUrl}">everyone</a>)` : ''}. Open one and click its links to play that person.</p>
${messages.length
  ? html`<table><thead><tr><th scope="col">When</th><th scope="col">To</th><th scope="col">Subject</th></tr></thead><tbody>
${messages.map((message) => html`<tr><td>${when(message.createdAt)}</td><td><a href="${request.baseUrl}?to=${encodeURIComponent(message.to.email)}">${message.to.name}</a></td><td><a href="${request.baseUrl}/message/${encodeURIComponent(message.id)}">${message.subject}</a></td></tr>`)}
</tbody></table>`
  : html`<p>No messages yet. Submit an idea: <code>npx stagegate idea submit --help</code></p>`}`,
      ),
    );
  });

  router.get('/message/:id', async (request, response) => {
    const message = await findMessage(store, request.params.id);
    if (!message) {
      response.status(404).type('html').send(layout('Not found', html`<h1>No such message</h1><p><a href="${request.baseUrl}">Back to the outbox</a></p>`));
      return;
    }
    const linked = message.text.split(/(https?:\/\/[^\s)]+)/g).map((part, index) => (index % 2 === 1 ? html`<a href="${part}">${part}</a>` : part));
    response.type('html').send(
      layout(
        message.subject,
        html`<p><a href="${request.baseUrl}">Outbox</a></p>
<h1>${message.subject}</h1>
<p class="meta">To ${message.to.name} &lt;${message.to.email}&gt; · ${when(message.createdAt)} · ${message.purpose}</p>
${message.html ? html`<p><a href="${request.baseUrl}/message/${encodeURIComponent(message.id)}/html">Open the email as the recipient sees it</a></p>` : ''}
<section><pre class="message">${linked}</pre></section>`,
      ),
    );
  });

  router.get('/message/:id/html', async (request, response) => {
    const message = await findMessage(store, request.params.id);
    if (!message?.html) {
      response.status(404).type('text').send('No HTML version of this message.');
      return;
    }
    // The email's own HTML uses inline styles; it may not run scripts or frame anything.
    response.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'").type('html').send(message.html);
  });

  return router;
}
