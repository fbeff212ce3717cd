import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';

/**
 * OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set. The spans are made by hand at
 * the places a request crosses a boundary — the gateway's request and each subgraph fetch, a subgraph
 * answering it, an rpc ask and its answer, an outbox row and the consumer handling its event, a
 * Twilio call — and the W3C trace context travels in HTTP headers (`traceparent`) and in NATS
 * headers, the outbox row keeping it between commit and publish. Without an SDK the API's tracer is a
 * no-op, so all of this costs nothing when tracing is off.
 */
const tracer = trace.getTracer('attestor');
let sdk: NodeSDK | undefined;
let started: string | undefined;

/** Starts exporting spans to `endpoint` (OTLP over HTTP); once per process, later calls are no-ops. */
export function startTracing(service: string, endpoint: string | undefined): void {
  if (endpoint === undefined || started !== undefined) return;
  started = service;
  sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': service }),
    traceExporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }),
    // The SDK's default propagators are W3C trace context and baggage; no automatic instrumentation.
    instrumentations: [],
  });
  sdk.start();
}

/** Flushes and stops the exporter at the shutdown of the service that started it. */
export async function stopTracing(service: string): Promise<void> {
  if (started !== service) return;
  const running = sdk;
  sdk = undefined;
  started = undefined;
  await running?.shutdown().catch(() => undefined);
}

/** Runs `work` in a span (a child of `parent`, else of the active span), recording a failure. */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
  work: () => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {} },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), work);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message.slice(0, 200) : 'error',
    });
    throw error;
  } finally {
    span.end();
  }
}

/** The active trace context as carrier headers (`traceparent`, `tracestate`), for HTTP or NATS. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The trace context a carrier (HTTP headers, NATS headers read into an object) holds. */
export function contextFromHeaders(headers: Record<string, string | string[] | undefined>): Context {
  const carrier: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') carrier[name.toLowerCase()] = value;
    else if (Array.isArray(value) && value[0] !== undefined) carrier[name.toLowerCase()] = value[0];
  }
  return propagation.extract(context.active(), carrier);
}

/** The active `traceparent` (what an outbox row keeps), or null when no span is active. */
export function currentTraceparent(): string | null {
  return traceHeaders()['traceparent'] ?? null;
}

export { SpanKind };
