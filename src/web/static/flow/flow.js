// Tessera's flow page: drives /api/v3/flows/executor/<slug>/ (authentik's challenge protocol)
// and renders each challenge with plain DOM APIs. No framework, nothing loaded from elsewhere.

const root = document.querySelector('[data-flow-slug]');
const body = document.getElementById('flow-body');
const titleElement = document.getElementById('flow-title');
const slug = root.dataset.flowSlug;
// authentik's web client sends the page's own query string, wrapped, on every request.
const executorUrl =
  `/api/v3/flows/executor/${encodeURIComponent(slug)}/?query=` +
  encodeURIComponent(window.location.search.replace(/^\?/, ''));

function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return '';
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

async function call(method, payload) {
  const headers = { accept: 'application/json' };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['x-authentik-csrf'] = cookie('authentik_csrf');
  }
  const response = await fetch(executorUrl, {
    method,
    headers,
    credentials: 'same-origin',
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const detail = data && typeof data.detail === 'string' ? data.detail : `HTTP ${response.status}`;
    throw new Error(detail);
  }
  return data;
}

function setBusy(busy) {
  body.setAttribute('aria-busy', busy ? 'true' : 'false');
}

function showTitle(challenge) {
  const title = challenge.flow_info && challenge.flow_info.title;
  if (title) {
    titleElement.textContent = title;
    document.title = title;
  }
}

function errorList(id, errors) {
  if (!errors || errors.length === 0) return null;
  const list = el('ul', { id, class: 'errors', role: 'alert' });
  for (const error of errors) list.append(el('li', { text: error.string }));
  return list;
}

const INPUT_TYPES = {
  text: 'text',
  username: 'text',
  email: 'email',
  password: 'password',
  number: 'number',
  date: 'date',
  'date-time': 'datetime-local',
  'ak-locale': 'text',
  file: 'text',
  text_read_only: 'text',
};
const AUTOCOMPLETE = { username: 'username', email: 'email', password: 'new-password', text: 'off' };

function fieldControl(field, index, errors) {
  const id = `field-${index}`;
  const errorId = `${id}-errors`;
  const hintId = `${id}-hint`;
  const described =
    [field.sub_text ? hintId : null, errors ? errorId : null].filter(Boolean).join(' ') || null;
  const common = {
    id,
    name: field.field_key,
    required: field.required,
    'aria-invalid': errors ? 'true' : null,
    'aria-describedby': described,
  };
  const hint = field.sub_text ? el('p', { id: hintId, class: 'hint', text: field.sub_text }) : null;
  const label = el('label', { for: id, text: field.label });
  const wrap = (control) => el('div', { class: 'field' }, label, control, hint, errorList(errorId, errors));

  switch (field.type) {
    case 'hidden':
      return el('input', { type: 'hidden', name: field.field_key, value: field.initial_value });
    case 'separator':
      return el('hr', { 'aria-hidden': 'true' });
    case 'static':
      return el('p', { class: 'static', text: field.initial_value || field.placeholder });
    case 'alert_info':
    case 'alert_warning':
    case 'alert_danger':
      return el('div', {
        class: `alert ${field.type}`,
        role: 'note',
        text: field.initial_value || field.label,
      });
    case 'checkbox': {
      const box = el('input', {
        ...common,
        type: 'checkbox',
        required: false,
        checked: ['True', 'true'].includes(field.initial_value),
      });
      return el('div', { class: 'field checkbox' }, box, label, hint, errorList(errorId, errors));
    }
    case 'text_area':
    case 'text_area_read_only': {
      const area = el('textarea', {
        ...common,
        rows: 4,
        placeholder: field.placeholder || null,
        readonly: field.type === 'text_area_read_only',
      });
      area.value = field.initial_value;
      return wrap(area);
    }
    case 'dropdown': {
      const select = el('select', common);
      for (const choice of field.choices || []) {
        select.append(
          el('option', {
            value: choice.value,
            selected: choice.value === field.initial_value,
            text: choice.label,
          }),
        );
      }
      return wrap(select);
    }
    case 'radio-button-group': {
      const set = el(
        'fieldset',
        { class: 'field', 'aria-describedby': described },
        el('legend', { text: field.label }),
      );
      (field.choices || []).forEach((choice, n) => {
        const radioId = `${id}-${n}`;
        set.append(
          el(
            'div',
            { class: 'radio' },
            el('input', {
              type: 'radio',
              id: radioId,
              name: field.field_key,
              value: choice.value,
              checked: choice.value === field.initial_value,
              required: field.required,
            }),
            el('label', { for: radioId, text: choice.label }),
          ),
        );
      });
      if (hint) set.append(hint);
      const list = errorList(errorId, errors);
      if (list) set.append(list);
      return set;
    }
    default: {
      const input = el('input', {
        ...common,
        type: INPUT_TYPES[field.type] || 'text',
        placeholder: field.placeholder || null,
        autocomplete: AUTOCOMPLETE[field.type] || null,
        readonly: field.type === 'text_read_only',
        // A password is never shown back, even when the flow knows it.
        value: field.type === 'password' ? null : field.initial_value,
      });
      return wrap(input);
    }
  }
}

