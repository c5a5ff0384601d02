/**
 * Groups (authentik's Directory → Groups): list and search, create and edit (name, parent
 * groups, the superuser flag with a warning of what it gives); a group's screen lists its
 * members, added by username and removed one by one (the group's add_user/remove_user).
 */
import { html, nothing } from 'lit';
import type { Group, GroupRequest, PartialUser } from '@goauthentik/api';
import { coreApi } from '../api.js';
import { checkbox, describedBy, formGroup, formValue, textInput } from '../components/form.js';
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
} from './page-kit.js';

const SUPERUSER_WARNING =
  'Every member of this group, and of the groups under it, may do everything, including giving themselves any permission. Only people who administer Tessera belong here.';

function superuserWarning(on: boolean) {
  return html`<div id="superuser-warning" aria-live="polite">
    ${
      on
        ? html`<div class="pf-v6-c-alert pf-m-warning pf-m-inline pf-v6-u-mb-md">
            <p class="pf-v6-c-alert__title">
              <span class="pf-v6-screen-reader">Warning:</span>${SUPERUSER_WARNING}
            </p>
          </div>`
        : nothing
    }
  </div>`;
}

export class GroupsPage extends ListScreen<Group> {
  static override properties = {
    ...ListScreen.properties,
    editing: { state: true },
    formOpen: { state: true },
    superuser: { state: true },
    allGroups: { state: true },
  };

  readonly heading = 'Groups';
  readonly viewPermission = 'authentik_core.view_group';
  editing: Group | null = null;
  formOpen = false;
  /** Whether the form's superuser box is ticked (the warning follows it). */
  superuser = false;
  allGroups: Group[] = [];

  protected fetch(query: TableQuery) {
    return coreApi.coreGroupsList({
      search: query.search || undefined,
      ordering: query.ordering || 'name',
      page: query.page,
      pageSize: this.pageSize,
      includeUsers: false,
      includeParents: true,
    });
  }

  protected columns() {
    return [
      {
        label: 'Name',
        sortKey: 'name',
        render: (g: Group) => html`<a href="#/groups/${g.pk}">${g.name}</a>`,
      },
      { label: 'Parents', render: (g: Group) => (g.parentsObj ?? []).map((p) => p.name).join(', ') || '—' },
      { label: 'Superuser', sortKey: 'is_superuser', render: (g: Group) => (g.isSuperuser ? 'Yes' : 'No') },
      { label: 'Members', render: (g: Group) => g.users?.length ?? 0 },
      { label: 'Actions', render: (g: Group) => rowButton('Edit', g.name, () => this.openForm(g)) },
    ];
  }

  protected override toolbar() {
    return toolbarButton('New group', () => this.openForm(null));
  }

  private openForm(group: Group | null): void {
    this.editing = group;
    this.superuser = group?.isSuperuser ?? false;
    this.formOpen = true;
    coreApi
      .coreGroupsList({ pageSize: 100, ordering: 'name' })
      .then((groups) => (this.allGroups = groups.results))
      .catch(() => undefined);
  }

  private async save(form: HTMLFormElement): Promise<void> {
    const editing = this.editing;
    const groupRequest: GroupRequest = {
      name: formValue(form, 'name').trim(),
      isSuperuser: this.superuser,
      parents: new FormData(form).getAll('parents').map(String),
    };
    if (editing) {
      await needing('authentik_core.change_group', () =>
        coreApi.coreGroupsPartialUpdate({ groupUuid: editing.pk, patchedGroupRequest: groupRequest }),
      );
    } else {
      await needing('authentik_core.add_group', () => coreApi.coreGroupsCreate({ groupRequest }));
    }
    await this.done(`Group ${groupRequest.name} ${editing ? 'saved' : 'created'}.`);
  }

  private groupForm(errors: Record<string, string[]>) {
    const group = this.editing;
    const parents = new Set(group?.parents ?? []);
    const parentsField = {
      id: 'group-parents',
      label: 'Parent groups',
      errors: errors.parents,
      help: 'Members inherit the parents\u2019 roles. Ctrl or ⌘ selects several.',
    };
    return html`${textInput({ id: 'group-name', name: 'name', label: 'Name', value: group?.name, required: true, errors: errors.name })}
    ${formGroup(
      parentsField,
      html`<span class="pf-v6-c-form-control"
        ><select
          id="group-parents"
          name="parents"
          multiple
          size="4"
          aria-describedby=${describedBy(parentsField)}
        >
          ${this.allGroups
            .filter((g) => g.pk !== group?.pk)
            .map((g) => html`<option value=${g.pk} ?selected=${parents.has(g.pk)}>${g.name}</option>`)}
        </select></span
      >`,
    )}
    ${checkbox({
      id: 'group-superuser',
      name: 'is_superuser',
      label: 'Members are superusers',
      checked: this.superuser,
      onChange: (checked) => (this.superuser = checked),
    })}
    ${superuserWarning(this.superuser)}`;
  }

