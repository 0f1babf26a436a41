import mjml2html from 'mjml';
import { composeMessage, plainWords, renderText, type Block, type Message, type MessageOptions, type Words } from '../messages';
import type { Person } from '../../workflows/inputs';
import type { Notification } from '../../workflows/notification';
import { escapeHtml } from '../../text';

/**
 * The HTML part of every message: one MJML layout, compiled once per shape (with or without an
 * action button, with or without a link under it) and cached, because compiling MJML takes
 * milliseconds where filling a compiled layout takes microseconds. The message's words fill the
 * layout's slots, every one of them HTML-escaped.
 */

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** Subject, plain text and HTML of one message to one recipient. */
export async function renderEmail(notification: Notification, recipient: Person, options: MessageOptions): Promise<RenderedEmail> {
  const message = composeMessage(notification, recipient, options);
  return { subject: message.subject, text: renderText(message), html: await renderHtml(message) };
}

const INK = '#1d1d1f';
const MUTED = '#545458';
const WASH = '#f5f5f7';
const LINE = '#d2d2d7';
const ACCENT = '#0b5cad';
const FONTS = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

interface Shape {
  action: boolean;
  aside: boolean;
}

/** The layout; `{{slot}}` marks where escaped words go after compiling. Phones get one column and a full-width button. */
function layout({ action, aside }: Shape): string {
  return `<mjml lang="en">
  <mj-head>
    <mj-title>{{subject}}</mj-title>
    <mj-preview>{{preview}}</mj-preview>
    <mj-attributes>
      <mj-all font-family="${FONTS}" />
      <mj-text font-size="16px" line-height="1.5" color="${INK}" padding="0 24px" />
    </mj-attributes>
    <mj-style>
      @media only screen and (max-width: 479px) { .action table { width: 100% !important; } .action a { display: block !important; } }
    </mj-style>
  </mj-head>
  <mj-body background-color="${WASH}" width="600px">
    <mj-section padding="20px 0 8px">
      <mj-column>
        <mj-text font-size="13px" font-weight="700" color="${MUTED}" letter-spacing="0.06em">STAGEGATE</mj-text>
      </mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" border="1px solid ${LINE}" border-radius="12px" padding="24px 0 10px">
      <mj-column>
        <mj-text font-size="15px" font-weight="600" color="${MUTED}" padding="0 24px 4px">{{topic}}</mj-text>
        <mj-text font-size="24px" line-height="1.25" font-weight="700" padding="0 24px 16px">{{heading}}</mj-text>
        <mj-text>{{body}}</mj-text>${
          action
            ? `
        <mj-button css-class="action" href="{{actionUrl}}" background-color="${ACCENT}" color="#ffffff" font-size="17px" font-weight="600" border-radius="8px" inner-padding="14px 28px" padding="6px 24px 14px" align="left">{{actionLabel}}</mj-button>`
            : ''
        }${
          aside
            ? `
        <mj-text font-size="15px" padding="0 24px 16px"><a href="{{asideUrl}}" style="color: ${ACCENT};">{{asideLabel}}</a></mj-text>`
            : ''
        }
        <mj-text>{{details}}</mj-text>
      </mj-column>
    </mj-section>
    <mj-section padding="12px 0 24px">
      <mj-column>
        <mj-text font-size="13px" color="${MUTED}">{{signature}}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
}

const compiled = new Map<string, Promise<string>>();

/** The compiled layout of one shape; concurrent first renders share one compile. */
export function compiledLayout(shape: Shape): Promise<string> {
  const key = `${shape.action}/${shape.aside}`;
  let html = compiled.get(key);
  if (!html) {
    // `await` serves both mjml 4 (which returns the result) and the typings of mjml 5 (a promise).
    html = (async () => (await mjml2html(layout(shape), { validationLevel: 'strict', keepComments: false })).html)();
    compiled.set(key, html);
    html.catch(() => compiled.delete(key));
  }
  return html;
}

function wordsHtml(words: Words[]): string {
  return words.map((run) => (typeof run === 'string' ? escapeHtml(run) : `<strong>${escapeHtml(run.strong)}</strong>`)).join('');
}

function blockHtml(block: Block): string {
  if ('paragraph' in block) return `<p style="margin: 0 0 14px;">${wordsHtml(block.paragraph)}</p>`;
  if ('list' in block) {
    const items = block.items.map((item) => `<li style="margin: 0 0 6px;">${escapeHtml(item)}</li>`).join('');
    return `<p style="margin: 18px 0 6px; font-weight: 600;">${escapeHtml(block.list)}</p><ul style="margin: 0 0 14px; padding: 0 0 0 22px;">${items}</ul>`;
  }
  if ('quote' in block) {
    return `<div style="margin: 0 0 14px; padding: 10px 14px; border-left: 4px solid ${LINE}; background: ${WASH}; white-space: pre-line;">${escapeHtml(block.quote)}</div>`;
  }
  return `<div style="margin: 0 0 14px; padding: 10px 14px; background: ${WASH}; border-radius: 6px; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; line-height: 1.4; overflow-wrap: anywhere;">${escapeHtml(block.command)}</div>`;
}

/** The HTML part of a message. */
export async function renderHtml(message: Message): Promise<string> {
  const shape = { action: message.action !== undefined, aside: message.aside !== undefined };
  const first = message.body[0];
  const slots: Record<string, string> = {
    subject: escapeHtml(message.subject),
    preview: escapeHtml(first && 'paragraph' in first ? plainWords(first.paragraph) : message.heading),
    topic: escapeHtml(message.topic),
    heading: escapeHtml(message.heading),
    body: `<p style="margin: 0 0 14px;">${escapeHtml(message.greeting)}</p>${message.body.map(blockHtml).join('')}`,
    actionUrl: escapeHtml(message.action?.url ?? ''),
    actionLabel: escapeHtml(message.action?.label ?? ''),
    asideUrl: escapeHtml(message.aside?.url ?? ''),
    asideLabel: escapeHtml(message.aside?.label ?? ''),
    details: message.details.map(blockHtml).join(''),
    signature: escapeHtml(message.signature),
  };
  // One pass: words that happen to look like a slot are never filled in again.
  return (await compiledLayout(shape)).replace(/\{\{(\w+)\}\}/g, (_, slot: string) => slots[slot] ?? '');
}
