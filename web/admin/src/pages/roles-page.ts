/**
 * Roles (authentik's Directory → Roles): list and search, create, rename and delete; a role's
 * screen lists the permissions it holds, each with a Remove button, and adds more from the
 * catalogue (rbac/permissions/). Tessera refuses to give a permission the caller does not hold
 * itself; that refusal is shown in the server's words.
 */
import { html, nothing } from 'lit';
import type { Permission, Role } from '@goauthentik/api';
import { rbacApi } from '../api.js';
import { describedBy, formGroup, formValue, textInput } from '../components/form.js';
import type { TableQuery } from '../components/table.js';
import {
  DetailScreen,
  ListScreen,
  needing,
  problemText,
  rowButton,
  smallTable,
  toolbarButton,
} from './page-kit.js';

/** `app_label.codename`, the form the assign and unassign actions take. */
const permissionName = (p: Permission) => `${p.appLabel}.${p.codename}`;

export class RolesPage extends ListScreen<Role> {
  static override properties = {
    ...ListScreen.properties,
    editing: { state: true },
    formOpen: { state: true },
  };

  readonly heading = 'Roles';
  readonly viewPermission = 'authentik_rbac.view_role';
  editing: Role | null = null;
  formOpen = false;

  protected fetch(query: TableQuery) {
    return rbacApi.rbacRolesList({
      search: query.search || undefined,
      ordering: query.ordering || 'name',
      page: query.page,
      pageSize: this.pageSize,
    });
  }

  protected columns() {
    return [
      { label: 'Name', sortKey: 'name', render: (r: Role) => html`<a href="#/roles/${r.pk}">${r.name}</a>` },
      {
        label: 'Actions',
        render: (r: Role) =>
          html`${rowButton('Rename', r.name, () => this.openForm(r))}
          ${rowButton('Delete', r.name, () => this.deleteRole(r))}`,
      },
    ];
  }

  protected override toolbar() {
    return toolbarButton('New role', () => this.openForm(null));
  }

  private openForm(role: Role | null): void {
    this.editing = role;
    this.formOpen = true;
  }

  private async save(form: HTMLFormElement): Promise<void> {
    const editing = this.editing;
    const name = formValue(form, 'name').trim();
    if (editing) {
      await needing('authentik_rbac.change_role', () =>
        rbacApi.rbacRolesPartialUpdate({ uuid: editing.pk, patchedRoleRequest: { name } }),
      );
    } else {
      await needing('authentik_rbac.add_role', () => rbacApi.rbacRolesCreate({ roleRequest: { name } }));
    }
    await this.done(`Role ${name} ${editing ? 'saved' : 'created'}.`);
  }

  private deleteRole(role: Role): void {
    if (!window.confirm(`Delete the role ${role.name}? Its users and groups lose its permissions.`)) return;
    void this.act('authentik_rbac.delete_role', `Role ${role.name} deleted.`, () =>
      rbacApi.rbacRolesDestroy({ uuid: role.pk }),
    );
  }

  protected override modals() {
    const role = this.editing;
    return html`<ak-modal-form
      .open=${this.formOpen}
      .heading=${role ? `Rename ${role.name}` : 'New role'}
      .submitLabel=${role ? 'Save' : 'Create'}
      .body=${(errors: Record<string, string[]>) =>
        textInput({
          id: 'role-name',
          name: 'name',
          label: 'Name',
          value: role?.name,
          required: true,
          errors: errors.name,
        })}
      .submit=${(form: HTMLFormElement) => this.save(form)}
      @ak-close=${() => (this.formOpen = false)}
    ></ak-modal-form>`;
  }
}

/** Every page of a permission list (the catalogue has a few hundred at most). */
async function allPermissions(role?: string): Promise<Permission[]> {
  const found: Permission[] = [];
  for (let page = 1; ; page++) {
    const list = await rbacApi.rbacPermissionsList({ role, page, pageSize: 100, ordering: 'codename' });
    found.push(...list.results);
    if (page >= list.pagination.totalPages) return found;
  }
}

