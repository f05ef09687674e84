/**
 * Byte-level steps of the ingest: download with progress and a size cap, sha256, gunzip.
 * Uses only fetch, streams, crypto.subtle and DecompressionStream (window and worker alike).
 */

interface DownloadOptions {
  signal?: AbortSignal;
  /** Stop and fail once more than this many bytes arrive (a hostile or wrong server). */
  maxBytes: number;
  /** Called after each chunk with the bytes received so far. */
  onBytes?: (loaded: number, firstBytes: Uint8Array) => void;
}

/** Fetches `url` whole, reporting progress; throws a plain sentence (no file name) on failure. */
export async function downloadBytes(fetchFn: typeof fetch, url: string, options: DownloadOptions): Promise<Uint8Array<ArrayBuffer>> {
  const { signal, maxBytes, onBytes } = options;
  // no-cache: file names are not content-hashed, and a stale cached copy would fail its checksum.
  const response = await fetchFn(url, { signal, cache: 'no-cache' });
  if (!response.ok) throw new Error(`the server answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  if (!response.body) return checkedCopy(new Uint8Array(await response.arrayBuffer()), maxBytes);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      if (done) break;
      loaded += value.byteLength;
      if (loaded > maxBytes) throw new Error(`it is larger than the manifest says (over ${maxBytes} bytes)`);
      chunks.push(value);
      onBytes?.(loaded, chunks[0]);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function checkedCopy(bytes: Uint8Array, maxBytes: number): Uint8Array<ArrayBuffer> {
  if (bytes.byteLength > maxBytes) throw new Error(`it is larger than the manifest says (over ${maxBytes} bytes)`);
  return bytes.slice();
}

/** Lowercase hex sha256, or undefined where crypto.subtle is missing (pages not served securely). */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string | undefined> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return undefined;
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Decompresses gzip bytes; throws a plain sentence when the browser cannot or the data is broken. */
export async function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> {
  if (typeof DecompressionStream === 'undefined') throw new Error('this browser cannot decompress gzip (no DecompressionStream)');
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return await new Response(stream).arrayBuffer();
  } catch (error) {
    throw new Error(`it is not valid gzip (${(error as Error).message})`, { cause: error });
  }
}
