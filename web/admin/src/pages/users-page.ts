/**
 * Users (authentik's Directory → Users): list and search, create and edit (with the user's
 * groups), deactivate and reactivate, and set a password, through `@goauthentik/api`'s CoreApi.
 */
import { html } from 'lit';
import type { Group, User, UserRequest } from '@goauthentik/api';
import { coreApi } from '../api.js';
import { checkbox, formGroup, formValue, textInput, describedBy } from '../components/form.js';
import type { TableQuery } from '../components/table.js';
import { ListScreen, invalid, needing, rowButton, toolbarButton, when } from './page-kit.js';

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
      { label: 'Username', sortKey: 'username', render: (u: User) => u.username },
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
    coreApi
      .coreGroupsList({ pageSize: 100, ordering: 'name' })
      .then((groups) => (this.groups = groups.results))
      .catch(() => undefined);
  }

  private async save(form: HTMLFormElement): Promise<void> {
    const editing = this.editing;
    const userRequest: UserRequest = {
      username: formValue(form, 'username').trim(),
      name: formValue(form, 'name').trim(),
      email: formValue(form, 'email').trim(),
      path: formValue(form, 'path').trim() || 'users',
      isActive: new FormData(form).get('is_active') === 'on',
      groups: new FormData(form).getAll('groups').map(String),
    };
    if (editing) {
      await needing('authentik_core.change_user', () =>
        coreApi.coreUsersPartialUpdate({ id: editing.pk, patchedUserRequest: userRequest }),
      );
    } else {
      await needing('authentik_core.add_user', () => coreApi.coreUsersCreate({ userRequest }));
    }
    await this.done(`User ${userRequest.username} ${editing ? 'saved' : 'created'}.`);
  }

  private setActive(user: User, isActive: boolean): void {
    void this.act(
      'authentik_core.change_user',
      `User ${user.username} ${isActive ? 'reactivated' : 'deactivated'}.`,
      () => coreApi.coreUsersPartialUpdate({ id: user.pk, patchedUserRequest: { isActive } }),
    );
  }

  private async setPassword(form: HTMLFormElement): Promise<void> {
    const user = this.passwordFor;
    if (!user) return;
    const password = formValue(form, 'password');
    if (password !== formValue(form, 'password_repeat'))
      throw invalid('password_repeat', "The passwords don't match.");
    await needing('authentik_core.reset_user_password', () =>
      coreApi.coreUsersSetPasswordCreate({ id: user.pk, userPasswordSetRequest: { password } }),
    );
    await this.done(`Password of ${user.username} set.`);
  }

  private userForm(errors: Record<string, string[]>) {
    const user = this.editing;
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
        ><select
          id="user-groups"
          name="groups"
          multiple
          size="5"
          aria-describedby=${describedBy(groupsField)}
        >
          ${this.groups.map((g) => html`<option value=${g.pk} ?selected=${memberOf.has(g.pk)}>${g.name}</option>`)}
        </select></span
      >`,
    )}
    ${checkbox({ id: 'user-active', name: 'is_active', label: 'Active (may sign in)', checked: user?.isActive ?? true })}`;
  }

  protected override modals() {
    const user = this.editing;
    const passwordFor = this.passwordFor;
    return html`<ak-modal-form
        .open=${this.formOpen}
        .heading=${user ? `Edit ${user.username}` : 'New user'}
        .submitLabel=${user ? 'Save' : 'Create'}
        .body=${(errors: Record<string, string[]>) => this.userForm(errors)}
        .submit=${(form: HTMLFormElement) => this.save(form)}
        @ak-close=${() => (this.formOpen = false)}
      ></ak-modal-form>
      <ak-modal-form
        .open=${passwordFor !== undefined}
        .heading=${`Set the password of ${passwordFor?.username ?? ''}`}
        .submitLabel=${'Set password'}
        .body=${(errors: Record<string, string[]>) =>
          html`${textInput({ id: 'new-password', name: 'password', label: 'New password', type: 'password', required: true, errors: errors.password })}
          ${textInput({ id: 'new-password-repeat', name: 'password_repeat', label: 'New password (repeat)', type: 'password', required: true, errors: errors.password_repeat })}`}
        .submit=${(form: HTMLFormElement) => this.setPassword(form)}
        @ak-close=${() => (this.passwordFor = undefined)}
      ></ak-modal-form>`;
  }
}

customElements.define('ak-users-page', UsersPage);
