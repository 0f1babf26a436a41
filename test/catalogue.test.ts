import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { loadPeopleDirectory } from '../config/people';
import { loadNetworkOf } from '../config/network';
import { loadProcessFile } from '../config/process';
import { loadSettings, loadTemporalConnection, SHIPPED_PEOPLE_FILE, SHIPPED_PROCESSES_DIR } from '../config/settings';
import { checkConfiguration, checkMailLinks } from '../config/startup';
import { ConfigError } from '../config/yaml';
import { StageGateError, type StageGateClient } from '../client/sdk';
import { HEAD_BAKER, OWNER, SHOP_MANAGER, asked, idea, inReview, messageTo, scores, testSettings, waitForIdea, withStack } from './helpers';
import { get, withWeb } from './web-helpers';
import { cliEnv, runCli } from './cli-process';

/**
 * The bad-input catalogue: every boundary, one table per boundary, each case a wrong input and the
 * clear refusal it must get. A refusal names what was wrong (the file and the path of the field, the
 * variable, the SDK field) and changes nothing: live cases compare the idea before and after.
 * The web server's HTTP cases live in the same form in test/web-input.test.ts.
 */

type Tree = Record<string, unknown>;
const folder = mkdtempSync(join(tmpdir(), 'stagegate-catalogue-'));
let files = 0;
const huge = 'x'.repeat(1_000_000);

function writeYaml(name: string, value: unknown): string {
  const file = join(folder, `${files++}-${name}.yaml`);
  writeFileSync(file, typeof value === 'string' ? value : stringify(value));
  return file;
}

const shippedTemplate = () => parse(readFileSync(join(SHIPPED_PROCESSES_DIR, 'smb-lite.yaml'), 'utf8')) as Tree;
const shippedPeople = () => parse(readFileSync(SHIPPED_PEOPLE_FILE, 'utf8')) as Tree;
type Stage = Tree & { gate: Tree & { criteria: Tree[] } };
const stages = (template: Tree) => template.stages as Stage[];

/** [case, change to the shipped smb-lite template, the message the refusal must carry] */
const templateCases: [string, (template: Tree) => unknown, RegExp][] = [
  ['a missing id', (t) => (delete t.id, t), /: id: /],
  ['an id of the wrong type', (t) => ({ ...t, id: 42 }), /: id: .*string/i],
  ['an unknown field', (t) => ({ ...t, colour: 'blue' }), /colour/],
  ['no stages at all', (t) => ({ ...t, stages: [] }), /: stages: /],
  ['a negative weight', (t) => (stages(t)[0]!.gate.criteria[0]!.weight = -1, t), /stages\[0\]\.gate\.criteria\[0\]\.weight: /],
  ['a pass score above the scale', (t) => (stages(t)[0]!.gate.passScore = 99, t), /stages\[0\]\.gate\.passScore: /],
  ['a quorum that is not a rule', (t) => (stages(t)[0]!.gate.quorum = 'most', t), /stages\[0\]\.gate\.quorum: /],
  ['a deadline that is not a duration', (t) => (stages(t)[0]!.gate.deadline = 'soon', t), /stages\[0\]\.gate\.deadline: .*"soon"/],
  ['a deadline of a hundred years', (t) => (stages(t)[0]!.gate.deadline = '36500d', t), /stages\[0\]\.gate\.deadline: .*3650d/],
  ['an unknown no-decision rule', (t) => (stages(t)[0]!.gate.onNoDecision = 'go', t), /stages\[0\]\.gate\.onNoDecision: /],
  ['a stage id used twice', (t) => (stages(t)[1]!.id = stages(t)[0]!.id, t), /stages\[1\]\.id: .*twice/],
  ['a criterion with HTML for an id', (t) => (stages(t)[0]!.gate.criteria[0]!.id = '<script>', t), /stages\[0\]\.gate\.criteria\[0\]\.id: /],
  ['an empty name', (t) => ({ ...t, name: '' }), /: name: /],
  ['a label for a decision the engine has not', (t) => ({ ...t, decisionLabels: { go: 'Persevere', pivot: 'Pivot' } }), /: decisionLabels: .*pivot/],
  ['an empty decision label', (t) => ({ ...t, decisionLabels: { kill: '  ' } }), /: decisionLabels\.kill: must not be empty/],
  ['not YAML at all', () => 'id: [unclosed', /is not valid YAML/],
  ['an empty file', () => '', /\(root\)/],
];

