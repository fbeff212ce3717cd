import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { isPublicAddress } from '../../domain/addresses.js';
import type { AttemptOutcome } from '../../domain/webhooks.js';
import { PrivateAddressError, publicOnlyLookup } from './address-guard.js';

const RESPONSE_BODY_LIMIT = 64 * 1024;

export interface PostOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  /** Aborted when the sender shuts down. */
  shutdown: AbortSignal;
}

/**
 * One webhook POST: the outcome is a status code, or why there was none (timeout, refused, private
 * address, TLS). Never throws; reads at most 64 KiB of the answer.
 */
export function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<AttemptOutcome> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivate && isIP(host) && !isPublicAddress(host)) {
    return Promise.resolve({ statusCode: null, error: 'refused: the URL points at a private address' });
  }
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([timeout, options.shutdown]);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const request = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal,
        ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup }),
      },
      (response: IncomingMessage) => {
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > RESPONSE_BODY_LIMIT) response.destroy();
        });
        response.on('close', () => resolve({ statusCode: response.statusCode ?? 0, error: null }));
        response.on('error', () => resolve({ statusCode: response.statusCode ?? 0, error: null }));
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (timeout.aborted)
        return resolve({ statusCode: null, error: `timeout after ${options.timeoutMs} ms` });
      if (options.shutdown.aborted)
        return resolve({ statusCode: null, error: 'aborted: the sender is shutting down' });
      if (error instanceof PrivateAddressError || error.code === 'EPRIVATEADDRESS') {
        return resolve({ statusCode: null, error: 'refused: the host resolves to a private address' });
      }
      resolve({ statusCode: null, error: describeNetworkError(error) });
    });
    request.end(body);
  });
}

function describeNetworkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate not accepted (${error.code})`;
    default:
      return (error.code ?? error.message).slice(0, 200);
  }
}
