// Tessera admin: invitation stages and invitations over REST API v3.
// Plain ES module, no framework; every text goes through textContent (never innerHTML).

const API = '/api/v3';
const TOKEN_KEY = 'tessera.apiToken';
const view = document.getElementById('view');

/** Builds an element: h('a', { href: '#' }, 'text', child). */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === undefined || value === null) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function cookie(name) {
  const match = document.cookie.split(';').find((part) => part.trim().startsWith(`${name}=`));
  return match ? decodeURIComponent(match.split('=').slice(1).join('=').trim()) : undefined;
}

class ApiError extends Error {
  constructor(status, body) {
    super(typeof body?.detail === 'string' ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** Calls the API with the pasted token, or with the browser session and its CSRF cookie. */
async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = `Bearer ${token}`;
  else if (method !== 'GET' && cookie('authentik_csrf'))
    headers['x-authentik-csrf'] = cookie('authentik_csrf');
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${API}${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Renders DRF's `{field: [messages]}` next to the form's inputs, the rest in a summary. */
function showErrors(form, error) {
  for (const old of form.querySelectorAll('.field-error')) old.remove();
  const summary = form.querySelector('.form-error');
  summary.textContent = '';
  const body = error instanceof ApiError ? error.body : undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.detail === 'string') {
    summary.textContent = error.message;
    return;
  }
  for (const [field, messages] of Object.entries(body)) {
    const text = Array.isArray(messages) ? messages.join(' ') : JSON.stringify(messages);
    const input = form.elements.namedItem(field);
    if (input instanceof HTMLElement) {
      const id = `${input.id || field}-error`;
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', id);
      input.after(h('p', { class: 'field-error', id }, text));
    } else {
      summary.append(h('p', {}, `${field === 'non_field_errors' ? '' : `${field}: `}${text}`));
    }
  }
}

function field(label, input, help) {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: input.id }, label),
    input,
    help ? h('p', { class: 'help' }, help) : null,
  );
}

function invitationLink(invitation, slug) {
  return `${location.origin}/if/flow/${encodeURIComponent(slug)}/?itoken=${invitation.pk}`;
}

function formatDate(value) {
  return value ? new Date(value).toLocaleString() : '-';
}

// --- sign in -----------------------------------------------------------------------------------

function renderSignIn(message) {
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    required: true,
    autocomplete: 'off',
  });
  const form = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: async (event) => {
        event.preventDefault();
        sessionStorage.setItem(TOKEN_KEY, input.value.trim());
        await route();
      },
    },
    h('h1', {}, 'Sign in'),
    message ? h('p', { class: 'form-error', role: 'alert' }, message) : h('p', { class: 'form-error' }),
    field('API token', input, 'An API token (intent "api") of a user allowed to manage invitations.'),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  view.replaceChildren(form);
  input.focus();
}

// --- invitation stages -------------------------------------------------------------------------

async function renderStages() {
  const page = await api('GET', '/stages/invitation/stages/?page_size=100');
  const name = h('input', { id: 'stage-name', name: 'name', required: true });
  const cont = h('input', {
    id: 'stage-continue',
    name: 'continue_flow_without_invitation',
    type: 'checkbox',
  });
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          await api('POST', '/stages/invitation/stages/', {
            name: name.value,
            continue_flow_without_invitation: cont.checked,
          });
          await renderStages();
        } catch (error) {
          showErrors(form, error);
        }
      },
    },
    h('h2', {}, 'New invitation stage'),
    h('p', { class: 'help' }, 'This stage can be included in enrollment flows to accept invitations.'),
    h('div', { class: 'form-error', role: 'alert' }),
    field('Name', name),
    h('div', { class: 'check' }, cont, h('label', { for: cont.id }, 'Continue flow without invitation')),
    h('button', { type: 'submit' }, 'Create'),
  );
  const rows = page.results.map((stage) =>
    h(
      'tr',
      {},
      h('td', {}, stage.name),
      h(
        'td',
        {},
        stage.flow_set.length
          ? stage.flow_set.map((f) => f.slug).join(', ')
          : h('span', { class: 'muted' }, 'not bound'),
      ),
      h('td', {}, stage.continue_flow_without_invitation ? 'Yes' : 'No'),
      h(
        'td',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: async () => {
              if (!confirm(`Delete the stage "${stage.name}" and its flow bindings?`)) return;
              await api('DELETE', `/stages/invitation/stages/${stage.pk}/`);
              await renderStages();
            },
          },
          'Delete',
        ),
      ),
    ),
  );
  view.replaceChildren(
    h('h1', {}, 'Invitation stages'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Name'),
          h('th', {}, 'Bound to flows'),
          h('th', {}, 'Continue without invitation'),
          h('th', {}, ''),
        ),
      ),
      h(
        'tbody',
        {},
        rows.length
          ? rows
          : h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No invitation stages yet.')),
      ),
    ),
    form,
  );
}

// --- invitations -------------------------------------------------------------------------------

