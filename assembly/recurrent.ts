// Whole-layer recurrent kernels: SimpleRNN, LSTM, GRU forward and backward (see recurrent/layer.ts).
export { rnnPackedSize, rnnTapeSize, rnnWorkSize, rnnChunkWorkSize, rnnPack, rnnForward, rnnForwardRows, rnnBackward, rnnBackwardRows, rnnWeightGradients } from './recurrent/layer';
