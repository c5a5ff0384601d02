/**
 * Users (authentik's Directory → Users): list and search, create and edit (with the user's
 * groups), deactivate and reactivate, and set a password, through `@goauthentik/api`'s CoreApi;
 * and one user's screen (`#/users/<pk>`): the account, its groups, its API tokens, the changes
 * made to it and what it did, from the audit log.
 */
import { html, nothing } from 'lit';
import type { Event as AuditEvent, Group, Token, User, UserRequest } from '@goauthentik/api';
import { coreApi, eventsApi } from '../api.js';
import { checkbox, formGroup, formValue, textInput, describedBy } from '../components/form.js';
import type { TableQuery } from '../components/table.js';
import {
  DetailScreen,
  ListScreen,
  invalid,
  needing,
  problemText,
  rowButton,
  smallTable,
  toolbarButton,
  when,
} from './page-kit.js';

/** The groups a user form offers (the first hundred by name). */
async function listGroupChoices(): Promise<Group[]> {
  return (await coreApi.coreGroupsList({ pageSize: 100, ordering: 'name' })).results;
}

/** The create and edit form's fields; `user` null: a new user. */
function userFormBody(user: User | null, groups: Group[], errors: Record<string, string[]>) {
  const memberOf = new Set(user?.groups ?? []);
  const groupsField = {
    id: 'user-groups',
    label: 'Groups',
    errors: errors.groups,
    help: 'Ctrl or ⌘ selects several.',
  };
  return html`${textInput({ id: 'user-username', name: 'username', label: 'Username', value: user?.username, required: true, errors: errors.username })}
  ${textInput({ id: 'user-name', name: 'name', label: 'Display name', value: user?.name, errors: errors.name })}
  ${textInput({ id: 'user-email', name: 'email', label: 'Email', type: 'email', value: user?.email, errors: errors.email })}
  ${textInput({ id: 'user-path', name: 'path', label: 'Path', value: user?.path ?? 'users', errors: errors.path })}
  ${formGroup(
    groupsField,
    html`<span class="pf-v6-c-form-control"
      ><select id="user-groups" name="groups" multiple size="5" aria-describedby=${describedBy(groupsField)}>
        ${groups.map((g) => html`<option value=${g.pk} ?selected=${memberOf.has(g.pk)}>${g.name}</option>`)}
      </select></span
    >`,
  )}
  ${checkbox({ id: 'user-active', name: 'is_active', label: 'Active (may sign in)', checked: user?.isActive ?? true })}`;
}

/** Creates the user, or saves `editing`, from the form; answers the saved user. */
async function saveUserForm(editing: User | null, form: HTMLFormElement): Promise<User> {
  const userRequest: UserRequest = {
    username: formValue(form, 'username').trim(),
    name: formValue(form, 'name').trim(),
    email: formValue(form, 'email').trim(),
    path: formValue(form, 'path').trim() || 'users',
    isActive: new FormData(form).get('is_active') === 'on',
    groups: new FormData(form).getAll('groups').map(String),
  };
  if (editing) {
    return needing('authentik_core.change_user', () =>
      coreApi.coreUsersPartialUpdate({ id: editing.pk, patchedUserRequest: userRequest }),
    );
  }
  return needing('authentik_core.add_user', () => coreApi.coreUsersCreate({ userRequest }));
}

function passwordFormBody(errors: Record<string, string[]>) {
  return html`${textInput({ id: 'new-password', name: 'password', label: 'New password', type: 'password', required: true, errors: errors.password })}
  ${textInput({ id: 'new-password-repeat', name: 'password_repeat', label: 'New password (repeat)', type: 'password', required: true, errors: errors.password_repeat })}`;
}

async function setPasswordFromForm(user: User, form: HTMLFormElement): Promise<void> {
  const password = formValue(form, 'password');
  if (password !== formValue(form, 'password_repeat'))
    throw invalid('password_repeat', "The passwords don't match.");
  await needing('authentik_core.reset_user_password', () =>
    coreApi.coreUsersSetPasswordCreate({ id: user.pk, userPasswordSetRequest: { password } }),
  );
}

function setActiveRequest(user: User, isActive: boolean) {
  return coreApi.coreUsersPartialUpdate({ id: user.pk, patchedUserRequest: { isActive } });
}

export class UsersPage extends ListScreen<User> {
  static override properties = {
    ...ListScreen.properties,
    groups: { state: true },
    editing: { state: true },
    formOpen: { state: true },
    passwordFor: { state: true },
  };

  readonly heading = 'Users';
  readonly viewPermission = 'authentik_core.view_user';
  groups: Group[] = [];
  /** The user the form edits; null: a new user. */
  editing: User | null = null;
  formOpen = false;
  /** The user whose password the password form sets. */
  passwordFor: User | undefined = undefined;

  protected fetch(query: TableQuery) {
    return coreApi.coreUsersList({
      search: query.search || undefined,
      ordering: query.ordering || 'username',
      page: query.page,
      pageSize: this.pageSize,
      includeGroups: true,
    });
  }

