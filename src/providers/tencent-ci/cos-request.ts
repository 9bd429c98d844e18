import { renderXml } from '../cloud-xml.js';
import { expectOk, sendCloud, type CloudHttpOptions, type HttpAnswer } from '../cloud-http.js';
import { apiUrl, fillEndpoint, type EndpointValues } from '../cloud-endpoint.js';
import { cosAuthorization, cosKeyTime, cosQueryString, type CosCredentials } from './cos-signature.js';

/** A signed COS-style call (CI and COS batch share the signature, formats.md §4.1). */
export interface CosRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** The API's own path (signed), e.g. `/file_jobs/f0a1…`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** An XML body: its root element and content. */
  readonly xml?: { readonly root: string; readonly content: Record<string, unknown> };
  readonly signal?: AbortSignal | undefined;
}

export interface CosTransport {
  readonly credentials: CosCredentials;
  /** The endpoint template (`https://{bucket}.ci.{region}.myqcloud.com`). */
  readonly endpoint: string;
  readonly http: CloudHttpOptions;
  /** Sent and signed on every call (COS batch: `x-cos-appid`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Seconds a signature is valid. */
  readonly signatureSeconds?: number;
  readonly now?: () => number;
}

/** Signs and sends; resolves a 2xx answer, rejects with the provider's error as a `CloudError`. */
export async function cosSend(
  transport: CosTransport,
  values: EndpointValues,
  request: CosRequest,
): Promise<HttpAnswer> {
  const provider = transport.http.provider;
  const query = request.query ?? {};
  const url = apiUrl(fillEndpoint(provider, transport.endpoint, values), request.path, cosQueryString(query));
  const body =
    request.xml === undefined ? undefined : renderXml(provider, request.xml.root, request.xml.content);
  const headers: Record<string, string> = { ...transport.headers };
  if (body !== undefined) headers['content-type'] = 'application/xml';
  const token = transport.credentials.sessionToken;
  if (token !== undefined) headers['x-cos-security-token'] = token;
  const keyTime = cosKeyTime((transport.now ?? Date.now)(), transport.signatureSeconds ?? 900);
  // The host signed is the one connected to (what fetch sends as Host).
  headers.authorization = cosAuthorization(transport.credentials, {
    method: request.method,
    pathname: request.path,
    query,
    headers: { ...headers, host: url.host },
    keyTime,
  });
  const call = { method: request.method, url, headers, body, signal: request.signal };
  return expectOk(transport.http, call, await sendCloud(transport.http, call));
}
