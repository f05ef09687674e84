/**
 * The Learn view's state: the open lesson and every lesson's settings (the `l.*` keys of the URL
 * hash), and the visitor's progress kept in IndexedDB. A link with lesson settings wins; a plain
 * `#view=learn` picks up where the visitor left off.
 */
import { EMPTY_PROGRESS, openLearnStore, type LearnProgress, type LearnStore } from '../db/learn-progress';
import { LEARN_PROPS, type LearnProps } from '../learn/learn-url';
import { formatHash, parseHash } from './url-hash';

export class LearnState {
  settings = $state<LearnProps>(parseHash('', LEARN_PROPS));
  progress = $state.raw<LearnProgress>(EMPTY_PROGRESS);
  /** Why progress is not kept across visits (no IndexedDB), or a failed write. */
  notice = $state<string | null>(null);
  #store: Promise<LearnStore> | null = null;
  #hadLinkSettings: boolean;

  constructor(hash = '') {
    this.settings = parseHash(hash, LEARN_PROPS);
    this.#hadLinkSettings = /(^|[#&])l\./.test(hash);
  }

  get lesson(): number {
    return this.settings['l.lesson'];
  }
  get hash(): string {
    return formatHash(this.settings, LEARN_PROPS);
  }
  loadHash(hash: string) {
    this.settings = parseHash(hash, LEARN_PROPS);
  }

  /** Changes one setting (the URL follows); saved with the progress. */
  set<K extends keyof LearnProps>(key: K, value: LearnProps[K]): void {
    this.settings = { ...this.settings, [key]: value };
    this.#update({ settings: { ...this.settings } });
  }

  openLesson(id: number): void {
    this.set('l.lesson', id);
    if (!this.progress.visited.includes(id)) this.#update({ visited: [...this.progress.visited, id] });
    this.#update({ lastLesson: id });
  }

  /** Marks a lesson's main interaction as done once. */
  markDone(id: number): void {
    if (!this.progress.done.includes(id)) this.#update({ done: [...this.progress.done, id] });
  }

  /** A lesson's kept result (structured-clone data), or undefined. */
  result<T>(lesson: number): T | undefined {
    return this.progress.results[lesson] as T | undefined;
  }
  keepResult(lesson: number, value: unknown): void {
    this.#update({ results: { ...this.progress.results, [lesson]: value } });
  }

  /** Reads the stored progress (once); restores the saved settings unless the link carried its own. */
  async restore(): Promise<void> {
    if (this.#store) return;
    this.#store = openLearnStore().then(({ store, notice }) => {
      if (notice) this.notice = notice;
      return store;
    });
    const store = await this.#store;
    try {
      this.progress = await store.load();
    } catch (error) {
      this.notice = (error as Error).message;
    }
    if (!this.#hadLinkSettings && Object.keys(this.progress.settings).length) {
      this.settings = parseHash(formatHash({ ...this.settings, ...this.progress.settings } as LearnProps, LEARN_PROPS), LEARN_PROPS);
    }
    this.openLesson(this.lesson);
  }

  #update(patch: Partial<LearnProgress>): void {
    this.progress = { ...this.progress, ...patch };
    const progress = this.progress;
    void this.#store?.then((store) => store.save(progress)).catch((error: unknown) => (this.notice = (error as Error).message));
  }
}
