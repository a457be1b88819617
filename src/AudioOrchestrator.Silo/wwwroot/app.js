// The console's shell: hash routes (#/talk, #/sessions, #/sessions/{id}, #/operators), the key dialog and notices.
import { login, logout, onKeyNeeded } from './api.js';
import { TalkView } from './talk.js';
import { SessionsView, SessionView } from './sessions.js';
import { OperatorsView } from './operators.js';

const notice = document.getElementById('notice');

/** A message for the person (role=alert); empty hides it. */
export function showNotice(text) {
  notice.textContent = text ?? '';
  notice.hidden = !text;
}

// ---- API key dialog --------------------------------------------------------------------------------------------
const dialog = document.getElementById('key-dialog');
const keyForm = document.getElementById('key-form');
const keyInput = document.getElementById('key-input');
const keyError = document.getElementById('key-error');
const signOut = document.getElementById('sign-out');
let pendingKey = null;

function askForKey() {
  if (pendingKey) return pendingKey;
  pendingKey = new Promise(resolve => {
    keyError.textContent = '';
    keyInput.value = '';
    const finish = ok => {
      keyForm.removeEventListener('submit', submit);
      document.getElementById('key-cancel').removeEventListener('click', cancel);
      dialog.removeEventListener('cancel', cancel);
      if (dialog.open) dialog.close();
      pendingKey = null;
      resolve(ok);
    };
    const submit = async event => {
      event.preventDefault();
      try {
        const who = await login(keyInput.value.trim());
        signOut.hidden = !who.keysRequired;
        keyInput.value = '';
        finish(true);
      } catch (error) {
        keyError.textContent = error.detail || error.message;
        keyInput.focus();
      }
    };
    const cancel = event => {
      event?.preventDefault();
      finish(false);
    };
    keyForm.addEventListener('submit', submit);
    document.getElementById('key-cancel').addEventListener('click', cancel);
    dialog.addEventListener('cancel', cancel);
    dialog.showModal();
    keyInput.focus();
  });
  return pendingKey;
}

onKeyNeeded(askForKey);

signOut.addEventListener('click', async () => {
  await logout();
  signOut.hidden = true;
  showNotice('Signed out.');
});

// ---- Views -----------------------------------------------------------------------------------------------------
const views = {
  talk: new TalkView(showNotice),
  sessions: new SessionsView(showNotice),
  session: new SessionView(showNotice),
  operators: new OperatorsView(showNotice),
};
let current = null;

function route() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const [name, ...rest] = path.split('/').map(part => decodeURIComponent(part));
  let view = 'talk';
  let argument = query ?? null;
  if (name === 'sessions' && rest.length > 0 && rest[0]) {
    view = 'session';
    argument = rest.join('/');
  } else if (name in views) {
    view = name;
  }

  if (current && current !== views[view]) current.leave?.();
  current = views[view];
  showNotice('');
  for (const section of document.querySelectorAll('[data-view]')) {
    section.hidden = section.dataset.view !== view;
  }
  for (const link of document.querySelectorAll('[data-view-link]')) {
    const active = link.dataset.viewLink === view || (view === 'session' && link.dataset.viewLink === 'sessions');
    if (active) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  document.title = `${view === 'session' ? `Session ${argument}` : view[0].toUpperCase() + view.slice(1)} · AudioOrchestrator console`;
  current.enter(argument);
  document.getElementById('main').focus({ preventScroll: true });
}

window.addEventListener('hashchange', route);
route();
