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
import { LightElement } from '../components/light-element.js';
import type { TableQuery } from '../components/table.js';
import { ListScreen, needing, problemText, rowButton, toolbarButton } from './page-kit.js';

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
export class RolePage extends LightElement {
  static override properties = {
    param: { type: String },
    current: { state: true },
    held: { state: true },
    catalogue: { state: true },
    message: { state: true },
    problem: { state: true },
    adding: { state: true },
  };

  param = '';
  /** The role shown (`role` is an ARIA property of every element). */
  current: Role | undefined = undefined;
  held: Permission[] = [];
  catalogue: Permission[] = [];
  message = '';
  problem = '';
  adding = false;

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('param') && this.param) void this.load();
  }

  private async load(): Promise<void> {
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

  private async add(form: HTMLFormElement): Promise<void> {
    const role = this.current;
    const permission = formValue(form, 'permission');
    if (!role) return;
    await needing('authentik_rbac.assign_role_permissions', () =>
      rbacApi.rbacPermissionsAssignedByRolesAssign({
        uuid: role.pk,
        permissionAssignRequest: { permissions: [permission] },
      }),
    );
    this.message = `${permission} given to ${role.name}.`;
    this.problem = '';
    await this.load();
  }

  private async revoke(permission: string): Promise<void> {
    const role = this.current;
    if (!role) return;
    try {
      await needing('authentik_rbac.unassign_role_permissions', () =>
        rbacApi.rbacPermissionsAssignedByRolesUnassignPartialUpdate({
          uuid: role.pk,
          patchedPermissionAssignRequest: { permissions: [permission] },
        }),
      );
      this.message = `${permission} taken from ${role.name}.`;
      this.problem = '';
      await this.load();
    } catch (error) {
      this.message = '';
      this.problem = await problemText(error, 'authentik_rbac.unassign_role_permissions');
    }
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

  override render() {
    const role = this.current;
    return html`<section class="pf-v6-c-page__main-section">
      <a href="#/roles">All roles</a>
      <h1 class="pf-v6-c-title pf-m-2xl pf-v6-u-mb-md">Role ${role?.name ?? ''}</h1>
      <ak-alert variant="success" .message=${this.message}></ak-alert>
      <ak-alert variant="danger" .message=${this.problem}></ak-alert>
      <h2 class="pf-v6-c-title pf-m-lg pf-v6-u-mb-sm">Permissions</h2>
      <div class="pf-v6-u-mb-sm">
        <button class="pf-v6-c-button pf-m-primary" type="button" @click=${() => this.openAdd()}>
          <span class="pf-v6-c-button__text">Add permission</span>
        </button>
      </div>
      ${
        this.held.length === 0
          ? html`<p>This role holds no permission yet.</p>`
          : html`<table class="pf-v6-c-table pf-m-grid-md">
              <caption class="pf-v6-screen-reader">
                Permissions of ${role?.name ?? ''}
              </caption>
              <thead class="pf-v6-c-table__thead">
                <tr class="pf-v6-c-table__tr">
                  <th scope="col">Permission</th>
                  <th scope="col">Model</th>
                  <th scope="col">Codename</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                ${this.held.map(
                  (p) =>
                    html`<tr class="pf-v6-c-table__tr">
                      <td data-label="Permission">${p.name}</td>
                      <td data-label="Model">${p.modelVerbose}</td>
                      <td data-label="Codename"><code>${permissionName(p)}</code></td>
                      <td data-label="Actions">
                        ${rowButton('Remove', permissionName(p), () => void this.revoke(permissionName(p)))}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
      <ak-modal-form
        .open=${this.adding}
        .heading=${`Give ${role?.name ?? ''} a permission`}
        .submitLabel=${'Add'}
        .body=${(errors: Record<string, string[]>) => this.addForm(errors)}
        .submit=${(form: HTMLFormElement) => this.add(form)}
        @ak-close=${() => (this.adding = false)}
      ></ak-modal-form>
    </section>`;
  }
}

customElements.define('ak-roles-page', RolesPage);
customElements.define('ak-role-page', RolePage);
