import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

/** Hosts the emulator serves, with or without a region/edge (verify.dublin.ie1.twilio.com). */
const EMULATED_HOST = /^(verify|lookups)(\.[a-z0-9-]+)*\.twilio\.com$/i;

/**
 * The SDK's own HTTP client with one change: Verify and Lookup requests go to the emulator.
 * Everything above it (resources, serialisation, errors) is the production code path.
 */
export class EmulatorRequestClient extends twilio.RequestClient {
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

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request({ ...opts, uri: this.resolve(opts.uri) });
  }
}