  protected columns() {
    return [
      {
        label: 'Username',
        sortKey: 'username',
        render: (u: User) => html`<a href="#/users/${u.pk}">${u.username}</a>`,
      },
      { label: 'Name', sortKey: 'name', render: (u: User) => u.name || '—' },
      { label: 'Email', sortKey: 'email', render: (u: User) => u.email || '—' },
      { label: 'Groups', render: (u: User) => (u.groupsObj ?? []).map((g) => g.name).join(', ') || '—' },
      { label: 'Status', sortKey: 'is_active', render: (u: User) => (u.isActive ? 'Active' : 'Inactive') },
      { label: 'Last login', sortKey: 'last_login', render: (u: User) => when(u.lastLogin) },
      {
        label: 'Actions',
        render: (u: User) =>
          html`${rowButton('Edit', u.username, () => this.openForm(u))}
          ${rowButton('Set password', u.username, () => (this.passwordFor = u))}
          ${
            u.isActive
              ? rowButton('Deactivate', u.username, () => this.setActive(u, false))
              : rowButton('Reactivate', u.username, () => this.setActive(u, true))
          }`,
      },
    ];
  }

  protected override toolbar() {
    return toolbarButton('New user', () => this.openForm(null));
  }

  private openForm(user: User | null): void {
    this.editing = user;
    this.formOpen = true;
    listGroupChoices()
      .then((groups) => (this.groups = groups))
      .catch(() => undefined);
  }

  private async save(form: HTMLFormElement): Promise<void> {
    const user = await saveUserForm(this.editing, form);
    await this.done(`User ${user.username} ${this.editing ? 'saved' : 'created'}.`);
  }

  private setActive(user: User, isActive: boolean): void {
    void this.act(
      'authentik_core.change_user',
      `User ${user.username} ${isActive ? 'reactivated' : 'deactivated'}.`,
      () => setActiveRequest(user, isActive),
    );
  }

  private async setPassword(form: HTMLFormElement): Promise<void> {
    const user = this.passwordFor;
    if (!user) return;
    await setPasswordFromForm(user, form);
    await this.done(`Password of ${user.username} set.`);
  }

  protected override modals() {
    const user = this.editing;
    const passwordFor = this.passwordFor;
    return html`<ak-modal-form
        .open=${this.formOpen}
        .heading=${user ? `Edit ${user.username}` : 'New user'}
        .submitLabel=${user ? 'Save' : 'Create'}
        .body=${(errors: Record<string, string[]>) => userFormBody(user, this.groups, errors)}
        .submit=${(form: HTMLFormElement) => this.save(form)}
        @ak-close=${() => (this.formOpen = false)}
      ></ak-modal-form>
      <ak-modal-form
        .open=${passwordFor !== undefined}
        .heading=${`Set the password of ${passwordFor?.username ?? ''}`}
        .submitLabel=${'Set password'}
        .body=${(errors: Record<string, string[]>) => passwordFormBody(errors)}
        .submit=${(form: HTMLFormElement) => this.setPassword(form)}
        @ak-close=${() => (this.passwordFor = undefined)}
      ></ak-modal-form>`;
  }
}

/** Ten events for a table of the user's screen, newest first. */
function recentEvents(filter: { username?: string; contextModelPk?: string; contextModelName?: string }) {
  return eventsApi.eventsEventsList({ ...filter, ordering: '-created', pageSize: 10 });
}

const eventColumns = [
  { label: 'Action', render: (e: AuditEvent) => html`<a href="#/events/${e.pk}">${e.action}</a>` },
  {
    label: 'By',
    render: (e: AuditEvent) => String((e.user as { username?: string } | undefined)?.username ?? '—'),
  },
  { label: 'When', render: (e: AuditEvent) => when(e.created) },
  { label: 'From', render: (e: AuditEvent) => e.clientIp ?? '—' },
];

export class UserPage extends DetailScreen {
  static override properties = {
    ...DetailScreen.properties,
    user: { state: true },
    tokens: { state: true },
    changes: { state: true },
    activity: { state: true },
    groups: { state: true },
    dialog: { state: true },
  };

  readonly back: [string, string] = ['users', 'All users'];
  user: User | undefined = undefined;
  tokens: Token[] | undefined = undefined;
  changes: AuditEvent[] | undefined = undefined;
  activity: AuditEvent[] | undefined = undefined;
  groups: Group[] = [];
  dialog: 'edit' | 'password' | undefined = undefined;

