import { CloudError, type CloudProvider } from './cloud-error.js';

/**
 * Endpoint templates (CONTRACT.md §6.1): `{bucket}`, `{region}` and `{uin}` are filled wherever they appear, and
 * a path in the base URL is a prefix in front of the API's own path. The API path and query are what the provider
 * defines and what is signed; the prefix is not (it is how the local simulator is addressed:
 * `http://127.0.0.1:9000/ci/{bucket}/{region}`).
 */

/** What a template is filled with: names of buckets, regions and accounts, nothing that could change the host. */
const NAME = /^[A-Za-z0-9._-]{1,128}$/;

export type EndpointValues = Readonly<Record<string, string | undefined>>;

function refused(provider: CloudProvider, code: string, message: string): CloudError {
  return new CloudError({ provider, status: 0, code, message, outcome: 'refused' });
}

/** The base URL of a template, filled. */
export function fillEndpoint(provider: CloudProvider, template: string, values: EndpointValues): URL {
  const filled = template.replace(/\{([a-z]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined || value === '')
      throw refused(provider, 'MissingTarget', `the endpoint needs a ${name}`);
    if (!NAME.test(value))
      throw refused(provider, 'InvalidTarget', `not a ${name}: ${JSON.stringify(value)}`);
    return value;
  });
  return new URL(filled);
}

/** The URL of an API path under a filled base: its path is the prefix, then `apiPath`, then `?query`. */
export function apiUrl(base: URL, apiPath: string, query: string): URL {
  const prefix = base.pathname.replace(/\/+$/, '');
  const url = new URL(base.origin);
  url.pathname = `${prefix}${apiPath}`;
  url.search = query;
  return url;
}

/** A path segment made of a provider's id (job ids, queue ids): letters, digits, `_`, `-`, `.`. */
export function idSegment(provider: CloudProvider, id: string): string {
  if (!/^[A-Za-z0-9._-]{1,256}$/.test(id) || id === '.' || id === '..')
    throw refused(provider, 'InvalidArgument', `not an id: ${JSON.stringify(id)}`);
  return id;
}
