/**
 * What the service worker keeps for offline use, and under which keys: pure logic shared by the
 * build (which writes the list into `sw.js`) and the worker (which fetches, serves and prunes).
 *
 * Every file of the built site is one entry with a revision. A cache key is the file's URL with the
 * revision appended, so a file whose content changes gets a new key: the next worker fetches it, and
 * deletes the keys no entry names any more. Dataset files take their revision from the manifest's
 * sha256, so a rebuilt table is fetched again even where its file name stays the same.
 */

/** One file of the built site that the service worker keeps. */
export interface PrecacheEntry {
  /** Path relative to the site root (the worker's scope), e.g. `assets/index-abc.js`. */
  path: string;
  /** Content version: the manifest's sha256 for a dataset file, else the sha256 of the built file. */
  revision: string;
}

/** A file the build wrote, with the sha256 of its bytes. */
export interface BuiltFile {
  path: string;
  sha256: string;
}

/** The part of `datasets/manifest.json` that versions the dataset files. */
export interface ManifestFiles {
  datasets: { file: string; sha256: string }[];
}

/** The service worker's own file at the site root; never cached by itself. */
export const SW_FILE = 'sw.js';
/** Where the dataset files and their manifest sit, relative to the site root. */
export const DATASETS_DIR = 'datasets/';
/** The page the site root (and any navigation to a folder) stands for. */
const INDEX = 'index.html';
const REVISION_PARAM = '__rev';
const CACHE_PREFIX = 'brp-nas-lab';

/**
 * The entries of a build: every file except the worker itself and hidden files (build stamps), with
 * the manifest's checksum as the revision of each dataset file it lists.
 */
export function precacheEntries(files: readonly BuiltFile[], manifest?: ManifestFiles): PrecacheEntry[] {
  const datasetRevision = new Map((manifest?.datasets ?? []).map((d) => [`${DATASETS_DIR}${d.file}`, d.sha256]));
  return files
    .filter((f) => f.path !== SW_FILE && !f.path.split('/').some((segment) => segment.startsWith('.')))
    .map((f) => ({ path: f.path, revision: datasetRevision.get(f.path) ?? f.sha256 }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The name of the one cache a site uses. It carries the scope: two builds on one origin (GitHub
 * Pages serves every repository of a user from the same origin) must not prune each other's files.
 */
export function cacheName(scope: string): string {
  return `${CACHE_PREFIX}:${scope}`;
}

/** The precache entries of one build under one scope: keys for requests, and what to fetch or delete. */
export class CachePlan {
  readonly #scope: URL;
  readonly #byPath: Map<string, PrecacheEntry>;
  readonly #keys: Set<string>;

  /** `scope` is the worker's registration scope, an absolute URL ending in `/`. */
  constructor(
    scope: string,
    readonly entries: readonly PrecacheEntry[],
  ) {
    this.#scope = new URL(scope);
    this.#byPath = new Map(entries.map((e) => [e.path, e]));
    this.#keys = new Set(entries.map((e) => this.key(e)));
  }

  /** The absolute URL the worker downloads an entry from. */
  url(entry: PrecacheEntry): string {
    return new URL(entry.path, this.#scope).href;
  }

  /** The cache key of an entry: its URL with its revision as a query parameter. */
  key(entry: PrecacheEntry): string {
    const url = new URL(entry.path, this.#scope);
    url.searchParams.set(REVISION_PARAM, entry.revision);
    return url.href;
  }

  /**
   * The entry a request stands for, or undefined when the worker has none (another origin, a path
   * outside the scope, a file the build did not write). A query string is ignored, as a static host
   * ignores it; a navigation to a folder stands for its `index.html`.
   */
  entryFor(requestUrl: string, navigation: boolean): PrecacheEntry | undefined {
    const url = new URL(requestUrl);
    if (url.origin !== this.#scope.origin || !url.pathname.startsWith(this.#scope.pathname)) return undefined;
    let path: string;
    try {
      path = decodeURIComponent(url.pathname.slice(this.#scope.pathname.length));
    } catch {
      return undefined;
    }
    if (navigation && (path === '' || path.endsWith('/'))) path += INDEX;
    return this.#byPath.get(path);
  }

  /** The entries missing from a cache that holds `cachedKeys`: what an install downloads. */
  toFetch(cachedKeys: Iterable<string>): PrecacheEntry[] {
    const cached = new Set(cachedKeys);
    return this.entries.filter((e) => !cached.has(this.key(e)));
  }

  /** The cached keys of this scope that no entry names any more: what an activation deletes. */
  stale(cachedKeys: Iterable<string>): string[] {
    return [...cachedKeys].filter((key) => key.startsWith(this.#scope.href) && !this.#keys.has(key));
  }
}
