// The training code as one object, for the package entries that train to install
// (installTrainer in src/model/trainer.ts); 'seqwasm/inference' leaves it out.
import type { Trainer } from '../model/trainer.js';
import { compileOptions, trainingConfig } from './compile.js';
import { evaluate, evaluateDataset, fit, testOnBatch, trainOnBatch } from './training.js';

export const trainer: Trainer = { compile: compileOptions, trainingConfig, fit, evaluate, evaluateDataset, trainOnBatch, testOnBatch };