/** [case, change to the shipped people file, the message the refusal must carry] */
const peopleCases: [string, (people: Tree) => unknown, RegExp][] = [
  ['no organisation', (p) => (delete p.organisation, p), /: organisation: /],
  ['no people', (p) => ({ ...p, people: [] }), /: people: /],
  ['an email that is not one', (p) => ((p.people as Tree[])[0]!.email = 'olivia at bakery', p), /people\[0\]\.email: /],
  ['a person listed twice', (p) => ((p.people as Tree[])[1]!.email = (p.people as Tree[])[0]!.email, p), /people\[1\]\.email: .*twice/],
  ['roles that are not a list', (p) => ((p.people as Tree[])[0]!.roles = 'owner', p), /people\[0\]\.roles: /],
  ['a name of the wrong type', (p) => ((p.people as Tree[])[0]!.name = { first: 'Olivia' }, p), /people\[0\]\.name: /],
  ['active that is not true or false', (p) => ((p.people as Tree[])[0]!.active = 'no', p), /people\[0\]\.active: /],
  ['an absence ending before it starts', (p) => ((p.people as Tree[])[1]!.absences = [{ from: '2026-08-14', to: '2026-08-03', standIn: 'maya@cornerbakery.example' }], p), /people\[1\]\.absences\[0\]\.to: 2026-08-03 is before from \(2026-08-14\)/],
  ['an absence from a day that is not one', (p) => ((p.people as Tree[])[1]!.absences = [{ from: 'Monday', to: '2026-08-03', standIn: 'maya@cornerbakery.example' }], p), /people\[1\]\.absences\[0\]\.from: expected a date like/],
  ['a stand-in not in the directory', (p) => ((p.people as Tree[])[1]!.absences = [{ from: '2026-08-03', to: '2026-08-14', standIn: 'mallory@evil.example' }], p), /people\[1\]\.absences\[0\]\.standIn: "mallory@evil\.example" is not in the people directory/],
  ['a stand-in for themselves', (p) => ((p.people as Tree[])[1]!.absences = [{ from: '2026-08-03', to: '2026-08-14', standIn: 'hamid@cornerbakery.example' }], p), /people\[1\]\.absences\[0\]\.standIn: a person cannot stand in for themselves/],
  ['a deactivated stand-in', (p) => (((p.people as Tree[])[4]!.active = false), ((p.people as Tree[])[1]!.absences = [{ from: '2026-08-03', to: '2026-08-14', standIn: 'maya@cornerbakery.example' }]), p), /people\[1\]\.absences\[0\]\.standIn: "maya@cornerbakery\.example" is deactivated/],
  ['an absence with an unknown field', (p) => ((p.people as Tree[])[1]!.absences = [{ from: '2026-08-03', to: '2026-08-14', standIn: 'maya@cornerbakery.example', reason: 'holiday' }], p), /people\[1\]\.absences\[0\]: .*reason/],
  ['an authority budget as text', (p) => ((p.people as Tree[])[2]!.authority = { budget: 'lots', gates: ['idea-screen'] }, p), /people\[2\]\.authority\.budget: expected a budget in the firm's currency \(a number, 0 or more\), got "lots"/],
  ['a negative authority budget', (p) => ((p.people as Tree[])[2]!.authority = { budget: -5, gates: ['idea-screen'] }, p), /people\[2\]\.authority\.budget: expected a budget of 0 or more/],
  ['an authority without gates', (p) => ((p.people as Tree[])[2]!.authority = { budget: 300, gates: [] }, p), /people\[2\]\.authority\.gates: name at least one gate/],
  ['an authority with an unknown field', (p) => ((p.people as Tree[])[2]!.authority = { budget: 300, gates: ['idea-screen'], currency: 'EUR' }, p), /people\[2\]\.authority: .*currency/],
  ['a gate id in capitals in an authority', (p) => (((p.authorities as Tree[])[0]!.gates as string[])[0] = 'Idea-Screen', p), /authorities\[0\]\.gates\[0\]: expected a gate id like "idea-screen"/],
  ["a role's authority without its role", (p) => (delete (p.authorities as Tree[])[0]!.role, p), /authorities\[0\]\.role: /],
  ["a role's authority given twice", (p) => ((p.authorities as Tree[]).push({ ...(p.authorities as Tree[])[0]!, budget: 50 }), p), /authorities\[1\]\.role: "shop-manager" has an authority already/],
  ['authorities that are not a list', (p) => ((p.authorities = 'shop-manager'), p), /: authorities: /],
];

/** [case, environment, the variable and problem the refusal must name] */
const environmentCases: [string, NodeJS.ProcessEnv, RegExp][] = [
  ['a port that is not a number', { STAGEGATE_WEB_PORT: 'eighty' }, /STAGEGATE_WEB_PORT.*webPort: /],
  ['a port out of range', { STAGEGATE_WEB_PORT: '70000' }, /webPort: /],
  ['a link key too short to be safe', { STAGEGATE_LINK_SECRET: 'short' }, /linkSecret: expected at least 32 characters/],
  ['an admin key too short to be safe', { STAGEGATE_ADMIN_KEY: 'short' }, /adminKey: expected at least 24 characters/],
  ['a link lifetime that is not a duration', { STAGEGATE_LINK_TTL: 'forever' }, /linkTtl: .*"forever"/],
  ['a database URL that is not PostgreSQL', { DATABASE_URL: 'mysql://db/x' }, /databaseUrl: expected a PostgreSQL URL/],
  ['a public URL that is not a URL', { STAGEGATE_PUBLIC_URL: 'bakery' }, /publicUrl: /],
  ['a history limit below the floor', { STAGEGATE_JOURNEY_HISTORY_LIMIT: '10' }, /journeyHistoryLimit: /],
  ['a V8 context reuse that is not yes or no', { STAGEGATE_WORKER_REUSE_V8_CONTEXT: 'sometimes' }, /STAGEGATE_WORKER_REUSE_V8_CONTEXT.*worker\.reuseV8Context: /],
  ['a sticky cache that is not a number', { STAGEGATE_WORKER_MAX_CACHED_WORKFLOWS: 'lots' }, /worker\.maxCachedWorkflows: /],
  ['a sticky cache below nothing', { STAGEGATE_WORKER_MAX_CACHED_WORKFLOWS: '-1' }, /worker\.maxCachedWorkflows: /],
  ['fewer than two workflow tasks at once', { STAGEGATE_WORKER_MAX_CONCURRENT_WORKFLOW_TASK_EXECUTIONS: '1' }, /worker\.maxConcurrentWorkflowTaskExecutions: /],
  ['no activities at once', { STAGEGATE_WORKER_MAX_CONCURRENT_ACTIVITY_TASK_EXECUTIONS: '0' }, /worker\.maxConcurrentActivityTaskExecutions: /],
  ['a fraction of a poller', { STAGEGATE_WORKER_ACTIVITY_TASK_POLLERS: '1.5' }, /worker\.activityTaskPollers: /],
  ['more workflow pollers than workflow tasks at once', { STAGEGATE_WORKER_WORKFLOW_TASK_POLLERS: '50', STAGEGATE_WORKER_MAX_CONCURRENT_WORKFLOW_TASK_EXECUTIONS: '20' }, /worker\.workflowTaskPollers: expected no more than maxConcurrentWorkflowTaskExecutions/],
  ['dev server pragmas that are not JSON', { STAGEGATE_DEV_SERVER_SQLITE_PRAGMAS: 'journal_mode=wal' }, /STAGEGATE_DEV_SERVER_SQLITE_PRAGMAS.*devServer\.sqlitePragmas: expected a JSON object/],
  ['a dev server pragma value that would break out of its flag', { STAGEGATE_DEV_SERVER_SQLITE_PRAGMAS: '{"journal_mode":"wal; drop"}' }, /devServer\.sqlitePragmas\.journal_mode: expected a pragma value/],
  ['a dynamic config key that is not one', { STAGEGATE_DEV_SERVER_DYNAMIC_CONFIG: '{"matching partitions":1}' }, /devServer\.dynamicConfig\.matching partitions: expected a dynamic config key like matching\.numTaskqueueReadPartitions/],
  ['an SMTP port that is not a number', { STAGEGATE_SMTP_HOST: 'mail.example', STAGEGATE_SMTP_PORT: 'x' }, /mail\.smtp\.port: /],
  ['a settings file that is not there', { STAGEGATE_CONFIG: '/nonexistent/stagegate.yaml' }, /\/nonexistent\/stagegate\.yaml: cannot be read/],
  ['webhooks that are not JSON', { STAGEGATE_WEBHOOKS: 'crm=https://crm.example' }, /STAGEGATE_WEBHOOKS.*webhooks: expected a JSON list of subscribers/],
  ['a webhook URL that is not http(s)', { STAGEGATE_WEBHOOKS: hooks({ url: 'ftp://crm.example/hooks' }) }, /webhooks\[0\]\.url: expected an http:\/\/ or https:\/\/ URL/],
  ['a webhook event nobody sends', { STAGEGATE_WEBHOOKS: hooks({ events: ['idea.approved'] }) }, /webhooks\[0\]\.events\[0\]: /],
  ['a webhook without events', { STAGEGATE_WEBHOOKS: hooks({ events: [] }) }, /webhooks\[0\]\.events: expected at least one event/],
  ['a webhook secret too short to be safe', { STAGEGATE_WEBHOOKS: hooks({ secret: 'short' }) }, /webhooks\[0\]\.secret: expected at least 32 characters/],
  ['a webhook without a secret', { STAGEGATE_WEBHOOKS: hooks({ secret: undefined }) }, /webhooks\[0\]\.secret: expected either secret or secretFile/],
  ['a webhook secret file that is not there', { STAGEGATE_WEBHOOKS: hooks({ secret: undefined, secretFile: '/nonexistent/crm-secret' }) }, /webhooks\[0\]\.secretFile: cannot be read/],
  ['a webhook name with spaces', { STAGEGATE_WEBHOOKS: hooks({ name: 'our crm' }) }, /webhooks\[0\]\.name: expected a short name/],
  ['two webhooks of one name', { STAGEGATE_WEBHOOKS: JSON.stringify([JSON.parse(hooks({}))[0], JSON.parse(hooks({}))[0]]) }, /webhooks\[1\]\.name: "crm" is used twice/],
  ['no webhook attempts at all', { STAGEGATE_WEBHOOK_ATTEMPTS: '0' }, /STAGEGATE_WEBHOOK_ATTEMPTS.*webhookRetry\.attempts: /],
  ['a webhook timeout that is not a duration', { STAGEGATE_WEBHOOK_TIMEOUT: 'soon' }, /webhookTimeout: .*"soon"/],
  ['a staff domain that is an address', { STAGEGATE_STAFF_DOMAINS: 'cornerbakery.example,maya@cornerbakery.example' }, /staffDomains\[1\]: expected a domain name/],
  ['a partner domain with a space', { STAGEGATE_PARTNER_DOMAINS: 'coffee supplier.example' }, /partnerDomains\[0\]: expected a domain name/],
  ['routing rules that are not JSON', { STAGEGATE_ROUTING: 'small=express' }, /STAGEGATE_ROUTING.*routing: expected a JSON list of rules/],
  ['routing rules without a default last', { STAGEGATE_ROUTING: rules([{ id: 'small', when: { estimatedCost: { atMost: 500 } }, process: 'express' }]) }, /routing\[0\]\.when: the last rule is the default and has no conditions/],
  ['a rule without conditions before the last', { STAGEGATE_ROUTING: rules([{ id: 'all', process: 'express' }, { id: 'default', process: 'smb-lite' }]) }, /routing\[0\]\.when: a rule without conditions matches every idea/],
  ['a rule on a horizon there is not', { STAGEGATE_ROUTING: rules([{ id: 'wild', when: { horizon: 'sideways' }, process: 'express' }, { id: 'default', process: 'smb-lite' }]) }, /routing\[0\]\.when\.horizon/],
  ['a rule on an unknown condition', { STAGEGATE_ROUTING: rules([{ id: 'urgent', when: { priority: 'high' }, process: 'express' }, { id: 'default', process: 'smb-lite' }]) }, /routing\[0\]\.when: .*priority/],
  ['a cost band whose floor is above its ceiling', { STAGEGATE_ROUTING: rules([{ id: 'band', when: { estimatedCost: { atLeast: 900, atMost: 100 } }, process: 'express' }, { id: 'default', process: 'smb-lite' }]) }, /routing\[0\]\.when\.estimatedCost\.atLeast: must not be more than atMost/],
  ['a cost rule with no bound', { STAGEGATE_ROUTING: rules([{ id: 'band', when: { estimatedCost: {} }, process: 'express' }, { id: 'default', process: 'smb-lite' }]) }, /routing\[0\]\.when\.estimatedCost: expected atMost, atLeast or both/],
  ['a rule without a process', { STAGEGATE_ROUTING: rules([{ id: 'default' }]) }, /routing\[0\]\.process: /],
  ['a rule champion that is not an email', { STAGEGATE_ROUTING: rules([{ id: 'default', process: 'smb-lite', champion: 'olivia' }]) }, /routing\[0\]\.champion: /],
  ['a rule id used twice', { STAGEGATE_ROUTING: rules([{ id: 'small', when: { horizon: 'incremental' }, process: 'express' }, { id: 'small', process: 'smb-lite' }]) }, /routing\[1\]\.id: "small" is used twice/],
  ['a rule on a goal the firm does not have', { STAGEGATE_GOALS: goals([{ id: 'less-waste', name: 'Waste less' }]), STAGEGATE_ROUTING: rules([{ id: 'green', when: { strategicGoals: ['greener'] }, process: 'express' }, { id: 'default', process: 'smb-lite' }]) }, /routing\[0\]\.when\.strategicGoals\[0\]: "greener" is not a strategic goal; the goals are less-waste/],
  ['goals that are not JSON', { STAGEGATE_GOALS: 'less-waste' }, /STAGEGATE_GOALS.*goals: expected a JSON list of goals/],
  ['a goal without a name', { STAGEGATE_GOALS: goals([{ id: 'less-waste' }]) }, /goals\[0\]\.name: /],
  ['a goal id with spaces', { STAGEGATE_GOALS: goals([{ id: 'less waste', name: 'Waste less' }]) }, /goals\[0\]\.id: expected a short id/],
  ['a goal id used twice', { STAGEGATE_GOALS: goals([{ id: 'less-waste', name: 'Waste less' }, { id: 'less-waste', name: 'Waste even less' }]) }, /goals\[1\]\.id: "less-waste" is used twice/],
  ['a goal period that is not a date', { STAGEGATE_GOALS: goals([{ id: 'less-waste', name: 'Waste less', from: 'January' }]) }, /goals\[0\]\.from: expected a date like 2027-01-01/],
  ['a goal that ends before it starts', { STAGEGATE_GOALS: goals([{ id: 'less-waste', name: 'Waste less', from: '2027-06-01', until: '2027-01-31' }]) }, /goals\[0\]\.until: must not be before from/],
  ['an intake port that is not a number', { STAGEGATE_INTAKE_PORT: 'smtp' }, /STAGEGATE_INTAKE_PORT.*intake\.port: /],
  ['an intake address that is not one', { STAGEGATE_INTAKE_ADDRESSES: 'ideas@cornerbakery.example,ideas at cornerbakery' }, /intake\.addresses\[1\]: expected an address like ideas@cornerbakery\.example or a domain/],
  ['an intake domain that is not one', { STAGEGATE_INTAKE_ADDRESSES: '@corner bakery' }, /intake\.addresses\[0\]: expected an address/],
  ['an intake size limit with a unit', { STAGEGATE_INTAKE_MAX_SIZE: '10MB' }, /intake\.maxSize: /],
  ['an intake size limit below a kilobyte', { STAGEGATE_INTAKE_MAX_SIZE: '100' }, /intake\.maxSize: /],
  ['no intake connections at all', { STAGEGATE_INTAKE_MAX_CONNECTIONS: '0' }, /intake\.maxConnections: /],
  ['keeping attachments that is not yes or no', { STAGEGATE_INTAKE_STORE_ATTACHMENTS: 'maybe' }, /intake\.storeAttachments: /],
  ['an intake TLS key without its certificate', { STAGEGATE_INTAKE_TLS_KEY: '/etc/stagegate/intake.key' }, /intake\.tlsCert: expected tlsKey and tlsCert together/],
  ['an IMAP URL that is not IMAP', { STAGEGATE_INTAKE_IMAP_URL: 'https://mail.cornerbakery.example', STAGEGATE_INTAKE_IMAP_USER: 'ideas', STAGEGATE_INTAKE_IMAP_PASS: 'secret' }, /intake\.imap\.url: expected an IMAP URL/],
  ['an IMAP mailbox without a user', { STAGEGATE_INTAKE_IMAP_URL: 'imaps://imap.cornerbakery.example', STAGEGATE_INTAKE_IMAP_PASS: 'secret' }, /intake\.imap\.user: /],
  ['an IMAP poll interval that is not a duration', { STAGEGATE_INTAKE_IMAP_URL: 'imaps://imap.cornerbakery.example', STAGEGATE_INTAKE_IMAP_USER: 'ideas', STAGEGATE_INTAKE_IMAP_PASS: 'secret', STAGEGATE_INTAKE_IMAP_POLL_INTERVAL: 'often' }, /intake\.imap\.pollInterval: .*"often"/],
  ['a portal limit of no ideas at all', { STAGEGATE_PORTAL_SUBMISSIONS_PER_HOUR: '0' }, /STAGEGATE_PORTAL_SUBMISSIONS_PER_HOUR.*portalSubmissionsPerHour: /],
  ['a portal limit that is not a number', { STAGEGATE_PORTAL_SUBMISSIONS_PER_HOUR: 'many' }, /portalSubmissionsPerHour: /],
  ['an API key given as the key, not its hash', { STAGEGATE_API_KEYS: 'crm:submit:sgk_abcdefghijklmnop' }, /STAGEGATE_API_KEYS.*apiKeys\[0\]\.hash: expected the SHA-256 of the key/],
  ['an API key with an unknown scope', { STAGEGATE_API_KEYS: `crm:submit,write:${'a'.repeat(64)}` }, /apiKeys\[0\]\.scopes\[1\]: /],
  ['an API key entry without scopes', { STAGEGATE_API_KEYS: 'crm' }, /apiKeys: expected a list of API keys: name:scopes:hash|apiKeys\[0\]: /],
  ['an API key name used twice', { STAGEGATE_API_KEYS: `crm:read:${'a'.repeat(64)} crm:read:${'b'.repeat(64)}` }, /apiKeys: expected each API key name once/],
  ['API keys as JSON that does not parse', { STAGEGATE_API_KEYS: '[{"name": "crm"' }, /apiKeys: /],
];

/** [case, the apiKeys of a settings file, the path and problem the refusal must name] */
const apiKeyFileCases: [string, unknown, RegExp][] = [
  ['a key with no scopes', [{ name: 'crm', hash: 'a'.repeat(64), scopes: [] }], /apiKeys\[0\]\.scopes: expected at least one scope/],
  ['a hash in upper case', [{ name: 'crm', hash: 'A'.repeat(64), scopes: ['read'] }], /apiKeys\[0\]\.hash: /],
  ['a name with a space', [{ name: 'the crm', hash: 'a'.repeat(64), scopes: ['read'] }], /apiKeys\[0\]\.name: expected a key name/],
  ['a rate limit of nothing', [{ name: 'crm', hash: 'a'.repeat(64), scopes: ['read'], rateLimitPerMinute: 0 }], /apiKeys\[0\]\.rateLimitPerMinute: /],
  ['an unknown field', [{ name: 'crm', hash: 'a'.repeat(64), scopes: ['read'], key: 'sgk_x' }], /apiKeys\[0\]: .*key/],
  ['one hash for two keys', [{ name: 'crm', hash: 'a'.repeat(64), scopes: ['read'] }, { name: 'web', hash: 'a'.repeat(64), scopes: ['submit'] }], /apiKeys: expected each API key hash once/],
];

/** STAGEGATE_ROUTING and STAGEGATE_GOALS as JSON. */
function rules(list: Tree[]): string {
  return JSON.stringify(list);
}
function goals(list: Tree[]): string {
  return JSON.stringify(list);
}

/** STAGEGATE_WEBHOOKS with one good subscriber, changed by `change` (undefined removes a field). */
function hooks(change: Tree): string {
  return JSON.stringify([{ name: 'crm', url: 'https://crm.example/hooks', events: ['gate.decided'], secret: 'a-webhook-secret-of-32-characters!', ...change }]);
}

function refusal(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a refusal, and the input was accepted');
}

/** An innovation network of two members whose settings files load; each case changes one thing. */
function goodNetwork(): Tree {
  const member = (id: string) => writeYaml(id, { dataDir: join(folder, `data-${id}`) });
  return { name: 'Town bakeries', settings: member('network'), members: [{ id: 'bakery-a', name: 'Corner Bakery', settings: member('bakery-a') }, { id: 'cafe', name: 'Market Café', settings: member('cafe') }] };
}
type Members = (Tree & { id: string })[];
const members = (network: Tree) => network.members as Members;

/** [case, change to a good network file, the message the refusal must carry] */
const networkCases: [string, (network: Tree) => unknown, RegExp][] = [
  ['a member id in capitals', (n) => (members(n)[0]!.id = 'Bakery-A', n), /members\[0\]\.id: expected a member id/],
  ['a member called network', (n) => (members(n)[1]!.id = 'network', n), /members\[1\]\.id: "network" names the network's own scope/],
  ['a member listed twice', (n) => (members(n)[1]!.id = 'bakery-a', n), /members\[1\]\.id: "bakery-a" is listed twice/],
  ['two members in one namespace', (n) => ((members(n)[0]!.namespace = 'stagegate-shared'), (members(n)[1]!.namespace = 'stagegate-shared'), n), /members\[1\]\.namespace: "stagegate-shared" is already/],
  ['a member in the network\'s namespace', (n) => ((members(n)[0]!.namespace = 'stagegate-network'), n), /members\[0\]\.namespace: "stagegate-network" is already/],
  ['a member without a settings file', (n) => (delete members(n)[0]!.settings, n), /members\[0\]\.settings: /],
  ['no members at all', (n) => ({ ...n, members: [] }), /: members: /],
  ['an unknown field', (n) => ({ ...n, colour: 'blue' }), /colour/],
  ['a member settings file that is not there', (n) => (members(n)[0]!.settings = '/nonexistent/bakery-a.yaml', n), /\/nonexistent\/bakery-a\.yaml: cannot be read/],
  ['two members sharing one data folder', (n) => (members(n)[1]!.settings = members(n)[0]!.settings, n), /dataDir: .*"bakery-a" and "cafe" would share one events store/],
];

describe('bad-input catalogue: configuration files', () => {
  test.each(networkCases)('network file: %s is refused, naming the file and the field', (_name, change, message) => {
    const file = writeYaml('network', change(goodNetwork()));
    const err = refusal(() => loadNetworkOf(loadSettings({ env: {}, overrides: { network: file } })));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(message);
  });

  test('the good network file the cases change loads', () => {
    expect(loadNetworkOf(loadSettings({ env: {}, overrides: { network: writeYaml('network', goodNetwork()) } }))?.members.map((member) => member.namespace)).toEqual(['stagegate-bakery-a', 'stagegate-cafe']);
  });

  test.each(templateCases)('process template: %s is refused, naming the file and the field', (_name, change, message) => {
    const file = writeYaml('template', change(shippedTemplate()));
    const err = refusal(() => loadProcessFile(file));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message.startsWith(file)).toBe(true);
    expect(err.message).toMatch(message);
  });

  test.each(peopleCases)('people file: %s is refused, naming the file and the field', (_name, change, message) => {
    const file = writeYaml('people', change(shippedPeople()));
    const err = refusal(() => loadPeopleDirectory(file));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message.startsWith(file)).toBe(true);
    expect(err.message).toMatch(message);
  });

  test('the shipped files themselves load, so each case above fails for its own change alone', () => {
    expect(() => loadProcessFile(writeYaml('template', shippedTemplate()))).not.toThrow();
    expect(() => loadPeopleDirectory(writeYaml('people', shippedPeople()))).not.toThrow();
  });
});