function collect(form, fields) {
  const answer = { component: 'ak-stage-prompt' };
  for (const field of fields) {
    if (['separator', 'static', 'alert_info', 'alert_warning', 'alert_danger'].includes(field.type)) continue;
    const controls = form.elements.namedItem(field.field_key);
    if (!controls) continue;
    if (field.type === 'checkbox') answer[field.field_key] = controls.checked;
    else if (field.type === 'radio-button-group') answer[field.field_key] = controls.value;
    else answer[field.field_key] = controls.value;
  }
  return answer;
}

// What the person last sent: an answer that comes back with errors keeps what they typed.
let lastAnswer = {};

function renderPrompt(challenge) {
  const errors = challenge.response_errors || {};
  const kept = challenge.response_errors ? lastAnswer : {};
  const fields = [...challenge.fields]
    .sort((a, b) => a.order - b.order)
    .map((field) =>
      field.field_key in kept && field.type !== 'password' && !['hidden', 'static'].includes(field.type)
        ? { ...field, initial_value: kept[field.field_key] === true ? 'True' : String(kept[field.field_key]) }
        : field,
    );
  const form = el('form', { novalidate: true });
  const general = errorList('form-errors', errors.non_field_errors);
  if (general) form.append(general);
  fields.forEach((field, index) => form.append(fieldControl(field, index, errors[field.field_key])));
  const button = el('button', { type: 'submit', class: 'primary', text: 'Continue' });
  form.append(button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    lastAnswer = collect(form, fields);
    await step('POST', lastAnswer);
  });
  body.replaceChildren(form);
  const invalid = form.querySelector('[aria-invalid="true"]');
  const first = invalid || form.querySelector('input:not([type="hidden"]):not([readonly]), select, textarea');
  if (first) first.focus();
}

// authentik's identification stage names the field after what it matches.
const USER_FIELD_LABELS = { email: 'Email', username: 'Username', upn: 'UPN' };

/** A labelled input with its error list, wired for assistive technology. */
function labelledInput(id, label, attributes, errors) {
  const errorId = `${id}-errors`;
  const input = el('input', {
    id,
    'aria-invalid': errors ? 'true' : null,
    'aria-describedby': errors ? errorId : null,
    ...attributes,
  });
  return {
    input,
    field: el(
      'div',
      { class: 'field' },
      el('label', { for: id, text: label }),
      input,
      errorList(errorId, errors),
    ),
  };
}

/** A "show password" switch for a password input (allow_show_password). */
function showPasswordToggle(input) {
  const toggle = el('button', {
    type: 'button',
    class: 'link',
    'aria-pressed': 'false',
    text: 'Show password',
  });
  toggle.addEventListener('click', () => {
    const shown = input.type === 'password';
    input.type = shown ? 'text' : 'password';
    toggle.setAttribute('aria-pressed', shown ? 'true' : 'false');
    toggle.textContent = shown ? 'Hide password' : 'Show password';
  });
  return toggle;
}

function passwordField(id, challenge, errors) {
  const { input, field } = labelledInput(
    id,
    'Password',
    { type: 'password', name: 'password', autocomplete: 'current-password', required: true },
    errors,
  );
  if (challenge.allow_show_password) field.append(showPasswordToggle(input));
  return field;
}

function focusFirst(form) {
  const target =
    form.querySelector('[aria-invalid="true"]') ||
    form.querySelector('input:not([type="hidden"]):not([hidden])');
  if (target) target.focus();
}

