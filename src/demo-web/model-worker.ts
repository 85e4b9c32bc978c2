// The demo's Web Worker: it owns the model and the data, and answers the page with small JSON
// messages (the protocol types below). Training and forgetting run here so the page stays
// responsive; on a cross-origin-isolated page the model's kernels start Web Workers of their own.
import {
  ALS, DEFAULT_TOL, parseInteractionBytes, prepareDataset, retrain, synthetic,
  type Dataset, type Explanation,
} from '../index.js';

export interface TrainSettings {
  factors: number;
  regularization: number;
  alpha: number;
  tol: number;
  maxPasses: number;
}

export type Request =
  | { type: 'train'; data: { kind: 'synthetic'; users: number; items: number; interactions: number; seed: number } | { kind: 'file'; file: File }; settings: TrainSettings }
  | { type: 'user'; user: string }
  | { type: 'forget'; user: string; items: string[] }
  | { type: 'explain'; user: string; item: string }
  | { type: 'retrain' };

export interface Scored { item: string; score: number; rank: number }

export interface StateMessage {
  type: 'state';
  user: string;
  history: Scored[];
  recs: Scored[];
  /** This user's forgotten items (a retrained model may well recommend them again). */
  forgotten: string[];
  explanation: (Explanation & { user: string; item: string; forgottenPresent: string[]; forgottenOfUser: string[] }) | null;
}

export type Reply =
  | { type: 'progress'; phase: 'data' | 'train' | 'retrain'; iteration: number; maxPasses: number; certificate?: number; auc?: number; loss?: number; text?: string }
  | {
    type: 'trained'; source: string; users: number; items: number; train: number; test: number; threads: number; backend: string;
    threadNote: string; isolated: boolean; converged: boolean; passes: number; seconds: number; certificate: number; tol: number;
    auc: number; defaultUser: string; sampleUsers: string[];
  }
  | { type: 'forgetPass'; x: number; certificate: number; label: string }
  | {
    type: 'forgotten'; user: string; pairs: Array<{ item: string; before: { score: number; rank: number }; after: { score: number; rank: number } }>;
    converged: boolean; passes: number; seconds: number; tolerance: number; baseCertificate: number; certificateBefore: number;
    certificateInstant: number; certificateAfter: number; note: string;
    evidence: { forgottenBefore: number; forgottenAfter: number; heldOut: number | null; trainSample: number | null; samplePairs: number };
    totalForgotten: number;
  }
  | {
    type: 'retrained'; seconds: number; passes: number; converged: boolean; forgetSeconds: number;
    pairs: Array<{ user: string; item: string; before: number; forgotten: number; retrained: number }>;
  }
  | StateMessage
  | { type: 'error'; message: string };

const scope = self as unknown as { postMessage(m: Reply): void; onmessage: ((e: MessageEvent<Request>) => void) | null };
const post = (m: Reply): void => scope.postMessage(m);

let model: ALS | undefined;
let settings: TrainSettings | undefined;
/** Everything forgotten so far, with the score each pair had just before it was forgotten. */
let forgotten: Array<{ user: string; item: string; before: number }> = [];
let forgetSeconds = 0;
/** The last explained (user, item): re-explained after every forget, to show what left. */
let explained: { user: string; item: string } | undefined;

async function loadData(data: Extract<Request, { type: 'train' }>['data']): Promise<{ ds: Dataset; source: string }> {
  if (data.kind === 'synthetic') {
    const raw = synthetic({ users: data.users, items: data.items, interactions: data.interactions, seed: data.seed });
    return { ds: prepareDataset(raw, { holdout: 0.02, seed: 1 }), source: `synthetic ${data.users} users × ${data.items} items, seed ${data.seed}` };
  }
  const raw = await parseInteractionBytes(new Uint8Array(await data.file.arrayBuffer()), { source: data.file.name });
  return { ds: prepareDataset(raw, { holdout: 0.02, seed: 1, source: data.file.name }), source: `${data.file.name} (${raw.format})` };
}

async function train(req: Extract<Request, { type: 'train' }>): Promise<void> {
  post({ type: 'progress', phase: 'data', iteration: 0, maxPasses: req.settings.maxPasses, text: 'preparing the data…' });
  const { ds, source } = await loadData(req.data);
  model?.dispose();
  model = undefined;
  forgotten = [];
  forgetSeconds = 0;
  explained = undefined;
  settings = req.settings;
  const s = req.settings;
  // threads 0 = every core; on a page that is not cross-origin isolated the model runs on one and says why
  const m = await ALS.create({ factors: s.factors, regularization: s.regularization, alpha: s.alpha, tol: s.tol || DEFAULT_TOL, iterations: s.maxPasses, threads: 0, seed: 0 });
  const fit = await m.fit(ds, {
    onIteration: (r) => post({ type: 'progress', phase: 'train', iteration: r.iteration, maxPasses: s.maxPasses, certificate: r.certificate, auc: r.auc, loss: r.loss }),
  });
  model = m;
  const rows = m.trainRows;
  const count = (u: number): number => rows.indptr[u + 1] - rows.indptr[u];
  // a user with a moderate history: long enough to be interesting, short enough to read
  const moderate: string[] = [];
  for (let u = 0; u < m.nUsers && moderate.length < 12; u++) if (count(u) >= 20 && count(u) <= 60) moderate.push(m.userIds.id(u));
  let busiest = 0;
  for (let u = 1; u < m.nUsers; u++) if (count(u) > count(busiest)) busiest = u;
  const defaultUser = moderate[0] ?? m.userIds.id(busiest);
  post({
    type: 'trained', source, users: m.nUsers, items: m.nItems, train: rows.indptr[rows.rows], test: ds.test ? ds.test.indptr[ds.test.rows] : 0,
    threads: m.threads, backend: m.backend, threadNote: m.threadNote, isolated: self.crossOriginIsolated === true,
    converged: fit.converged, passes: fit.iterations.length, seconds: fit.seconds, certificate: fit.residual, tol: fit.tol,
    auc: fit.iterations.at(-1)?.auc ?? NaN, defaultUser, sampleUsers: moderate,
  });
  state(defaultUser);
}

