import { XMLBuilder } from 'fast-xml-parser';
import { CloudError, type CloudProvider } from './cloud-error.js';

// fast-xml-parser's builder is the project's chosen XML package (it now delegates to fast-xml-builder, the same code).
// eslint-disable-next-line @typescript-eslint/no-deprecated
const BUILDER = new XMLBuilder({ ignoreAttributes: true, suppressEmptyNode: false, format: false });

/** Element names a request may use: the builder escapes text, not names. */
const ELEMENT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * An XML request body: `{ root: value }` rendered by fast-xml-parser's builder (it escapes text); arrays become
 * repeated elements, numbers and booleans their JSON text (`10`, `false`), `undefined` and `null` are left out. A
 * key that is no element name is refused (`InvalidRequest`) before anything is sent.
 */
export function renderXml(provider: CloudProvider, root: string, content: Record<string, unknown>): string {
  return BUILDER.build({ [root]: plain(provider, content) });
}

function plain(provider: CloudProvider, value: unknown): unknown {
  if (Array.isArray(value))
    return value.filter((v) => v !== undefined && v !== null).map((v) => plain(provider, v));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (!ELEMENT_NAME.test(key))
        throw new CloudError({
          provider,
          status: 0,
          code: 'InvalidRequest',
          message: `not an XML element name: ${JSON.stringify(key)}`,
          outcome: 'refused',
        });
      if (v !== undefined && v !== null) out[key] = plain(provider, v);
    }
    return out;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  return value;
}