/** Enrollment flows that can take an invitation: every flow bound to an invitation stage. */
async function invitationFlows() {
  const stages = await api('GET', '/stages/invitation/stages/?no_flows=false&page_size=100');
  const bySlug = new Map();
  for (const stage of stages.results) for (const flow of stage.flow_set) bySlug.set(flow.slug, flow);
  return { count: stages.pagination.count, flows: [...bySlug.values()] };
}

function emailForm(invitation) {
  const split = (text) =>
    text
      .split(/[\n,;]/)
      .map((s) => s.trim())
      .filter(Boolean);
  const to = h('textarea', { id: `to-${invitation.pk}`, name: 'email_addresses', rows: 2, required: true });
  const cc = h('textarea', { id: `cc-${invitation.pk}`, name: 'cc_addresses', rows: 1 });
  const bcc = h('textarea', { id: `bcc-${invitation.pk}`, name: 'bcc_addresses', rows: 1 });
  const status = h('p', { class: 'ok', role: 'status' });
  const form = h(
    'form',
    {
      class: 'email',
      onsubmit: async (event) => {
        event.preventDefault();
        status.textContent = '';
        try {
          const addresses = split(to.value);
          await api('POST', `/stages/invitation/invitations/${invitation.pk}/send_email/`, {
            email_addresses: addresses,
            cc_addresses: split(cc.value),
            bcc_addresses: split(bcc.value),
          });
          showErrors(form, new Error(''));
          status.textContent = `Invitation sent to ${addresses.length} recipient(s).`;
        } catch (error) {
          showErrors(form, error);
        }
      },
    },
    h('h3', {}, 'Send via email'),
    h('div', { class: 'form-error', role: 'alert' }),
    field('To', to, 'One address per line, or separated by commas.'),
    field('CC', cc),
    field('BCC', bcc),
    h('button', { type: 'submit' }, 'Send'),
    status,
  );
  return form;
}

function invitationDetail(invitation, flows) {
  const slugSelect = h(
    'select',
    { id: `flow-${invitation.pk}` },
    flows.map((f) => h('option', { value: f.slug }, f.slug)),
  );
  const slug = () => invitation.flow_obj?.slug ?? slugSelect.value;
  const linkInput = h('input', {
    id: `link-${invitation.pk}`,
    readonly: true,
    value: flows.length || invitation.flow_obj ? invitationLink(invitation, slug()) : '',
  });
  slugSelect.addEventListener('change', () => (linkInput.value = invitationLink(invitation, slug())));
  const copied = h('span', { class: 'ok', role: 'status' });
  return h(
    'div',
    { class: 'detail' },
    invitation.flow_obj
      ? null
      : field('Enrollment flow', slugSelect, 'This invitation is not limited to a flow.'),
    field('Link to use the invitation', linkInput),
    h(
      'button',
      {
        type: 'button',
        onclick: async () => {
          await navigator.clipboard?.writeText(linkInput.value).catch(() => undefined);
          linkInput.select();
          copied.textContent = 'Copied.';
        },
      },
      'Copy link',
    ),
    copied,
    h('p', {}, `Fixed data: ${JSON.stringify(invitation.fixed_data)}`),
    invitation.max_uses !== undefined
      ? h('p', {}, `Uses: ${invitation.uses ?? 0}${invitation.max_uses ? ` of ${invitation.max_uses}` : ''}`)
      : null,
    emailForm(invitation),
  );
}

function newInvitationForm(flows, onDone) {
  const inTwoDays = new Date(Date.now() + 48 * 3600 * 1000);
  const local = new Date(inTwoDays.getTime() - inTwoDays.getTimezoneOffset() * 60000)
    .toISOString()
    .slice(0, 16);
  const name = h('input', { id: 'inv-name', name: 'name', required: true, pattern: '[-a-zA-Z0-9_]+' });
  const expires = h('input', { id: 'inv-expires', name: 'expires', type: 'datetime-local', value: local });
  const flow = h(
    'select',
    { id: 'inv-flow', name: 'flow' },
    h('option', { value: '' }, 'Any flow with an invitation stage'),
    flows.map((f) => h('option', { value: f.pk }, `${f.name} (${f.slug})`)),
  );
  const singleUse = h('input', { id: 'inv-single', name: 'single_use', type: 'checkbox', checked: true });
  const maxUses = h('input', { id: 'inv-max', name: 'max_uses', type: 'number', min: 1 });
  const fixed = h('textarea', { id: 'inv-fixed', name: 'fixed_data', rows: 4 }, '{}');
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: async (event) => {
        event.preventDefault();
        let fixedData;
        try {
          fixedData = JSON.parse(fixed.value || '{}');
        } catch {
          showErrors(form, new ApiError(400, { fixed_data: ['Not valid JSON.'] }));
          return;
        }
        try {
          const body = {
            name: name.value,
            expires: expires.value ? new Date(expires.value).toISOString() : null,
            flow: flow.value || null,
            single_use: singleUse.checked,
            fixed_data: fixedData,
          };
          if (maxUses.value) body.max_uses = Number(maxUses.value);
          await api('POST', '/stages/invitation/invitations/', body);
          onDone();
        } catch (error) {
          showErrors(form, error);
        }
      },
    },
    h('h2', {}, 'New invitation'),
    h('div', { class: 'form-error', role: 'alert' }),
    field('Name', name, 'Letters, numbers, hyphens and underscores.'),
    field('Expires', expires),
    field('Flow', flow, 'When selected, the invitation only works with that flow.'),
    h('div', { class: 'check' }, singleUse, h('label', { for: singleUse.id }, 'Single use')),
    field('Maximum uses', maxUses, 'Optional: how many people may enroll with this link.'),
    field('Fixed data (JSON)', fixed, "Loaded into the flow's prompt data: pre-fills the enrollment form."),
    h('button', { type: 'submit' }, 'Create'),
  );
  return form;
}