function renderIdentification(challenge) {
  const errors = challenge.response_errors || {};
  const label = (challenge.user_fields || []).map((field) => USER_FIELD_LABELS[field] || field).join(' or ');
  const form = el('form', { novalidate: true });
  const general = errorList('form-errors', errors.non_field_errors);
  if (general) form.append(general);
  const { input: uid, field } = labelledInput(
    'uid-field',
    label || 'Username',
    { type: 'text', name: 'uid_field', autocomplete: 'username', required: true },
    errors.uid_field,
  );
  uid.value = (challenge.response_errors && lastAnswer.uid_field) || challenge.pending_user_identifier || '';
  form.append(field);
  if (challenge.password_fields) form.append(passwordField('password-field', challenge, errors.password));
  const button = el('button', {
    type: 'submit',
    class: 'primary',
    text: challenge.primary_action || 'Continue',
  });
  form.append(button);
  const links = el('div', { class: 'links' });
  if (challenge.recovery_url)
    links.append(
      el('p', {}, el('a', { href: challenge.recovery_url, text: 'Forgot username or password?' })),
    );
  if (challenge.enroll_url)
    links.append(el('p', {}, el('a', { href: challenge.enroll_url, text: 'Need an account? Sign up.' })));
  if (links.childElementCount > 0) form.append(links);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    lastAnswer = { component: 'ak-stage-identification', uid_field: uid.value };
    const password = form.elements.namedItem('password');
    await step('POST', password ? { ...lastAnswer, password: password.value } : lastAnswer);
  });
  body.replaceChildren(form);
  focusFirst(form);
}

function renderPassword(challenge) {
  const errors = challenge.response_errors || {};
  const form = el('form', { novalidate: true });
  const general = errorList('form-errors', errors.non_field_errors);
  if (general) form.append(general);
  const cancel = (challenge.flow_info && challenge.flow_info.cancel_url) || '/flows/-/cancel/';
  form.append(
    el(
      'p',
      { class: 'pending-user' },
      el('span', { text: `Signing in as ${challenge.pending_user}. ` }),
      el('a', { href: cancel, text: 'Not you?' }),
    ),
    // Lets a password manager pair the password with the account.
    el('input', {
      type: 'text',
      name: 'username',
      autocomplete: 'username',
      value: challenge.pending_user,
      hidden: true,
      'aria-hidden': 'true',
      tabindex: '-1',
    }),
    passwordField('password-field', challenge, errors.password),
  );
  const button = el('button', { type: 'submit', class: 'primary', text: 'Continue' });
  form.append(button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    lastAnswer = {};
    await step('POST', {
      component: 'ak-stage-password',
      password: form.elements.namedItem('password').value,
    });
  });
  body.replaceChildren(form);
  focusFirst(form);
}

// authentik's email stage: the message is on its way; the link in it continues the flow, and
// an answer asks for it again (the answer is always "invalid", with the code `email-sent`).
function renderEmail(challenge) {
  const errors = (challenge.response_errors && challenge.response_errors.non_field_errors) || [];
  const resent = errors.some((error) => error.code === 'email-sent');
  const form = el('form', { novalidate: true });
  form.append(
    el('h2', { id: 'email-heading', tabindex: '-1', text: 'Check your email' }),
    el('p', {
      text: 'We sent you an email with a link. Open the link to continue, in this browser or any other.',
    }),
  );
  if (resent) form.append(el('p', { class: 'muted', role: 'status', text: 'The email was sent again.' }));
  const problems = errorList(
    'form-errors',
    errors.filter((error) => error.code !== 'email-sent'),
  );
  if (problems) form.append(problems);
  const button = el('button', { type: 'submit', class: 'primary', text: 'Send the email again' });
  form.append(button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    lastAnswer = {};
    await step('POST', { component: 'ak-stage-email' });
  });
  body.replaceChildren(form);
  form.querySelector('#email-heading').focus();
}

function renderDenied(challenge) {
  const message = challenge.error_message || 'Access denied';
  body.replaceChildren(
    el(
      'div',
      { class: 'denied', role: 'alert' },
      el('h2', { text: 'Request has been denied.' }),
      el('p', { class: 'message', text: message }),
    ),
  );
  titleElement.focus();
}

function renderProblem(text) {
  body.replaceChildren(el('div', { class: 'denied', role: 'alert' }, el('p', { text })));
  titleElement.focus();
}

function render(challenge) {
  showTitle(challenge);
  switch (challenge.component) {
    case 'ak-stage-prompt':
      return renderPrompt(challenge);
    case 'ak-stage-identification':
      return renderIdentification(challenge);
    case 'ak-stage-password':
      return renderPassword(challenge);
    case 'ak-stage-email':
      return renderEmail(challenge);
    case 'ak-stage-access-denied':
      return renderDenied(challenge);
    case 'xak-flow-redirect':
      window.location.assign(challenge.to);
      return undefined;
    case 'ak-stage-flow-error':
      return renderProblem(`Something went wrong (request ${challenge.request_id}). Please try again later.`);
    default:
      return renderProblem(`This step (${challenge.component}) is not supported here.`);
  }
}

async function step(method, payload) {
  setBusy(true);
  try {
    render(await call(method, payload));
  } catch (error) {
    renderProblem(`The server could not be reached or refused the request: ${error.message}`);
  } finally {
    setBusy(false);
  }
}

step('GET');