/** One role (`#/roles/<pk>`): the permissions it holds, removed and added here. */
export class RolePage extends DetailScreen {
  static override properties = {
    ...DetailScreen.properties,
    current: { state: true },
    held: { state: true },
    catalogue: { state: true },
    adding: { state: true },
  };

  readonly back: [string, string] = ['roles', 'All roles'];
  /** The role shown (`role` is an ARIA property of every element). */
  current: Role | undefined = undefined;
  held: Permission[] = [];
  catalogue: Permission[] = [];
  adding = false;

  async load(): Promise<void> {
    try {
      this.current = await rbacApi.rbacRolesRetrieve({ uuid: this.param });
      this.held = await allPermissions(this.param);
    } catch (error) {
      this.problem = await problemText(error, 'authentik_rbac.view_role');
    }
  }

  private openAdd(): void {
    this.adding = true;
    if (this.catalogue.length === 0) {
      allPermissions()
        .then((all) => (this.catalogue = all))
        .catch(
          async (error: unknown) => (this.problem = await problemText(error, 'authentik_rbac.view_role')),
        );
    }
  }

  private async add(role: Role, form: HTMLFormElement): Promise<void> {
    const permission = formValue(form, 'permission');
    await needing('authentik_rbac.assign_role_permissions', () =>
      rbacApi.rbacPermissionsAssignedByRolesAssign({
        uuid: role.pk,
        permissionAssignRequest: { permissions: [permission] },
      }),
    );
    await this.done(`${permission} given to ${role.name}.`);
  }

  private revoke(role: Role, permission: string): void {
    void this.act('authentik_rbac.unassign_role_permissions', `${permission} taken from ${role.name}.`, () =>
      rbacApi.rbacPermissionsAssignedByRolesUnassignPartialUpdate({
        uuid: role.pk,
        patchedPermissionAssignRequest: { permissions: [permission] },
      }),
    );
  }

  private addForm(errors: Record<string, string[]>) {
    const held = new Set(this.held.map(permissionName));
    const choice = {
      id: 'permission-choice',
      label: 'Permission',
      required: true,
      errors: errors.permissions,
    };
    return formGroup(
      choice,
      html`<span class="pf-v6-c-form-control"
        ><select
          id="permission-choice"
          name="permission"
          required
          aria-describedby=${describedBy(choice) || nothing}
        >
          <option value="">Choose a permission…</option>
          ${this.catalogue
            .filter((p) => !held.has(permissionName(p)))
            .map((p) => html`<option value=${permissionName(p)}>${p.modelVerbose}: ${p.name}</option>`)}
        </select></span
      >`,
    );
  }

  protected headingText() {
    return `Role ${this.current?.name ?? ''}`;
  }

  protected content() {
    const role = this.current;
    if (!role) return nothing;
    return html`<h2 class="pf-v6-c-title pf-m-lg pf-v6-u-mb-sm">Permissions</h2>
      <div class="pf-v6-u-mb-sm">${toolbarButton('Add permission', () => this.openAdd())}</div>
      ${
        this.held.length === 0
          ? html`<p>This role holds no permission yet.</p>`
          : smallTable(
              `Permissions of ${role.name}`,
              [
                { label: 'Permission', render: (p: Permission) => p.name },
                { label: 'Model', render: (p: Permission) => p.modelVerbose },
                { label: 'Codename', render: (p: Permission) => html`<code>${permissionName(p)}</code>` },
                {
                  label: 'Actions',
                  render: (p: Permission) =>
                    rowButton('Remove', permissionName(p), () => this.revoke(role, permissionName(p))),
                },
              ],
              this.held,
            )
      }
      <ak-modal-form
        .open=${this.adding}
        .heading=${`Give ${role.name} a permission`}
        .submitLabel=${'Add'}
        .body=${(errors: Record<string, string[]>) => this.addForm(errors)}
        .submit=${(form: HTMLFormElement) => this.add(role, form)}
        @ak-close=${() => (this.adding = false)}
      ></ak-modal-form>`;
  }
}

customElements.define('ak-roles-page', RolesPage);
customElements.define('ak-role-page', RolePage);
