import { escapeHtml } from '../../text';

/** Server-rendered HTML with every interpolated value escaped unless it is already Html. */

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}


type Part = Html | string | number | boolean | undefined | null | Part[];

function render(part: Part): string {
  if (part === undefined || part === null || part === false || part === true) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  return new Html(strings.reduce((out, text, index) => out + text + (index < parts.length ? render(parts[index]!) : ''), ''));
}

export const STYLESHEET = `
:root { color-scheme: light; --ink: #1d1d1f; --muted: #545458; --line: #d2d2d7; --accent: #0b5cad; --go: #16703a; --stop: #a11d1d; --paper: #fff; --wash: #f5f5f7; }
* { box-sizing: border-box; }
body { margin: 0; font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--wash); }
main { max-width: 42rem; margin: 0 auto; padding: 1rem; }
header.brand { background: var(--ink); color: #fff; padding: .6rem 1rem; font-weight: 600; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
section, .card { background: var(--paper); border: 1px solid var(--line); border-radius: 12px; padding: 1rem; margin: 0 0 1rem; }
.meta { color: var(--muted); font-size: .95rem; }
.notice { border-left: 4px solid var(--accent); background: #eef5fc; padding: .75rem 1rem; border-radius: 8px; margin: 0 0 1rem; }
.notice.warning { border-color: #9a5b00; background: #fff6e5; }
.notice.error { border-color: var(--stop); background: #fdeeee; }
.notice.success { border-color: var(--go); background: #ecf7ef; }
fieldset { min-width: 0; border: 1px solid var(--line); border-radius: 10px; margin: 0 0 1rem; padding: .75rem .75rem 1rem; }
legend { font-weight: 600; padding: 0 .25rem; }
.scale { display: grid; grid-template-columns: repeat(5, 1fr); gap: .4rem; }
.scale label { justify-content: center; min-width: 0; padding: .25rem 0; gap: .25rem; }
.scale label, .choices label { display: flex; align-items: center; gap: .35rem; min-height: 44px; padding: .25rem .75rem; border: 1px solid var(--line); border-radius: 8px; background: var(--paper); cursor: pointer; }
.choices { display: grid; gap: .5rem; }
.choices label { align-items: flex-start; }
.choices small { display: block; color: var(--muted); }
input[type=radio] { flex: none; width: 1.2rem; height: 1.2rem; margin: .15rem 0 0; accent-color: var(--accent); }
textarea, select, input[type=text], input[type=email] { width: 100%; font: inherit; padding: .6rem; border: 1px solid #8e8e93; border-radius: 8px; }
label.field { display: block; font-weight: 600; margin: 0 0 .35rem; }
form.portal label.field { margin-top: 1rem; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
/* The field people never see: only bots fill it in. */
.trap { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; }
button { font: inherit; font-weight: 600; color: #fff; background: var(--accent); border: 0; border-radius: 10px; padding: .8rem 1.4rem; min-height: 48px; width: 100%; cursor: pointer; }
button:focus-visible, a:focus-visible, input:focus-visible, textarea:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.error-text { color: var(--stop); font-weight: 600; }
ul.plain { padding-left: 1.2rem; margin: .25rem 0; }
code { font-size: .9em; overflow-wrap: anywhere; }
pre.message { white-space: pre-wrap; font: inherit; margin: 0; }
p.notes { white-space: pre-line; }
`;

export function layout(title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · stagegate</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<header class="brand" role="banner">stagegate</header>
<main>
${body}
</main>
</body>
</html>
`.value;
}
