// The public API of untrain-als. Nothing imported from here touches Node APIs; file helpers live
// in 'untrain-als/node'.
export { ALS, ModelFitError, UnknownIdError } from './model/als.js';
export type { TrainingData, PairRows, FitOptions, FitResult, IterationReport, Certificate, Recommendation } from './model/als.js';
export { DEFAULT_OPTIONS, OptionError, resolveOptions } from './model/options.js';
export type { AlsOptions, SolverName } from './model/options.js';
export { modelToBytes, modelFromBytes, ModelFileError, FORMAT_VERSION } from './model/persist.js';
export { loadKernels } from './kernels/select.js';
export type { BackendName } from './kernels/select.js';
export type { Kernels } from './kernels/kernels.js';
export { wasmSimdSupported } from './kernels/wasm.js';
export { parseInteractions, FORMATS } from './data/parse.js';
export type { Format, RawInteractions } from './data/parse.js';
export { IdMap, buildInteractions, holdoutSplit } from './data/interactions.js';
export type { Csr, Interactions } from './data/interactions.js';
export { prepareDataset } from './data/dataset.js';
export type { Dataset, DatasetOptions } from './data/dataset.js';
export { synthetic } from './data/synthetic.js';
export { maybeGunzip, decodeText } from './data/gzip.js';
export { DataError } from './data/errors.js';
export { Rng } from './data/random.js';
export { heldOutAuc } from './eval/auc.js';
export type { AucResult } from './eval/auc.js';
export { rankingMetricsAtK } from './eval/ranking.js';
export type { RankingMetrics } from './eval/ranking.js';
export type { UserScorer, SparseRows } from './eval/scorer.js';
