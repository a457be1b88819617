// Talk: a live voice WebSocket to a session (GET /api/v1/sessions/{id}/live, docs/live-voice.md). The microphone
// (echo cancellation on, so the answer playing is not heard as speech and speaking over it is a barge-in) goes out as
// pcm16 or, where WebCodecs can, as 20 ms Opus packets; the answer's audio comes back in the same format and plays as
// it arrives; the session's events show the transcript, the answer as it streams and each turn's timings.
import { request } from './api.js';
import { el, seconds, timingsText } from './format.js';

const opusConfig = { codec: 'opus', sampleRate: 48000, numberOfChannels: 1 };
const opusEncoderConfig = { ...opusConfig, bitrate: 32000, opus: { frameDuration: 20000, format: 'opus' } };

function randomId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return prefix + Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}

/** Whether this browser can encode and decode 48 kHz mono Opus with WebCodecs. */
async function canOpus() {
  try {
    if (typeof AudioEncoder === 'undefined' || typeof AudioDecoder === 'undefined') return false;
    const [encode, decode] = await Promise.all([AudioEncoder.isConfigSupported(opusEncoderConfig), AudioDecoder.isConfigSupported(opusConfig)]);
    return encode.supported === true && decode.supported === true;
  } catch {
    return false;
  }
}

/** Plays the answer audio as it arrives, back to back; pauses, resumes and drops it as the session says. */
class AnswerPlayer {
  constructor(sampleRate, onChange) {
    this.context = new AudioContext({ sampleRate, latencyHint: 'interactive' });
    this.sampleRate = sampleRate;
    this.next = 0;
    this.sources = new Set();
    this.received = 0;
    this.played = 0;
    this.onChange = onChange;
  }

  play(samples) {
    const buffer = this.context.createBuffer(1, samples.length, this.sampleRate);
    buffer.copyToChannel(samples, 0);
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    const start = Math.max(this.next, this.context.currentTime + 0.06);
    source.start(start);
    this.next = start + buffer.duration;
    this.sources.add(source);
    this.received += buffer.duration;
    source.addEventListener('ended', () => {
      this.sources.delete(source);
      if (!source.dropped) this.played += buffer.duration;
      this.onChange();
    });
    this.onChange();
  }

  pause() {
    this.context.suspend();
  }

  resume() {
    this.context.resume();
  }

  /** Drops what is queued (the answer was interrupted). */
  drop() {
    for (const source of this.sources) {
      source.dropped = true;
      source.stop();
    }
    this.sources.clear();
    this.next = 0;
    this.context.resume();
    this.onChange();
  }

  close() {
    this.drop();
    this.context.close();
  }
}

export class TalkView {
  constructor(notify) {
    this.notify = notify;
    this.sessionInput = document.getElementById('talk-session');
    this.speakerInput = document.getElementById('talk-speaker');
    this.formatSelect = document.getElementById('talk-format');
    this.connectButton = document.getElementById('talk-connect');
    this.pttButton = document.getElementById('talk-ptt');
    this.openMicButton = document.getElementById('talk-open-mic');
    this.level = document.getElementById('talk-level');
    this.status = document.getElementById('talk-status');
    this.formatUsed = document.getElementById('talk-format-used');
    this.receivedOutput = document.getElementById('audio-received');
    this.playedOutput = document.getElementById('audio-played');
    this.log = document.getElementById('talk-log');
    this.socket = null;
    this.ready = null;
    this.player = null;
    this.decoder = null;
    this.encoder = null;
    this.mic = null;
    this.openMic = false;
    this.pushing = false;
    this.turns = new Map();
    this.closedByUs = false;

    this.speakerInput.value = sessionStorage.getItem('ao-speaker') ?? randomId('tab-');
    sessionStorage.setItem('ao-speaker', this.speakerInput.value);
    this.sessionInput.value = localStorage.getItem('ao-session') ?? randomId('console-');
    this.sessionInput.addEventListener('change', () => this.setupChanged());
    this.speakerInput.addEventListener('change', () => this.setupChanged());
    this.formatSelect.addEventListener('change', () => this.setupChanged());
    document.getElementById('talk-new-session').addEventListener('click', () => {
      this.sessionInput.value = randomId('console-');
      this.setupChanged();
    });
    document.getElementById('talk-setup').addEventListener('submit', event => event.preventDefault());

    this.connectButton.addEventListener('click', () => (this.socket ? this.disconnect() : this.connect()));
    this.openMicButton.addEventListener('click', () => this.toggleOpenMic());
    const down = event => {
      if (event.type === 'keydown' && (event.repeat || (event.key !== ' ' && event.key !== 'Enter'))) return;
      event.preventDefault();
      this.startPushToTalk();
    };
    const up = event => {
      if (event.type === 'keyup' && event.key !== ' ' && event.key !== 'Enter') return;
      this.stopPushToTalk();
    };
    this.pttButton.addEventListener('pointerdown', down);
    this.pttButton.addEventListener('keydown', down);
    for (const name of ['pointerup', 'pointercancel', 'pointerleave', 'keyup', 'blur']) this.pttButton.addEventListener(name, up);
    this.pttButton.addEventListener('click', event => event.preventDefault());
  }

