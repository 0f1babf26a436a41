import { Counter, Registry } from 'prom-client';

/** What the worker counts for Prometheus, beside the Temporal SDK's own runtime metrics. */
export function createActivityMetrics(registry: Registry = new Registry()) {
  return {
    registry,
    emailsSent: new Counter({ name: 'stagegate_emails_sent_total', help: 'Emails the SMTP server accepted', labelNames: ['purpose'], registers: [registry] }),
    emailsFailed: new Counter({
      name: 'stagegate_emails_failed_total',
      help: 'Emails that failed: permanent (refused for good, not retried) or temporary (retried)',
      labelNames: ['purpose', 'kind'],
      registers: [registry],
    }),
    events: new Counter({ name: 'stagegate_events_recorded_total', help: 'Steps of idea journeys recorded in the events store', labelNames: ['type'], registers: [registry] }),
    decisions: new Counter({ name: 'stagegate_decisions_total', help: 'Gate decisions', labelNames: ['gate', 'decision', 'decided_by'], registers: [registry] }),
  };
}
export type ActivityMetrics = ReturnType<typeof createActivityMetrics>;