function need(): ALS {
  if (!model) throw new Error('no model yet: train one first');
  return model;
}

/** Every item's score and rank (1 = best, over all items, seen ones included) for a user. */
function ranking(m: ALS, user: string): Map<string, { score: number; rank: number }> {
  const all = m.recommend(user, m.nItems, { filterSeen: false });
  const out = new Map<string, { score: number; rank: number }>();
  all.forEach((r, t) => out.set(r.item, { score: r.score, rank: t + 1 }));
  // a user with nothing left gets no list from recommend: their factor is 0, so every score is 0
  if (all.length === 0) for (const id of m.itemIds.ids) out.set(id, { score: 0, rank: m.nItems });
  return out;
}

function historyOf(m: ALS, user: string): string[] {
  const u = m.userIndex(user);
  // re-read every time: the views into backend memory are replaced when the model changes
  const rows = m.trainRows;
  return Array.from(rows.indices.subarray(rows.indptr[u], rows.indptr[u + 1]), (i) => m.itemIds.id(i));
}

function state(user: string): void {
  const m = need();
  const rank = ranking(m, user);
  const history = historyOf(m, user).map((item) => ({ item, ...rank.get(item)! })).sort((a, b) => b.score - a.score);
  const recs = m.recommend(user, 10).map((r) => ({ ...r, rank: rank.get(r.item)!.rank }));
  const mine = forgotten.filter((f) => f.user === user).map((f) => f.item);
  let explanation: StateMessage['explanation'] = null;
  if (explained && explained.user === user) {
    const seen = history.length;
    // every contribution (n = the whole history), so "forgotten items are absent" is checked over all of them
    const e = m.explain(user, explained.item, Math.max(1, seen));
    explanation = {
      ...e, top: e.top.slice(0, 5), user, item: explained.item, forgottenOfUser: mine,
      forgottenPresent: e.top.filter((c) => mine.includes(c.item)).map((c) => c.item),
    };
  }
  post({ type: 'state', user, history, recs, forgotten: mine, explanation });
}

function forgetPairs(user: string, items: string[]): void {
  const m = need();
  const before = ranking(m, user);
  post({ type: 'forgetPass', x: 0, certificate: m.fitResidual, label: 'trained' });
  // trace: also measure the certificate right after the pairs leave the data, before the instant step
  const r = m.forget(items.map((i) => [user, i] as const), {
    trace: true,
    onPass: (p) => post({ type: 'forgetPass', x: 2 + p.iteration, certificate: p.certificate, label: `pass ${p.iteration}` }),
  });
  const after = ranking(m, user);
  forgetSeconds += r.seconds;
  for (const item of items) forgotten.push({ user, item, before: before.get(item)!.score });
  post({
    type: 'forgotten', user, pairs: items.map((item) => ({ item, before: before.get(item)!, after: after.get(item)! })),
    converged: r.converged, passes: r.passes, seconds: r.seconds, tolerance: r.tolerance, baseCertificate: r.baseCertificate,
    certificateBefore: r.certificateBefore, certificateInstant: r.certificateInstant, certificateAfter: r.certificateAfter, note: r.note,
    evidence: r.evidence, totalForgotten: forgotten.length,
  });
  state(user);
}

async function retrainNow(): Promise<void> {
  const m = need();
  const cap = settings?.maxPasses ?? m.options.iterations;
  const rt = await retrain(m, {
    onIteration: (r) => post({ type: 'progress', phase: 'retrain', iteration: r.iteration, maxPasses: cap, certificate: r.certificate, auc: r.auc, loss: r.loss }),
  });
  try {
    const score = (mm: ALS, user: string, item: string): number => mm.meanScore([mm.userIndex(user)], [mm.itemIndex(item)]);
    post({
      type: 'retrained', seconds: rt.fit.seconds, passes: rt.fit.iterations.length, converged: rt.fit.converged, forgetSeconds,
      pairs: forgotten.map((f) => ({ user: f.user, item: f.item, before: f.before, forgotten: score(m, f.user, f.item), retrained: score(rt.model, f.user, f.item) })),
    });
  } finally {
    rt.model.dispose();
  }
}

async function handle(req: Request): Promise<void> {
  switch (req.type) {
    case 'train': return train(req);
    case 'user':
      need().userIndex(req.user); // an unknown id throws UnknownIdError, which the page shows
      return state(req.user);
    case 'forget': return forgetPairs(req.user, req.items);
    case 'explain':
      explained = { user: req.user, item: req.item };
      return state(req.user);
    case 'retrain': return retrainNow();
  }
}

// one request at a time, in order: a forget never runs while a fit is still going
let queue = Promise.resolve();
scope.onmessage = (e) => {
  queue = queue.then(() => handle(e.data)).catch((err: unknown) => {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    console.error(`model worker: ${message}`);
    post({ type: 'error', message });
  });
};
