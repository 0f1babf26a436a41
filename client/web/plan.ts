import type { IdeaStatus, PilotPlan, PilotPlanInput, PilotPlanTemplate } from '../sdk';
import { kpiNumberProblem, parseKpiNumber } from '../../workflows/kpi-rules';
import { spell } from '../../workflows/pilot-plan';
import { html, type Html } from './html';

/**
 * The champion's pilot plan on the web: the planning page an emailed `plan` link opens (the
 * template's default plan, prefilled; marking the stage ready with it), and the plan as the
 * gate's reviewers see it in the package.
 */

/** A form shows this many KPI rows at most, so it stays within the 100 fields a form may send. */
const MAX_FORM_ROWS = 8;

interface KpiRow {
  id: string;
  label: string;
  unit: string;
  direction: string;
  target: string;
  alertAt: string;
  killAt: string;
  benefit: boolean;
  url: string;
  jsonPath: string;
}

export interface PlanForm {
  place: string;
  duration: string;
  notes: string;
  kpis: KpiRow[];
}

const number = (value: number | undefined) => (value === undefined ? '' : String(value));

/** A duration as a template would write it: `4w`, `10d`, `36h`. */
export function durationText(millis: number): string {
  const units: [number, string][] = [[604_800_000, 'w'], [86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'm'], [1000, 's']];
  const [size, unit] = units.find(([size]) => millis % size === 0) ?? [1, 'ms'];
  return `${millis / size}${unit}`;
}

/** The form filled in with a plan: the template's default one, or the one handed in. */
export function planForm(plan: PilotPlan, notes = ''): PlanForm {
  return {
    place: plan.place,
    duration: durationText(plan.duration),
    notes,
    kpis: plan.kpis.map((kpi) => ({
      id: kpi.id,
      label: kpi.label,
      unit: kpi.unit,
      direction: kpi.direction,
      target: String(kpi.target),
      alertAt: number(kpi.alertAt),
      killAt: number(kpi.killAt),
      benefit: kpi.countsAsBenefit,
      url: kpi.source.type === 'http' ? kpi.source.url : '',
      jsonPath: kpi.source.type === 'http' ? kpi.source.jsonPath : '',
    })),
  };
}

