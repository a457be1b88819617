// Operators: health, agents and their phrases, Discord guilds with joining and leaving a voice channel, links.
import { getJson, postJson, request } from './api.js';
import { el } from './format.js';

export class OperatorsView {
  constructor(notify) {
    this.notify = notify;
    this.health = document.getElementById('health');
    this.agents = document.querySelector('#agents-table tbody');
    this.guilds = document.querySelector('#guilds-table tbody');
    this.guildsStatus = document.getElementById('guilds-status');
  }

  enter() {
    // aria-busy while the view loads: assistive technology waits for the whole view instead of reading it half-built.
    const view = document.getElementById('view-operators');
    view.setAttribute('aria-busy', 'true');
    Promise.allSettled([this.loadHealth(), this.loadAgents().then(() => this.loadGuilds())])
      .then(() => view.removeAttribute('aria-busy'));
  }

  async loadHealth() {
    try {
      const response = await fetch('/health/ready', { headers: { Accept: 'text/plain' } });
      const text = (await response.text()).trim();
      this.health.dataset.state = response.ok ? 'ok' : 'error';
      this.health.textContent = `${response.ok ? 'Ready' : 'Not ready'} (${response.status}): ${text.split('\n')[0]}`;
      this.health.title = text;
    } catch (error) {
      this.health.dataset.state = 'error';
      this.health.textContent = `Health unknown: ${error.message}`;
    }
  }

  async loadAgents() {
    try {
      const agents = await getJson('/api/v1/agents');
      this.agents.replaceChildren(...agents.map(agent => el('tr', { dataset: { agent: agent.name } },
        el('th', { scope: 'row' }, agent.name, agent.isFallback ? ' (fallback)' : ''),
        el('td', {}, agent.description),
        el('td', {}, agent.phrases.length ? el('ul', {}, agent.phrases.map(p => el('li', {}, el('code', {}, p)))) : ''),
        el('td', {}, agent.model ? describeModel(agent.model) : (agent.usesLanguageModel ? 'no model configured' : 'none')))));
    } catch (error) {
      this.notify(`Could not list agents: ${error.message}`);
    }
  }

  async loadGuilds() {
    try {
      const guilds = await getJson('/api/v1/guilds/');
      this.guildsStatus.textContent = guilds.length ? '' : 'Discord is configured but serves no guild yet.';
      this.guilds.replaceChildren(...guilds.map(guild => this.guildRow(guild)));
    } catch (error) {
      this.guilds.replaceChildren();
      this.guildsStatus.textContent = error.status === 503 ? 'Discord is not configured on this service.' : `Could not list guilds: ${error.message}`;
    }
  }

  guildRow(guild) {
    const channel = el('input', { name: 'channel', inputmode: 'numeric', pattern: '[0-9]{1,20}', required: true, value: guild.channelId ?? '', 'aria-label': `Voice channel id for guild ${guild.guildId}` });
    const act = async (method, body) => {
      try {
        await (method === 'DELETE'
          ? request(`/api/v1/guilds/${guild.guildId}/voice`, { method: 'DELETE' })
          : postJson(`/api/v1/guilds/${guild.guildId}/voice`, body));
        this.loadGuilds();
      } catch (error) {
        this.notify(`Guild ${guild.guildId}: ${error.message}`);
      }
    };
    return el('tr', { dataset: { guildId: guild.guildId } },
      el('th', { scope: 'row' }, el('a', { href: `#/sessions/${encodeURIComponent(guild.sessionId)}` }, guild.guildId)),
      el('td', {}, guild.state),
      el('td', {}, guild.channelId ?? ''),
      el('td', {}, String(guild.speakers)),
      el('td', {}, el('form', { class: 'row', onsubmit: event => { event.preventDefault(); act('POST', { channelId: channel.value.trim() }); } },
        channel,
        el('button', { type: 'submit' }, 'Join'),
        el('button', { type: 'button', onclick: () => act('DELETE') }, 'Leave'))));
  }
}

function describeModel(model) {
  return [model.provider, model.model ?? model.deployment ?? model.name].filter(Boolean).join(' · ') || JSON.stringify(model);
}
