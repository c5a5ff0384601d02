/**
 * The admin interface: `<ak-admin-app>`, PatternFly's page layout (masthead with the signed-in
 * user, sidebar navigation, main section) and a hash router. A route maps `#/<path>` (and
 * `#/<path>/<param>` where the route takes one) to a page element, which gets the parameter
 * as its `param` property. Adding a screen is one import and one line in ROUTES.
 */
import { html, nothing } from 'lit';
import type { SessionUser } from '@goauthentik/api';
import { coreApi, describeError } from './api.js';
import { LightElement } from './components/light-element.js';
import { DEFAULT_PATH, parseHash } from './router.js';
import './components/alert.js';
import './pages/overview-page.js';
import './pages/invitations-page.js';
import './pages/invitation-page.js';
import './pages/flows-page.js';
import './pages/flow-page.js';
import './pages/stages-page.js';
import './pages/users-page.js';
import './pages/groups-page.js';
import './pages/roles-page.js';
import './pages/tokens-page.js';
import './pages/events-page.js';

interface Route {
  /** The hash path's first segment. */
  path: string;
  /** The page element; "coming soon" is shown while it is not defined. */
  element: string;
  /** Its navigation entry; none for detail screens reached from a list. */
  nav?: { label: string; group: string };
  /** Whether `#/<path>/<param>` routes here (a detail screen). */
  param?: boolean;
}

export const ROUTES: Route[] = [
  { path: 'overview', element: 'ak-overview-page', nav: { label: 'Overview', group: 'Dashboards' } },
  { path: 'invitations', element: 'ak-invitations-page', nav: { label: 'Invitations', group: 'Enrollment' } },
  { path: 'invitations', element: 'ak-invitation-page', param: true },
  { path: 'flows', element: 'ak-flows-page', nav: { label: 'Flows', group: 'Flows and stages' } },
  { path: 'flows', element: 'ak-flow-page', param: true },
  { path: 'stages', element: 'ak-stages-page', nav: { label: 'Stages', group: 'Flows and stages' } },
  { path: 'users', element: 'ak-users-page', nav: { label: 'Users', group: 'Directory' } },
  { path: 'users', element: 'ak-user-page', param: true },
  { path: 'groups', element: 'ak-groups-page', nav: { label: 'Groups', group: 'Directory' } },
  { path: 'groups', element: 'ak-group-page', param: true },
  { path: 'roles', element: 'ak-roles-page', nav: { label: 'Roles', group: 'Directory' } },
  { path: 'roles', element: 'ak-role-page', param: true },
  { path: 'tokens', element: 'ak-tokens-page', nav: { label: 'Tokens', group: 'Directory' } },
  { path: 'events', element: 'ak-events-page', nav: { label: 'Audit log', group: 'Events' } },
  { path: 'events', element: 'ak-event-page', param: true },
];

/** authentik's default invalidation flow: signs the session out. */
const SIGN_OUT = '/flows/-/default/invalidation/';
const NARROW = '(max-width: 1199px)';

export class AkAdminApp extends LightElement {
  static override properties = {
    hash: { state: true },
    user: { state: true },
    userError: { state: true },
    sidebarOpen: { state: true },
  };
  hash = location.hash;
  user: SessionUser | undefined = undefined;
  userError = '';
  sidebarOpen = !matchMedia(NARROW).matches;
  private page: { key: string; element: HTMLElement } | undefined;
  private readonly onHash = () => {
    this.hash = location.hash;
    if (matchMedia(NARROW).matches) this.sidebarOpen = false;
    // Move focus to the new screen, as a page load would, so keyboard and screen reader users
    // start at its content.
    void this.updateComplete.then(() => this.querySelector<HTMLElement>('main')?.focus());
  };

  override connectedCallback() {
    super.connectedCallback();
    addEventListener('hashchange', this.onHash);
    void this.loadUser();
  }

  override disconnectedCallback() {
    removeEventListener('hashchange', this.onHash);
    super.disconnectedCallback();
  }

  private async loadUser() {
    try {
      this.user = await coreApi.coreUsersMeRetrieve();
    } catch (error) {
      this.userError = (await describeError(error)).message;
    }
  }

