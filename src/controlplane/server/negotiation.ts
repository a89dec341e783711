/**
 * Content negotiation: which representation a client asked for in `Accept`. kubectl asks for
 * Tables (`application/json;as=Table;v=v1;g=meta.k8s.io`) when printing, aggregated discovery
 * when discovering, and plain JSON otherwise. Protobuf is not served.
 */

export type Representation =
  | { type: 'json' }
  | { type: 'table' }
  | { type: 'partial-metadata'; list: boolean }
  | { type: 'aggregated-discovery'; version: 'v2' | 'v2beta1' }
  | { type: 'not-acceptable' };

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string | undefined): MediaRange[] {
  if (!header || header.trim() === '') return [{ type: '*/*', params: {} }];
  return header.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((p) => p.trim());
    const parsed: Record<string, string> = {};
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq > 0) parsed[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params: parsed };
  });
}

function isJson(range: MediaRange): boolean {
  return range.type === 'application/json' || range.type === '*/*' || range.type === 'application/*';
}

/** The first representation in `Accept` that the server can produce, in the client's order. */
export function negotiate(accept: string | undefined, options: { discovery?: boolean } = {}): Representation {
  for (const range of parseAccept(accept)) {
    if (!isJson(range)) continue;
    const { as, g, v } = range.params;
    if (as === undefined) return { type: 'json' };
    if (as === 'Table' && g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1')) return { type: 'table' };
    if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1')) {
      return { type: 'partial-metadata', list: as === 'PartialObjectMetadataList' };
    }
    if (options.discovery && as === 'APIGroupDiscoveryList' && g === 'apidiscovery.k8s.io' && (v === 'v2' || v === 'v2beta1')) {
      return { type: 'aggregated-discovery', version: v };
    }
  }
  return { type: 'not-acceptable' };
}