  enter(argument) {
    const query = new URLSearchParams(argument ?? '');
    if (query.get('session')) this.sessionInput.value = query.get('session');
    if (query.get('speaker')) this.speakerInput.value = query.get('speaker');
    if (query.get('format')) this.formatSelect.value = query.get('format');
    localStorage.setItem('ao-session', this.sessionInput.value);
  }

  leave() {
    // The conversation goes on while another view is open.
  }

  setupChanged() {
    localStorage.setItem('ao-session', this.sessionInput.value);
    sessionStorage.setItem('ao-speaker', this.speakerInput.value);
    if (this.socket) {
      this.disconnect();
      this.setStatus('idle', 'Session, name or format changed: connect again.');
    }
  }

  setStatus(state, text) {
    this.status.dataset.state = state;
    this.status.textContent = text;
  }

  updateFigures() {
    const received = this.player?.received ?? 0;
    const played = this.player?.played ?? 0;
    this.receivedOutput.dataset.seconds = received.toFixed(3);
    this.receivedOutput.textContent = seconds(received);
    this.playedOutput.dataset.seconds = played.toFixed(3);
    this.playedOutput.dataset.queued = String(this.player?.sources.size ?? 0);
    this.playedOutput.textContent = seconds(played);
  }

  // ---- The socket ------------------------------------------------------------------------------------------------

  async connect() {
    if (this.ready) return this.ready;
    if (!this.sessionInput.reportValidity() || !this.speakerInput.reportValidity()) return Promise.reject(new Error('invalid setup'));
    this.ready = this.open().catch(error => {
      this.ready = null;
      throw error;
    });
    return this.ready;
  }

