// Sessions: the archive's sessions (newest first, paged by cursor), one session's history (paged), and its live events
// (Server-Sent Events, docs/session-events.md) as they happen.
import { getJson, request } from './api.js';
import { el, timingsText, when } from './format.js';

const pageSize = 25;

export class SessionsView {
  constructor(notify) {
    this.notify = notify;
    this.body = document.querySelector('#sessions-table tbody');
    this.more = document.getElementById('sessions-more');
    this.empty = document.getElementById('sessions-empty');
    this.cursor = null;
    this.more.addEventListener('click', () => this.load(false));
  }

  enter() {
    this.body.replaceChildren();
    this.cursor = null;
    this.load(true);
  }

  async load(first) {
    const query = new URLSearchParams({ limit: String(pageSize) });
    if (!first && this.cursor) query.set('cursor', this.cursor);
    const view = document.getElementById('view-sessions');
    view.setAttribute('aria-busy', 'true'); // loading: read the list once it is there
    try {
      const page = await getJson(`/api/v1/sessions/?${query}`);
      for (const session of page.items) {
        this.body.append(el('tr', { dataset: { sessionId: session.sessionId } },
          el('th', { scope: 'row' }, el('a', { href: `#/sessions/${encodeURIComponent(session.sessionId)}` }, session.sessionId)),
          el('td', {}, session.guildId ?? ''),
          el('td', {}, String(session.turnCount)),
          el('td', {}, el('time', { datetime: session.lastActivityAt }, when(session.lastActivityAt)))));
      }
      this.cursor = page.nextCursor;
      this.more.hidden = !page.nextCursor;
      this.empty.hidden = !(first && page.items.length === 0);
    } catch (error) {
      this.notify(`Could not list sessions: ${error.message}`);
    } finally {
      view.removeAttribute('aria-busy');
    }
  }
}

export class SessionView {
  constructor(notify) {
    this.notify = notify;
    this.title = document.getElementById('session-title');
    this.body = document.querySelector('#session-turns tbody');
    this.more = document.getElementById('session-more');
    this.live = document.getElementById('session-live');
    this.liveStatus = document.getElementById('session-live-status');
    this.sessionId = null;
    this.cursor = null;
    this.source = null;
    this.shown = new Set();
    this.answers = new Map();
    this.more.addEventListener('click', () => this.load(false));
  }

  enter(sessionId) {
    this.leave();
    this.sessionId = sessionId;
    this.title.textContent = `Session ${sessionId}`;
    document.getElementById('session-talk').href = `#/talk?session=${encodeURIComponent(sessionId)}`;
    document.getElementById('session-transcript').href = `/api/v1/sessions/${encodeURIComponent(sessionId)}/transcript?format=markdown`;
    this.body.replaceChildren();
    this.live.replaceChildren();
    this.shown.clear();
    this.answers.clear();
    this.cursor = null;
    this.retried = false;
    this.load(true).then(ok => { if (ok) this.follow(); });
  }

  leave() {
    this.source?.close();
    this.source = null;
    this.setLive('closed', 'Not following.');
  }

  async load(first) {
    const query = new URLSearchParams({ limit: String(pageSize) });
    if (!first && this.cursor) query.set('cursor', this.cursor);
    try {
      const page = await getJson(`/api/v1/sessions/${encodeURIComponent(this.sessionId)}/turns?${query}`);
      page.items.forEach(turn => this.addTurn(turn));
      this.cursor = page.nextCursor;
      this.more.hidden = !page.nextCursor;
      return true;
    } catch (error) {
      this.notify(`Could not read the session: ${error.message}`);
      return false;
    }
  }

