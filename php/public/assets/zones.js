/*
 * The DNS Zones admin page (markup: php/src/Web/ZonesPage.php), on the admin
 * JSON API (php/src/Web/AdminApi.php). Plain JavaScript, no build step, no
 * inline code: it runs under the page's Content-Security-Policy.
 *
 * Rules it keeps:
 * - Nothing from the server becomes markup: rows and messages are built
 *   with textContent, so a zone name or a provider's error cannot inject HTML.
 * - A stored secret never reaches an input: the API sends KEEP in its place,
 *   and secret inputs start empty; left empty, the API keeps the stored one.
 * - Standalone, the admin token lives in sessionStorage (this tab only) and
 *   travels as an Authorization header, never in a URL. Inside WHMCS, the
 *   CSRF token goes with every request, as the `token` field and a header.
 */
(function () {
  'use strict';

  var TOKEN_KEY = 'puqDnsAdminToken';
  var KEEP = '__KEEP__';
  // The providers as the extension describes them (the page's
  // data-providers): type => label, and the field that decides where a
  // provider's credential is sent, with its default; changing it means the
  // secret must be typed again (the API refuses otherwise).
  var PROVIDERS = {};
  var ENDPOINT_FIELD = {};
  var ENDPOINT_DEFAULT = {};
  // Whether the provider talks TLS: only then are verify_tls and ca_cert shown.
  var TLS = {};
  var OK_TOAST_MS = 8000;

  function readProviders(root) {
    var list = [];
    try { list = JSON.parse(root.getAttribute('data-providers') || '[]'); } catch { list = []; }
    list.forEach(function (p) {
      PROVIDERS[p.type] = p.label;
      ENDPOINT_FIELD[p.type] = p.endpoint ? p.endpoint.name : '';
      ENDPOINT_DEFAULT[p.type] = p.endpoint && p.endpoint['default'] ? p.endpoint['default'] : '';
      TLS[p.type] = p.tls !== false;
    });
  }

  function init(root) {
    readProviders(root);
    var ui = {
      root: root,
      login: root.querySelector('.pdz-login'),
      loginForm: root.querySelector('.pdz-login-form'),
      loginInput: root.querySelector('#pdz-admin-token'),
      loginError: root.querySelector('#pdz-login-error'),
      main: root.querySelector('.pdz-main'),
      status: root.querySelector('.pdz-status'),
      tbody: root.querySelector('.pdz-table tbody'),
      table: root.querySelector('.pdz-table'),
      empty: root.querySelector('.pdz-empty'),
      form: root.querySelector('.pdz-form'),
      formTitle: root.querySelector('#pdz-form-title'),
      formError: root.querySelector('.pdz-form-error'),
      type: root.querySelector('#pdz-f-type'),
      advanced: root.querySelector('.pdz-advanced'),
      save: root.querySelector('.pdz-save'),
      formTest: root.querySelector('.pdz-form-test'),
      toasts: root.querySelector('.pdz-toasts')
    };
    var state = {
      api: root.getAttribute('data-api') || 'zones-api.php',
      whmcs: root.getAttribute('data-auth') === 'whmcs',
      csrf: root.getAttribute('data-csrf') || '',
      unchanged: root.getAttribute('data-unchanged') || '(unchanged – enter new to replace)',
      zones: [],
      editing: null // the zone being edited (as listed, secrets KEEP), or null when adding
    };

    // ---- the API ---------------------------------------------------------

    function storedToken() {
      try { return window.sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
    }

    function setToken(token) {
      try {
        if (token) { window.sessionStorage.setItem(TOKEN_KEY, token); } else { window.sessionStorage.removeItem(TOKEN_KEY); }
      } catch { /* storage refused: the token lasts until the page is left */ }
      state.memoryToken = token;
    }

    /**
     * One call: resolves to {status, body} with body the decoded JSON (or a
     * synthetic {ok:false,error} when the answer is not JSON); rejects only
     * when the network fails.
     */
    function api(action, options) {
      options = options || {};
      var url = new URL(state.api, window.location.href);
      url.searchParams.set('action', action);
      if (options.id !== undefined && options.id !== null) {
        url.searchParams.set('id', String(options.id));
      }
      var headers = { Accept: 'application/json' };
      var method = options.method || 'GET';
      var body;
      if (state.whmcs) {
        headers['X-CSRF-Token'] = state.csrf;
      } else {
        var token = storedToken() || state.memoryToken || '';
        if (token) { headers.Authorization = 'Bearer ' + token; }
      }
      if (method === 'POST') {
        // A form body, not JSON: WHMCS checks its CSRF token in $_POST.
        var params = new URLSearchParams();
        var fields = options.fields || {};
        Object.keys(fields).forEach(function (k) { params.append(k, fields[k]); });
        if (state.whmcs) { params.append('token', state.csrf); }
        body = params;
      }
      return window.fetch(url.toString(), {
        method: method,
        headers: headers,
        body: body,
        credentials: 'same-origin',
        cache: 'no-store',
        redirect: 'error'
      }).then(function (response) {
        return response.text().then(function (text) {
          var json = null;
          try { json = JSON.parse(text); } catch { json = null; }
          if (!json || typeof json !== 'object') {
            json = { ok: false, error: 'unexpected answer from the zones API (HTTP ' + response.status + ')' };
          }
          if (!state.whmcs && (response.status === 401 || response.status === 403)) {
            showLogin(json.error || 'sign in again');
          }
          return { status: response.status, body: json };
        });
      });
    }

    // ---- sign-in (standalone) -------------------------------------------

    function showLogin(message) {
      if (state.whmcs || !ui.login) { return; }
      setToken('');
      ui.main.hidden = true;
      ui.login.hidden = false;
      setText(ui.loginError, message || '');
      ui.loginError.hidden = !message;
      ui.loginInput.setAttribute('aria-invalid', message ? 'true' : 'false');
      ui.loginInput.focus();
    }

    function showMain() {
      if (ui.login) { ui.login.hidden = true; }
      ui.main.hidden = false;
    }

    if (ui.loginForm) {
      ui.loginForm.addEventListener('submit', function (event) {
        event.preventDefault();
        var token = ui.loginInput.value.trim();
        if (!token) {
          showLogin('Enter the admin token.');
          return;
        }
        setToken(token);
        ui.loginInput.value = '';
        load().then(function (ok) { if (ok) { showMain(); } });
      });
      root.querySelector('.pdz-signout').addEventListener('click', function () {
        showLogin('');
        ui.tbody.textContent = '';
      });
    }

    // ---- the list ---------------------------------------------------------

    /** Loads and draws the list; resolves to whether it worked. */
    function load() {
      setText(ui.status, 'Loading zones…');
      return api('list').then(function (r) {
        if (!r.body.ok) {
          setText(ui.status, '');
          if (r.status !== 401 && r.status !== 403) { toast(false, 'Cannot list the zones: ' + r.body.error); }
          return false;
        }
        state.zones = Array.isArray(r.body.zones) ? r.body.zones : [];
        render();
        setText(ui.status, state.zones.length + (state.zones.length === 1 ? ' zone' : ' zones'));
        return true;
      }, function () {
        setText(ui.status, '');
        toast(false, unreachable());
        return false;
      });
    }

    function render() {
      ui.tbody.textContent = '';
      state.zones.forEach(function (zone) { ui.tbody.appendChild(row(zone)); });
      ui.empty.hidden = state.zones.length > 0;
      ui.table.hidden = state.zones.length === 0;
    }

    function row(zone) {
      var tr = el('tr', { 'data-zone-id': String(zone.id) });
      tr.appendChild(el('td', { 'class': 'pdz-id' }, String(zone.id)));

      var name = el('td', { 'class': 'pdz-zone' });
      name.appendChild(el('span', { 'class': 'pdz-zone-name' }, String(zone.zone)));
      if (zone.range) {
        var label = zone.kind === 'reverse6' ? 'IPv6 reverse' : 'IPv4 reverse';
        name.appendChild(el('span', { 'class': 'pdz-range', title: label + ' zone' }, String(zone.range)));
      }
      if (zone.error) {
        name.appendChild(el('span', { 'class': 'pdz-row-error' }, String(zone.error)));
      }
      tr.appendChild(name);

      var type = String(zone.type || '').toLowerCase();
      var badge = el('span', { 'class': 'pdz-badge pdz-badge-' + (PROVIDERS[type] ? type : 'unknown') }, PROVIDERS[type] || String(zone.type));
      var typeCell = el('td', { 'class': 'pdz-type' });
      typeCell.appendChild(badge);
      tr.appendChild(typeCell);

      var actions = el('td', { 'class': 'pdz-actions' });
      var what = ' zone ' + zone.zone;
      var test = el('button', { type: 'button', 'class': 'pdz-btn pdz-test', 'aria-label': 'Test' + what }, 'Test');
      var edit = el('button', { type: 'button', 'class': 'pdz-btn pdz-edit', 'aria-label': 'Edit' + what }, 'Edit');
      var del = el('button', { type: 'button', 'class': 'pdz-btn pdz-btn-danger pdz-delete', 'aria-label': 'Delete' + what }, 'Delete');
      test.addEventListener('click', function () { testSaved(zone, test); });
      edit.addEventListener('click', function () { openForm(zone); });
      del.addEventListener('click', function () { remove(zone, del); });
      actions.appendChild(test);
      actions.appendChild(edit);
      actions.appendChild(del);
      tr.appendChild(actions);
      return tr;
    }

    function testSaved(zone, button) {
      busy(button, true);
      api('test', { method: 'POST', id: zone.id }).then(function (r) {
        busy(button, false);
        showTest(r, zone.zone);
      }, function () {
        busy(button, false);
        toast(false, zone.zone + ': ' + unreachable());
      });
    }

    /** A test answer as a toast: green only when the provider said yes. */
    function showTest(r, fallbackName) {
      if (!r.body.ok) {
        toast(false, (fallbackName ? fallbackName + ': ' : '') + r.body.error);
        return r;
      }
      var t = r.body.test || {};
      var name = t.zone || fallbackName || '';
      var ms = typeof t.ms === 'number' ? ' (' + t.ms + ' ms)' : '';
      toast(t.ok === true, name + ': ' + (t.message || (t.ok ? 'OK' : 'failed')) + ms, t.ok === true ? 'ok' : 'fail');
      return r;
    }

    function remove(zone, button) {
      var question = 'Delete the DNS zone ' + zone.zone + ' (ID ' + zone.id + ')?\n\n'
        + 'Only its settings are removed here; the records at ' + (PROVIDERS[String(zone.type).toLowerCase()] || zone.type) + ' stay as they are.';
      if (!window.confirm(question)) { return; }
      busy(button, true);
      api('delete', { method: 'POST', id: zone.id }).then(function (r) {
        busy(button, false);
        if (!r.body.ok) {
          toast(false, zone.zone + ': ' + r.body.error);
          return;
        }
        if (state.editing && String(state.editing.id) === String(zone.id)) { closeForm(); }
        toast(true, zone.zone + ' deleted.');
        load();
      }, function () {
        busy(button, false);
        toast(false, zone.zone + ': ' + unreachable());
      });
    }

    // ---- the form ----------------------------------------------------------

    ui.root.querySelector('.pdz-add').addEventListener('click', function () { openForm(null); });
    ui.root.querySelector('.pdz-cancel').addEventListener('click', closeForm);
    ui.type.addEventListener('change', function () { showProvider(ui.type.value); });
    ui.form.addEventListener('submit', function (event) {
      event.preventDefault();
      save();
    });
    ui.formTest.addEventListener('click', testForm);
    ui.form.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') { closeForm(); }
    });

    function openForm(zone) {
      state.editing = zone;
      ui.form.reset();
      clearErrors();
      ui.advanced.open = false;
      var type = zone ? String(zone.type).toLowerCase() : ui.type.options[0].value;
      ui.type.value = PROVIDERS[type] ? type : ui.type.options[0].value;
      setText(ui.formTitle, zone ? 'Edit DNS Zone ' + zone.zone + ' (ID ' + zone.id + ')' : 'Add DNS Zone');
      if (zone) {
        allInputs().forEach(function (input) {
          var provider = providerOf(input);
          if (provider && provider !== type) { return; }
          var value = zone[input.name];
          if (input.getAttribute('data-secret')) {
            input.value = ''; // never the stored value; the API only has KEEP anyway
            return;
          }
          if (input.type === 'checkbox') {
            // A column the zone has never had stands for the field's default.
            input.checked = value === undefined || value === null ? input.defaultChecked : !!value && value !== '0';
          } else if (input.tagName === 'SELECT') {
            if (input.name !== 'type' && value !== undefined && value !== null && value !== '') {
              input.value = String(value).toLowerCase();
            }
          } else {
            input.value = value === undefined || value === null || value === KEEP ? '' : String(value);
          }
        });
      }
      showProvider(ui.type.value);
      ui.form.hidden = false;
      ui.root.querySelector('#pdz-f-zone').focus();
    }

    function closeForm() {
      var hadFocus = ui.form.contains(document.activeElement);
      ui.form.hidden = true;
      // Back to where adding starts, rather than to the top of the document.
      if (hadFocus) { ui.root.querySelector('.pdz-add').focus(); }
      state.editing = null;
      ui.form.reset();
      clearErrors();
    }

    /** Shows the chosen provider's fields; the others are disabled, so left out. */
    function showProvider(type) {
      ui.form.querySelectorAll('.pdz-provider').forEach(function (fs) {
        var on = fs.getAttribute('data-provider') === type;
        fs.hidden = !on;
        fs.disabled = !on;
      });
      ui.form.querySelectorAll('.pdz-tls').forEach(function (fs) {
        fs.hidden = TLS[type] === false;
        fs.disabled = fs.hidden;
      });
      var stored = state.editing ? String(state.editing.type).toLowerCase() : null;
      ui.form.querySelectorAll('[data-secret]').forEach(function (input) {
        // On edit, an empty secret keeps the stored one, unless the provider changed.
        var keeps = stored !== null && stored === providerOf(input) && state.editing[input.name] === KEEP;
        input.placeholder = keeps ? state.unchanged : '';
        markRequired(input, !keeps && !!input.getAttribute('data-required'));
      });
    }

    function markRequired(input, required) {
      var star = input.closest('.pdz-field').querySelector('.pdz-req');
      if (star) { star.hidden = !required; }
      if (required) { input.setAttribute('aria-required', 'true'); } else { input.removeAttribute('aria-required'); }
    }

    function allInputs() {
      return Array.prototype.slice.call(ui.form.querySelectorAll('input[name], select[name], textarea[name]'));
    }

    function providerOf(input) {
      var fs = input.closest('.pdz-provider');
      return fs ? fs.getAttribute('data-provider') : null;
    }

    /** The inputs that belong to the chosen provider (enabled ones). */
    function activeInputs() {
      return allInputs().filter(function (input) { return !input.closest('fieldset:disabled'); });
    }

    /** The form as the API takes it. Empty optional fields mean "default". */
    function collect() {
      var fields = {};
      activeInputs().forEach(function (input) {
        if (input.type === 'checkbox') {
          fields[input.name] = input.checked ? '1' : '0';
        } else if (input.getAttribute('data-secret')) {
          // Empty means "keep the stored secret"; it is sent empty, which the API reads so.
          fields[input.name] = input.value;
        } else {
          fields[input.name] = input.value.trim();
        }
      });
      return fields;
    }

    /** Client-side checks with the field named; the API checks everything again. */
    function validate(fields) {
      var errors = [];
      var type = fields.type;
      var stored = state.editing;
      activeInputs().forEach(function (input) {
        var name = input.name;
        var value = fields[name];
        var label = labelOf(input);
        if (input.getAttribute('data-secret')) {
          var keeps = stored && String(stored.type).toLowerCase() === type && stored[name] === KEEP;
          if (!value && !keeps) {
            if (input.getAttribute('data-required')) { errors.push([input, label + ' is required.']); }
          } else if (!value && keeps) {
            var endpoint = ENDPOINT_FIELD[type];
            var before = sameServer(stored[endpoint] === undefined || stored[endpoint] === null ? '' : String(stored[endpoint]));
            var now = sameServer(fields[endpoint] || '');
            // An empty field stands for its default: no change of server.
            var unchanged = now === before || (now === '' && ENDPOINT_DEFAULT[type] !== '' && before === sameServer(ENDPOINT_DEFAULT[type]));
            if (endpoint && !unchanged) {
              errors.push([input, label + ' must be entered again because ' + labelOf(fieldInput(endpoint)) + ' changed: a stored secret is only sent to the server it was saved for.']);
            }
          }
          return;
        }
        if (input.getAttribute('data-required') && !value) {
          errors.push([input, label + ' is required.']);
          return;
        }
        if (!value) { return; }
        if (name === 'zone') {
          if (/\s/.test(value)) {
            errors.push([input, label + ': a DNS name cannot hold spaces.']);
          } else if (!/^[A-Za-z0-9._/-]+\.?$/.test(value)) {
            errors.push([input, label + ': use letters, digits, dots, hyphens (and / for a classless reverse zone).']);
          }
        } else if (input.getAttribute('data-url')) {
          if (!/^https?:\/\/[^\s/?#]+/i.test(value)) {
            errors.push([input, label + ' must start with http:// or https://.']);
          }
        } else if (name === 'ttl') {
          if (!/^[0-9]+$/.test(value) || Number(value) < 1) {
            errors.push([input, label + ' must be a whole number of seconds, 1 or more.']);
          }
        }
      });
      return errors;
    }

    /** A server URL as compared for "did it change": case of scheme and host, trailing slashes ignored. */
    function sameServer(url) {
      return url.trim().replace(/\/+$/, '').replace(/^[a-z]+:\/\/[^/]+/i, function (origin) { return origin.toLowerCase(); });
    }

    function fieldInput(name) {
      return activeInputs().filter(function (input) { return input.name === name; })[0] || null;
    }

    function labelOf(input) {
      if (!input) { return ''; }
      var label = ui.root.querySelector('label[for="' + input.id + '"]');
      return label ? label.firstChild.textContent.trim() : input.name;
    }

    /** The form's fields, or null after showing what the page itself refuses. */
    function validForm() {
      clearErrors();
      var fields = collect();
      var errors = validate(fields);
      if (errors.length) {
        errors.forEach(function (e) { fieldError(e[0], e[1]); });
        errors[0][0].focus();
        return null;
      }
      return fields;
    }

    function save() {
      var fields = validForm();
      if (!fields) { return; }
      var editing = state.editing;
      busy(ui.save, true);
      api(editing ? 'edit' : 'create', { method: 'POST', id: editing ? editing.id : null, fields: fields }).then(function (r) {
        busy(ui.save, false);
        if (!r.body.ok) {
          // What was typed stays: only the errors are added.
          serverError(r.body);
          return;
        }
        var zone = r.body.zone || {};
        closeForm();
        toast(true, (zone.zone || fields.zone) + (editing ? ' saved.' : ' added.'));
        load();
      }, function () {
        busy(ui.save, false);
        formError(unreachable() + ' Nothing was saved.');
      });
    }

    function testForm() {
      var fields = validForm();
      if (!fields) { return; }
      var editing = state.editing;
      busy(ui.formTest, true);
      api('test', { method: 'POST', id: editing ? editing.id : null, fields: fields }).then(function (r) {
        busy(ui.formTest, false);
        if (!r.body.ok) {
          serverError(r.body);
          toast(false, (fields.zone || 'zone') + ': ' + r.body.error);
          return;
        }
        showTest(r, fields.zone);
      }, function () {
        busy(ui.formTest, false);
        toast(false, unreachable());
      });
    }

    /** A refused save: the API's message at the field it blames, else above the form. */
    function serverError(body) {
      var input = body.field ? fieldInput(body.field) : null;
      if (body.field === 'type') { input = ui.type; }
      if (input) {
        // At the field, the extension's "zone new (name): " prefix says nothing new.
        fieldError(input, String(body.error).replace(/^zone \S+(?: \([^)]*\))?: /, ''));
        input.focus();
      } else {
        formError(body.error || 'the zone was not saved');
      }
    }

    function fieldError(input, message) {
      var line = ui.root.querySelector('#' + cssId(input.id + '-error'));
      if (!line) {
        formError(message);
        return;
      }
      setText(line, message);
      line.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.closest('.pdz-field').classList.add('pdz-invalid');
      if (ui.advanced.contains(input)) { ui.advanced.open = true; }
    }

    function formError(message) {
      setText(ui.formError, message);
      ui.formError.hidden = false;
    }

    function clearErrors() {
      ui.formError.hidden = true;
      setText(ui.formError, '');
      ui.form.querySelectorAll('.pdz-field-error').forEach(function (line) { line.hidden = true; setText(line, ''); });
      ui.form.querySelectorAll('[aria-invalid]').forEach(function (input) { input.removeAttribute('aria-invalid'); });
      ui.form.querySelectorAll('.pdz-invalid').forEach(function (f) { f.classList.remove('pdz-invalid'); });
    }

    // ---- small helpers ----------------------------------------------------------

    function toast(ok, message, kind) {
      var node = el('div', {
        'class': 'pdz-toast ' + (ok ? 'pdz-toast-ok' : 'pdz-toast-error'),
        role: ok ? 'status' : 'alert',
        'data-kind': kind || (ok ? 'ok' : 'error')
      });
      node.appendChild(el('span', { 'class': 'pdz-toast-icon', 'aria-hidden': 'true' }, ok ? '✓' : '✕'));
      node.appendChild(el('span', { 'class': 'pdz-toast-text' }, message));
      var close = el('button', { type: 'button', 'class': 'pdz-toast-close', 'aria-label': 'Dismiss' }, '×');
      close.addEventListener('click', function () { node.remove(); });
      node.appendChild(close);
      ui.toasts.appendChild(node);
      // Errors stay until dismissed: the admin may need to copy the provider's text.
      if (ok) { window.setTimeout(function () { node.remove(); }, OK_TOAST_MS); }
    }

    function busy(button, on) {
      button.disabled = on;
      button.setAttribute('aria-busy', on ? 'true' : 'false');
      var spinner = button.querySelector('.pdz-spinner');
      if (on && !spinner) {
        button.insertBefore(el('span', { 'class': 'pdz-spinner', 'aria-hidden': 'true' }), button.firstChild);
      } else if (!on && spinner) {
        spinner.remove();
      }
    }

    function el(tag, attrs, text) {
      var node = document.createElement(tag);
      Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      if (text !== undefined) { node.textContent = text; }
      return node;
    }

    function setText(node, text) {
      if (node) { node.textContent = text; }
    }

    /**
     * Why a call got no answer. Inside WHMCS an ended session redirects to
     * the login page, which fetch refuses to follow (redirect: 'error').
     */
    function unreachable() {
      return state.whmcs
        ? 'Cannot reach the zones API; if your WHMCS session has ended, reload the page.'
        : 'Cannot reach the zones API.';
    }

    function cssId(id) {
      return window.CSS && window.CSS.escape ? window.CSS.escape(id) : id;
    }

    // ---- start ------------------------------------------------------------------

    if (state.whmcs) {
      // WHMCS signed the admin in already; a failed list shows its toast.
      showMain();
      load();
    } else if (storedToken()) {
      load().then(function (ok) { if (ok) { showMain(); } });
    } else {
      showLogin('');
    }
  }

  function start() {
    document.querySelectorAll('.puq-dns-zones').forEach(init);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