describe('bad-input catalogue: environment', () => {
  test.each(environmentCases)('%s is refused, naming the variable and the setting', (_name, env, message) => {
    const err = refusal(() => loadSettings({ env }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(message);
  });

  test('the good webhook subscriber the cases change loads, so each fails for its own change alone', () => {
    expect(loadSettings({ env: { STAGEGATE_WEBHOOKS: hooks({}) } }).webhooks).toEqual([{ name: 'crm', url: 'https://crm.example/hooks', events: ['gate.decided'], secret: 'a-webhook-secret-of-32-characters!' }]);
  });

  test.each(apiKeyFileCases)('settings file: API keys with %s are refused, naming the file and the field', (_name, apiKeys, message) => {
    const file = writeYaml('settings', { apiKeys });
    const err = refusal(() => loadSettings({ file, env: {} }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message.startsWith(file)).toBe(true);
    expect(err.message).toMatch(message);
  });

  test('API keys in both forms load: name:scopes:hash entries and JSON', () => {
    const hash = 'c'.repeat(64);
    expect(loadSettings({ env: { STAGEGATE_API_KEYS: `crm:submit,read:${hash}; web:submit:${'d'.repeat(64)}` } }).apiKeys).toEqual([
      { name: 'crm', scopes: ['submit', 'read'], hash, rateLimitPerMinute: 600 },
      { name: 'web', scopes: ['submit'], hash: 'd'.repeat(64), rateLimitPerMinute: 600 },
    ]);
    expect(loadSettings({ env: { STAGEGATE_API_KEYS: JSON.stringify([{ name: 'crm', scopes: ['admin'], hash, rateLimitPerMinute: 5 }]) } }).apiKeys).toEqual([{ name: 'crm', scopes: ['admin'], hash, rateLimitPerMinute: 5 }]);
  });

  test('a settings file with an unknown setting is refused, naming the file and the setting', () => {
    const file = writeYaml('settings', { webPort: 3000, linkSecrets: 'typo' });
    const err = refusal(() => loadSettings({ file, env: {} }));
    expect(err.message).toMatch(new RegExp(`^${file}: .*linkSecrets`));
  });
});

/** [case, environment, what the refusal must name]: production settings the worker and web server refuse at start (test/tls.test.ts runs them as processes). */
const productionCases: [string, NodeJS.ProcessEnv, RegExp][] = [
  ['real SMTP with the default public URL', { STAGEGATE_SMTP_HOST: 'smtp.example', STAGEGATE_LINK_SECRET: 'x'.repeat(40) }, /STAGEGATE_PUBLIC_URL \(publicUrl\) is not set, so links would start with the default http:\/\/localhost:3000/],
  ['real SMTP without a link secret', { STAGEGATE_SMTP_HOST: 'smtp.example', STAGEGATE_PUBLIC_URL: 'https://ideas.example' }, /STAGEGATE_LINK_SECRET \(linkSecret\) is not set/],
  ['a client certificate without its key', { TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/stagegate/client.pem' }, /TEMPORAL_TLS_CLIENT_CERT_PATH .*is set without TEMPORAL_TLS_CLIENT_KEY_PATH/],
  ['a client key without its certificate', { TEMPORAL_TLS_CLIENT_KEY_PATH: '/etc/stagegate/client.key' }, /TEMPORAL_TLS_CLIENT_KEY_PATH .*is set without TEMPORAL_TLS_CLIENT_CERT_PATH/],
  ['a server CA file that is not there', { TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem' }, /Temporal connection settings: .*\/nonexistent\/ca\.pem/],
];

/** [case, routing rules, what the startup check must name]: rules that load but name a process or champion that is not there. */
const startupCases: [string, Tree[], RegExp][] = [
  ['a rule naming a process that is not a template', [{ id: 'small', when: { horizon: 'incremental' }, process: 'expres' }, { id: 'default', process: 'smb-lite' }], /settings: routing\[0\]\.process: no process "expres" \(rule small\); the processes are discovery, express, smb-lite, stage-gate-full/],
  ['a rule naming a champion nobody knows', [{ id: 'default', process: 'smb-lite', champion: 'mallory@evil.example' }], /settings: routing\[0\]\.champion: mallory@evil\.example \(rule default\) is not in the people directory/],
];

describe('bad-input catalogue: startup', () => {
  test.each(startupCases)('%s is refused before anything starts, naming the rule', (_name, routing, message) => {
    const err = refusal(() => checkConfiguration(loadSettings({ env: { STAGEGATE_ROUTING: rules(routing) } })));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/nothing was started/);
    expect(err.message).toMatch(message);
  });

  test.each([
    ['a role', (p: Tree) => (((p.authorities as Tree[])[0]!.gates as string[])[1] = 'quick-decison', p), /people\.yaml: authorities\[0\]\.gates\[1\]: no process template has a gate "quick-decison" \(gates: .*quick-decision/],
    ['a person', (p: Tree) => ((p.people as Tree[])[2]!.authority = { budget: 300, gates: ['idea-screen', 'idea-sreen'] }, p), /people\.yaml: people\[2\]\.authority\.gates\[1\]: no process template has a gate "idea-sreen"/],
  ])("an authority of %s naming a gate no template has is refused before anything starts, naming the field", (_name, change, message) => {
    const err = refusal(() => checkConfiguration(loadSettings({ env: { STAGEGATE_PEOPLE_FILE: writeYaml('people', change(shippedPeople())) } })));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/nothing was started/);
    expect(err.message).toMatch(message);
  });

  test('the rules the cases change load and pass the check, so each fails for its own change alone', () => {
    expect(() => checkConfiguration(loadSettings({ env: { STAGEGATE_GOALS: goals([{ id: 'less-waste', name: 'Waste less' }]), STAGEGATE_ROUTING: rules([{ id: 'small', when: { horizon: 'incremental', strategicGoals: 'less-waste' }, process: 'express', champion: 'olivia@cornerbakery.example' }, { id: 'default', process: 'smb-lite' }]) } }))).not.toThrow();
  });
});

describe('bad-input catalogue: production settings', () => {
  test.each(productionCases)('%s is refused, naming the variable', (_name, env, message) => {
    const err = refusal(() => {
      checkMailLinks(loadSettings({ env }));
      loadTemporalConnection({ ...env, TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' });
    });
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(message);
  });

  test('real SMTP with a public URL and a link secret starts', () => {
    expect(() => checkMailLinks(loadSettings({ env: { STAGEGATE_SMTP_HOST: 'smtp.example', STAGEGATE_PUBLIC_URL: 'https://ideas.example', STAGEGATE_LINK_SECRET: 'x'.repeat(40) } }))).not.toThrow();
  });
});

/** What a caller can see of an idea: if a refused call changed any of it, the refusal leaked. */

async function snapshot(client: StageGateClient, ideaId: string) {
  const status = await client.getIdea(ideaId);
  return JSON.stringify({ status: status.status, stage: status.stage.id, round: status.round, eventCount: status.eventCount, timeline: status.timeline });
}

type SdkCase = [string, (client: StageGateClient, ideaId: string) => Promise<unknown>, StageGateError['code'], RegExp];

const good = { reviewer: HEAD_BAKER, decision: 'go' as const, scores: scores(4, 'feasibility', 'impact') };

const sdkCases: SdkCase[] = [
  // Votes
  ['a vote from someone not asked', (c, id) => c.castVote(id, { ...good, reviewer: 'mallory@evil.example' }), 'not-a-reviewer', /mallory@evil\.example/],
  ['a vote with a score above 5', (c, id) => c.castVote(id, { ...good, scores: scores(6, 'feasibility', 'impact') }), 'invalid-input', /scores\.feasibility/],
  ['a vote with a fractional score', (c, id) => c.castVote(id, { ...good, scores: { feasibility: 2.5, impact: 3 } }), 'invalid-input', /scores\.feasibility/],
  ['a vote with a score as text', (c, id) => c.castVote(id, { ...good, scores: { feasibility: '4' as unknown as number, impact: 3 } }), 'invalid-input', /scores\.feasibility/],
  ['a vote missing a criterion', (c, id) => c.castVote(id, { ...good, scores: { feasibility: 4 } }), 'invalid-scores', /missing scores for impact/],
  ['a vote scoring an unknown criterion', (c, id) => c.castVote(id, { ...good, scores: { ...good.scores, taste: 5 } }), 'invalid-scores', /taste is not a criterion/],
  ['a vote with an unknown decision', (c, id) => c.castVote(id, { ...good, decision: 'maybe' as 'go' }), 'invalid-input', /decision/],
  ['a vote with an unknown field', (c, id) => c.castVote(id, { ...good, weight: 10 } as typeof good), 'invalid-input', /weight/],
  ['a vote for another gate', (c, id) => c.castVote(id, { ...good, gate: 'final' }), 'gate-closed', /final/],
  ['a vote for a round not yet open', (c, id) => c.castVote(id, { ...good, round: 7 }), 'gate-closed', /Round 7 of Screen has not opened; round 1 is open now/],
  ['a conditional go without conditions', (c, id) => c.castVote(id, { ...good, decision: 'conditional-go' }), 'invalid-input', /conditions/],
  ['a vote with a 1 MB comment', (c, id) => c.castVote(id, { ...good, comment: huge }), 'invalid-input', /comment/],
  ['a vote whose reviewer is not an email', (c, id) => c.castVote(id, { ...good, reviewer: '<script>alert(1)</script>' }), 'invalid-input', /reviewer/],
  ['a vote with a forged fingerprint', (c, id) => c.castVote(id, { ...good, fingerprint: 'not-hex' }), 'invalid-input', /fingerprint/],
  // Commands
  ['an override by someone who is not an admin', (c, id) => c.overrideDecision(id, { by: 'mallory@evil.example', decision: 'go', reason: 'Because' }), 'not-allowed', /mallory@evil\.example/],
  ['an override without a reason', (c, id) => c.overrideDecision(id, { by: OWNER, decision: 'go', reason: '   ' }), 'invalid-input', /reason/],
  ['a hold by someone who is not an admin', (c, id) => c.hold(id, { by: SHOP_MANAGER, reason: 'Later' }), 'not-allowed', /sofia@cornerbakery\.example/],
  ['a hold revisited after a hundred years', (c, id) => c.hold(id, { by: OWNER, reason: 'Later', revisitAfter: '36500d' }), 'invalid-input', /revisitAfter/],
  ['a resume of an idea that is not on hold', (c, id) => c.resume(id, { by: OWNER }), 'wrong-status', /on hold/],
  ['ready marked while the idea is in review', (c, id) => c.markReady(id, { by: 'leo@cornerbakery.example' }), 'wrong-status', /in-review/],
  ['ready with a link that is not a URL', (c, id) => c.markReady(id, { by: 'leo@cornerbakery.example', links: ['javascript:alert(1)x'] }), 'invalid-input', /links\[0\]/],
  ['a KPI reading for an idea not in a pilot', (c, id) => c.recordKpiReading(id, { kpi: 'weekly_sales', value: 10, by: 'leo@cornerbakery.example' }), 'wrong-status', /no pilot running/],
  ['a withdrawal by a stranger', (c, id) => c.withdraw(id, { by: 'mallory@evil.example' }), 'not-allowed', /submitter .* or an admin/],
  // Categories and merges
  ['a vote naming an unknown category', (c, id) => c.castVote(id, { ...good, category: 'magic' as 'product' }), 'invalid-input', /vote: category/],
  ['a vote naming a category for an idea that has one', (c, id) => c.castVote(id, { ...good, category: 'service' }), 'wrong-status', /already categorised as product/],
  ['a category set by someone who is not an admin', (c, id) => c.categorise(id, { category: 'service', by: SHOP_MANAGER }), 'not-allowed', /sofia@cornerbakery\.example .* admin/],
  ['a category set to the one it has', (c, id) => c.categorise(id, { category: 'product', by: OWNER }), 'wrong-status', /already categorised as product/],
  ['an unknown category set', (c, id) => c.categorise(id, { category: 'magic' as 'product', by: OWNER }), 'invalid-input', /categorise: category/],
  ['a merge into itself', (c, id) => c.merge(id, { into: id, by: HEAD_BAKER }), 'invalid-input', /merge: into: an idea cannot be merged into itself/],
  ['a merge into an id with a path', (c, id) => c.merge(id, { into: '../etc/passwd', by: HEAD_BAKER }), 'invalid-input', /merge: into/],
  ['a merge into an idea nobody submitted', (c, id) => c.merge(id, { into: 'no-such-idea', by: HEAD_BAKER }), 'unknown-idea', /no-such-idea/],
  ['a merge by a stranger', (c, id) => c.merge(id, { into: 'no-such-idea', by: 'mallory@evil.example' }), 'not-allowed', /mallory@evil\.example.*a screener \(a reviewer of Screen\) .* or an admin/],
  ['a merge with a 1 MB reason', (c, id) => c.merge(id, { into: 'no-such-idea', by: HEAD_BAKER, reason: huge }), 'invalid-input', /merge: reason/],
  ['a merge with an unknown field', (c, id) => c.merge(id, { into: 'no-such-idea', by: HEAD_BAKER, credit: false } as never), 'invalid-input', /credit/],
  ['a list of an unknown status', (c) => c.listIdeas({ status: 'lost' as 'merged' }), 'invalid-input', /filter: status/],
  // Hand-overs and the people directory
  ['a hand-over to someone not in the people directory', (c, id) => c.delegateReview(id, { reviewer: HEAD_BAKER, to: 'mallory@evil.example' }), 'invalid-delegation', /delegation: to: mallory@evil\.example is not in the people directory/],
  ['a hand-over to the reviewer themselves', (c, id) => c.delegateReview(id, { reviewer: HEAD_BAKER, to: HEAD_BAKER }), 'invalid-input', /delegation: to: a reviewer cannot hand the review to themselves/],
  ['a hand-over to an address that is not one', (c, id) => c.delegateReview(id, { reviewer: HEAD_BAKER, to: 'maya at the bakery' }), 'invalid-input', /delegation: to: /],
  ['a hand-over with an unknown field', (c, id) => c.delegateReview(id, { reviewer: HEAD_BAKER, to: 'maya@cornerbakery.example', note: 'x' } as never), 'invalid-input', /note/],
  ['a hand-over to the champion', (c, id) => c.delegateReview(id, { reviewer: HEAD_BAKER, to: 'leo@cornerbakery.example' }), 'not-allowed', /champion .* does not allow self-review/],
  ['a hand-over to someone already asked', (c, id) => c.delegateReview(id, { reviewer: HEAD_BAKER, to: SHOP_MANAGER }), 'invalid-delegation', /already a reviewer of Screen round 1/],
  ['a hand-over of a review someone else was asked for', (c, id) => c.delegateReview(id, { reviewer: 'maya@cornerbakery.example', to: OWNER }), 'not-a-reviewer', /maya@cornerbakery\.example is not a reviewer of Screen round 1/],
  ['a people sync by someone who is not an admin', (c) => c.syncPeople({ by: SHOP_MANAGER }), 'not-allowed', /sofia@cornerbakery\.example .* admin/],
  ['stand-ins on a day that is not one', async (c) => c.standIns('2026-02-30'), 'invalid-input', /on: \(root\): expected a date like 2026-07-14$/],
  // Ids
  ['an idea id with a path in it', (c) => c.getIdea('../etc/passwd'), 'invalid-input', /ideaId/],
  ['an idea id nobody submitted', (c) => c.getIdea('no-such-idea'), 'unknown-idea', /no-such-idea/],
  // Webhooks
  ['a webhook delivery id that is not one', (c) => c.resendWebhook('../etc/passwd'), 'invalid-input', /deliveryId: .*expected a delivery id like webhook:/],
  ['a webhook delivery nobody made', (c) => c.resendWebhook('webhook:nobody:1:crm'), 'unknown-delivery', /No webhook delivery "webhook:nobody:1:crm" is known/],
  ['a webhook list of a million', (c) => c.webhookDeliveries({ limit: 1_000_000 }), 'invalid-input', /filter: limit: /],
  ['a webhook list with an unknown field', (c) => c.webhookDeliveries({ subscriber: 'crm' } as never), 'invalid-input', /subscriber/],
  // Campaigns
  ['a campaign id in capitals', (c) => c.createCampaign({ id: 'Less-Waste', question: 'Less waste?', by: OWNER }), 'invalid-input', /campaign: id: expected 1–64 lower-case letters/],
  ['a campaign without a question', (c) => c.createCampaign({ id: 'less-waste', question: ' ', by: OWNER }), 'invalid-input', /campaign: question: /],
  ['a campaign for an unknown audience', (c) => c.createCampaign({ id: 'less-waste', question: 'Less waste?', audience: ['martians' as 'anyone'], by: OWNER }), 'invalid-input', /campaign: audience\[0\]: Invalid option/],
  ['a campaign with an audience twice', (c) => c.createCampaign({ id: 'less-waste', question: 'Less waste?', audience: ['staff', 'staff'], by: OWNER }), 'invalid-input', /campaign: audience: expected each audience once/],
  ['a campaign that closes before it opens', (c) => c.createCampaign({ id: 'less-waste', question: 'Less waste?', opensAt: '2027-02-01', closesAt: '2027-01-31', by: OWNER }), 'invalid-input', /campaign: closesAt: must be after opensAt/],
  ['a campaign that closed already', (c) => c.createCampaign({ id: 'less-waste', question: 'Less waste?', closesAt: '2020-01-31', by: OWNER }), 'invalid-input', /campaign: closesAt: must be after opensAt/],
  ['a campaign closing on a day that is not one', (c) => c.createCampaign({ id: 'less-waste', question: 'Less waste?', closesAt: 'end of January', by: OWNER }), 'invalid-input', /campaign: closesAt: expected a date like 2027-01-31/],
  ['a campaign for an unknown process', (c) => c.createCampaign({ id: 'less-waste', question: 'Less waste?', process: 'no-such-process', by: OWNER }), 'unknown-process', /no-such-process/],
  ['a campaign with a 1 MB description', (c) => c.createCampaign({ id: 'less-waste', question: 'Less waste?', description: huge, by: OWNER }), 'invalid-input', /campaign: description: /],
  ['a campaign opened by nobody', (c) => c.createCampaign({ id: 'less-waste', question: 'Less waste?', by: 'olivia' }), 'invalid-input', /campaign: by: /],
  ['a campaign nobody opened', (c) => c.getCampaign('no-such-campaign'), 'unknown-campaign', /No campaign "no-such-campaign"/],
  ['closing a campaign nobody opened', (c) => c.closeCampaign('no-such-campaign', { by: OWNER }), 'unknown-campaign', /no-such-campaign/],
  ['closing a campaign by nobody', (c) => c.closeCampaign('no-such-campaign', { by: '' }), 'invalid-input', /close: by: /],
  ['a portal submission to a campaign nobody opened', (c) => c.submitFromPortal(idea({ campaign: 'no-such-campaign' })), 'unknown-campaign', /no-such-campaign/],
  ['a portal submission with a 1 MB description', (c) => c.submitFromPortal(idea({ description: huge })), 'invalid-input', /description/],
  ['a confirmation of an idea id with a path in it', (c) => c.confirmSubmission('../etc/passwd'), 'invalid-input', /ideaId/],
  ['a held submission with a path in its id', (c) => c.heldSubmission('../etc/passwd'), 'invalid-input', /ideaId/],
];

const submissionCases: [string, Record<string, unknown>, RegExp][] = [
  ['no title', { title: undefined }, /title/],
  ['a title of spaces', { title: '    ' }, /title/],
  ['a 1 MB description', { description: huge }, /description/],
  ['an unknown source', { source: 'rumour' }, /source/],
  ['an unknown category', { category: 'magic' }, /category/],
  ['a submitter without an email', { submitter: { name: 'Grace' } }, /submitter\.email/],
  ['a submitter email with HTML', { submitter: { email: '"><img src=x onerror=alert(1)>@x.example', name: 'Grace' } }, /submitter\.email/],
  ['a negative cost', { estimatedCost: -1 }, /estimatedCost/],
  ['a cost as text', { estimatedCost: '100' }, /estimatedCost/],
  ['an unknown field', { priority: 'urgent' }, /priority/],
  ['an idea id with a colon', { ideaId: 'victim:pilot:trial:1' }, /ideaId/],
  ['an idea id of 65 characters', { ideaId: 'a'.repeat(65) }, /ideaId/],
  ['strategic goals as one string', { strategicGoals: 'grow' }, /strategicGoals/],
  ['an unknown process', { process: 'no-such-process' }, /no-such-process/],
  ['a campaign nobody opened', { campaign: 'no-such-campaign' }, /No campaign "no-such-campaign"/],
  ['a campaign id in capitals', { campaign: 'Less-Waste' }, /campaign: expected 1–64 lower-case letters/],
];

describe('bad-input catalogue: SDK calls against a running idea', () => {
  jest.setTimeout(120_000);

  test('every refused call names the problem and leaves the idea exactly as it was', async () => {
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, asked('screen'));
      const before = await snapshot(client, ideaId);
      const failures: string[] = [];
      for (const [name, call, code, message] of sdkCases) {
        const outcome = await call(client, ideaId).then(
          () => 'accepted',
          (err: unknown) => err,
        );
        if (!(outcome instanceof StageGateError)) failures.push(`${name}: expected ${code}, got ${outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : String(outcome)}`);
        else if (outcome.code !== code || !message.test(outcome.message)) failures.push(`${name}: expected ${code} matching ${message}, got ${outcome.code}: ${outcome.message}`);
      }
      expect(failures).toEqual([]);
      expect(await snapshot(client, ideaId)).toBe(before);
    });
  });

  test('every refused submission names the field and starts nothing', async () => {
    await withStack(async ({ client }) => {
      const before = (await client.listIdeas()).length;
      const failures: string[] = [];
      for (const [name, change, message] of submissionCases) {
        const outcome = await client.submitIdea({ ...idea(), ...change } as Parameters<StageGateClient['submitIdea']>[0]).then(
          () => 'accepted',
          (err: unknown) => err,
        );
        if (!(outcome instanceof StageGateError) || !message.test(outcome.message)) failures.push(`${name}: got ${outcome instanceof Error ? outcome.message : String(outcome)}`);
      }
      expect(failures).toEqual([]);
      expect((await client.listIdeas()).length).toBe(before);
    });
  });
});

describe('bad-input catalogue: strategic goals', () => {
  jest.setTimeout(120_000);
  const firmGoals = [
    { id: 'less-waste', name: 'Waste less' },
    { id: 'summer-2020', name: 'Summer menu 2020', from: '2020-06-01', until: '2020-08-31' },
  ];

  test('a submission claiming a goal the firm does not have, or one out of its active period, is refused naming the goal, and starts nothing', async () => {
    await withStack(async ({ client }) => {
      const before = (await client.listIdeas()).length;
      const unknown = await client.submitIdea(idea({ strategicGoals: ['less-waste', 'world-domination'] })).catch((err: unknown) => err);
      expect(unknown).toBeInstanceOf(StageGateError);
      expect((unknown as StageGateError).code).toBe('invalid-input');
      expect((unknown as StageGateError).message).toBe('idea: strategicGoals[1]: "world-domination" is not a strategic goal; the goals are less-waste, summer-2020');
      const ended = await client.submitIdea(idea({ strategicGoals: ['summer-2020'] })).catch((err: unknown) => err);
      expect((ended as StageGateError).message).toMatch(/^idea: strategicGoals\[0\]: the goal "summer-2020" \(Summer menu 2020\) is active from 2020-06-01 until 2020-08-31, not on \d{4}-\d\d-\d\d$/);
      expect((await client.listIdeas()).length).toBe(before);
      // The goal the cases keep is one the firm has: the refusals are for the goals they change alone.
      await expect(client.submitIdea(idea({ strategicGoals: ['less-waste'] }))).resolves.toMatchObject({ created: true });
    }, testSettings({ goals: firmGoals }));
  });
});

describe('bad-input catalogue: HTML and script in every text that reaches an email or a page', () => {
  jest.setTimeout(120_000);
  const attack = (what: string) => `${what} <script>alert(1)</script><img src=x onerror=alert(2)>`;
  const raw = /<script|<img|onerror=alert\(2\)>/i;

  test('titles, descriptions, names, goals, notes and comments are shown as text, never as markup', async () => {
    await withWeb(async ({ client, store, url, links }) => {
      const { ideaId } = await client.submitIdea(
        idea({ title: attack('Title'), description: attack('Description'), submitter: { email: 'grace@customer.example', name: attack('Grace') }, strategicGoals: [attack('Goal')] }),
      );
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: scores(5, 'feasibility', 'impact'), comment: attack('Comment') });
      const page = await get(links.review(ideaId, 'screen', 1, SHOP_MANAGER));
      expect(page.status).toBe(200);
      expect(page.body).toContain('Title &lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page.body).not.toMatch(raw);
      const request = await messageTo(store, ideaId, SHOP_MANAGER, 'review-request');
      expect(request.html).toContain('Description &lt;script&gt;');
      expect(request.html).not.toMatch(raw);
      const received = await messageTo(store, ideaId, 'grace@customer.example', 'idea-received');
      expect(received.html).not.toMatch(raw);
      const outbox = await fetch(`${url}/outbox`);
      if (outbox.status === 200) expect(await outbox.text()).not.toMatch(raw);
    });
  });
});

/** [case, the command's arguments for the idea in review, the exit code, what stderr must say] */
const cliCases: [string, (ideaId: string) => string[], number, RegExp][] = [
  ['a submission without a title', () => ['idea', 'submit', '--description', 'd', '--source', 'employee', '--submitter', 'leo@cornerbakery.example', '--submitter-name', 'Leo', '--category', 'service'], 2, /title/],
  ['a cost that is not a number', () => ['idea', 'submit', '--title', 't', '--description', 'd', '--source', 'employee', '--submitter', 'leo@cornerbakery.example', '--submitter-name', 'Leo', '--category', 'service', '--cost', 'lots'], 2, /--cost: "lots" is not a number/],
  ['an unknown source', () => ['idea', 'submit', '--title', 't', '--description', 'd', '--source', 'rumour', '--submitter', 'leo@cornerbakery.example', '--submitter-name', 'Leo', '--category', 'service'], 2, /source/],
  ['an idea file that is not there', () => ['idea', 'submit', '--file', '/nonexistent/idea.yaml'], 1, /\/nonexistent\/idea\.yaml/],
  ['a score that is not a number', (id) => ['gate', 'vote', id, '--reviewer', HEAD_BAKER, '--decision', 'go', '--score', 'feasibility=four', '--score', 'impact=4'], 2, /feasibility/],
  ['a score without a criterion', (id) => ['gate', 'vote', id, '--reviewer', HEAD_BAKER, '--decision', 'go', '--score', '=4'], 2, /criterion=score/],
  ['a round that is not a number', (id) => ['gate', 'vote', id, '--reviewer', HEAD_BAKER, '--decision', 'go', '--score', 'feasibility=4', '--score', 'impact=4', '--round', 'first'], 2, /round/],
  ['an unknown decision', (id) => ['gate', 'vote', id, '--reviewer', HEAD_BAKER, '--decision', 'perhaps', '--score', 'feasibility=4', '--score', 'impact=4'], 2, /decision/],
  ['a vote by a stranger', (id) => ['gate', 'vote', id, '--reviewer', 'mallory@evil.example', '--decision', 'go', '--score', 'feasibility=4', '--score', 'impact=4'], 1, /mallory@evil\.example, who is not in the people directory/],
  ['a revisit date that is not a duration', (id) => ['idea', 'hold', id, '--by', OWNER, '--reason', 'Later', '--revisit-after', 'someday'], 2, /revisitAfter.*"someday"/],
  ['a hold by someone who is not an admin', (id) => ['idea', 'hold', id, '--by', SHOP_MANAGER, '--reason', 'Later'], 1, /admin/],
  ['a KPI value in hex', (id) => ['pilot', 'record', id, '--kpi', 'weekly_sales=0x10', '--by', OWNER], 2, /weekly_sales/],
  ['an idea id with a path in it', () => ['idea', 'show', '../../etc/passwd'], 2, /ideaId/],
  ['a settings file that is not there', () => ['--config', '/nonexistent/stagegate.yaml', 'idea', 'list'], 1, /\/nonexistent\/stagegate\.yaml: cannot be read/],
  ['an unknown command', () => ['idea', 'approve'], 2, /unknown command 'approve'/],
  ['a webhook delivery id that is not one', () => ['webhook', 'resend', '../etc/passwd'], 2, /deliveryId: .*expected a delivery id like webhook:/],
  ['a webhook delivery nobody made', () => ['webhook', 'resend', 'webhook:nobody:1:crm'], 1, /No webhook delivery "webhook:nobody:1:crm" is known/],
  ['a webhook list limit that is not a number', () => ['webhook', 'list', '--limit', 'many'], 2, /filter: limit: /],
  ['an API key with an unknown scope', () => ['apikey', 'create', '--name', 'crm', '--scopes', 'submit,write'], 2, /apikey create: --scopes\[1\]: /],
  ['an API key with no scopes', () => ['apikey', 'create', '--name', 'crm', '--scopes', ','], 2, /--scopes: expected at least one scope/],
  ['an API key name with a space', () => ['apikey', 'create', '--name', 'the crm', '--scopes', 'read'], 2, /--name: expected a key name/],
  ['an API key without a name', () => ['apikey', 'create', '--scopes', 'read'], 2, /--name/],
  ['a merge without --into', (id) => ['idea', 'merge', id, '--by', HEAD_BAKER], 2, /--into/],
  ['a merge into itself', (id) => ['idea', 'merge', id, '--into', id, '--by', HEAD_BAKER], 2, /merge: into: an idea cannot be merged into itself/],
  ['a merge into an idea nobody submitted', (id) => ['idea', 'merge', id, '--into', 'no-such-idea', '--by', HEAD_BAKER], 1, /no-such-idea/],
  ['a merge by a stranger', (id) => ['idea', 'merge', id, '--into', 'no-such-idea', '--by', 'mallory@evil.example'], 1, /mallory@evil\.example, who is not in the people directory/],
  ['a vote naming an unknown category', (id) => ['gate', 'vote', id, '--reviewer', HEAD_BAKER, '--decision', 'go', '--score', 'feasibility=4', '--score', 'impact=4', '--category', 'magic'], 2, /vote: category/],
  ['a category set by someone who is not an admin', (id) => ['idea', 'categorise', id, '--category', 'service', '--by', SHOP_MANAGER], 1, /admin/],
  ['an unknown category set', (id) => ['idea', 'categorise', id, '--category', 'magic', '--by', OWNER], 2, /categorise: category/],
  ['a list of an unknown status', () => ['idea', 'list', '--status', 'lost'], 2, /filter: status/],
  ['a hand-over without --to', (id) => ['gate', 'delegate', id, '--reviewer', HEAD_BAKER], 2, /--to/],
  ['a hand-over to an address that is not one', (id) => ['gate', 'delegate', id, '--reviewer', HEAD_BAKER, '--to', 'maya'], 2, /delegation: to: /],
  ['a hand-over to the champion', (id) => ['gate', 'delegate', id, '--reviewer', HEAD_BAKER, '--to', 'leo@cornerbakery.example'], 1, /does not allow self-review/],
  ['stand-ins on a day that is not one', () => ['people', '--on', 'tomorrow'], 2, /--on: expected a date like/],
  ['a people sync by a stranger', () => ['people', 'sync', '--by', 'mallory@evil.example'], 1, /mallory@evil\.example, who is not in the people directory/],
  ['a route without an idea file', () => ['process', 'route'], 2, /--file/],
  ['a route for an idea file that is not there', () => ['process', 'route', '--file', '/nonexistent/idea.yaml'], 1, /\/nonexistent\/idea\.yaml: cannot be read/],
  ['a route for an idea with an unknown source', () => ['process', 'route', '--file', writeYaml('idea', { title: 't', description: 'd', source: 'rumour', submitter: { email: 'leo@cornerbakery.example', name: 'Leo' }, category: 'service' })], 2, /idea\.yaml: source: /],
  ['an email intake with nothing to take mail for', () => ['intake'], 1, /stagegate: nothing to take mail for: set intake\.addresses \(STAGEGATE_INTAKE_ADDRESSES\)/],
  ['a campaign without a question', () => ['campaign', 'create', 'less-waste', '--by', OWNER], 2, /--question/],
  ['a campaign for an unknown audience', () => ['campaign', 'create', 'less-waste', '--question', 'Less waste?', '--audience', 'martians', '--by', OWNER], 2, /audience\[0\]: Invalid option/],
  ['a campaign closing on a day that is not one', () => ['campaign', 'create', 'less-waste', '--question', 'Less waste?', '--closes', 'soon', '--by', OWNER], 2, /closesAt: expected a date like 2027-01-31/],
  ['a campaign nobody opened', () => ['campaign', 'show', 'no-such-campaign'], 1, /No campaign "no-such-campaign"/],
  ['closing a campaign nobody opened', () => ['campaign', 'close', 'no-such-campaign', '--by', OWNER], 1, /No campaign "no-such-campaign"/],
  ['a member without a network', () => ['--member', 'bakery-a', 'idea', 'list'], 2, /member: "bakery-a" names a member, but no innovation network is configured/],
  ['a member list without a network', () => ['member', 'list'], 1, /no innovation network is configured/],
  ['an idea for a campaign nobody opened', () => ['idea', 'submit', '--title', 't', '--description', 'd', '--source', 'employee', '--submitter', 'leo@cornerbakery.example', '--submitter-name', 'Leo', '--category', 'service', '--campaign', 'no-such-campaign'], 1, /No campaign "no-such-campaign"/],
];

describe('bad-input catalogue: CLI flags', () => {
  // Thirty commands, each a process of its own: minutes on a busy machine.
  jest.setTimeout(360_000);

  test('every refused command exits non-zero, says what was wrong without a stack trace, and changes nothing', async () => {
    await withStack(async ({ client, settings }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, asked('screen'));
      const before = await snapshot(client, ideaId);
      const ideas = (await client.listIdeas()).length;
      const failures: string[] = [];
      for (const [name, args, code, message] of cliCases) {
        const run = await runCli(cliEnv(settings), args(ideaId));
        if (run.code !== code || !message.test(run.stderr) || /\n\s+at /.test(run.stderr)) failures.push(`${name}: exit ${run.code}, stderr ${JSON.stringify(run.stderr.slice(0, 300))}`);
      }
      expect(failures).toEqual([]);
      expect(await snapshot(client, ideaId)).toBe(before);
      expect((await client.listIdeas()).length).toBe(ideas);
    });
  });
});