  async load(): Promise<void> {
    try {
      const user = await coreApi.coreUsersRetrieve({ id: Number(this.param) });
      this.user = user;
      // The related lists each need their own permission; one refused leaves the others shown.
      const [tokens, changes, activity] = await Promise.allSettled([
        coreApi.coreTokensList({ userUsername: user.username, ordering: 'identifier', pageSize: 100 }),
        recentEvents({ contextModelPk: String(user.pk), contextModelName: 'user' }),
        recentEvents({ username: user.username }),
      ]);
      this.tokens = tokens.status === 'fulfilled' ? tokens.value.results : [];
      this.changes = changes.status === 'fulfilled' ? changes.value.results : [];
      this.activity = activity.status === 'fulfilled' ? activity.value.results : [];
    } catch (error) {
      this.problem = await problemText(error, 'authentik_core.view_user');
    }
  }

  private openEdit(): void {
    this.dialog = 'edit';
    listGroupChoices()
      .then((groups) => (this.groups = groups))
      .catch(() => undefined);
  }

  protected headingText() {
    return `User ${this.user?.username ?? ''}`;
  }

  private row(term: string, value: unknown) {
    return html`<div class="pf-v6-c-description-list__group">
      <dt class="pf-v6-c-description-list__term">${term}</dt>
      <dd class="pf-v6-c-description-list__description">${value}</dd>
    </div>`;
  }

  private events(caption: string, heading: string, events: AuditEvent[] | undefined, empty: string) {
    return html`<h2 class="pf-v6-c-title pf-m-lg pf-v6-u-mt-lg pf-v6-u-mb-sm">${heading}</h2>
      ${
        events === undefined
          ? html`<p role="status">Loading…</p>`
          : events.length === 0
            ? html`<p>${empty}</p>`
            : smallTable(caption, eventColumns, events)
      }`;
  }

  protected content() {
    const user = this.user;
    if (!user) return nothing;
    const groups = user.groupsObj ?? [];
    return html`<div class="pf-v6-l-flex pf-v6-u-mb-md">
        ${toolbarButton('Edit', () => this.openEdit())}
        ${toolbarButton('Set password', () => (this.dialog = 'password'))}
        ${toolbarButton(user.isActive ? 'Deactivate' : 'Reactivate', () =>
          this.act(
            'authentik_core.change_user',
            `User ${user.username} ${user.isActive ? 'deactivated' : 'reactivated'}.`,
            () => setActiveRequest(user, !user.isActive),
          ),
        )}
      </div>
      <dl class="pf-v6-c-description-list pf-m-horizontal pf-m-2-col-on-lg">
        ${this.row('Name', user.name || '—')} ${this.row('Email', user.email || '—')}
        ${this.row('Status', user.isActive ? 'Active' : 'Inactive')}
        ${this.row('Superuser', user.isSuperuser ? 'Yes' : 'No')} ${this.row('Path', user.path)}
        ${this.row('Joined', when(user.dateJoined))} ${this.row('Last login', when(user.lastLogin))}
        ${this.row(
          'Groups',
          groups.length === 0
            ? '—'
            : groups.map((g, i) => html`${i > 0 ? ', ' : ''}<a href="#/groups/${g.pk}">${g.name}</a>`),
        )}
      </dl>
      <h2 class="pf-v6-c-title pf-m-lg pf-v6-u-mt-lg pf-v6-u-mb-sm">API tokens</h2>
      ${
        this.tokens === undefined
          ? html`<p role="status">Loading…</p>`
          : this.tokens.length === 0
            ? html`<p>No tokens.</p>`
            : smallTable(
                `API tokens of ${user.username}`,
                [
                  { label: 'Identifier', render: (t: Token) => t.identifier },
                  { label: 'Intent', render: (t: Token) => t.intent ?? '—' },
                  { label: 'Expires', render: (t: Token) => (t.expiring ? when(t.expires) : 'Never') },
                ],
                this.tokens,
              )
      }
      ${this.events(`Changes to ${user.username}`, 'Changes to this account', this.changes, 'No changes recorded.')}
      ${this.events(`Activity of ${user.username}`, 'Recent activity', this.activity, 'No activity recorded.')}
      <ak-modal-form
        .open=${this.dialog === 'edit'}
        .heading=${`Edit ${user.username}`}
        .submitLabel=${'Save'}
        .body=${(errors: Record<string, string[]>) => userFormBody(user, this.groups, errors)}
        .submit=${async (form: HTMLFormElement) => {
          const saved = await saveUserForm(user, form);
          await this.done(`User ${saved.username} saved.`);
        }}
        @ak-close=${() => (this.dialog = undefined)}
      ></ak-modal-form>
      <ak-modal-form
        .open=${this.dialog === 'password'}
        .heading=${`Set the password of ${user.username}`}
        .submitLabel=${'Set password'}
        .body=${(errors: Record<string, string[]>) => passwordFormBody(errors)}
        .submit=${async (form: HTMLFormElement) => {
          await setPasswordFromForm(user, form);
          await this.done(`Password of ${user.username} set.`);
        }}
        @ak-close=${() => (this.dialog = undefined)}
      ></ak-modal-form>`;
  }
}

customElements.define('ak-users-page', UsersPage);
customElements.define('ak-user-page', UserPage);