async function renderInvitations(search = '', pageNumber = 1) {
  const query = new URLSearchParams({ page: String(pageNumber), ordering: 'expires' });
  if (search) query.set('search', search);
  const [page, { count, flows }] = await Promise.all([
    api('GET', `/stages/invitation/invitations/?${query}`),
    invitationFlows(),
  ]);
  const searchInput = h('input', {
    id: 'search',
    type: 'search',
    value: search,
    placeholder: 'Search for an invitation by name…',
  });
  const rows = page.results.flatMap((invitation) => {
    const detailRow = h(
      'tr',
      { class: 'detail-row', hidden: true },
      h('td', { colspan: 5 }, invitationDetail(invitation, flows)),
    );
    const toggle = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false' }, invitation.name);
    toggle.addEventListener('click', () => {
      detailRow.hidden = !detailRow.hidden;
      toggle.setAttribute('aria-expanded', String(!detailRow.hidden));
    });
    return [
      h(
        'tr',
        {},
        h(
          'td',
          {},
          toggle,
          invitation.flow ? null : flows.length > 1 ? h('span', { class: 'tag' }, 'any flow') : null,
        ),
        h('td', {}, invitation.created_by.username),
        h('td', {}, formatDate(invitation.expires)),
        h(
          'td',
          {},
          invitation.single_use
            ? 'single use'
            : invitation.max_uses
              ? `${invitation.uses ?? 0}/${invitation.max_uses}`
              : 'multi use',
        ),
        h(
          'td',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              onclick: async () => {
                if (!confirm(`Delete the invitation "${invitation.name}"?`)) return;
                await api('DELETE', `/stages/invitation/invitations/${invitation.pk}/`);
                await renderInvitations(search, 1);
              },
            },
            'Delete',
          ),
        ),
      ),
      detailRow,
    ];
  });
  const pager = h(
    'div',
    { class: 'pager' },
    h(
      'button',
      {
        type: 'button',
        disabled: !page.pagination.previous,
        onclick: () => renderInvitations(search, page.pagination.previous),
      },
      'Previous',
    ),
    h(
      'span',
      {},
      `Page ${page.pagination.current} of ${page.pagination.total_pages} (${page.pagination.count} invitations)`,
    ),
    h(
      'button',
      {
        type: 'button',
        disabled: !page.pagination.next,
        onclick: () => renderInvitations(search, page.pagination.next),
      },
      'Next',
    ),
  );
  view.replaceChildren(
    h('h1', {}, 'Invitations'),
    h(
      'p',
      { class: 'help' },
      'Create invitation links to enroll users, and optionally force specific attributes of their account.',
    ),
    count === 0
      ? h(
          'p',
          { class: 'warning', role: 'alert' },
          'Warning: No invitation stage is bound to any flow. Invitations will not work as expected.',
        )
      : null,
    h(
      'form',
      {
        class: 'search',
        role: 'search',
        onsubmit: (event) => {
          event.preventDefault();
          renderInvitations(searchInput.value.trim(), 1);
        },
      },
      h('label', { for: 'search', class: 'visually-hidden' }, 'Search'),
      searchInput,
      h('button', { type: 'submit' }, 'Search'),
    ),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Name'),
          h('th', {}, 'Created by'),
          h('th', {}, 'Expiry'),
          h('th', {}, 'Uses'),
          h('th', {}, ''),
        ),
      ),
      h(
        'tbody',
        {},
        rows.length ? rows : h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No invitations.')),
      ),
    ),
    pager,
    newInvitationForm(flows, () => renderInvitations(search, 1)),
  );
}

// --- routing -----------------------------------------------------------------------------------

async function route() {
  const signOut = document.getElementById('sign-out');
  try {
    if (location.hash.startsWith('#/stages')) await renderStages();
    else await renderInvitations();
    signOut.hidden = !sessionStorage.getItem(TOKEN_KEY);
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      // A rejected token is forgotten; with no credentials at all, just ask for a token.
      const hadToken = sessionStorage.getItem(TOKEN_KEY) !== null;
      sessionStorage.removeItem(TOKEN_KEY);
      signOut.hidden = true;
      renderSignIn(hadToken ? error.message : undefined);
      return;
    }
    view.replaceChildren(
      h('p', { class: 'form-error', role: 'alert' }, `Something went wrong: ${error.message}`),
    );
  }
}

document.getElementById('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  route();
});
window.addEventListener('hashchange', route);
route();
