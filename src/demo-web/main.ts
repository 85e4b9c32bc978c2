// The demo page's main thread: it only renders. The model lives in model-worker.ts; this file sends
// it requests and draws what comes back (see the protocol types there).
import { LineChart } from './chart.js';
import type { Reply, Request, Scored, StateMessage, TrainSettings } from './model-worker.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo page: no #${id}`);
  return el as T;
};

const worker = new Worker(new URL('./model-worker.js', import.meta.url), { type: 'module' });
const send = (r: Request): void => worker.postMessage(r);

const certChart = new LineChart($('cert-chart'), { log: true, xLabel: 'ALS pass' });
const fitSeries = certChart.addSeries('certificate (training)', '#2563eb');
const retrainSeries = certChart.addSeries('retrain from scratch', '#d97706', true);
const aucChart = new LineChart($('auc-chart'), { xLabel: 'ALS pass', height: 140 });
const aucSeries = aucChart.addSeries('held-out AUC', '#059669');
const forgetChart = new LineChart($('forget-chart'), {
  log: true, height: 170, xLabel: 'after the request',
  xTick: (x) => (x === 0 ? 'trained' : x === 1 ? 'removed' : x === 2 ? 'instant' : `pass ${x - 2}`),
});
const forgetSeries = forgetChart.addSeries('certificate (forgetting)', '#dc2626');

let user = '';
let tol = 0;
let busy = false;
let forgets = 0;
let forgetPoints: Array<[number, number]> = [];
/** First certificate of the run in progress: the progress bar moves on log(c₀/c) / log(c₀/tol). */
let firstCertificate = NaN;
/** Users with a moderate history, for "Another user". */
let sampleUsers: string[] = [];
/** The training summary, shown again when a retrain's progress line is done. */
let trainedSummary = '';

const label = (item: string): string => `item ${item}`;
const f3 = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3));
const exp = (x: number): string => (Number.isFinite(x) ? x.toExponential(2) : '–');
const ms = (s: number): string => (s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);

function setState(s: 'training' | 'trained' | 'forgetting' | 'retraining' | 'error'): void {
  document.body.dataset.state = s;
  busy = s === 'training' || s === 'forgetting' || s === 'retraining';
  document.body.classList.toggle('busy', busy);
  for (const b of document.querySelectorAll<HTMLButtonElement>('#train, #retrain')) b.disabled = busy || (b.id === 'retrain' && s !== 'trained');
}

function showError(message: string): void {
  console.error(`untrain-als demo: ${message}`);
  const el = $('error');
  el.textContent = message;
  el.hidden = false;
}

function settings(): TrainSettings {
  const f = new FormData($<HTMLFormElement>('train-form'));
  const n = (k: string): number => Number(f.get(k));
  return { factors: n('factors'), regularization: n('regularization'), alpha: n('alpha'), tol: n('tol'), maxPasses: n('maxPasses') };
}

function startTraining(data: Extract<Request, { type: 'train' }>['data']): void {
  if (busy) return;
  $('error').hidden = true;
  setState('training');
  for (const c of [certChart, aucChart, forgetChart]) c.clear();
  for (const id of ['forget-status', 'evidence', 'retrain-times', 'train-status']) $(id).textContent = '';
  for (const id of ['forget-table', 'retrain-table', 'history', 'recs']) $(id).replaceChildren();
  $('explain').innerHTML = '<p class="hint">Click a recommendation.</p>';
  forgets = 0;
  document.body.dataset.forgets = '0';
  firstCertificate = NaN;
  const s = settings();
  tol = s.tol;
  certChart.setLines([{ y: s.tol, label: `tol ${exp(s.tol)}`, color: '#64748b' }]);
  send({ type: 'train', data, settings: s });
}

function progress(phase: string, iteration: number, maxPasses: number, certificate?: number): void {
  if (certificate !== undefined && !Number.isFinite(firstCertificate)) firstCertificate = certificate;
  let frac = iteration / maxPasses;
  if (certificate !== undefined && firstCertificate > tol && tol > 0) {
    frac = Math.max(frac, Math.log(firstCertificate / certificate) / Math.log(firstCertificate / tol));
  }
  $('bar').style.width = `${Math.min(100, Math.max(0, frac * 100)).toFixed(1)}%`;
  $('train-status').textContent = `${phase}: pass ${iteration}${certificate !== undefined ? ` · certificate ${exp(certificate)} (target ${exp(tol)})` : ''}`;
}

function itemRow(r: Scored, max: number, onClick: () => void, extra = ''): HTMLLIElement {
  const li = document.createElement('li');
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.item = r.item;
  b.className = extra;
  b.innerHTML = `<span class="name"></span><span class="meter"><span style="width:${Math.max(0, (r.score / max) * 100).toFixed(1)}%"></span></span>`
    + `<span class="num">${r.score.toFixed(3)}</span><span class="rank">#${r.rank}</span>`;
  b.querySelector('.name')!.textContent = label(r.item);
  if (extra.includes('forgotten')) b.querySelector('.name')!.insertAdjacentHTML('beforeend', '<span class="tag">forgotten</span>');
  b.title = `score ${r.score.toFixed(4)}, rank ${r.rank} among all items`;
  b.addEventListener('click', onClick);
  li.append(b);
  return li;
}