  /** A turn the live stream says was committed: as the turns API has it (with its responseAudioUrl) when it can. */
  async addCommittedTurn(turn) {
    // The archive and the answer-audio store write in the background: ask a few times for the turn with its audio.
    const sessionId = this.sessionId;
    let best = turn;
    for (let attempt = 0; attempt < 8 && sessionId === this.sessionId; attempt++) {
      try {
        const page = await getJson(`/api/v1/sessions/${encodeURIComponent(sessionId)}/turns?order=newest&limit=10`);
        best = page.items.find(t => t.turnId === turn.turnId) ?? best;
        if (best.responseAudioUrl || (best !== turn && !best.answerAudioRef)) break;
      } catch {
        break;
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }
    if (sessionId === this.sessionId) this.addTurn(best);
  }

  addTurn(turn) {
    if (this.shown.has(turn.turnId)) return;
    this.shown.add(turn.turnId);
    const play = turn.responseAudioUrl
      ? el('button', { type: 'button', 'aria-label': `Play the answer to ${turn.speakerId}`, onclick: event => playAnswer(event.currentTarget, turn.responseAudioUrl) }, 'Play')
      : el('span', { class: 'timings' }, turn.error ? 'failed' : '');
    this.body.append(el('tr', { dataset: { turnId: turn.turnId } },
      el('td', {}, el('time', { datetime: turn.committedAt }, when(turn.committedAt))),
      el('td', {}, turn.speakerId, turn.source === 'text' ? ' (text)' : ''),
      el('td', { class: 'transcript' }, turn.transcript),
      el('td', {}, turn.agent, turn.route ? el('span', { class: 'timings' }, ` (${turn.route.reason})`) : ''),
      el('td', { class: 'answer-text' }, turn.error ? `Failed: ${turn.error}` : turn.responseText, turn.interrupted ? ' [interrupted]' : ''),
      el('td', { class: 'timings' }, timingsText(turn.timings)),
      el('td', {}, play)));
  }

  /** Follows the session's events; EventSource sends the login cookie and resumes by itself with Last-Event-ID. */
  async follow() {
    const url = `/api/v1/sessions/${encodeURIComponent(this.sessionId)}/events`;
    const source = new EventSource(url);
    this.source = source;
    this.setLive('connecting', 'Connecting…');
    source.addEventListener('open', () => this.setLive('open', 'Following: new events appear here as they happen.'));
    source.addEventListener('error', async () => {
      if (this.source !== source) return;
      if (source.readyState === EventSource.CLOSED) {
        this.setLive('error', 'The live stream was refused or ended.');
        try {
          // EventSource cannot say why: ask the API the usual way (a 401 asks for a key), then follow again.
          await request(`/api/v1/sessions/${encodeURIComponent(this.sessionId)}/turns?limit=1`);
          if (this.source === source && !this.retried) { this.retried = true; this.follow(); }
        } catch (error) {
          this.notify(`Live events: ${error.message}`);
        }
      } else {
        this.setLive('connecting', 'Reconnecting…');
      }
    });
    const on = (name, handler) => source.addEventListener(name, event => handler(JSON.parse(event.data)));
    on('speechStarted', d => this.event('speechStarted', `${d.speakerId} started speaking`));
    on('answerStarted', d => {
      const answer = el('p', { class: 'answer' });
      this.answers.set(d.turnId, answer);
      this.event('answerStarted', el('span', {}, el('span', { class: 'who' }, d.speakerId), `: ${d.transcript} → `, el('span', { class: 'who' }, d.agent)), answer, d.turnId);
    });
    on('answerDelta', d => { const answer = this.answers.get(d.turnId); if (answer) answer.textContent += d.text; });
    on('answerCompleted', d => {
      const answer = this.answers.get(d.turnId);
      if (answer) answer.textContent = d.responseText;
      else this.event('answerCompleted', d.responseText, null, d.turnId);
      const item = this.live.querySelector(`[data-turn-id="${CSS.escape(d.turnId)}"]`);
      item?.append(el('p', { class: 'timings' }, timingsText(d.timings)));
      if (item) item.dataset.completed = 'true';
    });
    on('turn', d => this.addCommittedTurn(d));
    on('turnFailed', d => this.event('turnFailed', `A turn failed: ${d.reason}`));
    on('playbackPaused', d => this.event('playbackPaused', `${d.speakerId} spoke over the answer: paused`));
    on('playbackResumed', d => this.event('playbackResumed', 'Playback resumed'));
    on('answerInterrupted', d => this.event('answerInterrupted', `${d.speakerId} interrupted the answer`));
    on('inputCompleted', d => this.event('inputCompleted', `${d.speakerId}'s input done: ${d.turnCount} turn(s)`));
  }

  event(name, content, extra = null, turnId = null) {
    this.live.append(el('li', { dataset: { event: name, turnId: turnId ?? undefined } }, el('span', { class: 'event-name' }, name), ' ', content, extra));
  }

  setLive(state, text) {
    this.liveStatus.dataset.state = state;
    this.liveStatus.textContent = text;
  }
}

let playing = null;

/** Plays a kept answer (the cookie authenticates the request); a second press stops it. */
function playAnswer(button, url) {
  if (playing?.button === button) {
    playing.audio.pause();
    button.textContent = 'Play';
    playing = null;
    return;
  }
  playing?.audio.pause();
  if (playing) playing.button.textContent = 'Play';
  const audio = new Audio(url);
  playing = { audio, button };
  button.textContent = 'Stop';
  audio.addEventListener('ended', () => { button.textContent = 'Play'; playing = null; });
  audio.play().catch(() => { button.textContent = 'Play'; playing = null; });
}
