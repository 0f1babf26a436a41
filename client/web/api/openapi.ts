import { z } from 'zod';
import { API_SCOPES } from '../../../config/settings';
import { problemSchema } from './schemas';
import type { ApiRoute } from './routes';

/** JSON Schema 2020-12 (the dialect of OpenAPI 3.1) of a zod schema, by zod itself: what a request may send, or what an answer holds. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'throw' });
  return rest;
}

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

/** Problems a route can answer with, besides those of every route (401, 429, 500, 503). */
const PROBLEMS: Record<number, string> = {
  400: 'The body is not valid JSON',
  401: 'No API key, or an unknown one (WWW-Authenticate: Bearer)',
  403: 'The API key lacks the scope, or the person named may not do this',
  404: 'No such idea',
  409: 'The idea is not where this needs it (a closed round, another vote already cast, an ended idea)',
  413: 'The body is too large',
  415: 'The body is not JSON',
  422: 'The input is not valid: `errors` names each bad field',
  429: 'Too many requests with this key (RateLimit headers), or too many wrong keys from this address',
  503: 'No worker answered in time; nothing was recorded (Retry-After)',
};

/** The OpenAPI 3.1 document of the routes, every schema in it generated from the zod schemas the handlers parse with. */
export function openApiDocument(routes: readonly ApiRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters = [
      ...parametersOf(route.params, 'path'),
      ...parametersOf(route.query, 'query'),
      ...Object.entries(route.headers ?? {}).map(([name, header]) => ({ name, in: 'header', required: false, description: header.description, schema: jsonSchema(header.schema, 'input') })),
    ];
    const problems = Object.fromEntries(Object.entries(PROBLEMS).filter(([status]) => route.body || !['400', '413', '415'].includes(status)).map(([status, description]) => [status, { description, content: PROBLEM }]));
    (paths[route.path] ??= {})[route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      description: `Needs an API key with the scope \`${route.scope}\`.`,
      security: [{ apiKey: [route.scope] }],
      'x-scope': route.scope,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
      responses: {
        ...Object.fromEntries(Object.entries(route.responses).map(([status, answer]) => [status, { description: answer.description, content: { 'application/json': { schema: jsonSchema(answer.schema, 'output') } } }])),
        ...problems,
        default: { description: 'Any other problem', content: PROBLEM },
      },
    };
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'stagegate HTTP API',
      version: '1.0.0',
      description: 'Submit ideas, follow them and act on them. Send an API key as `Authorization: Bearer <key>`; each key has scopes. Errors are RFC 9457 problem details with a stable `code`.',
    },
    servers: [{ url: '/api/v1' }],
    paths,
    components: {
      schemas: { Problem: jsonSchema(problemSchema, 'output') },
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: `An API key from \`stagegate apikey create\`; its scopes: ${API_SCOPES.join(', ')}.` },
      },
    },
  };
}

/** A path or query schema's fields as OpenAPI parameters. */
function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): Record<string, unknown>[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    schema: property,
  }));
}