  private renderNav(current: string) {
    const groups = new Map<string, Route[]>();
    for (const route of ROUTES) {
      if (!route.nav) continue;
      groups.set(route.nav.group, [...(groups.get(route.nav.group) ?? []), route]);
    }
    return html`<nav class="pf-v6-c-nav" aria-label="Global">
      ${[...groups].map(
        ([group, routes]) =>
          html`<section class="pf-v6-c-nav__section" aria-labelledby="nav-${group.replace(/\W+/g, '-')}">
            <h2 class="pf-v6-c-nav__section-title" id="nav-${group.replace(/\W+/g, '-')}">${group}</h2>
            <ul class="pf-v6-c-nav__list" role="list">
              ${routes.map(
                (route) =>
                  html`<li class="pf-v6-c-nav__item">
                    <a
                      href="#/${route.path}"
                      class="pf-v6-c-nav__link ${route.path === current ? 'pf-m-current' : ''}"
                      aria-current=${route.path === current ? 'page' : nothing}
                      ><span class="pf-v6-c-nav__link-text">${route.nav?.label}</span></a
                    >
                  </li>`,
              )}
            </ul>
          </section>`,
      )}
    </nav>`;
  }

  private renderPage(path: string, param: string | undefined) {
    const route = ROUTES.find((r) => r.path === path && Boolean(r.param) === (param !== undefined));
    if (!route) {
      return html`<section class="pf-v6-c-page__main-section">
        <h1 class="pf-v6-c-title pf-m-2xl">Not found</h1>
        <p>There is no screen at this address. <a href="#/${DEFAULT_PATH}">Go to the overview</a>.</p>
      </section>`;
    }
    if (!customElements.get(route.element)) {
      const title = ROUTES.find((r) => r.path === path && r.nav)?.nav?.label ?? path;
      return html`<section class="pf-v6-c-page__main-section">
        <h1 class="pf-v6-c-title pf-m-2xl">${title}</h1>
        <p>Coming soon.</p>
      </section>`;
    }
    // One element per address: re-rendering the shell (the user loaded, the sidebar toggled)
    // keeps the screen and its state.
    const key = `${route.element}/${param ?? ''}`;
    if (this.page?.key !== key) {
      const element = document.createElement(route.element) as HTMLElement & { param?: string };
      if (param !== undefined) element.param = param;
      this.page = { key, element };
    }
    return this.page.element;
  }

  override render() {
    const { path, param } = parseHash(this.hash);
    return html`<div class="pf-v6-c-page">
      <a
        class="pf-v6-c-skip-to-content pf-v6-c-button pf-m-primary"
        href="#ak-main"
        @click=${(event: Event) => {
          event.preventDefault();
          this.querySelector<HTMLElement>('main')?.focus();
        }}
        >Skip to content</a
      >
      <header class="pf-v6-c-masthead">
        <div class="pf-v6-c-masthead__main">
          <span class="pf-v6-c-masthead__toggle">
            <button
              class="pf-v6-c-button pf-m-hamburger pf-m-plain ${this.sidebarOpen ? 'pf-m-expanded' : ''}"
              type="button"
              aria-label="Global navigation"
              aria-expanded=${this.sidebarOpen ? 'true' : 'false'}
              aria-controls="ak-sidebar"
              @click=${() => (this.sidebarOpen = !this.sidebarOpen)}
            >
              <span class="pf-v6-c-button__icon" aria-hidden="true">☰</span>
            </button>
          </span>
          <div class="pf-v6-c-masthead__brand">
            <a class="pf-v6-c-masthead__logo" href="#/${DEFAULT_PATH}">Tessera admin</a>
          </div>
        </div>
        <div class="pf-v6-c-masthead__content">
          <div class="pf-v6-c-toolbar pf-m-static">
            <div class="pf-v6-c-toolbar__content">
              <div class="pf-v6-c-toolbar__content-section">
                <div class="pf-v6-c-toolbar__item pf-m-align-end ak-user">
                  ${
                    this.user
                      ? html`<span class="pf-v6-u-mr-md"
                          >Signed in as <strong>${this.user.user.username}</strong></span
                        >`
                      : nothing
                  }
                  <a class="pf-v6-c-button pf-m-secondary" href=${SIGN_OUT}>Sign out</a>
                </div>
              </div>
            </div>
          </div>
        </div>
      </header>
      <div
        class="pf-v6-c-page__sidebar ${this.sidebarOpen ? 'pf-m-expanded' : 'pf-m-collapsed'}"
        id="ak-sidebar"
        ?inert=${!this.sidebarOpen}
      >
        <div class="pf-v6-c-page__sidebar-main">
          <div class="pf-v6-c-page__sidebar-body">${this.renderNav(path)}</div>
        </div>
      </div>
      <div class="pf-v6-c-page__main-container">
        <main class="pf-v6-c-page__main" id="ak-main" tabindex="-1">
          ${
            this.userError
              ? html`<section class="pf-v6-c-page__main-section">
                  <ak-alert variant="danger" .message=${this.userError}></ak-alert>
                </section>`
              : nothing
          }
          ${this.renderPage(path, param)}
        </main>
      </div>
    </div>`;
  }
}
customElements.define('ak-admin-app', AkAdminApp);
