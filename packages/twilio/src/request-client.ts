import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

/** Hosts the emulator serves, with or without a region/edge (verify.dublin.ie1.twilio.com). */
const EMULATED_HOST = /^(verify|lookups)(\.[a-z0-9-]+)*\.twilio\.com$/i;

const tracer = trace.getTracer('attestor-twilio');

/**
 * The path of a Twilio request as a span may show it: a phone number in it (Lookup's
 * `/v2/PhoneNumbers/+1415…`) becomes `{number}` — traces leave the process, PII must not.
 */
export function tracedPath(uri: string): string {
  const path = new URL(uri).pathname;
  return path
    .split('/')
    .map((segment) => (/^(%2B|\+)?\d{6,}$/i.test(segment) ? '{number}' : segment))
    .join('/');
}

/**
 * The SDK's own HTTP client, each request in an OpenTelemetry client span (`twilio verify`,
 * `twilio lookups`: the method, the path without numbers, the status). A no-op without a tracer.
 */
export class TracedRequestClient extends twilio.RequestClient {
  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const api = new URL(opts.uri).hostname.split('.')[0] ?? 'api';
    const span = tracer.startSpan(`twilio ${api}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': opts.method.toUpperCase(), 'url.path': tracedPath(opts.uri) },
    });
    return context.with(trace.setSpan(context.active(), span), async () => {
      try {
        const response = await super.request(this.target(opts));
        span.setAttribute('http.response.status_code', response.statusCode);
        if (response.statusCode >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        return response;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(error).slice(0, 200) });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /** Where the request really goes (the emulator's client rewrites it). */
  protected target<TData>(opts: RequestClient.RequestOptions<TData>): RequestClient.RequestOptions<TData> {
    return opts;
  }
}

/**
 * The traced client with one change: Verify and Lookup requests go to the emulator. Everything above
 * it (resources, serialisation, errors) is the production code path.
 */
export class EmulatorRequestClient extends TracedRequestClient {
  readonly #emulator: URL;

  constructor(emulatorUrl: string, options?: RequestClient.RequestClientOptions) {
    super(options);
    this.#emulator = new URL(emulatorUrl);
  }

  /** Where a request for `uri` really goes. */
  resolve(uri: string): string {
    const target = new URL(uri);
    if (!EMULATED_HOST.test(target.hostname)) return uri;
    const rewritten = new URL(this.#emulator.href);
    rewritten.pathname = this.#emulator.pathname.replace(/\/$/, '') + target.pathname;
    rewritten.search = target.search;
    return rewritten.href;
  }

  protected override target<TData>(
    opts: RequestClient.RequestOptions<TData>,
  ): RequestClient.RequestOptions<TData> {
    return { ...opts, uri: this.resolve(opts.uri) };
  }
}