const field = (body: Record<string, unknown>, name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');

/** What the planning form sent, as it was typed. */
export function readPlanForm(body: Record<string, unknown>): PlanForm {
  const kpis: KpiRow[] = [];
  for (let row = 0; row < MAX_FORM_ROWS; row++) {
    const at = (name: string) => field(body, `kpi.${row}.${name}`).trim();
    kpis.push({ id: at('id'), label: at('label'), unit: at('unit'), direction: at('direction'), target: at('target'), alertAt: at('alertAt'), killAt: at('killAt'), benefit: at('benefit') === 'yes', url: at('url'), jsonPath: at('jsonPath') });
  }
  return { place: field(body, 'place'), duration: field(body, 'duration').trim(), notes: field(body, 'notes'), kpis };
}

const blank = (row: KpiRow) => !row.id && !row.label && !row.target && !row.unit && !row.alertAt && !row.killAt && !row.url;

/**
 * The plan a form says, for the SDK to check, and the numbers it could not read (in the words of
 * the one KPI number grammar, named by field like the SDK's problems). Empty rows are left out.
 */
export function planFromForm(form: PlanForm): { plan: PilotPlanInput; problems: string[] } {
  const problems: string[] = [];
  const rows = form.kpis.filter((row) => !blank(row));
  const kpis = rows.map((row, index) => {
    const read = (name: 'target' | 'alertAt' | 'killAt', raw: string) => {
      if (!raw) return undefined;
      const value = parseKpiNumber(raw);
      if (value === undefined) problems.push(`plan: kpis[${index}].${name}: ${kpiNumberProblem(raw)}`);
      return value;
    };
    const target = read('target', row.target);
    const alertAt = read('alertAt', row.alertAt);
    const killAt = read('killAt', row.killAt);
    return {
      id: row.id,
      label: row.label,
      unit: row.unit,
      direction: row.direction as 'higher',
      // A missing target is the SDK's to name.
      target: target as number,
      ...(alertAt === undefined ? {} : { alertAt }),
      ...(killAt === undefined ? {} : { killAt }),
      countsAsBenefit: row.benefit,
      source: row.url ? { type: 'http' as const, url: row.url, jsonPath: row.jsonPath } : { type: 'manual' as const },
    };
  });
  return { plan: { place: form.place, duration: form.duration, kpis }, problems };
}

/** The plan as reviewers read it: each KPI with its unit, target, alert and kill lines, then how long and where. */
export function planTable(plan: PilotPlan, caption: string): Html {
  const line = (direction: string, value: number | undefined) => (value === undefined ? '—' : `${direction === 'higher' ? 'at or below' : 'at or above'} ${value}`);
  return html`<table><caption class="meta">${caption}</caption><thead><tr><th scope="col">KPI</th><th scope="col">Unit</th><th scope="col">Target</th><th scope="col">Alert</th><th scope="col">Kill line</th><th scope="col">Readings</th></tr></thead><tbody>
${plan.kpis.map((kpi) => html`<tr><td>${kpi.label}<br><span class="meta">${kpi.id}${kpi.countsAsBenefit ? ', counts as benefit' : ''}</span></td><td>${kpi.unit}</td><td>${kpi.direction === 'higher' ? 'at least' : 'at most'} ${kpi.target}</td><td>${line(kpi.direction, kpi.alertAt)}</td><td>${line(kpi.direction, kpi.killAt)}</td><td>${kpi.source.type === 'http' ? 'pulled' : 'entered by hand'}</td></tr>`)}
</tbody></table>
<p class="meta">Runs ${spell(plan.duration)}${plan.place ? ` in ${plan.place}` : ''}.</p>`;
}

/** The plan section of a gate package: the plan handed in, or the template's default one when none was. */
export function packagePlan(idea: IdeaStatus, template: PilotPlanTemplate | undefined): Html {
  const handedIn = idea.stage.ready?.pilot;
  const approved = idea.stage.plan;
  if (handedIn) return html`<h3>The pilot's plan</h3>${planTable(handedIn, `What ${template?.pilotStage.name ?? 'the pilot'} is to measure; your vote approves this plan`)}`;
  if (template && idea.round?.gate === template.gate.id) {
    return html`<h3>The pilot's plan</h3><p class="meta">The champion handed in no plan of their own: the pilot runs the template's default plan.</p>${planTable(template.defaults, `What ${template.pilotStage.name} is to measure`)}`;
  }
  if (approved) return html`<h3>The pilot's plan</h3>${planTable(approved, `The plan approved at the gate before, fingerprint ${approved.fingerprint}`)}`;
  return html``;
}

function kpiRow(row: KpiRow | undefined, index: number, invalid: boolean): Html {
  const value = (name: keyof KpiRow) => (row ? String(row[name]) : '');
  const input = (name: keyof KpiRow, label: string, hint = '', mode = 'text') => html`<label class="field" for="kpi-${index}-${name}">${label}</label>
    <input type="text"${mode === 'decimal' ? html` inputmode="decimal"` : ''} id="kpi-${index}-${name}" name="kpi.${index}.${name}" value="${value(name)}"${hint ? html` aria-describedby="kpi-${index}-${name}-hint"` : ''}>
    ${hint ? html`<p class="hint" id="kpi-${index}-${name}-hint">${hint}</p>` : ''}`;
  return html`<fieldset${invalid ? html` aria-invalid="true"` : ''}>
  <legend>KPI ${index + 1}${row?.label ? `: ${row.label}` : ' (optional)'}</legend>
  ${input('id', 'Id', 'Lowercase, like weekly_sales.')}
  ${input('label', 'Name')}
  ${input('unit', 'Unit', 'Like pastries, %, kg.')}
  <label class="field" for="kpi-${index}-direction">Better when</label>
  <select id="kpi-${index}-direction" name="kpi.${index}.direction">
    <option value="higher"${value('direction') !== 'lower' ? html` selected` : ''}>higher</option>
    <option value="lower"${value('direction') === 'lower' ? html` selected` : ''}>lower</option>
  </select>
  ${input('target', 'Target', '', 'decimal')}
  ${input('alertAt', 'Alert at', 'A reading at or past this alerts you. Optional.', 'decimal')}
  ${input('killAt', 'Kill line', 'A reading at or past this ends the pilot early. Optional.', 'decimal')}
  <p><label><input type="checkbox" name="kpi.${index}.benefit" value="yes"${row?.benefit ? html` checked` : ''}> Its total counts as the idea's realised benefit</label></p>
  ${input('url', 'Pulled from (URL)', 'Only for a KPI your own system reports; leave empty to enter readings by hand.')}
  ${input('jsonPath', 'Where in the answer', 'Like $.totals.sales.')}
</fieldset>`;
}

/** The planning page: the plan form, prefilled, with what was wrong last time named by field. */
export function planPage(args: { idea: IdeaStatus; template: PilotPlanTemplate; form: PlanForm; errors: string[]; action: string }): Html {
  const { idea, template, form, errors } = args;
  const limits = template.limits;
  const rows = Math.min(MAX_FORM_ROWS, limits?.maxKpis ?? MAX_FORM_ROWS, Math.max(form.kpis.filter((row) => !blank(row)).length + 1, template.defaults.kpis.length));
  return html`<h1>Plan the pilot of “${idea.title}”</h1>
<p class="meta">${template.stage.name} ends when you mark it ready. ${template.gate.name} then decides on your package and this plan; ${template.pilotStage.name} runs the plan it approved.${limits ? ` ${idea.process.name} allows at most ${limits.maxKpis} KPIs and ${spell(limits.duration.min)} to ${spell(limits.duration.max)}.` : ''}</p>
${errors.length ? html`<div class="notice error" role="alert"><p><strong>Nothing was recorded yet.</strong></p><ul class="plain">${errors.map((error) => html`<li>${error}</li>`)}</ul></div>` : ''}
<form method="post" action="${args.action}">
  <label class="field" for="place">Where it runs</label>
  <input type="text" id="place" name="place" value="${form.place}"${errors.some((error) => error.includes(': place:')) ? html` aria-invalid="true"` : ''}>
  <label class="field" for="duration">How long</label>
  <input type="text" id="duration" name="duration" value="${form.duration}" aria-describedby="duration-hint"${errors.some((error) => error.includes(': duration:')) ? html` aria-invalid="true"` : ''}>
  <p class="hint" id="duration-hint">Like 4w (weeks), 10d (days).</p>
  ${Array.from({ length: rows }, (_, index) => kpiRow(form.kpis[index], index, errors.some((error) => error.includes(`kpis[${index}]`))))}
  <label class="field" for="notes">Notes for the reviewers</label>
  <textarea id="notes" name="notes" rows="4">${form.notes}</textarea>
  <p><button type="submit">Mark ${template.stage.name} ready with this plan</button></p>
</form>`;
}

/** After the plan went in: what the gate will see. */
export function planHandedInPage(args: { idea: IdeaStatus; template: PilotPlanTemplate }): Html {
  const { idea, template } = args;
  const ready = idea.stage.ready!;
  return html`<div class="notice success" role="status"><p><strong>${template.stage.name} is marked ready${template.handedIn ? ', with your plan' : ''}.</strong></p></div>
<h1>Your plan is with ${template.gate.name}</h1>
${planTable(template.handedIn ?? template.defaults, template.handedIn ? 'The plan you handed in' : "The template's default plan")}
<p class="meta">Marked ready by ${ready.by}. Package fingerprint <code>${ready.fingerprint}</code>: the reviewers' votes approve this version.</p>`;
}