function renderState(m: StateMessage): void {
  user = m.user;
  $<HTMLInputElement>('user').value = m.user;
  const max = Math.max(1e-9, ...m.history.map((h) => h.score), ...m.recs.map((r) => r.score));
  $('history-count').textContent = `(${m.history.length} training items)`;
  $('history').replaceChildren(...m.history.map((h) => itemRow(h, max, () => forgetItem(h.item))));
  const explainedItem = m.explanation?.item;
  $('recs').replaceChildren(...m.recs.map((r) => itemRow(r, max, () => explainItem(r.item),
    `${r.item === explainedItem ? 'selected' : ''} ${m.forgotten.includes(r.item) ? 'forgotten' : ''}`.trim())));
  renderExplanation(m.explanation);
  // explain the top recommendation at first, so the panel has something to compare after a forget
  if (!m.explanation && m.recs.length) explainItem(m.recs[0].item);
}

function renderExplanation(e: StateMessage['explanation']): void {
  const el = $('explain');
  if (!e) return;
  const max = Math.max(1e-9, ...e.top.map((c) => Math.abs(c.score)));
  const rows = e.top.map((c) => `<li data-item="${c.item}"><span class="name">${label(c.item)}</span>`
    + `<span class="meter"><span style="width:${((Math.abs(c.score) / max) * 100).toFixed(1)}%"></span></span><span class="num">${c.score.toFixed(3)}</span></li>`).join('');
  let forgottenLine = '';
  if (e.forgottenOfUser.length) {
    const names = e.forgottenOfUser.map(label).join(', ');
    forgottenLine = e.forgottenPresent.length === 0
      ? `<p id="explain-forgotten" class="ok">Forgotten (${names}): absent from all ${e.items} contributions ✓</p>`
      : `<p id="explain-forgotten" class="bad">Forgotten but still contributing: ${e.forgottenPresent.map(label).join(', ')} ✗</p>`;
  }
  el.innerHTML = `<p>Why user <b>${e.user}</b> is shown <b>${label(e.item)}</b>: score ${e.score.toFixed(3)}, the sum of one contribution `
    + `per training item (${e.items} items). The five largest:</p><ol class="items contributions">${rows}</ol>${forgottenLine}`;
}

function forgetItem(item: string): void {
  if (busy) return;
  setState('forgetting');
  forgetPoints = [];
  forgetChart.clear();
  send({ type: 'forget', user, items: [item] });
}

function explainItem(item: string): void {
  send({ type: 'explain', user, item });
}

function onForgotten(m: Extract<Reply, { type: 'forgotten' }>): void {
  // the two points measured outside the passes: right after removal, and after the instant step
  const pts: Array<[number, number]> = [...forgetPoints.filter(([x]) => x === 0), [1, m.certificateBefore], [2, m.certificateInstant], ...forgetPoints.filter(([x]) => x > 2)];
  forgetChart.setPoints(forgetSeries, pts);
  forgetChart.setLines([{ y: m.tolerance, label: `tolerance ${exp(m.tolerance)}`, color: '#64748b' }]);
  $('forget-status').textContent = `Forgot ${m.pairs.length} pair${m.pairs.length === 1 ? '' : 's'} of user ${m.user} in ${ms(m.seconds)}: `
    + `${m.passes} untrain pass${m.passes === 1 ? '' : 'es'} after the instant step, certificate ${exp(m.certificateAfter)} — `
    + `${m.converged ? 'converged' : 'NOT converged'} (tolerance ${exp(m.tolerance)}).${m.note ? ` ${m.note}` : ''}`;
  const table = $('forget-table');
  table.innerHTML = '<tr><th>forgotten</th><th>score before → after</th><th>rank before → after</th></tr>';
  for (const p of m.pairs) {
    const tr = document.createElement('tr');
    tr.dataset.item = p.item;
    tr.innerHTML = `<td>${label(p.item)}</td><td><span class="before">${p.before.score.toFixed(3)}</span> → <span class="after">${p.after.score.toFixed(3)}</span></td>`
      + `<td>#${p.before.rank} → #${p.after.rank}</td>`;
    table.append(tr);
  }
  const e = m.evidence;
  $('evidence').textContent = `Evidence: forgotten pairs' mean score ${f3(e.forgottenBefore)} → ${f3(e.forgottenAfter)}; `
    + `never-seen held-out pairs ${f3(e.heldOut)}; remaining training pairs ${f3(e.trainSample)}`
    + `${e.samplePairs ? ` (${e.samplePairs} pairs each)` : ''}.`;
  forgets++;
}