  protected override modals() {
    const group = this.editing;
    return html`<ak-modal-form
      .open=${this.formOpen}
      .heading=${group ? `Edit ${group.name}` : 'New group'}
      .submitLabel=${group ? 'Save' : 'Create'}
      .body=${(errors: Record<string, string[]>) => this.groupForm(errors)}
      .submit=${(form: HTMLFormElement) => this.save(form)}
      @ak-close=${() => (this.formOpen = false)}
    ></ak-modal-form>`;
  }
}

/** One group (`#/groups/<pk>`): its facts and its members. */
export class GroupPage extends DetailScreen {
  static override properties = {
    ...DetailScreen.properties,
    group: { state: true },
    adding: { state: true },
  };

  readonly back: [string, string] = ['groups', 'All groups'];
  group: Group | undefined = undefined;
  adding = false;

  async load(): Promise<void> {
    try {
      this.group = await coreApi.coreGroupsRetrieve({
        groupUuid: this.param,
        includeUsers: true,
        includeParents: true,
      });
    } catch (error) {
      this.problem = await problemText(error, 'authentik_core.view_group');
    }
  }

  private async addMember(form: HTMLFormElement): Promise<void> {
    const group = this.group;
    const username = formValue(form, 'username').trim();
    if (!group) return;
    const found = await coreApi.coreUsersList({ username, pageSize: 1 });
    const user = found.results[0];
    if (!user) throw invalid('username', `No user is called "${username}".`);
    await needing('authentik_core.add_user_to_group', () =>
      coreApi.coreGroupsAddUserCreate({ groupUuid: group.pk, userAccountRequest: { pk: user.pk } }),
    );
    await this.done(`${username} added to ${group.name}.`);
  }

  private removeMember(group: Group, user: PartialUser): void {
    void this.act(
      'authentik_core.remove_user_from_group',
      `${user.username} removed from ${group.name}.`,
      () => coreApi.coreGroupsRemoveUserCreate({ groupUuid: group.pk, userAccountRequest: { pk: user.pk } }),
    );
  }

  protected headingText() {
    return `Group ${this.group?.name ?? ''}`;
  }

  protected content() {
    const group = this.group;
    if (!group) return nothing;
    const members = group.usersObj ?? [];
    return html`<dl class="pf-v6-c-description-list pf-m-horizontal pf-v6-u-mb-lg">
        <div class="pf-v6-c-description-list__group">
          <dt class="pf-v6-c-description-list__term">Parents</dt>
          <dd class="pf-v6-c-description-list__description">
            ${(group.parentsObj ?? []).map((p) => p.name).join(', ') || '—'}
          </dd>
        </div>
        <div class="pf-v6-c-description-list__group">
          <dt class="pf-v6-c-description-list__term">Superuser</dt>
          <dd class="pf-v6-c-description-list__description">${group.isSuperuser ? 'Yes' : 'No'}</dd>
        </div>
      </dl>
      ${superuserWarning(group.isSuperuser ?? false)}
      <h2 class="pf-v6-c-title pf-m-lg pf-v6-u-mb-sm">Members</h2>
      <div class="pf-v6-u-mb-sm">${toolbarButton('Add member', () => (this.adding = true))}</div>
      ${
        members.length === 0
          ? html`<p>No members yet.</p>`
          : smallTable(
              `Members of ${group.name}`,
              [
                { label: 'Username', render: (u: PartialUser) => u.username },
                { label: 'Name', render: (u: PartialUser) => u.name || '—' },
                {
                  label: 'Actions',
                  render: (u: PartialUser) =>
                    rowButton('Remove', u.username, () => this.removeMember(group, u)),
                },
              ],
              members,
            )
      }
      <ak-modal-form
        .open=${this.adding}
        .heading=${`Add a member to ${group.name}`}
        .submitLabel=${'Add'}
        .body=${(errors: Record<string, string[]>) =>
          textInput({
            id: 'member-username',
            name: 'username',
            label: 'Username',
            required: true,
            errors: errors.username,
          })}
        .submit=${(form: HTMLFormElement) => this.addMember(form)}
        @ak-close=${() => (this.adding = false)}
      ></ak-modal-form>`;
  }
}

customElements.define('ak-groups-page', GroupsPage);
customElements.define('ak-group-page', GroupPage);
