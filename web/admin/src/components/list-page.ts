/**
 * The base of a screen around one paginated list: the page of results, its loading state, and
 * an error and a notice shown in the screen's alerts. Subclasses say how to fetch the page.
 */
import type { PropertyDeclarations } from 'lit';
import { describeError } from '../api.js';
import { LightElement } from './light-element.js';

export abstract class ListPage<P> extends LightElement {
  static override properties: PropertyDeclarations = {
    page: { state: true },
    loading: { state: true },
    error: { state: true },
    notice: { state: true },
  };
  page: P | undefined = undefined;
  loading = false;
  error = '';
  notice = '';

  /** Fetches the page the screen's current search, filters and ordering select. */
  protected abstract fetchPage(): Promise<P>;

  override connectedCallback() {
    super.connectedCallback();
    void this.reload();
  }

  protected async reload() {
    this.loading = true;
    await this.attempt(async () => {
      this.page = await this.fetchPage();
    });
    this.loading = false;
  }

  /** Runs `work`; on success shows `notice` (when given), on failure the API's words. */
  protected async attempt(work: () => Promise<unknown>, notice?: string): Promise<void> {
    try {
      await work();
      this.error = '';
      if (notice !== undefined) this.notice = notice;
    } catch (error) {
      this.error = (await describeError(error)).message;
    }
  }

  /** Asks, then deletes and reloads the list. */
  protected async confirmDelete(question: string, name: string, destroy: () => Promise<unknown>) {
    if (!confirm(question)) return;
    await this.attempt(destroy, `Deleted ${name}.`);
    await this.reload();
  }
}