function onMessage(m: Reply): void {
  switch (m.type) {
    case 'progress':
      if (m.phase === 'data') $('train-status').textContent = m.text ?? '';
      else {
        progress(m.phase === 'train' ? 'training' : 'retraining', m.iteration, m.maxPasses, m.certificate);
        if (m.certificate !== undefined) certChart.push(m.phase === 'train' ? fitSeries : retrainSeries, m.iteration, m.certificate);
        if (m.phase === 'train' && m.auc !== undefined) aucChart.push(aucSeries, m.iteration, m.auc);
      }
      break;
    case 'trained': {
      $('threads').textContent = String(m.threads);
      $('backend').textContent = m.backend;
      $('thread-note').textContent = m.threadNote ? `(${m.threadNote})` : m.isolated ? '(cross-origin isolated: every core)' : '';
      $('bar').style.width = '100%';
      trainedSummary = `${m.source}: ${m.users} users, ${m.items} items, ${m.train} training + ${m.test} held-out pairs. `
        + `${m.passes} passes in ${ms(m.seconds)}, certificate ${exp(m.certificate)} — ${m.converged ? 'converged' : 'NOT converged'} `
        + `(tol ${exp(m.tol)}); held-out AUC ${f3(m.auc)}.`;
      $('train-status').textContent = trainedSummary;
      $('users').replaceChildren(...m.sampleUsers.map((u) => Object.assign(document.createElement('option'), { value: u })));
      sampleUsers = m.sampleUsers;
      break;
    }
    case 'forgetPass':
      forgetPoints.push([m.x, m.certificate]);
      forgetChart.setPoints(forgetSeries, forgetPoints);
      break;
    case 'forgotten':
      onForgotten(m);
      break;
    case 'retrained': {
      setState('trained');
      $('train-status').textContent = trainedSummary;
      $('retrain-times').textContent = `Forgetting took ${ms(m.forgetSeconds)} in all (${m.pairs.length} pair${m.pairs.length === 1 ? '' : 's'}); retraining from scratch took `
        + `${ms(m.seconds)} (${m.passes} passes, ${m.converged ? 'converged' : 'NOT converged'}).`;
      const table = $('retrain-table');
      table.innerHTML = '<tr><th>pair</th><th>score before</th><th>after forget</th><th>retrained</th></tr>';
      for (const p of m.pairs) {
        const tr = document.createElement('tr');
        tr.innerHTML = `<td>user ${p.user}, ${label(p.item)}</td><td>${p.before.toFixed(3)}</td><td>${p.forgotten.toFixed(3)}</td><td>${p.retrained.toFixed(3)}</td>`;
        table.append(tr);
      }
      break;
    }
    case 'state':
      renderState(m);
      // a state message closes a train or a forget: the page is ready again
      if (document.body.dataset.state !== 'retraining') setState('trained');
      document.body.dataset.forgets = String(forgets);
      break;
    case 'error':
      showError(m.message);
      // a failed training leaves the page empty (its lists were cleared); a failed forget or explain does not
      setState(document.body.dataset.state === 'training' || !user ? 'error' : 'trained');
      break;
  }
}

worker.onmessage = (e: MessageEvent<Reply>) => onMessage(e.data);
worker.onerror = (e) => {
  showError(`the model worker failed: ${e.message || 'could not start (see the console)'}`);
  setState('error');
};

$<HTMLFormElement>('train-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = new FormData(e.target as HTMLFormElement);
  const n = (k: string): number => Number(f.get(k));
  startTraining({ kind: 'synthetic', users: n('users'), items: n('items'), interactions: n('interactions'), seed: n('seed') });
});
$<HTMLFormElement>('user-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const u = $<HTMLInputElement>('user').value.trim();
  if (u && !busy) send({ type: 'user', user: u });
});
$('another').addEventListener('click', () => {
  if (busy || sampleUsers.length === 0) return;
  const next = sampleUsers[(sampleUsers.indexOf(user) + 1) % sampleUsers.length];
  send({ type: 'user', user: next });
});
$('retrain').addEventListener('click', () => {
  if (busy) return;
  setState('retraining');
  firstCertificate = NaN;
  certChart.setPoints(retrainSeries, []);
  send({ type: 'retrain' });
});

function takeFile(file: File | undefined): void {
  if (file) startTraining({ kind: 'file', file });
}
$<HTMLInputElement>('file').addEventListener('change', (e) => takeFile((e.target as HTMLInputElement).files?.[0]));
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  takeFile(e.dataTransfer?.files[0]);
});

// the other variant of the page: plain (one thread) ↔ cross-origin isolated (every core)
const isolatedPath = location.pathname.startsWith('/isolated/');
const sw = $<HTMLAnchorElement>('switch');
sw.href = isolatedPath ? '/' : '/isolated/';
sw.textContent = isolatedPath ? 'open the plain page (one thread)' : 'open the cross-origin-isolated page (every core)';

startTraining({ kind: 'synthetic', users: 1500, items: 800, interactions: 60000, seed: 1 });