  async open() {
    this.notify('');
    this.setStatus('connecting', 'Connecting…');
    // A plain request first: with API keys configured, a 401 asks for a key (a WebSocket cannot say why it was refused).
    try {
      await request('/api/v1/agents');
    } catch (error) {
      this.setStatus('error', `Not connected: ${error.message}`);
      throw error;
    }

    const wanted = this.formatSelect.value;
    const format = wanted === 'pcm16' ? 'pcm16' : (await canOpus()) ? 'opus' : 'pcm16';
    if (wanted === 'opus' && format !== 'opus') this.notify('This browser cannot encode Opus (WebCodecs): using PCM 16 kHz.');
    const sampleRate = format === 'opus' ? 48000 : 16000;
    this.format = format;
    this.formatUsed.textContent = format === 'opus' ? 'Opus, 48 kHz mono, 20 ms packets' : 'PCM 16-bit, 16 kHz mono';
    this.player?.close();
    this.player = new AnswerPlayer(sampleRate, () => this.updateFigures());
    this.updateFigures();
    if (format === 'opus') this.startDecoder();

    const session = encodeURIComponent(this.sessionInput.value);
    const speaker = encodeURIComponent(this.speakerInput.value);
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/api/v1/sessions/${session}/live?speaker=${speaker}`, [format]);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.closedByUs = false;
    this.connectButton.textContent = 'Disconnect';
    this.connectButton.setAttribute('aria-pressed', 'true');

    return new Promise((resolve, reject) => {
      let opened = false;
      socket.addEventListener('open', () => {
        opened = true;
        socket.send(JSON.stringify({ type: 'hello', format, sampleRate, channels: 1 }));
      });
      socket.addEventListener('message', event => {
        if (typeof event.data === 'string') {
          const message = JSON.parse(event.data);
          if (message.event === 'ready') {
            this.readyText = `Connected to ${message.data.sessionId} as ${message.data.speakerId} (${message.data.format}).`;
            this.setStatus('ready', this.readyText);
            resolve();
          }
          this.onEvent(message);
        } else {
          this.onAudio(event.data);
        }
      });
      socket.addEventListener('close', event => {
        const why = event.reason ? `${event.code}: ${event.reason}` : `${event.code}`;
        const text = !opened
          ? 'Could not open the live connection (refused: check the service, the API key and its sessions:write scope).'
          : `Connection closed (${why}).`;
        this.closed(event.code === 1000 || this.closedByUs ? 'closed' : 'error', this.closedByUs ? 'Disconnected.' : text);
        if (!this.closedByUs && event.code !== 1000) this.notify(text);
        reject(new Error(text));
      });
    });
  }

  disconnect() {
    this.closedByUs = true;
    this.socket?.close(1000, 'closed by the person');
    this.closed('closed', 'Disconnected.');
  }

  closed(state, text) {
    this.socket = null;
    this.ready = null;
    this.setOpenMic(false);
    this.pushing = false;
    this.pttButton.classList.remove('held');
    this.connectButton.textContent = 'Connect';
    this.connectButton.setAttribute('aria-pressed', 'false');
    this.stopMic();
    this.decoder?.close?.();
    this.decoder = null;
    this.setStatus(state, text);
  }

  send(data) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(data);
  }

  // ---- Events from the session -----------------------------------------------------------------------------------

  onEvent({ event, data }) {
    switch (event) {
      case 'speechStarted':
        if (data.speakerId === this.speakerInput.value) this.setStatus('ready', 'Hearing you…');
        break;
      case 'answerStarted': {
        if (data.speakerId === this.speakerInput.value && this.readyText) this.setStatus('ready', this.readyText);
        const answer = el('p', { class: 'answer', 'aria-label': `${data.agent} answers` });
        const timings = el('p', { class: 'timings' });
        const item = el('li', { dataset: { turnId: data.turnId, agent: data.agent } },
          el('span', { class: 'who' }, data.speakerId), ': ', el('q', { class: 'transcript' }, data.transcript),
          ' → ', el('span', { class: 'who agent' }, data.agent), answer, timings);
        this.turns.set(data.turnId, { item, answer, timings });
        this.log.append(item);
        break;
      }
      case 'answerDelta': {
        const turn = this.turns.get(data.turnId);
        if (turn) turn.answer.textContent += data.text;
        break;
      }
      case 'answerCompleted': {
        const turn = this.turns.get(data.turnId);
        if (turn) {
          turn.answer.textContent = data.responseText;
          turn.timingsText = timingsText(data.timings);
          this.showTimings(turn);
          turn.item.dataset.completed = 'true';
        }
        break;
      }
      case 'turnFailed':
        this.log.append(el('li', { class: 'error', dataset: { turnId: data.turnId } }, `The turn could not be answered: ${data.reason}`));
        break;
      case 'playbackPaused':
        this.player?.pause();
        break;
      case 'playbackResumed':
        this.player?.resume();
        break;
      case 'answerInterrupted': {
        this.player?.drop();
        const turn = this.turns.get(data.turnId);
        if (turn) {
          turn.item.dataset.interrupted = 'true';
          turn.interruptedBy = data.speakerId;
          this.showTimings(turn);
        }
        break;
      }
      case 'warning':
        this.setStatus('ready', `Warning: ${data.message}`);
        break;
      case 'error':
        this.notify(`The service closes the connection: ${data.message}`);
        break;
      default:
        break;
    }
  }

  /** A turn's timings line, and who interrupted it (the interruption and the completed turn come in either order). */
  showTimings(turn) {
    const parts = [turn.timingsText, turn.interruptedBy ? `interrupted by ${turn.interruptedBy}` : ''].filter(Boolean);
    turn.timings.textContent = parts.join(' · ');
  }

  onAudio(buffer) {
    if (!this.player) return;
    if (this.format === 'opus') {
      this.decoder?.decode(new EncodedAudioChunk({ type: 'key', timestamp: this.decodeTime, data: buffer }));
      this.decodeTime += 20000;
      return;
    }
    const pcm = new Int16Array(buffer, 0, buffer.byteLength >> 1);
    const samples = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) samples[i] = pcm[i] / 32768;
    this.player.play(samples);
  }

  startDecoder() {
    this.decodeTime = 0;
    this.decoder = new AudioDecoder({
      output: data => {
        const samples = new Float32Array(data.numberOfFrames);
        data.copyTo(samples, { planeIndex: 0, format: 'f32-planar' });
        data.close();
        this.player?.play(samples);
      },
      error: error => this.notify(`Could not decode the answer audio: ${error.message}`),
    });
    this.decoder.configure(opusConfig);
  }

  // ---- The microphone --------------------------------------------------------------------------------------------

  async startMic() {
    if (this.mic) return true;
    if (!navigator.mediaDevices?.getUserMedia) {
      this.notify('This page cannot use a microphone here: browsers allow it only on https or on localhost / 127.0.0.1.');
      return false;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
      });
    } catch (error) {
      const text = error.name === 'NotAllowedError' || error.name === 'SecurityError'
        ? 'Microphone access was denied. Allow the microphone for this site in the browser (the icon next to the address), then press the button again.'
        : error.name === 'NotFoundError'
          ? 'No microphone was found. Connect one and press the button again.'
          : `The microphone could not be opened: ${error.message}`;
      this.notify(text);
      this.setStatus('error', text);
      return false;
    }

    const targetRate = this.format === 'opus' ? 48000 : 16000;
    const context = new AudioContext({ latencyHint: 'interactive' });
    await context.audioWorklet.addModule('capture-worklet.js');
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, 'capture', { numberOfInputs: 1, numberOfOutputs: 1, processorOptions: { targetRate } });
    // Connected to the output through a silent gain, so the browser runs it (the microphone is never played back).
    const silent = context.createGain();
    silent.gain.value = 0;
    source.connect(node).connect(silent).connect(context.destination);
    await context.resume();
    this.mic = { stream, context, node, time: 0 };
    if (this.format === 'opus') this.startEncoder();
    node.addEventListener('processorerror', () => this.notify('The microphone capture stopped on an error (audio worklet).'));
    node.port.onmessage = ({ data }) => {
      this.level.value = Math.min(1, data.level * 4);
      this.level.textContent = this.level.value.toFixed(2);
      if (this.openMic || this.pushing) this.sendFrame(data.frame);
    };
    return true;
  }

  stopMic() {
    if (!this.mic) return;
    this.mic.stream.getTracks().forEach(track => track.stop());
    this.mic.context.close();
    this.encoder?.close?.();
    this.encoder = null;
    this.mic = null;
    this.level.value = 0;
  }

  startEncoder() {
    this.encoder = new AudioEncoder({
      output: chunk => {
        const packet = new Uint8Array(chunk.byteLength);
        chunk.copyTo(packet);
        this.send(packet);
      },
      error: error => this.notify(`Could not encode the microphone: ${error.message}`),
    });
    this.encoder.configure(opusEncoderConfig);
  }

  sendFrame(frame) {
    if (this.format === 'opus') {
      if (this.encoder?.state !== 'configured') return;
      const data = new AudioData({ format: 'f32', sampleRate: 48000, numberOfFrames: frame.length, numberOfChannels: 1, timestamp: this.mic.time, data: frame });
      this.mic.time += 20000;
      this.encoder.encode(data);
      data.close();
      return;
    }
    const pcm = new Int16Array(frame.length);
    for (let i = 0; i < frame.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(frame[i] * 32767)));
    this.send(pcm.buffer);
  }

  async ensureTalking() {
    try {
      await this.connect();
    } catch {
      return false;
    }
    return this.startMic();
  }

  setOpenMic(on) {
    this.openMic = on;
    this.openMicButton.setAttribute('aria-pressed', String(on));
    this.openMicButton.textContent = on ? 'Close mic' : 'Open mic';
  }

  async toggleOpenMic() {
    if (this.openMic) {
      this.setOpenMic(false);
      return;
    }
    if (await this.ensureTalking()) this.setOpenMic(true);
  }

  async startPushToTalk() {
    this.pttButton.classList.add('held');
    this.pushWanted = true;
    if (!(await this.ensureTalking())) {
      this.pttButton.classList.remove('held');
      return;
    }
    if (this.pushWanted) this.pushing = true;
  }

  stopPushToTalk() {
    const was = this.pushing;
    this.pushWanted = false;
    this.pushing = false;
    this.pttButton.classList.remove('held');
    if (was) {
      this.encoder?.flush?.().catch(() => {});
      this.send(JSON.stringify({ type: 'endOfSpeech' }));
    }
  }
}
