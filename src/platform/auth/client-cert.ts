import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { certificateThumbprint } from '../keys/self-signed.ts';
import { authError } from './errors.ts';

/** Where a request's client certificate may come from besides the TLS connection itself. */
export interface ClientCertOptions {
  /** A header a TLS-terminating proxy fills with the client certificate (URL-encoded PEM, or base64 DER). */
  readonly header?: string | undefined;
  /** The proxies' addresses: the header is read only on connections from these. */
  readonly trustedProxies?: readonly string[];
}

export interface PresentedCertificate {
  readonly cert: X509Certificate;
  readonly thumbprint: string;
}

function parseForwarded(value: string): X509Certificate {
  try {
    const text = decodeURIComponent(value).trim();
    if (text.startsWith('-----BEGIN')) return new X509Certificate(text);
    return new X509Certificate(Buffer.from(text, 'base64'));
  } catch {
    throw authError('CLIENT_CERT_HEADER_INVALID');
  }
}

function normaliseAddress(address: string | undefined): string {
  return address?.startsWith('::ffff:') ? address.slice(7) : (address ?? '');
}

/**
 * The client certificate of a request: the one presented on this TLS connection, or, on a
 * connection from a configured proxy, the one in the configured header. A header on any other
 * connection is ignored: anyone can send a header.
 */
export function presentedCertificate(req: FastifyRequest, options: ClientCertOptions): PresentedCertificate | undefined {
  const socket = req.raw.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerX509Certificate === 'function') {
    const cert = socket.getPeerX509Certificate();
    if (cert) return { cert, thumbprint: certificateThumbprint(cert) };
  }
  if (options.header && options.trustedProxies?.length) {
    const value = req.headers[options.header.toLowerCase()];
    if (typeof value === 'string' && value !== '' && options.trustedProxies.includes(normaliseAddress(req.socket.remoteAddress))) {
      const cert = parseForwarded(value);
      return { cert, thumbprint: certificateThumbprint(cert) };
    }
  }
  return undefined;
}
