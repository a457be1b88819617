// Small formatting helpers shared by the views.

/** An element with attributes and children (strings become text: nothing is ever parsed as HTML). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function when(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

const stages = [
  ['sttMs', 'speech to text'],
  ['agentMs', 'agent'],
  ['agentFirstTextMs', 'first text'],
  ['ttsMs', 'speech synthesis'],
  ['ttsFirstAudioMs', 'first sentence'],
  ['endOfUtteranceToFirstAudioMs', 'end of speech to first audio'],
  ['audioMs', 'speech heard'],
];

/** Per-stage timings as a short line: "speech to text 120 ms · agent 3 ms · ...". */
export function timingsText(timings) {
  if (!timings) return '';
  return stages
    .filter(([key]) => typeof timings[key] === 'number')
    .map(([key, label]) => `${label} ${Math.round(timings[key])} ms`)
    .join(' · ');
}

export function seconds(value) {
  return `${value.toFixed(1)} s`;
}
